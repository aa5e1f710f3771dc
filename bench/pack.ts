/**
 * Packing benchmark: packModelDirectory vs `tar -czf` on a generated 400 MB model directory.
 * Prints figures only. Run: npx tsx bench/pack.ts [--weights random|float32]
 * (random: pseudo-random bytes; float32: normal-like float32 values, which compress by ~7%).
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { listModelDirectory } from "../lib/model-directory";
import { packModelDirectory } from "../lib/model-pack";

const MB = 1024 * 1024;
const WEIGHTS_BYTES = 398 * MB;

/** xorshift32: reproducible pseudo-random words, as near-incompressible as real weights. */
function xorshift(): () => number {
  let state = 0x9e3779b9;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return state >>> 0;
  };
}

function writeWeights(file: string, bytes: number, kind: "random" | "float32"): void {
  const fd = fs.openSync(file, "w");
  const words = new Uint32Array(MB / 4);
  const floats = new Float32Array(words.buffer);
  const next = xorshift();
  for (let written = 0; written < bytes; written += MB) {
    for (let i = 0; i < words.length; i++) {
      if (kind === "random") words[i] = next();
      else floats[i] = ((next() + next() + next()) / 2 ** 32 - 1.5) * 0.05;
    }
    fs.writeSync(fd, words, 0, Math.min(MB, bytes - written));
  }
  fs.closeSync(fd);
}

function generateModelDirectory(dir: string, kind: "random" | "float32"): number {
  fs.mkdirSync(path.join(dir, "code"), { recursive: true });
  writeWeights(path.join(dir, "model.safetensors"), WEIGHTS_BYTES, kind);
  const vocab = Array.from({ length: 30_000 }, (_, i) => `token${i}`).join("\n");
  fs.writeFileSync(path.join(dir, "vocab.txt"), vocab);
  fs.writeFileSync(
    path.join(dir, "tokenizer.json"),
    JSON.stringify({ model: { type: "WordPiece", vocab: Object.fromEntries(vocab.split("\n").map((t, i) => [t, i])) } }),
  );
  fs.writeFileSync(path.join(dir, "config.json"), JSON.stringify({ architectures: ["BertForSequenceClassification"] }));
  fs.copyFileSync(path.join(__dirname, "..", "model", "code", "inference.py"), path.join(dir, "code", "inference.py"));
  return fs.readdirSync(dir, { recursive: true }).reduce<number>((sum, name) => {
    const stat = fs.statSync(path.join(dir, String(name)));
    return stat.isFile() ? sum + stat.size : sum;
  }, 0);
}

function sha256(file: string): string {
  return createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}

function line(label: string, ms: number, inputBytes: number, outFile: string): void {
  const outBytes = fs.statSync(outFile).size;
  const rate = inputBytes / MB / (ms / 1000);
  console.log(
    `${label.padEnd(24)} ${(ms / 1000).toFixed(2).padStart(6)} s  ${rate.toFixed(0).padStart(5)} MB/s  ` +
      `${(outBytes / MB).toFixed(1)} MB  sha256 ${sha256(outFile).slice(0, 16)}`,
  );
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { weights: { type: "string", default: "random" } } });
  const kind = values.weights === "float32" ? "float32" : "random";
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "bench-pack-"));
  try {
    const dir = path.join(root, "model");
    const inputBytes = generateModelDirectory(dir, kind);
    console.log(
      `model directory: ${(inputBytes / MB).toFixed(0)} MB (${kind} weights), ${os.availableParallelism()} CPUs, node ${process.version}`,
    );

    const packTimes: number[] = [];
    const tarTimes: number[] = [];
    const hashes: string[] = [];
    for (let run = 1; run <= 2; run++) {
      const out = path.join(root, `pack-${run}.tar.gz`);
      let start = performance.now();
      const result = await packModelDirectory(listModelDirectory(dir), out);
      packTimes.push(performance.now() - start);
      hashes.push(result.sha256);
      line(`packModelDirectory #${run}`, packTimes[run - 1], inputBytes, out);
      fs.rmSync(out);

      const tarOut = path.join(root, "tar.tar.gz");
      start = performance.now();
      execFileSync("tar", ["-czf", tarOut, "-C", dir, "."]);
      tarTimes.push(performance.now() - start);
      line(`tar -czf #${run}`, tarTimes[run - 1], inputBytes, tarOut);
      fs.rmSync(tarOut);
    }
    const best = (times: number[]): number => Math.min(...times);
    console.log(`speed-up (best of 2): ${(best(tarTimes) / best(packTimes)).toFixed(1)}x`);
    console.log(`packModelDirectory sha256 identical on both runs: ${hashes[0] === hashes[1] ? "yes" : "NO"} (${hashes[0]})`);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

void main();
