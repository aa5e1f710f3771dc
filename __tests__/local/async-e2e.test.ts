// `npm start` with an async service (ENDPOINT_MODE=async): POST stores and queues, GET polls.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { request, type HttpReply } from "../../local/http";
import { API_KEY, FIXTURE_MODEL, json, killCli, post, REPO_ROOT, type RunningCli, startCli } from "./support";

let cli: RunningCli | undefined;

beforeAll(async () => {
  cli = await startCli(["--model-dir", FIXTURE_MODEL, "--port", "0", "--runtime-port", "0", "--model-port", "0", "--api-key", API_KEY], {
    ENDPOINT_MODE: "async",
  });
}, 30_000);

afterAll(() => killCli(cli));

const routeUrl = (): string => {
  if (!cli) throw new Error("npm start did not start");
  return cli.routeUrl;
};
const origin = () => new URL(routeUrl()).origin;

function get(url: string, headers: Record<string, string> = { "x-api-key": API_KEY }): Promise<HttpReply> {
  return request(url, { method: "GET", headers, timeoutMs: 20_000 });
}

/** Polls the result path until it answers something other than 202 (at most 20 s). */
async function settled(resultPath: string): Promise<HttpReply> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const reply = await get(`${origin()}${resultPath}`);
    if (reply.status !== 202 || Date.now() > deadline) return reply;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("npm start: an async route end to end", () => {
  it("answers POST with 202, an id and where to poll", async () => {
    const reply = await post(routeUrl(), { text: "Quarterly profit rose to a record" });
    expect(reply.status).toBe(202);
    const body = json(reply) as { id: string; status: string; resultPath: string };
    expect(body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      status: "pending",
      resultPath: `/v1/sentiment/results/${body.id}`,
    });
    expect(reply.headers.location).toBe(body.resultPath);
  });

  it("answers GET with 200 and exactly the synchronous route's body once the model has run", async () => {
    const queued = json(await post(routeUrl(), { texts: ["Profit rose", "Heavy losses and debt"], all_scores: true })) as {
      resultPath: string;
    };
    const reply = await settled(queued.resultPath);
    expect(reply.status).toBe(200);
    const { data } = json(reply) as { data: Array<{ label: string; score: number; scores: unknown[] }> };
    expect(data.map((d) => d.label)).toEqual(["POSITIVE", "NEGATIVE"]);
    expect(data[0].scores).toHaveLength(3);
  });

  it("answers GET with 404 for an id it never handed out", async () => {
    const reply = await get(`${routeUrl()}/results/00000000-0000-4000-8000-000000000000`);
    expect(reply.status).toBe(404);
    expect(json(reply)).toEqual({
      message: "id: no request 00000000-0000-4000-8000-000000000000 on this route",
      requestId: expect.any(String),
    });
  });

  it("answers GET with 400 for something that is not an id", async () => {
    const reply = await get(`${routeUrl()}/results/not-an-id`);
    expect(reply.status).toBe(400);
    expect((json(reply) as { message: string }).message).toBe("id: must be an id that POST returned (a lowercase UUID)");
  });

  it("answers GET with the mapped 502 when the model failed on the request", async () => {
    const queued = json(await post(routeUrl(), { text: "please __raise__ here" })) as { resultPath: string };
    const reply = await settled(queued.resultPath);
    expect(reply.status).toBe(502);
    expect(json(reply)).toEqual({ message: "The model failed to process the request.", requestId: expect.any(String) });
  });

  it("refuses GET without the API key, as the POST route does", async () => {
    const reply = await get(`${routeUrl()}/results/00000000-0000-4000-8000-000000000000`, {});
    expect(reply.status).toBe(403);
  });

  it("validates POST bodies exactly like the synchronous route", async () => {
    const reply = await post(routeUrl(), { text: "a", extra: 1 });
    expect(reply.status).toBe(400);
    expect((json(reply) as { message: string }).message).toContain("additional properties");
  });
});

test("npm run smoke polls the async route's answers and passes", async () => {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["--import", "tsx", "tools/smoke.ts", "--url", routeUrl(), "--key", API_KEY],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, ENDPOINT_MODE: "async" },
      timeout: 60_000,
    },
  );
  expect(stdout).toMatch(/\d+ cases, (\d+) passed, 0 failed/);
  expect(stdout).toMatch(/POST \/v1\/sentiment +one text +200 +200 /);
}, 70_000);
