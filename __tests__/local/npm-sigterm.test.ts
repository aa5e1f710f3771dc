// `kill <npm pid>` is what process managers and CI send: it must stop every process the npm
// script started, not just npm and the shell it runs the script in.
import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { request } from "../../local/http";
import { API_KEY, FIXTURE_MODEL, isAlive, REPO_ROOT } from "./support";

/** Every live process below `root`, from /proc (each process's parent is field 4 of its stat). */
function descendants(root: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const ppid = Number(readFileSync(`/proc/${entry}/stat`, "utf8").split(") ")[1].split(" ")[1]);
      parents.set(Number(entry), ppid);
    } catch {
      // gone meanwhile
    }
  }
  const found: number[] = [];
  const walk = (pid: number) => {
    for (const [child, parent] of parents) {
      if (parent === pid) {
        found.push(child);
        walk(child);
      }
    }
  };
  walk(root);
  return found;
}

function waitFor(child: ChildProcess, text: string, timeoutMs: number): Promise<string> {
  let stdout = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no '${text}' within ${timeoutMs} ms:\n${stdout}`)), timeoutMs);
    child.stdout?.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes(text)) {
        clearTimeout(timer);
        resolve(stdout);
      }
    });
  });
}

async function untilGone(pids: number[], timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const alive = pids.filter(isAlive);
    if (alive.length === 0 || Date.now() > deadline) return alive;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

let npm: ChildProcess | undefined;
let started: number[] = [];

afterEach(() => {
  for (const pid of [...started, npm?.pid ?? 0].filter((pid) => pid > 0 && isAlive(pid))) process.kill(pid, "SIGKILL");
});

describe("SIGTERM to the npm process", () => {
  it("stops the gateway, the Lambda worker and the model server that npm start started", async () => {
    npm = spawn(
      "npm",
      [
        "start",
        "--silent",
        "--",
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
        cwd: REPO_ROOT,
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...process.env, SAGEMAKER_MODEL_SERVER_WORKERS: "1" },
      },
    );
    const banner = await waitFor(npm, "Ctrl-C stops everything.", 60_000);
    const urls = [...banner.matchAll(/(http:\/\/127\.0\.0\.1:\d+)/g)].map((match) => match[1]);
    started = descendants(npm.pid!);
    expect(started.length).toBeGreaterThanOrEqual(3);

    npm.kill("SIGTERM");

    expect(await untilGone([npm.pid!, ...started], 15_000)).toEqual([]);
    for (const url of new Set(urls)) {
      await expect(request(url, { method: "GET", timeoutMs: 2_000 })).rejects.toThrow(/ECONNREFUSED/);
    }
  }, 90_000);

  it("stops the local stack that npm run invoke started, while its request is in flight", async () => {
    // "__sleep__" makes the fixture model's predict_fn sleep 3 s: the request is in flight.
    npm = spawn("npm", ["run", "invoke", "--silent", "--", '{"text": "__sleep__"}', "--model-dir", FIXTURE_MODEL], {
      cwd: REPO_ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, SAGEMAKER_MODEL_SERVER_WORKERS: "1" },
    });
    const exited = new Promise<number | null>((resolve) => npm!.once("exit", (code) => resolve(code)));
    const deadline = Date.now() + 60_000;
    // Wait until the model server is up: a python process below npm with its worker.
    while (descendants(npm.pid!).filter((pid) => readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("model_server.py")).length < 2) {
      if (Date.now() > deadline) throw new Error("the model server did not start");
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    started = descendants(npm.pid!);

    npm.kill("SIGTERM");

    expect(await untilGone([npm.pid!, ...started], 15_000)).toEqual([]);
    expect(await exited).not.toBe(0);
  }, 90_000);
});
