import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import readline from "node:readline";
import { request } from "./http";
import { UserError } from "../lib/errors";

const SCRIPT = path.join(__dirname, "model_server.py");
const PING_INTERVAL_MS = 100;

export interface ModelServerOptions {
  python: string;
  modelDir: string;
  port: number;
  /** Extra environment for inference.py (HF_TASK, ...). */
  env: Readonly<Record<string, string>>;
  /** How long model_fn plus the first /ping may take. */
  readyTimeoutMs: number;
  log(line: string): void;
}

export interface ModelServer {
  url: string;
  pid: number;
  /** Settles when the process ends, for whatever reason, with a description of how. */
  exited: Promise<string>;
  stop(): Promise<void>;
}

/** The model server could not start; `message` says what to install or fix. */
export class ModelServerStartError extends UserError {}

type StartEvent =
  | { event: "listening"; port: number }
  | { event: "missing-module"; module: string; message: string }
  | { event: "failed"; message: string };

function installHint(module: string, python: string): string {
  const packages = module === "torch" || module === "transformers" ? "torch transformers" : module;
  const cpuTorch = packages.includes("torch") ? " (CPU-only torch: add --index-url https://download.pytorch.org/whl/cpu for torch)" : "";
  return `install it into that interpreter: ${python} -m pip install ${packages}${cpuTorch}, or pick another interpreter with --python`;
}

function describeExit(child: ChildProcess): string {
  return child.signalCode ? `killed by ${child.signalCode}` : `exited with code ${child.exitCode}`;
}

async function waitForPing(url: string, deadline: number, exited: Promise<string>): Promise<void> {
  let gone: string | undefined;
  void exited.then((how) => (gone = how));
  for (;;) {
    if (gone) throw new ModelServerStartError(`the model server ${gone} before answering /ping`);
    // Refused or timed out while the model loads: asked again until the deadline, which is reported.
    const reply = await request(`${url}/ping`, { method: "GET", timeoutMs: 2_000 }).catch(() => undefined);
    if (reply?.status === 200) return;
    if (Date.now() > deadline) throw new ModelServerStartError(`the model server did not answer GET /ping with 200 in time`);
    await new Promise((resolve) => setTimeout(resolve, PING_INTERVAL_MS));
  }
}

/**
 * Starts local/model_server.py on the model directory and resolves once GET /ping answers 200.
 * Missing Python, a missing Python package or a failing model_fn reject with a ModelServerStartError.
 */
export async function startModelServer(options: ModelServerOptions): Promise<ModelServer> {
  const deadline = Date.now() + options.readyTimeoutMs;
  const child = spawn(options.python, [SCRIPT, "--model-dir", path.resolve(options.modelDir), "--port", String(options.port)], {
    // stdio stays the default, three pipes: the server exits when its stdin closes, so it never
    // outlives this process.
    // Own process group: a terminal's Ctrl-C reaches only the supervisor, which stops this in order.
    detached: true,
    env: { ...process.env, ...options.env, PYTHONUNBUFFERED: "1", PYTHONDONTWRITEBYTECODE: "1" },
  });
  const spawnError = new Promise<never>((_, reject) =>
    child.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        new ModelServerStartError(
          error.code === "ENOENT"
            ? `Python not found ('${options.python}'): install Python 3.9 or later (Debian: apt-get install python3) or pass --python <path>`
            : `cannot start ${options.python}: ${error.message}`,
          { cause: error },
        ),
      ),
    ),
  );
  spawnError.catch(() => undefined); // marks it handled until it is raced against the start below
  const exited = new Promise<string>((resolve) => child.once("close", () => resolve(describeExit(child))));
  readline.createInterface({ input: child.stderr }).on("line", options.log);
  const events = readline.createInterface({ input: child.stdout });
  const started = new Promise<StartEvent>((resolve, reject) => {
    events.on("line", (line) => {
      if (!line.startsWith("{")) return options.log(line);
      try {
        resolve(JSON.parse(line) as StartEvent);
      } catch {
        options.log(line);
      }
    });
    void exited.then((how) => reject(new ModelServerStartError(`the model server ${how} while loading the model (see the output above)`)));
  });
  const stop = async () => {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 3_000);
      await exited;
      clearTimeout(timer);
    }
  };
  try {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new ModelServerStartError(`model_fn did not finish within ${options.readyTimeoutMs} ms`)),
        options.readyTimeoutMs,
      );
    });
    const first = await Promise.race([started, spawnError, timeout]).finally(() => clearTimeout(timer));
    if (first.event === "missing-module") throw new ModelServerStartError(`${first.message}; ${installHint(first.module, options.python)}`);
    if (first.event === "failed") throw new ModelServerStartError(first.message);
    const url = `http://127.0.0.1:${first.port}`;
    await waitForPing(url, deadline, exited);
    // A child that answered /ping has a pid; the check only narrows the type.
    if (child.pid === undefined) throw new ModelServerStartError("the model server has no process id");
    return { url, pid: child.pid, exited, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
