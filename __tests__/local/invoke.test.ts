import { spawn } from "node:child_process";
import path from "node:path";
import { FIXTURE_MODEL, REPO_ROOT } from "./support";

function runInvoke(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", "local/invoke.ts", ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "ignore"],
  });
  let stdout = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  return new Promise((resolve) => child.once("exit", (code) => resolve({ code, stdout })));
}

describe("npm run invoke", () => {
  it("sends one request through a fresh local API and prints what the client gets", async () => {
    const { code, stdout } = await runInvoke(['{"texts": ["Profit rose", "Losses widened"]}', "--model-dir", FIXTURE_MODEL]);
    expect(code).toBe(0);
    const [status, ...body] = stdout.trimEnd().split("\n");
    expect(status).toBe("HTTP 200");
    expect(JSON.parse(body.join("\n"))).toEqual({
      data: [
        { label: "POSITIVE", score: expect.any(Number) },
        { label: "NEGATIVE", score: expect.any(Number) },
      ],
    });
  }, 20_000);

  it("prints the gateway's 400 for a body outside the schema and exits 1", async () => {
    const { code, stdout } = await runInvoke(['{"txt": "typo"}', "--model-dir", FIXTURE_MODEL]);
    expect(code).toBe(1);
    const [status, ...body] = stdout.trimEnd().split("\n");
    expect(status).toBe("HTTP 400");
    expect(JSON.parse(body.join("\n"))).toEqual({
      message: expect.stringContaining("body must NOT have additional properties"),
      requestId: expect.any(String),
    });
  }, 20_000);

  it("in cognito mode gets an access token from the local token endpoint and calls with it", async () => {
    const { code, stdout } = await runInvoke(['{"text": "Profit rose"}', "--model-dir", FIXTURE_MODEL], { AUTH_MODE: "cognito" });
    expect(stdout.split("\n")[0]).toBe("HTTP 200");
    expect(code).toBe(0);
  }, 20_000);

  it("--route calls that route with its task's example request", async () => {
    const env = { APP_CONFIG: path.join(REPO_ROOT, "presets", "all-in-one.json") };
    const { code, stdout } = await runInvoke(
      ["--route", "qa", "--model-dir", path.join(REPO_ROOT, "__tests__", "fixtures", "question-answering-model")],
      env,
    );
    expect(code).toBe(0);
    const [status, ...body] = stdout.trimEnd().split("\n");
    expect(status).toBe("HTTP 200");
    expect(JSON.parse(body.join("\n"))).toEqual({
      data: [{ answer: expect.any(String), score: expect.any(Number), start: expect.any(Number), end: expect.any(Number) }],
    });
  }, 20_000);
});
