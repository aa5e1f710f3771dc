// Types for the cdktf matchers that setup.js registers.
import "cdktf/lib/testing/adapters/jest";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { type App, Testing, type TerraformStack } from "cdktf";
import { buildStacks, prepareApp } from "../../main";

export interface SynthedApp {
  readonly bootstrap: string;
  readonly inference: string;
  readonly bootstrapJson: TerraformJson;
  readonly inferenceJson: TerraformJson;
}

export interface TerraformJson {
  resource: Record<string, Record<string, Record<string, unknown>>>;
  data: Record<string, Record<string, Record<string, unknown>>>;
  output: Record<string, { value: string }>;
  terraform: { backend: Record<string, Record<string, unknown>> };
  provider: Record<string, Array<Record<string, unknown>>>;
}

const REPO = path.resolve(__dirname, "..", "..");

// Every temp directory made here, removed after the test file that made it (jest evaluates this
// module once per test file, so the hook below is registered in each of them).
const scratchDirs: string[] = [];
function scratchDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  scratchDirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of scratchDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  sharedModelDir = undefined;
});

/** A minimal but complete model directory: config, tokenizer, weights, the repo's inference.py. */
export function makeModelDir(weights = "weights-v1"): string {
  const dir = scratchDir("model-");
  fs.mkdirSync(path.join(dir, "code"));
  fs.writeFileSync(
    path.join(dir, "config.json"),
    JSON.stringify({ architectures: ["BertForSequenceClassification"], id2label: { 0: "Neutral", 1: "Positive", 2: "Negative" } }),
  );
  fs.writeFileSync(path.join(dir, "tokenizer_config.json"), "{}");
  fs.writeFileSync(path.join(dir, "vocab.txt"), "[PAD]\n[UNK]\n");
  fs.writeFileSync(path.join(dir, "model.safetensors"), weights);
  fs.copyFileSync(path.join(REPO, "model", "code", "inference.py"), path.join(dir, "code", "inference.py"));
  return dir;
}

let sharedModelDir: string | undefined;
/** One model directory shared by the tests of a file that do not vary the model. */
export function defaultModelDir(): string {
  sharedModelDir ??= makeModelDir();
  return sharedModelDir;
}

/** Builds the app as `cdktf synth` does, with the given environment, into a scratch directory. */
export async function synthApp(env: Record<string, string> = {}, context: Record<string, unknown> = {}): Promise<SynthedApp> {
  const scratch = scratchDir("synth-");
  // A configuration file or a services list names its own model sources.
  const ownSources = env.APP_CONFIG !== undefined || context.services !== undefined;
  const prepared = await prepareApp({
    env: { ...(ownSources ? {} : { MODEL_SOURCE: defaultModelDir() }), ...env },
    context,
    buildDir: path.join(scratch, "build"),
  });
  const app: App = Testing.app({ outdir: path.join(scratch, "cdktf.out"), context });
  buildStacks(app, prepared);
  const synth = (id: string) => Testing.synth(app.node.findChild(id) as TerraformStack);
  const bootstrap = synth("bootstrap");
  const inference = synth("inference");
  return { bootstrap, inference, bootstrapJson: JSON.parse(bootstrap), inferenceJson: JSON.parse(inference) };
}

/** The single resource of a type; fails when there is not exactly one. */
export function only(json: TerraformJson, type: string): Record<string, unknown> {
  const all = Object.values(json.resource[type] ?? {});
  if (all.length !== 1) throw new Error(`expected one ${type}, found ${all.length}`);
  return all[0];
}

export function resourcesOf(json: TerraformJson, type: string): Array<Record<string, unknown>> {
  return Object.values(json.resource[type] ?? {});
}

export interface PolicyStatement {
  sid?: string;
  effect: string;
  actions?: string[];
  resources?: string[];
  principals?: Array<{ type: string; identifiers: string[] }>;
  condition?: Array<{ test: string; variable: string; values: string[] }>;
}

/** Statements of the policy document a role policy / trust policy / bucket policy refers to. */
export function statementsOf(json: TerraformJson, reference: unknown): PolicyStatement[] {
  const match = /^\$\{data\.aws_iam_policy_document\.([^.]+)\.json\}$/.exec(String(reference));
  if (!match) throw new Error(`not a policy document reference: ${String(reference)}`);
  return json.data.aws_iam_policy_document[match[1]].statement as PolicyStatement[];
}

/** The resource a `${type.name.attr}` reference points at. */
export function referenced(json: TerraformJson, reference: unknown): Record<string, unknown> {
  const match = /^\$\{([a-z0-9_]+)\.([^.]+)\.[a-z_]+\}$/.exec(String(reference));
  if (!match) throw new Error(`not a resource reference: ${String(reference)}`);
  return json.resource[match[1]][match[2]];
}
