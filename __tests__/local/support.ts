// Shared by the local-mode tests: the fixture model, a `npm start` child process, HTTP calls.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { request, type HttpReply } from "../../local/http";

export const REPO_ROOT = path.resolve(__dirname, "..", "..");
export const FIXTURE_MODEL = path.join(REPO_ROOT, "__tests__", "fixtures", "local-model");
export const API_KEY = "test-key-0123456789abcdef";

// find_spec rather than import: importing torch takes seconds, and every test file loads this.
const FIND_TORCH = "import importlib.util as u, sys; sys.exit(0 if u.find_spec('torch') and u.find_spec('transformers') else 1)";
/** The Python of the real-model tests: `ML_PYTHON` (e.g. a venv from ../shared/tools/mlvenv.sh), else python3. */
export const ML_PYTHON = process.env.ML_PYTHON || "python3";
export const hasTorch = spawnSync(ML_PYTHON, ["-c", FIND_TORCH], { stdio: "ignore" }).status === 0;

export interface RunningCli {
  child: ChildProcess;
  routeUrl: string;
  runtimeUrl: string;
  endpointName: string;
  modelPid: number;
  output(): { stdout: string; stderr: string };
  /** Exit code (or signal) once the process has ended. */
  exited: Promise<number | NodeJS.Signals>;
}

/** Runs local/start.ts (no tsx wrapper process, so signals reach it directly) until it is ready. */
export function startCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<RunningCli> {
  const child = spawn(process.execPath, ["--import", "tsx", "local/start.ts", ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | NodeJS.Signals>((resolve) => child.once("exit", (code, signal) => resolve(code ?? signal ?? -1)));
  const output = () => ({ stdout, stderr });
  return new Promise((resolve, reject) => {
    const onData = () => {
      if (!stdout.includes("Ctrl-C stops everything.")) return;
      child.stdout.off("data", onData);
      const route = /POST (http:\/\/127\.0\.0\.1:\d+\/\S+)/.exec(stdout);
      const runtime = /SageMaker Runtime: (http:\/\/127\.0\.0\.1:\d+) \(endpoint (\S+)\)/.exec(stdout);
      const model = /Model server: +http:\/\/127\.0\.0\.1:\d+ \(pid (\d+)\)/.exec(stdout);
      if (!route || !runtime || !model) return reject(new Error(`unexpected banner:\n${stdout}`));
      resolve({ child, routeUrl: route[1], runtimeUrl: runtime[1], endpointName: runtime[2], modelPid: Number(model[1]), output, exited });
    };
    child.stdout.on("data", onData);
    void exited.then((code) => reject(new Error(`npm start exited (${code}) before it was ready:\n${stdout}\n${stderr}`)));
  });
}

/** Ends a CLI child however the test left it (afterAll). */
export async function killCli(cli: RunningCli | undefined): Promise<void> {
  if (!cli || cli.child.exitCode !== null || cli.child.signalCode !== null) return;
  cli.child.kill("SIGKILL");
  await cli.exited;
}

export function post(url: string, body: unknown, headers: Record<string, string> = { "x-api-key": API_KEY }): Promise<HttpReply> {
  const payload = typeof body === "string" ? body : JSON.stringify(body);
  return request(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: payload, timeoutMs: 20_000 });
}

export function json(reply: HttpReply): unknown {
  return JSON.parse(reply.body.toString("utf8"));
}

/** Running, not a zombie (an exited child that PID 1 of a container may never reap). */
export function isAlive(pid: number): boolean {
  try {
    const state = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0];
    return state !== undefined && state !== "Z";
  } catch {
    return false;
  }
}

/** Direct children of a process (Linux `ps`). */
export function childPids(pid: number): number[] {
  // ps exits 1 when there are none.
  const out = spawnSync("ps", ["-o", "pid=", "--ppid", String(pid)], { encoding: "utf8" }).stdout.trim();
  return out === "" ? [] : out.split(/\s+/).map(Number);
}
