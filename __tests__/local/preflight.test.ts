import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { startModelServer } from "../../local/model-server";
import { FIXTURE_MODEL, hasTorch, REPO_ROOT } from "./support";

const itIfNoTorch = hasTorch ? it.skip : it;
let scratch: string;

beforeAll(() => {
  scratch = mkdtempSync(path.join(os.tmpdir(), "local-preflight-"));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A copy of the fixture model whose code/inference.py is `source`. */
function modelWith(name: string, source: string): string {
  const dir = path.join(scratch, name);
  cpSync(FIXTURE_MODEL, dir, { recursive: true });
  writeFileSync(path.join(dir, "code", "inference.py"), source);
  return dir;
}

function runStart(args: string[]) {
  return spawnSync(process.execPath, ["--import", "tsx", "local/start.ts", ...args], { cwd: REPO_ROOT, encoding: "utf8", timeout: 20_000 });
}

const start = (modelDir: string, python = "python3") =>
  startModelServer({ python, modelDir, port: 0, env: {}, readyTimeoutMs: 10_000, log: () => undefined });

describe("npm start: clear messages before anything is served", () => {
  it("documents its options in --help", () => {
    const result = runStart(["--help"]);
    expect(result.status).toBe(0);
    for (const option of ["--model-dir", "--port", "--runtime-port", "--model-port", "--api-key", "--python"])
      expect(result.stdout).toContain(option);
  });

  it("refuses a model directory without weights, telling how to fetch them, and exits 1", () => {
    const dir = path.join(scratch, "empty-model");
    mkdirSync(path.join(dir, "code"), { recursive: true });
    cpSync(path.join(FIXTURE_MODEL, "code", "inference.py"), path.join(dir, "code", "inference.py"));
    const result = runStart(["--model-dir", dir, "--port", "0", "--runtime-port", "0", "--model-port", "0"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`The model directory ${dir} is not ready:`);
    expect(result.stderr).toContain("no weights (expected *.safetensors, or pytorch_model.bin)");
    expect(result.stderr).toContain(`npm run model:fetch -- <hub id> --dir ${dir}`);
    expect(result.stdout).toBe("");
  });

  it("names a missing Python interpreter", async () => {
    await expect(start(FIXTURE_MODEL, path.join(scratch, "no-python3"))).rejects.toThrow(
      /^Python not found \('.*no-python3'\): install Python 3\.9 or later/,
    );
  });

  itIfNoTorch("names missing torch with the pip command for the project's inference.py (only where torch is not installed)", async () => {
    const dir = modelWith("needs-torch", "");
    cpSync(path.join(REPO_ROOT, "model", "code", "inference.py"), path.join(dir, "code", "inference.py"));
    await expect(start(dir)).rejects.toThrow(/needs the Python package 'torch'.*python3 -m pip install torch transformers/);
  });

  it("shows a failing model_fn with its error", async () => {
    const dir = modelWith("broken", "def model_fn(model_dir):\n    raise RuntimeError('weights are corrupt')\n");
    await expect(start(dir)).rejects.toThrow("model_fn failed: RuntimeError: weights are corrupt");
  });
});
