// Synthesis figures: in-process synth of both stacks (fresh processes), the same with the provider
// package index imported (the baseline per-class imports avoid), and the CLI `cdktf synth`.
// Prints figures; asserts nothing. Run: tsx bench/synth.ts
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const RUNS = 5;
const CLI_RUNS = 3;
const ROOT = path.resolve(__dirname, "..");

interface Once {
  loadMs: number;
  firstSynthMs: number;
  warmSynthMs: number;
  maxRssMb: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (n: number) => n.toFixed(0).padStart(6);

/** A tiny but complete model directory, so the figures measure synthesis, not packing weights. */
function fixtureModel(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-model-"));
  fs.mkdirSync(path.join(dir, "code"));
  fs.writeFileSync(path.join(dir, "config.json"), JSON.stringify({ id2label: { 0: "Neutral", 1: "Positive", 2: "Negative" } }));
  fs.writeFileSync(path.join(dir, "tokenizer_config.json"), "{}");
  fs.writeFileSync(path.join(dir, "vocab.txt"), "[PAD]\n");
  fs.writeFileSync(path.join(dir, "model.safetensors"), Buffer.alloc(1024));
  fs.copyFileSync(path.join(ROOT, "model", "code", "inference.py"), path.join(dir, "code", "inference.py"));
  return dir;
}

function inProcess(mode: "per-class" | "index", env: NodeJS.ProcessEnv): Once[] {
  return Array.from({ length: RUNS }, () => {
    const out = execFileSync(
      process.execPath,
      ["--import", "tsx", path.join(__dirname, "synth-once.ts"), mode === "index" ? "index" : ""],
      { cwd: ROOT, env, encoding: "utf8" },
    );
    return JSON.parse(out.trim().split("\n").pop() as string) as Once;
  });
}

function cli(env: NodeJS.ProcessEnv): Array<{ seconds: number; maxRssMb: number }> {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-cli-"));
  return Array.from({ length: CLI_RUNS }, () => {
    const timing = path.join(outdir, "time.txt");
    execFileSync(
      "/usr/bin/time",
      ["-o", timing, "-f", "%e %M", path.join(ROOT, "node_modules", ".bin", "cdktf"), "synth", "--output", path.join(outdir, "out")],
      {
        cwd: ROOT,
        env: { ...env, CHECKPOINT_DISABLE: "1" },
        stdio: "ignore",
      },
    );
    const [seconds, kb] = fs.readFileSync(timing, "utf8").trim().split(/\s+/).map(Number);
    return { seconds, maxRssMb: kb / 1024 };
  });
}

function report(label: string, runs: Once[]): void {
  console.log(
    `${label.padEnd(34)} load ${fmt(median(runs.map((r) => r.loadMs)))} ms   empty build dir ${fmt(median(runs.map((r) => r.firstSynthMs)))} ms   cached build dir ${fmt(median(runs.map((r) => r.warmSynthMs)))} ms   peak RSS ${fmt(median(runs.map((r) => r.maxRssMb)))} MB`,
  );
}

function main(): void {
  const env = { ...process.env, MODEL_SOURCE: fixtureModel() };
  console.log(`synth benchmark (median of ${RUNS} fresh processes; ${os.cpus().length} cores)`);
  const perClass = inProcess("per-class", env);
  const index = inProcess("index", env);
  report("in-process, per-class imports", perClass);
  report("in-process, provider index imported", index);
  const total = (runs: Once[]) => median(runs.map((r) => r.loadMs + r.firstSynthMs));
  console.log(
    `baseline ratio (index / per-class):  load+synth ${(total(index) / total(perClass)).toFixed(2)}x   peak RSS ${(median(index.map((r) => r.maxRssMb)) / median(perClass.map((r) => r.maxRssMb))).toFixed(2)}x`,
  );
  const runs = cli(env);
  console.log(
    `CLI cdktf synth (median of ${CLI_RUNS})      ${median(runs.map((r) => r.seconds)).toFixed(2)} s   peak RSS ${fmt(median(runs.map((r) => r.maxRssMb)))} MB (largest process)`,
  );
  console.log("targets: in-process synth < 0.5 s, CLI synth < 4 s");
}

main();
