/**
 * Requests per second and p50/p99 latency through the local gateway (npm start, fixture model)
 * at 1 and 16 concurrent clients. Bounded in count and time; prints figures, asserts nothing.
 * Run: npx tsx bench/local.ts
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { request } from "../local/http";

const ROOT = path.resolve(__dirname, "..");
const FIXTURE_MODEL = path.join(ROOT, "__tests__", "fixtures", "local-model");
const API_KEY = "bench-key-0123456789abcdef";
const CONCURRENCY = [1, 16];
const MAX_REQUESTS = 2_000;
const MAX_SECONDS = 10;
const WARMUP_REQUESTS = 20;
const BODY = JSON.stringify({ text: "Operating profit rose to EUR 13.1 mn from EUR 8.7 mn." });

interface Round {
  clients: number;
  latenciesMs: number[];
  errors: number;
  seconds: number;
}

function startLocalApi(): Promise<{ url: string; stop(): Promise<void> }> {
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "local/start.ts",
      "--model-dir",
      FIXTURE_MODEL,
      "--port",
      "0",
      "--runtime-port",
      "0",
      "--model-port",
      "0",
      "--api-key",
      API_KEY,
    ],
    {
      cwd: ROOT,
      // Component logs (one line per request) are not part of the measurement.
      stdio: ["ignore", "pipe", "ignore"],
    },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    child.kill("SIGTERM");
    await exited;
  };
  let stdout = "";
  return new Promise((resolve, reject) => {
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /POST (http:\/\/127\.0\.0\.1:\d+\/\S+)/.exec(stdout);
      if (match && stdout.includes("Ctrl-C stops everything.")) resolve({ url: match[1], stop });
    });
    void exited.then(() => reject(new Error(`npm start exited before it was ready:\n${stdout}`)));
  });
}

async function send(url: string): Promise<boolean> {
  const reply = await request(url, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": API_KEY },
    body: BODY,
    timeoutMs: 30_000,
  });
  return reply.status === 200;
}

async function round(url: string, clients: number): Promise<Round> {
  const latenciesMs: number[] = [];
  let errors = 0;
  let issued = 0;
  const started = performance.now();
  const deadline = started + MAX_SECONDS * 1000;
  const client = async () => {
    while (issued < MAX_REQUESTS && performance.now() < deadline) {
      issued += 1;
      const t0 = performance.now();
      const ok = await send(url).catch(() => false);
      latenciesMs.push(performance.now() - t0);
      if (!ok) errors += 1;
    }
  };
  await Promise.all(Array.from({ length: clients }, client));
  return { clients, latenciesMs, errors, seconds: (performance.now() - started) / 1000 };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function report(r: Round): string {
  const sorted = [...r.latenciesMs].sort((a, b) => a - b);
  const cells = [
    r.clients,
    r.latenciesMs.length,
    r.errors,
    (r.latenciesMs.length / r.seconds).toFixed(1),
    percentile(sorted, 50).toFixed(1),
    percentile(sorted, 99).toFixed(1),
  ];
  return cells.map((c) => String(c).padStart(10)).join("");
}

async function main(): Promise<void> {
  const api = await startLocalApi();
  try {
    for (let i = 0; i < WARMUP_REQUESTS; i++) await send(api.url);
    console.log(`POST ${api.url} (fixture model; at most ${MAX_REQUESTS} requests or ${MAX_SECONDS} s per row)`);
    console.log(["clients", "requests", "errors", "req/s", "p50 ms", "p99 ms"].map((h) => h.padStart(10)).join(""));
    for (const clients of CONCURRENCY) console.log(report(await round(api.url, clients)));
  } finally {
    await api.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
