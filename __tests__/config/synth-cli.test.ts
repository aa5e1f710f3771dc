// The app as `cdktf synth` runs it: a bad configuration or model fails before anything is written.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const REPO = path.resolve(__dirname, "..", "..");
const scratchDirs: string[] = [];
afterAll(() => {
  for (const dir of scratchDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function runApp(env: Record<string, string>) {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "app-"));
  scratchDirs.push(scratch);
  const outdir = path.join(scratch, "cdktf.out");
  const result = spawnSync(process.execPath, ["--import", "tsx", "main.ts"], {
    cwd: REPO,
    env: { ...process.env, CDKTF_OUTDIR: outdir, ...env },
    encoding: "utf8",
  });
  return { ...result, outdir };
}

test("a bad configuration exits 1 naming the field, and writes no synth output", () => {
  const run = runApp({ ENDPOINT_MODE: "batch" });
  expect(run.status).toBe(1);
  expect(run.stderr).toContain(
    'endpointMode (env ENDPOINT_MODE, context "endpointMode"): must be one of real-time, serverless, async; got "batch"',
  );
  expect(run.stderr).not.toMatch(/\s+at /);
  expect(fs.existsSync(run.outdir)).toBe(false);
});

test("a model directory without weights exits 1 saying how to fetch them, and writes nothing", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "empty-model-"));
  scratchDirs.push(dir);
  fs.writeFileSync(path.join(dir, "config.json"), "{}");
  const run = runApp({ MODEL_SOURCE: dir });
  expect(run.status).toBe(1);
  expect(run.stderr).toContain(`modelSource '${dir}' cannot be deployed`);
  expect(run.stderr).toContain("npm run model:fetch -- <hub id>");
  expect(fs.existsSync(run.outdir)).toBe(false);
});

test("a bad service in an APP_CONFIG file exits 1 naming the service and the field, and writes nothing", () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "app-config-")), "app.json");
  const services = [{ name: "qa", task: "question-answering", modelSource: "hub:deepset/bert-base-cased-squad2", instanceCount: 0 }];
  fs.writeFileSync(file, JSON.stringify({ services }));
  const run = runApp({ APP_CONFIG: file });
  expect(run.status).toBe(1);
  expect(run.stderr).toContain('services[0] "qa": instanceCount: must be at least 1; got 0');
  expect(fs.existsSync(run.outdir)).toBe(false);
});
