// npm run smoke against the local gateway of `npm start` (fixture model), against a gateway that
// answers wrong, and the auth it sends (API key, SigV4 from the SDK's credential chain, bearer token).
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { DEFAULT_REQUEST_LIMITS } from "../../contract/request-limits";
import { taskContract } from "../../contract/task-contracts";
import { closeServer, listen, readBody } from "../../local/http";
import { API_KEY, FIXTURE_MODEL, killCli, REPO_ROOT, type RunningCli, startCli } from "./support";

const run = promisify(execFile);
// The route's documented examples, then the two API-key cases the stage must refuse.
const CASES = taskContract("text-classification").examples(DEFAULT_REQUEST_LIMITS).length + 2;
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "smoke-"));
let cli: RunningCli | undefined;

beforeAll(async () => {
  cli = await startCli(["--model-dir", FIXTURE_MODEL, "--port", "0", "--runtime-port", "0", "--model-port", "0", "--api-key", API_KEY]);
}, 30_000);

afterAll(async () => {
  await killCli(cli);
  fs.rmSync(scratch, { recursive: true, force: true });
});

const routeUrl = (): string => {
  if (!cli) throw new Error("npm start did not start");
  return cli.routeUrl;
};

/** Runs tools/smoke.ts; resolves with its exit code and output, whatever the code. */
async function smoke(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ["--import", "tsx", "tools/smoke.ts", ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

interface Seen {
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A gateway that answers every request 200 with one prediction, recording what it was sent. */
async function wrongGateway(): Promise<{ url: string; seen: Seen[]; close(): Promise<void> }> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    void readBody(req).then((body) => {
      seen.push({ headers: req.headers, body: body.toString("utf8") });
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ data: [{ label: "POSITIVE", score: 0.5 }] }));
    });
  });
  const port = await listen(server, 0);
  return { url: `http://127.0.0.1:${port}/v1/sentiment`, seen, close: () => closeServer(server, 1_000) };
}

it("passes every documented case against npm start with the fixture model", async () => {
  const result = await smoke(["--url", routeUrl(), "--key", API_KEY]);

  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
  for (const name of [
    "one text",
    "a batch of two",
    "all scores",
    "text and texts together",
    "33 texts",
    "a body that is not JSON",
    "no API key",
    "a wrong API key",
  ]) {
    expect(result.stdout).toMatch(new RegExp(`POST /v1/sentiment +${name} +\\d{3} +\\d{3} +\\d+ ms +ok`));
  }
  expect(result.stdout).toContain(`${CASES} cases, ${CASES} passed, 0 failed`);
});

it("reads the routes, their task and the API key from a deploy's outputs file", async () => {
  const outputs = path.join(scratch, "outputs.json");
  const route = { method: "POST", url: routeUrl(), task: "text-classification", auth: "api-key", body: "{}", curl: "curl ..." };
  fs.writeFileSync(
    outputs,
    JSON.stringify({ inference: { stage_url: new URL(routeUrl()).origin, api_key: API_KEY, route_sentiment: route } }),
  );

  const result = await smoke(["--outputs", outputs]);

  expect(result.code).toBe(0);
  expect(result.stdout).toContain(`${CASES} cases, ${CASES} passed, 0 failed`);
});

it("reads the outputs as terraform output -json prints them", async () => {
  const outputs = path.join(scratch, "terraform-outputs.json");
  const route = { method: "POST", url: routeUrl(), task: "text-classification", auth: "api-key" };
  const output = (value: unknown, sensitive = false) => ({ sensitive, type: "string", value });
  fs.writeFileSync(outputs, JSON.stringify({ api_key: output(API_KEY, true), route_sentiment: output(route) }));

  const result = await smoke(["--outputs", outputs]);

  expect(result.code).toBe(0);
  expect(result.stdout).toContain(`${CASES} cases, ${CASES} passed, 0 failed`);
});

it("exits 1 and names every missing behaviour when the gateway answers wrong", async () => {
  const gateway = await wrongGateway();
  try {
    const result = await smoke(["--url", gateway.url, "--key", API_KEY]);

    expect(result.code).toBe(1);
    expect(result.stdout).toContain('FAIL POST /v1/sentiment "no API key": expected status 403, got 200');
    expect(result.stdout).toContain('FAIL POST /v1/sentiment "an unknown field": expected status 400, got 200');
    expect(result.stdout).toMatch(/FAIL POST \/v1\/sentiment "a batch of two": unexpected answer .*expected 2 prediction/);
    expect(result.stdout).toMatch(/POST \/v1\/sentiment +one text +200 +200 +\d+ ms +ok/);
    expect(result.stdout).toContain(`${CASES} cases, 1 passed, ${CASES - 1} failed`);
  } finally {
    await gateway.close();
  }
});

it("exits 1 when nothing answers", async () => {
  const gateway = await wrongGateway();
  await gateway.close();

  const result = await smoke(["--url", gateway.url, "--key", API_KEY, "--timeout", "5"]);

  expect(result.code).toBe(1);
  expect(result.stdout).toMatch(/FAIL POST \/v1\/sentiment "one text": no answer: fetch failed \(.*ECONNREFUSED/);
});

it("signs requests with SigV4 from the SDK's default credential chain, and sends one unsigned", async () => {
  const gateway = await wrongGateway();
  const env = {
    AWS_ACCESS_KEY_ID: "AKIDSMOKETEST",
    AWS_SECRET_ACCESS_KEY: "smoke-secret",
    AWS_SESSION_TOKEN: "smoke-session",
    AWS_PROFILE: "",
    AWS_CONFIG_FILE: path.join(scratch, "none"),
    AWS_SHARED_CREDENTIALS_FILE: path.join(scratch, "none"),
  };
  try {
    await smoke(["--url", gateway.url, "--iam", "--region", "eu-west-1"], env);

    const signed = gateway.seen.filter((s) => s.headers.authorization !== undefined);
    expect(signed).toHaveLength(gateway.seen.length - 1);
    for (const { headers } of signed) {
      expect(headers.authorization).toMatch(
        /^AWS4-HMAC-SHA256 Credential=AKIDSMOKETEST\/\d{8}\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=[a-z0-9;-]*host[a-z0-9;-]*, Signature=[0-9a-f]{64}$/,
      );
      expect(headers["x-amz-security-token"]).toBe("smoke-session");
      expect(headers["x-api-key"]).toBeUndefined();
    }
  } finally {
    await gateway.close();
  }
});

it("sends a bearer token with --token (for a Cognito-authorized stage) and expects 401 without it", async () => {
  const gateway = await wrongGateway();
  try {
    const result = await smoke(["--url", gateway.url, "--token", "eyJ.test.token"]);

    expect(gateway.seen.filter((s) => s.headers.authorization === "Bearer eyJ.test.token")).toHaveLength(gateway.seen.length - 1);
    expect(result.stdout).toContain('FAIL POST /v1/sentiment "no token": expected status 401, got 200');
  } finally {
    await gateway.close();
  }
});

it("says how to write the outputs file when there is none", async () => {
  const result = await smoke(["--outputs", path.join(scratch, "missing.json")]);

  expect(result.code).toBe(2);
  expect(result.stderr).toContain("npm run deploy -- inference --outputs-file");
});

it("says how to get the API key when the outputs file has none", async () => {
  const outputs = path.join(scratch, "no-key.json");
  const route = { method: "POST", url: routeUrl(), task: "text-classification", auth: "api-key" };
  fs.writeFileSync(
    outputs,
    JSON.stringify({ inference: { api_key_command: "aws apigateway get-api-key --api-key abc --include-value", route_sentiment: route } }),
  );

  const result = await smoke(["--outputs", outputs]);

  expect(result.code).toBe(2);
  expect(result.stderr).toContain('pass --key "$(aws apigateway get-api-key --api-key abc --include-value)"');
});
