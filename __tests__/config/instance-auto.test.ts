import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadConfig } from "./sagemaker-config";
import { servingEnvironment } from "../../lib/container-env";
import { envProblems as problemsOf } from "./problems";

const REPO = path.resolve(__dirname, "..", "..");
const GiB = 2 ** 30;
let root: string;

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "instance-auto-"));
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

/** A classifier directory whose weights file has the given size (sparse: no disk used). */
function modelDir(weightBytes: number, name = "model"): string {
  const dir = path.join(root, name);
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, "config.json"), JSON.stringify({ architectures: ["BertForSequenceClassification"] }));
  fs.writeFileSync(path.join(dir, "vocab.txt"), "[PAD]\n[UNK]\n");
  fs.writeFileSync(path.join(dir, "model.safetensors"), "");
  fs.truncateSync(path.join(dir, "model.safetensors"), weightBytes);
  return dir;
}

describe("instanceType auto", () => {
  test("gives the endpoint the cheapest type whose memory holds the measured weights for its workers", () => {
    const dir = modelDir(990_000_000);
    const [service] = loadConfig({ env: { INSTANCE_TYPE: "auto", MODEL_SOURCE: dir } }).services;
    expect(service.endpoint).toEqual({ mode: "real-time", instanceType: "ml.m5.large", instanceCount: 1 });
    expect(service.instanceChoice?.sizeFrom).toBe(`model.safetensors in ${dir}`);
    expect(service.instanceChoice?.choice.chosen).toMatchObject({ hourlyUsd: 0.115, workers: 2, memoryNeededGiB: 7.1 });
  });

  test("serves the chosen type with its own worker count", () => {
    const [service] = loadConfig({ env: { INSTANCE_TYPE: "auto", MODEL_SOURCE: modelDir(990_000_000) } }).services;
    expect(servingEnvironment(service.endpoint, service.model.quantization)).toMatchObject({ SAGEMAKER_MODEL_SERVER_WORKERS: "2" });
  });

  test("takes the GPU image when the chosen type is a GPU type", () => {
    const [service] = loadConfig({ env: { INSTANCE_TYPE: "auto", MODEL_SOURCE: modelDir(8 * GiB) } }).services;
    expect(service.endpoint).toMatchObject({ instanceType: "ml.g6.xlarge" });
    expect(service.model.image.tag).toMatch(/-gpu-/);
  });

  test("takes the cheapest fitting type when it is within maxHourlyUsd", () => {
    const [service] = loadConfig({ env: { INSTANCE_TYPE: "auto", MAX_HOURLY_USD: "1.2", MODEL_SOURCE: modelDir(8 * GiB) } }).services;
    expect(service.instanceChoice?.choice.chosen).toMatchObject({ instanceType: "ml.g6.xlarge", hourlyUsd: 1.1267 });
  });

  test("fails when no type that fits is within maxHourlyUsd, naming the cheapest that would fit", () => {
    const message = problemsOf({ INSTANCE_TYPE: "auto", MAX_HOURLY_USD: "0.06", MODEL_SOURCE: modelDir(990_000_000) });
    expect(message).toContain(
      'instanceType (env INSTANCE_TYPE, context "instanceType"): auto: no instance type in us-east-1 holds a model of 944 MiB within maxHourlyUsd 0.06; the cheapest that would fit is ml.m5.large at $0.115/h',
    );
  });

  test("fails in a region without prices, naming the region and the price file", () => {
    const message = problemsOf({ INSTANCE_TYPE: "auto", AWS_REGION: "af-south-1", MODEL_SOURCE: modelDir(990_000_000) });
    expect(message).toContain(
      'instanceType (env INSTANCE_TYPE, context "instanceType"): auto: no prices for region af-south-1 in lib/sagemaker-prices.json',
    );
  });

  test("sizes a Hub source by modelSizeMb, in MB of 10^6 bytes", () => {
    const services = [
      {
        name: "generate",
        task: "text2text-generation",
        modelSource: "hub:google/flan-t5-base@7bcac57",
        instanceType: "auto",
        modelSizeMb: 990,
      },
    ];
    const [service] = loadConfig({ context: { services } }).services;
    expect(service.endpoint).toMatchObject({ instanceType: "ml.m5.large" });
    expect(service.instanceChoice?.sizeFrom).toBe("modelSizeMb 990");
  });

  test("a Hub source without modelSizeMb fails naming the field and the command that prints it", () => {
    const services = [
      { name: "generate", task: "text2text-generation", modelSource: "hub:google/flan-t5-base@7bcac57", instanceType: "auto" },
    ];
    expect(problemsOf({}, { services })).toContain(
      'services[0] "generate": modelSizeMb: required with instanceType auto and a hub source, whose size synth does not read (it stays offline); `npm run model:size -- hub:google/flan-t5-base@7bcac57` prints it from the Hub\'s listing',
    );
  });

  test("modelSizeMb on a model directory is refused: its weights are measured", () => {
    expect(problemsOf({ INSTANCE_TYPE: "auto", MODEL_SIZE_MB: "500", MODEL_SOURCE: modelDir(1000) })).toContain(
      'modelSizeMb (env MODEL_SIZE_MB, context "modelSizeMb"): a directory\'s weights are measured; modelSizeMb is for hub: and s3:// sources',
    );
  });

  test("maxHourlyUsd without instanceType auto is refused", () => {
    expect(problemsOf({ MAX_HOURLY_USD: "0.5" })).toContain(
      'maxHourlyUsd (env MAX_HOURLY_USD, context "maxHourlyUsd"): only used with endpointMode real-time (or async) and instanceType auto',
    );
  });

  test("a directory without weights files fails naming it", () => {
    const dir = modelDir(0);
    fs.rmSync(path.join(dir, "model.safetensors"));
    expect(problemsOf({ INSTANCE_TYPE: "auto", MODEL_SOURCE: dir })).toContain(`auto cannot size the model: ${dir}: no weights files`);
  });

  test("a maxHourlyUsd that is not a positive number is refused", () => {
    expect(problemsOf({ INSTANCE_TYPE: "auto", MAX_HOURLY_USD: "0" })).toContain(
      'maxHourlyUsd (env MAX_HOURLY_USD, context "maxHourlyUsd"): must be more than 0; got "0"',
    );
  });

  test("each service of a list gets its own choice", () => {
    const services = [
      { name: "small", task: "text-classification", modelSource: modelDir(50 * 2 ** 20, "small"), instanceType: "auto" },
      { name: "big", task: "text-classification", modelSource: modelDir(8 * GiB, "big"), instanceType: "auto", maxHourlyUsd: 2 },
      { name: "fixed", task: "text-classification", modelSource: modelDir(1000, "fixed"), instanceType: "ml.c5.xlarge" },
    ];
    const types = loadConfig({ context: { services } }).services.map((s) => s.endpoint.mode === "real-time" && s.endpoint.instanceType);
    expect(types).toEqual(["ml.c5.large", "ml.g6.xlarge", "ml.c5.xlarge"]);
  });
});

describe("synth with instanceType auto", () => {
  function runApp(env: Record<string, string>) {
    const outdir = path.join(root, "cdktf.out");
    const result = spawnSync(process.execPath, ["--import", "tsx", "main.ts"], {
      cwd: REPO,
      env: { ...process.env, CDKTF_OUTDIR: outdir, ...env },
      encoding: "utf8",
    });
    return { ...result, outdir };
  }

  test("prints the choice and why, and synthesizes the endpoint on the chosen type", () => {
    const run = runApp({ INSTANCE_TYPE: "auto", MODEL_SOURCE: modelDir(50 * 2 ** 20) });
    expect([run.status, run.stderr]).toEqual([0, expect.not.stringContaining("Error")]);
    expect(run.stdout).toContain("instanceType auto for route sentiment: ml.c5.large at $0.102/h in us-east-1");
    expect(run.stdout).toContain("model: 50 MiB of weights (model.safetensors in ");
    const stack = fs.readFileSync(path.join(run.outdir, "stacks", "inference", "cdk.tf.json"), "utf8");
    expect(stack).toContain('"instance_type": "ml.c5.large"');
  });

  test("a budget no fitting type meets exits 1 naming the cheapest that would fit, and writes nothing", () => {
    const run = runApp({ INSTANCE_TYPE: "auto", MAX_HOURLY_USD: "0.06", MODEL_SOURCE: modelDir(990_000_000) });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("the cheapest that would fit is ml.m5.large at $0.115/h");
    expect(fs.existsSync(run.outdir)).toBe(false);
  });
});
