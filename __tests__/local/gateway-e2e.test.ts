import { request } from "../../local/http";
import { API_KEY, childPids, FIXTURE_MODEL, isAlive, json, killCli, post, type RunningCli, startCli } from "./support";

let cli: RunningCli | undefined;
let children: number[] = [];

beforeAll(async () => {
  cli = await startCli(["--model-dir", FIXTURE_MODEL, "--port", "0", "--runtime-port", "0", "--model-port", "0", "--api-key", API_KEY]);
  children = childPids(cli.child.pid!);
}, 30_000);

afterAll(() => killCli(cli));

const running = (): RunningCli => {
  if (!cli) throw new Error("npm start did not start");
  return cli;
};

describe("npm start: end to end through the local gateway with the fixture model", () => {
  it("prints the route from the app config, the API key and a curl line", () => {
    const { stdout } = running().output();
    expect(running().routeUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1\/sentiment$/);
    expect(stdout).toContain(`API key:           ${API_KEY}`);
    expect(stdout).toContain(
      `curl -sS -X POST '${running().routeUrl}' -H 'content-type: application/json' -H 'x-api-key: ${API_KEY}' -d '{"text":`,
    );
    expect(running().endpointName).toBe("finbert-endpoint");
  });

  it("classifies one text", async () => {
    const reply = await post(running().routeUrl, { text: "Quarterly profit rose to a record" });
    expect(reply.status).toBe(200);
    expect(reply.headers["content-type"]).toBe("application/json");
    expect(json(reply)).toEqual({ data: [{ label: "POSITIVE", score: expect.any(Number) }] });
  });

  it("classifies a batch in order, with all scores on request", async () => {
    const reply = await post(running().routeUrl, {
      texts: ["Profit rose", "Heavy losses and debt", "The meeting is on Tuesday"],
      all_scores: true,
    });
    expect(reply.status).toBe(200);
    const { data } = json(reply) as { data: Array<{ label: string; scores: Array<{ score: number }> }> };
    expect(data.map((d) => d.label)).toEqual(["POSITIVE", "NEGATIVE", "NEUTRAL"]);
    for (const prediction of data) expect(prediction.scores.reduce((sum, s) => sum + s.score, 0)).toBeCloseTo(1, 6);
  });

  it.each([
    ["no API key", {}],
    ["a wrong API key", { "x-api-key": "not-the-key" }],
  ])("answers 403 Forbidden to %s, as API Gateway does", async (_, headers: Record<string, string>) => {
    const reply = await post(running().routeUrl, { text: "Profit rose" }, headers);
    expect(reply.status).toBe(403);
    expect(reply.headers["x-amzn-errortype"]).toBe("ForbiddenException");
    expect(json(reply)).toEqual({ message: "Forbidden", requestId: reply.headers["x-amzn-requestid"] });
  });

  it.each([
    ["text and texts together", { text: "a", texts: ["b"] }, "body must match exactly one schema in oneOf"],
    ["an unknown field", { text: "a", extra: 1 }, "body must NOT have additional properties"],
    ["too many texts", { texts: Array.from({ length: 33 }, () => "x") }, "body/texts must NOT have more than 32 items"],
    ["an empty text", { text: "" }, "body/text must NOT have fewer than 1 characters"],
    ["a body that is not JSON", "{not json", "not JSON"],
  ])(
    "answers 400 Invalid request body naming the failure to %s (the API's draft-04 request model)",
    async (_, body: unknown, failure: string) => {
      const reply = await post(running().routeUrl, body);
      expect(reply.status).toBe(400);
      expect(json(reply)).toEqual({
        message: expect.stringMatching(/^Invalid request body: /),
        requestId: reply.headers["x-amzn-requestid"],
      });
      expect((json(reply) as { message: string }).message).toContain(failure);
    },
  );

  it("answers 403 Missing Authentication Token off the route, like a REST API", async () => {
    const url = new URL(running().routeUrl);
    const reply = await post(`${url.origin}/v1/other`, { text: "x" });
    expect(reply.status).toBe(403);
    expect(json(reply)).toEqual({ message: "Missing Authentication Token", requestId: reply.headers["x-amzn-requestid"] });
    const get = await request(running().routeUrl, { method: "GET", headers: { "x-api-key": API_KEY }, timeoutMs: 5_000 });
    expect(get.status).toBe(403);
  });

  it("maps a raising inference.py to the handler's 502 (ModelError from the runtime)", async () => {
    const reply = await post(running().routeUrl, { texts: ["fine", "__raise__"] });
    expect(reply.status).toBe(502);
    expect(json(reply)).toEqual({ message: "The model failed to process the request.", requestId: reply.headers["x-amzn-requestid"] });
    expect(running().output().stderr).toContain("fixture model: input asked to fail (__raise__)");
  });

  it("stops every process on SIGTERM and exits 0", async () => {
    const { child, modelPid } = running();
    expect(children).toContain(modelPid);
    child.kill("SIGTERM");
    expect(await running().exited).toBe(0);
    for (const pid of children) expect(isAlive(pid)).toBe(false);
  });
});
