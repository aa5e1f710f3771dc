// The stdlib fixture model of each task, and one JSON body answered by it the way the local model
// server loads code/inference.py. Shared by the contract tests.
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import type { Task } from "../../lib/tasks";

const FIXTURES = path.resolve(__dirname, "..", "fixtures");

const FIXTURE_DIR: Readonly<Record<Task, string>> = {
  "text-classification": "local-model",
  "sentence-pair-classification": "sentence-pair-classification-model",
  "question-answering": "question-answering-model",
  "text2text-generation": "text2text-generation-model",
  "feature-extraction": "feature-extraction-model",
};

export function fixtureModelDir(task: Task): string {
  return path.join(FIXTURES, FIXTURE_DIR[task]);
}

const DRIVER = `
import importlib.util, os, sys
sys.dont_write_bytecode = True
model_dir = sys.argv[1]
sys.path.insert(0, os.path.join(model_dir, "code"))
spec = importlib.util.spec_from_file_location("inference", os.path.join(model_dir, "code", "inference.py"))
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
model = module.model_fn(model_dir)
print(module.output_fn(module.predict_fn(module.input_fn(sys.stdin.read(), "application/json"), model), "application/json"))
`;

/** The fixture model's JSON answer to `body`; throws with its stderr when it fails. */
export function invokeFixture(task: Task, body: unknown): unknown {
  const run = spawnSync("python3", ["-c", DRIVER, fixtureModelDir(task)], { input: JSON.stringify(body), encoding: "utf8" });
  if (run.status !== 0) throw new Error(`fixture ${task} failed: ${run.stderr}`);
  return JSON.parse(run.stdout);
}
