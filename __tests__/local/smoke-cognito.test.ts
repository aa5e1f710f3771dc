// Auth mode cognito end to end on npm start (fixture model): the banner's two-step curl, and
// npm run smoke getting its own tokens from the local token endpoint with the client credentials.
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { DEFAULT_REQUEST_LIMITS } from "../../contract/request-limits";
import { taskContract } from "../../contract/task-contracts";
import { smokeCases } from "../../lib/smoke";
import { FIXTURE_MODEL, killCli, REPO_ROOT, type RunningCli, startCli } from "./support";

const run = promisify(execFile);
// The route's documented examples, then no token and a token with a bad signature (one route: no other route's scope).
const CASES = taskContract("text-classification").examples(DEFAULT_REQUEST_LIMITS).length + 2;
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "smoke-cognito-"));
const CLIENT_ID = "local-client-0123456789abcd";
const CLIENT_SECRET = "local-secret-0123456789abcdefghijklmnopqrstuvwxyz0123";
const ENV = { AUTH_MODE: "cognito" };
let cli: RunningCli | undefined;

beforeAll(async () => {
  cli = await startCli(
    [
      "--model-dir",
      FIXTURE_MODEL,
      "--port",
      "0",
      "--runtime-port",
      "0",
      "--model-port",
      "0",
      "--client-id",
      CLIENT_ID,
      "--client-secret",
      CLIENT_SECRET,
    ],
    ENV,
  );
}, 30_000);

afterAll(async () => {
  await killCli(cli);
  fs.rmSync(scratch, { recursive: true, force: true });
});

function started(): RunningCli {
  if (!cli) throw new Error("npm start did not start");
  return cli;
}

async function smoke(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ["--import", "tsx", "tools/smoke.ts", ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...ENV },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

it("prints the token URL, the client, the route's scope and a two-step curl that works as printed", async () => {
  const { stdout } = started().output();
  const tokenUrl = new URL("/oauth2/token", started().routeUrl).toString();
  expect(stdout).toContain(`Token URL:         ${tokenUrl}`);
  expect(stdout).toContain(`Client id:         ${CLIENT_ID}`);
  expect(stdout).toContain(`Scope:             finbert-api/sentiment`);

  const lines = stdout.split("\n");
  const tryIt = lines.slice(lines.indexOf("Try it:") + 1, lines.indexOf("Ctrl-C stops everything.") - 1).map((l) => l.trim());
  expect(tryIt).toHaveLength(2);
  expect(tryIt[0]).toMatch(/^TOKEN=\$\(curl /);
  const { stdout: answer } = await run("bash", ["-c", tryIt.join("\n")], { timeout: 30_000 });
  expect(JSON.parse(answer)).toMatchObject({ data: [{ label: expect.any(String), score: expect.any(Number) }] });
});

it("npm run smoke gets a token itself and passes every documented case, refusing no token and a bad signature", async () => {
  const result = await smoke(["--url", started().routeUrl, "--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET]);

  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
  expect(result.stdout).toMatch(/POST \/v1\/sentiment +one text +200 +200 +\d+ ms +ok/);
  expect(result.stdout).toMatch(/POST \/v1\/sentiment +no token +401 +401 +\d+ ms +ok/);
  expect(result.stdout).toMatch(/POST \/v1\/sentiment +a token with a bad signature +401 +401 +\d+ ms +ok/);
  expect(result.stdout).toContain(`${CASES} cases, ${CASES} passed, 0 failed`);
});

it("npm run smoke reads token URL, client id and secret and the route's scope from a deploy's outputs file", async () => {
  const outputs = path.join(scratch, "outputs.json");
  const route = { method: "POST", url: started().routeUrl, task: "text-classification", auth: "cognito", scope: "finbert-api/sentiment" };
  const tokenUrl = new URL("/oauth2/token", started().routeUrl).toString();
  fs.writeFileSync(
    outputs,
    JSON.stringify({ inference: { token_url: tokenUrl, client_id: CLIENT_ID, client_secret: CLIENT_SECRET, route_sentiment: route } }),
  );

  const result = await smoke(["--outputs", outputs]);

  expect(result.code).toBe(0);
  expect(result.stdout).toContain(`${CASES} cases, ${CASES} passed, 0 failed`);
});

it("npm run smoke fails the cases, naming the token endpoint's answer, when the client secret is wrong", async () => {
  const result = await smoke(["--url", started().routeUrl, "--client-id", CLIENT_ID, "--client-secret", "wrong"]);

  expect(result.code).toBe(1);
  expect(result.stdout).toMatch(
    /FAIL POST \/v1\/sentiment "one text": no answer: the token endpoint http:\/\/127\.0\.0\.1:\d+\/oauth2\/token answered 400 \{"error":"invalid_client"\}/,
  );
});

it("npm run smoke says how to read the client secret when the outputs file has none", async () => {
  const outputs = path.join(scratch, "no-secret.json");
  const route = { method: "POST", url: started().routeUrl, task: "text-classification", auth: "cognito", scope: "finbert-api/sentiment" };
  const command =
    "aws cognito-idp describe-user-pool-client --user-pool-id p --client-id c --query UserPoolClient.ClientSecret --output text";
  fs.writeFileSync(
    outputs,
    JSON.stringify({
      inference: { token_url: "https://x.example/oauth2/token", client_id: "c", client_secret_command: command, route_sentiment: route },
    }),
  );

  const result = await smoke(["--outputs", outputs]);

  expect(result.code).toBe(2);
  expect(result.stderr).toContain(`pass --client-secret "$(${command})"`);
});

it("with several routes, smoke also sends each route a token for another route's scope and expects 401", () => {
  const auth = { mode: "cognito" as const, tokenUrl: "http://127.0.0.1:1/oauth2/token", clientId: CLIENT_ID, clientSecret: CLIENT_SECRET };
  const route = (path: string) => ({
    label: `POST /v1/${path}`,
    url: `http://127.0.0.1:1/v1/${path}`,
    task: "text-classification",
    scope: `finbert-api/${path}`,
  });
  const cases = smokeCases([route("a"), route("b")], auth, () => DEFAULT_REQUEST_LIMITS);

  const crossed = cases.filter((c) => c.example.name === "a token for another route's scope");
  expect(crossed.map((c) => [c.route.scope, c.tokenScope, c.credentials, c.example.status])).toEqual([
    ["finbert-api/a", "finbert-api/b", "valid", 401],
    ["finbert-api/b", "finbert-api/a", "valid", 401],
  ]);
});
