// npm run test:terraform where providers cannot be installed (this machine: offline, and the
// local mirror lacks the pinned versions): it must say what it could not do and skip, not fail.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const REPO = path.resolve(__dirname, "..", "..");
const FIXTURE_MODEL = path.join(REPO, "__tests__", "fixtures", "local-model");
const hasTerraform = spawnSync("terraform", ["version"], { stdio: "ignore" }).status === 0;

let scratch: string;
beforeAll(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), "tf-test-cli-"));
});
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

function runTestTerraform(env: Record<string, string>) {
  return spawnSync("npm", ["run", "--silent", "test:terraform", "--", "--shapes", "default"], {
    cwd: REPO,
    encoding: "utf8",
    env: { ...process.env, MODEL_SOURCE: FIXTURE_MODEL, TMPDIR: scratch, ...env },
    timeout: 240_000,
  });
}

(hasTerraform ? it : it.skip)(
  "reports provider installation it could not do as SKIP naming the provider and the reason, and exits 0 (skipped without terraform)",
  () => {
    // A filesystem mirror with nothing in it: the same answer offline and online.
    const mirror = path.join(scratch, "empty-mirror");
    fs.mkdirSync(mirror);
    const cliConfig = path.join(scratch, "terraformrc");
    fs.writeFileSync(cliConfig, `provider_installation {\n  filesystem_mirror {\n    path = "${mirror}"\n  }\n}\n`);

    const result = runTestTerraform({ TF_CLI_CONFIG_FILE: cliConfig, TF_TEST_AWS_ENDPOINT: "" });

    expect(result.status).toBe(0);
    expect(result.stdout).toContain("[PASS] default synth: stacks bootstrap, inference");
    expect(result.stdout).toMatch(
      /\[SKIP\] default\/inference init: providers could not be installed, so validate and plan were not run: .*hashicorp\/archive: provider registry\.terraform\.io\/hashicorp\/archive was not found in any of the search locations/,
    );
    expect(result.stdout).toMatch(/\[SKIP\] default\/bootstrap init: .*hashicorp\/aws/);
    expect(result.stdout.trim().split("\n").at(-1)).toBe("test:terraform: 1 pass, 0 fail, 2 skip");
    // Its work directory (synth output, plugin cache) is gone.
    expect(fs.readdirSync(scratch).filter((name) => name.startsWith("tf-test-"))).toEqual([]);
  },
  240_000,
);

it("refuses an unknown shape, listing the known ones", () => {
  const bad = spawnSync("npm", ["run", "--silent", "test:terraform", "--", "--shapes", "nope"], { cwd: REPO, encoding: "utf8" });
  expect(bad.status).toBe(2);
  expect(bad.stderr).toContain("test:terraform: unknown shape(s) nope; known: default, serverless-iam, hub");
});
