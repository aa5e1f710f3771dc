/**
 * The model container's speed on this machine: a BERT-base classifier of FinBERT tone's shape
 * (random weights, built offline) timed (a) the seed's way, a text-classification pipeline called
 * text by text, (b) through model/code/inference.py as the container runs it, and (c) the same with
 * dynamic int8 quantization; variants run in their own processes, interleaved, so load from other
 * work hits them alike. Twice: as each container runs on an instance with this machine's vCPUs (the
 * seed with torch's default of a thread per vCPU, the project with the threads lib/container-env.ts
 * sets), and with one torch thread everywhere. Then workers x threads at 1, 4 and 16 concurrent clients.
 * Where torch sees a GPU: the seed and the project's path (float32, float16) at several batch sizes
 * on it, with the cost per million texts of a GPU instance at that rate.
 * Python: $ML_PYTHON, else /tmp/mlvenv/bin/python, else python3; skips where torch is missing.
 * Run: npx tsx bench/model.ts (MODEL_BENCH_ROUNDS rounds, default 2, 0 skips the variants;
 * MODEL_BENCH_SERVE=0 skips workers x threads, MODEL_BENCH_GPU=0 the GPU part)
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { workersAndThreads } from "../lib/container-env";
import prices from "../lib/sagemaker-prices.json";

const SCRIPT = path.join(__dirname, "model_bench.py");
const VARIANTS = ["seed", "project", "project-int8"] as const;
type Variant = (typeof VARIANTS)[number];
const ROUNDS = Number(process.env.MODEL_BENCH_ROUNDS ?? 2);
const VCPUS = os.cpus().length;
const DEPLOYED = workersAndThreads({ vcpus: VCPUS, memoryGiB: 0, gpus: 0, gpuMemoryGiB: 0 });

/** Torch threads of the seed's process, and the project's MODEL_TORCH_THREADS and MODEL_TORCH_IDLE_THREADS. */
interface ThreadMode {
  readonly name: string;
  readonly seedThreads: number;
  readonly threads: number;
  readonly idleThreads: number;
}

const MODES: readonly ThreadMode[] = [
  {
    name: `as deployed on ${VCPUS} vCPUs (seed: torch's default, a thread per vCPU; project: lib/container-env.ts)`,
    seedThreads: VCPUS,
    threads: DEPLOYED.threads,
    idleThreads: DEPLOYED.idleThreads ?? DEPLOYED.threads,
  },
  { name: "one torch thread in every variant", seedThreads: 1, threads: 1, idleThreads: 1 },
];
// [workers, threads, idle threads]: one thread each, the deployed rule, the toolkit's default.
const WORKERS_X_THREADS = [
  [1, 2, 2],
  [2, 1, 1],
  [2, 1, 2],
  [2, 2, 2],
] as const;
const CLIENTS = [1, 4, 16];

interface VariantRun {
  variant: Variant;
  threads: number;
  mixedTextsPerSecond: number;
  singleP50Ms: number;
  singleP99Ms: number;
  peakRssMb: number;
  scores: Array<Record<string, number>>;
  load: string;
}

function findPython(): string | undefined {
  const candidates = [process.env.ML_PYTHON, "/tmp/mlvenv/bin/python", "python3"].filter(
    (p): p is string => Boolean(p) && (p === "python3" || existsSync(p as string)),
  );
  const probe = "import importlib.util as u, sys; sys.exit(0 if u.find_spec('torch') and u.find_spec('transformers') else 1)";
  return candidates.find((python) => spawnSync(python, ["-c", probe], { stdio: "ignore" }).status === 0);
}

function python(bin: string, args: string[]): string {
  const env: NodeJS.ProcessEnv = { ...process.env, TOKENIZERS_PARALLELISM: "false", HF_HUB_OFFLINE: "1", TRANSFORMERS_VERBOSITY: "error" };
  delete env.MODEL_QUANTIZATION;
  delete env.MODEL_TORCH_THREADS;
  delete env.MODEL_TORCH_IDLE_THREADS;
  const run = spawnSync(bin, [SCRIPT, ...args], { env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (run.status !== 0) throw new Error(`model_bench.py ${args.join(" ")} failed (${run.status}):\n${run.stderr}`);
  return run.stdout.trim().split("\n").pop() ?? "";
}

function loadAverage(): string {
  return os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function top(scores: Record<string, number>): string {
  return Object.entries(scores).sort((a, b) => b[1] - a[1])[0][0];
}

/** Top-label agreement and the largest score difference between two variants on the same texts. */
function agreement(a: VariantRun, b: VariantRun): string {
  const same = a.scores.filter((s, i) => top(s) === top(b.scores[i])).length;
  const diff = Math.max(...a.scores.flatMap((s, i) => Object.keys(s).map((label) => Math.abs(s[label] - b.scores[i][label]))));
  return `top label ${same}/${a.scores.length}, largest score difference ${diff.toFixed(4)}`;
}

const cell = (value: string | number, width = 12) => String(value).padStart(width);

function variantTable(runs: VariantRun[]): void {
  const byVariant = (v: Variant) => runs.filter((r) => r.variant === v);
  const figure = (v: Variant, key: "mixedTextsPerSecond" | "singleP50Ms" | "singleP99Ms" | "peakRssMb") =>
    median(byVariant(v).map((r) => r[key]));
  console.log(
    ["variant", "texts/s", "x seed", "p50 ms", "x seed", "p99 ms", "x seed", "peak MB", "x seed"]
      .map((h, i) => cell(h, i ? 10 : 14))
      .join(""),
  );
  for (const v of VARIANTS) {
    const row = [cell(v, 14)];
    for (const key of ["mixedTextsPerSecond", "singleP50Ms", "singleP99Ms", "peakRssMb"] as const) {
      const value = figure(v, key);
      // Speed-ups: texts/s as is; latency and memory as seed / variant, so > 1 is better everywhere.
      const ratio = key === "mixedTextsPerSecond" ? value / figure("seed", key) : figure("seed", key) / value;
      row.push(cell(value.toFixed(key === "mixedTextsPerSecond" ? 2 : 0), 10), cell(`${ratio.toFixed(2)}x`, 10));
    }
    console.log(row.join(""));
  }
  const last = (v: Variant) => byVariant(v)[byVariant(v).length - 1];
  console.log(`agreement, int8 vs float (project): ${agreement(last("project-int8"), last("project"))}`);
  console.log(`agreement, project vs seed:         ${agreement(last("project"), last("seed"))}`);
  // Random weights give near-uniform scores, so few distinct top labels make agreement weak evidence.
  console.log(
    `distinct top labels of the float model on these texts: ${new Set(last("project").scores.map(top)).size} of 3 (random weights)`,
  );
}

/** Every variant, ROUNDS times interleaved, with one mode's thread counts; then the table. */
function variantRuns(bin: string, modelDir: string, mode: ThreadMode): void {
  console.log(`\n${mode.name}`);
  const runs: VariantRun[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    for (const variant of VARIANTS) {
      const load = loadAverage();
      const threads = variant === "seed" ? [mode.seedThreads, mode.seedThreads] : [mode.threads, mode.idleThreads];
      const run = { ...(JSON.parse(python(bin, ["run", modelDir, variant, ...threads.map(String)])) as Omit<VariantRun, "load">), load };
      runs.push(run);
      console.log(
        `  round ${round} ${variant.padEnd(12)} load ${load}: ${run.mixedTextsPerSecond.toFixed(2)} texts/s, p50 ${run.singleP50Ms.toFixed(0)} ms, p99 ${run.singleP99Ms.toFixed(0)} ms, ${run.peakRssMb.toFixed(0)} MB, ${run.threads} threads`,
      );
    }
  }
  variantTable(runs);
}

interface AccelRow {
  variant: "seed" | "project";
  dtype: string;
  batchTexts?: number;
  textsPerSecond: number;
  singleP50Ms: number;
  singleP99Ms: number;
  peakDeviceMb?: number | null;
}

const GPU_INSTANCES = ["ml.g5.xlarge", "ml.g6.xlarge"] as const;
const US_EAST_1: Readonly<Record<string, number>> = prices.regions["us-east-1"];

/** Cost per million texts of an instance at a rate: hourly price / (texts per hour) x 10^6. */
function perMillion(instanceType: string, textsPerSecond: number): string {
  return `$${((US_EAST_1[instanceType] / (textsPerSecond * 3600)) * 1e6).toFixed(2)}`;
}

/** The GPU part: skipped, with a line saying so, where torch sees no CUDA device. */
function gpuRuns(bin: string, modelDir: string): void {
  const probe = spawnSync(bin, ["-c", "import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)"], { stdio: "ignore" });
  if (probe.status !== 0) {
    console.log("\nGPU: skipped (torch sees no CUDA device on this machine)");
    return;
  }
  const run = JSON.parse(python(bin, ["accel", modelDir])) as { device: string; texts: number; rows: AccelRow[] };
  const seed = run.rows[0];
  console.log(`\nGPU ${run.device}: ${run.texts} mixed texts in one request, batches of n texts by length; x seed > 1 is better`);
  console.log(
    ["variant", "dtype", "batch", "texts/s", "x seed", "p50 ms", "p99 ms", "peak MB", ...GPU_INSTANCES.map((t) => `${t} /M`)]
      .map((h, i) => cell(h, i < 2 ? 9 : i < 8 ? 14 : 17))
      .join(""),
  );
  for (const r of run.rows) {
    console.log(
      [
        cell(r.variant, 9),
        cell(r.dtype, 9),
        cell(r.batchTexts ?? "1", 14),
        cell(r.textsPerSecond.toFixed(1), 14),
        cell(`${(r.textsPerSecond / seed.textsPerSecond).toFixed(2)}x`, 14),
        cell(r.singleP50Ms.toFixed(1), 14),
        cell(r.singleP99Ms.toFixed(1), 14),
        cell(r.peakDeviceMb ? r.peakDeviceMb.toFixed(0) : "-", 14),
        ...GPU_INSTANCES.map((t) => cell(perMillion(t, r.textsPerSecond), 17)),
      ].join(""),
    );
  }
  console.log(
    `cost per million texts: us-east-1 hourly prices (lib/sagemaker-prices.json) at ${run.device}'s rate, not that instance's GPU's`,
  );
}

const SERVE_HEADER = ["workers", "threads", "idle", "clients", "requests", "req/s", "texts/s", "p50 ms", "p99 ms", "load 1m"]
  .map((h) => cell(h, 10))
  .join("");
const MIXED_CLIENTS = [1, 2, 4];

/** One `serve` cell: workers, threads, idle threads, clients and requests, then what each request sends. */
function serveRow(bin: string, modelDir: string, cellArgs: number[], payload: "single" | "mixed-int8"): void {
  const load = os.loadavg()[0].toFixed(2);
  const r = JSON.parse(python(bin, ["serve", modelDir, ...cellArgs.map(String), payload])) as Record<string, number>;
  const figures = [r.requestsPerSecond.toFixed(2), r.textsPerSecond.toFixed(2), r.p50Ms.toFixed(0), r.p99Ms.toFixed(0), load];
  console.log([...cellArgs, ...figures].map((v) => cell(v, 10)).join(""));
}

function main(): void {
  const bin = findPython();
  if (!bin) {
    console.log("skipped: no Python with torch and transformers (set ML_PYTHON, or build one with ../shared/tools/mlvenv.sh)");
    return;
  }
  const scratch = mkdtempSync(path.join(os.tmpdir(), "model-bench-"));
  try {
    const modelDir = path.join(scratch, "model");
    python(bin, ["build", modelDir]);
    console.log(`BERT-base, FinBERT tone's shape, random weights; ${os.cpus().length} vCPUs (${os.cpus()[0]?.model ?? "?"}); ${bin}`);
    console.log(
      `32 mixed texts (5-400 words, one request), one 30-word text (p50/p99 of 30); median of ${ROUNDS} interleaved rounds; x seed > 1 is better`,
    );
    for (const mode of ROUNDS > 0 ? MODES : []) variantRuns(bin, modelDir, mode);
    if (process.env.MODEL_BENCH_GPU !== "0") gpuRuns(bin, modelDir);
    if (process.env.MODEL_BENCH_SERVE === "0") return;
    console.log(
      "\nworkers x torch threads (idle: a worker's threads while the others are idle), one 30-word text per request (project path, float)",
    );
    console.log(SERVE_HEADER);
    for (const [workers, threads, idle] of WORKERS_X_THREADS) {
      for (const clients of CLIENTS) serveRow(bin, modelDir, [workers, threads, idle, clients, clients === 1 ? 16 : 32], "single");
    }
    console.log(`\nthe mixed batch of 32 per request (project path, int8), ${VCPUS} workers of one thread, without and with sharing`);
    console.log(SERVE_HEADER);
    for (const idle of [1, DEPLOYED.idleThreads ?? 1]) {
      for (const clients of MIXED_CLIENTS) serveRow(bin, modelDir, [VCPUS, 1, idle, clients, 4 * clients], "mixed-int8");
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

main();
