import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { buildSync } from "esbuild";
import type { APIGatewayProxyEvent } from "aws-lambda";
import { LambdaHost, LambdaInitError } from "../../local/lambda-host";
import { REPO_ROOT } from "./support";

let scratch: string;
let workerFile: string;
const hosts: LambdaHost[] = [];

beforeAll(() => {
  scratch = mkdtempSync(path.join(os.tmpdir(), "local-lambda-host-"));
  workerFile = path.join(scratch, "worker.js");
  buildSync({
    entryPoints: [path.join(REPO_ROOT, "local", "lambda-worker.ts")],
    outfile: workerFile,
    bundle: true,
    platform: "node",
    format: "cjs",
    logLevel: "silent",
  });
});

afterAll(async () => {
  await Promise.all(hosts.map((h) => h.close()));
  rmSync(scratch, { recursive: true, force: true });
});

/** A host for a CommonJS bundle with the given source. */
function hostFor(name: string, source: string, timeoutMs = 5_000): LambdaHost {
  const bundleFile = path.join(scratch, `${name}.js`);
  writeFileSync(bundleFile, source);
  const host = new LambdaHost({
    bundleFile,
    workerFile,
    env: { GREETING: "hi", PATH: process.env.PATH ?? "" },
    identity: { functionName: "fn", memoryMb: 128, region: "us-east-1", accountId: "000000000000" },
    timeoutMs,
    log: () => undefined,
  });
  hosts.push(host);
  return host;
}

const event = (body: string) => ({ body }) as APIGatewayProxyEvent;

describe("Lambda host", () => {
  it("runs the bundle's handler with only the function's environment and a Lambda context", async () => {
    const host = hostFor(
      "env",
      `exports.handler = async (event, context) => ({ statusCode: 200, body: JSON.stringify({ echo: event.body, greeting: process.env.GREETING, home: process.env.HOME ?? null, fn: context.functionName, left: context.getRemainingTimeInMillis() > 0 }) });`,
    );
    await host.start();
    const outcome = await host.invoke(event("x"));
    expect(outcome).toEqual({
      ok: true,
      result: { statusCode: 200, body: JSON.stringify({ echo: "x", greeting: "hi", home: null, fn: "fn", left: true }) },
    });
  });

  it("reports an init error at start", async () => {
    await expect(hostFor("broken", `throw new Error("bad config");`).start()).rejects.toThrow(
      new LambdaInitError({ errorType: "Error", errorMessage: "bad config" }).message,
    );
  });

  it("times out like Lambda and serves the next request from a new environment", async () => {
    const host = hostFor(
      "slow",
      `exports.handler = (event) => event.body === "hang" ? new Promise(() => {}) : Promise.resolve({ statusCode: 200, body: String(process.pid) });`,
      300,
    );
    const first = await host.invoke(event("ok"));
    expect(await host.invoke(event("hang"))).toEqual({
      ok: false,
      error: { errorType: "Sandbox.Timedout", errorMessage: "Task timed out after 0.30 seconds" },
    });
    const next = await host.invoke(event("ok"));
    expect(next.ok && first.ok && (next.result as { body: string }).body !== (first.result as { body: string }).body).toBe(true);
  });

  it("turns a rejected handler promise into a Lambda error", async () => {
    const outcome = await hostFor("rejects", `exports.handler = async () => { throw new TypeError("nope"); };`).invoke(event("x"));
    expect(outcome).toMatchObject({ ok: false, error: { errorType: "TypeError", errorMessage: "nope" } });
  });
});
