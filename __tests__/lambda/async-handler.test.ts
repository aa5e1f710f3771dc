// lambda/async.ts against the loopback S3 and local SageMaker Runtime, with a model stand-in whose
// answers the test controls: 202 on POST, then 202 / 200 / mapped error / 404 on GET.
import http from "node:http";
import type { APIGatewayProxyEvent } from "aws-lambda";
import { closeServer, listen, readBody } from "../../local/http";
import { type LocalS3, startLocalS3 } from "../../local/s3-standin";
import { type LocalRuntime, startLocalRuntime } from "../../local/sagemaker-runtime";
import { API_REQUEST_ID, apiEvent, captureLogs, type Handler, lambdaContext, loadHandler, parseBody, setHandlerEnv } from "./support";

const ASYNC_ENV = { ASYNC_BUCKET: "artifacts", ASYNC_PREFIX: "async/svc" };
const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Answers like the project's inference.py; `__raise__` fails, `__garbage__` answers non-JSON, `__hold__` waits for release(). */
class ModelStandIn {
  private held: Array<() => void> = [];
  private constructor(
    private readonly server: http.Server,
    readonly url: string,
  ) {}

  static async start(): Promise<ModelStandIn> {
    let self: ModelStandIn | undefined;
    const server = http.createServer(async (req, res) => {
      const { inputs } = JSON.parse((await readBody(req)).toString("utf8")) as { inputs: string[] };
      if (inputs.some((t) => t.includes("__hold__"))) await new Promise<void>((resolve) => self?.held.push(resolve));
      if (inputs.some((t) => t.includes("__raise__"))) {
        res.writeHead(400, { "content-type": "application/json" }).end('{"code":400,"type":"ValueError","message":"asked to fail"}');
      } else if (inputs.some((t) => t.includes("__garbage__"))) {
        res.writeHead(200, { "content-type": "text/plain" }).end("not json");
      } else {
        const scores = [
          { label: "Positive", score: 0.75 },
          { label: "Negative", score: 0.25 },
        ];
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(inputs.map(() => scores)));
      }
    });
    self = new ModelStandIn(server, `http://127.0.0.1:${await listen(server, 0)}`);
    return self;
  }

  release(): void {
    for (const resolve of this.held.splice(0)) resolve();
  }

  close(): Promise<void> {
    this.release();
    return closeServer(this.server, 1_000);
  }
}

let s3: LocalS3;
let model: ModelStandIn;
let runtime: LocalRuntime;
let handler: Handler;
let syncHandler: Handler;
let logs: ReturnType<typeof captureLogs>;

beforeAll(async () => {
  s3 = await startLocalS3({ port: 0, buckets: ["artifacts"] });
  model = await ModelStandIn.start();
  runtime = await startLocalRuntime({
    port: 0,
    region: "us-east-1",
    endpoints: new Map([["finbert-test", model.url]]),
    asyncEndpoints: new Map([
      ["finbert-test", { outputPath: "s3://artifacts/async/svc/results/", failurePath: "s3://artifacts/async/svc/errors/" }],
    ]),
    s3: s3.store,
  });
  syncHandler = await loadHandler(runtime.url);
  setHandlerEnv(runtime.url, { ...ASYNC_ENV, AWS_ENDPOINT_URL_S3: s3.url });
  await jest.isolateModulesAsync(async () => {
    handler = (await import("../../lambda/async")).handler;
  });
});

afterAll(async () => {
  for (const key of [...Object.keys(ASYNC_ENV), "AWS_ENDPOINT_URL_S3"]) delete process.env[key];
  await runtime.close();
  await model.close();
  await s3.close();
});

beforeEach(() => {
  logs = captureLogs();
});
afterEach(() => logs.restore());

function getEvent(id: string): APIGatewayProxyEvent {
  const event = apiEvent({ body: null });
  return {
    ...event,
    httpMethod: "GET",
    resource: "/sentiment/results/{id}",
    path: `/sentiment/results/${id}`,
    pathParameters: { id },
    requestContext: {
      ...event.requestContext,
      httpMethod: "GET",
      path: `/prod/sentiment/results/${id}`,
      resourcePath: "/sentiment/results/{id}",
    },
  };
}

async function submit(body: unknown): Promise<string> {
  const result = await handler(apiEvent({ body: JSON.stringify(body) }), lambdaContext());
  expect(result.statusCode).toBe(202);
  return String(parseBody(result).id);
}

/** GET until it answers other than 202 (at most 10 s). */
async function settled(id: string) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const result = await handler(getEvent(id), lambdaContext());
    if (result.statusCode !== 202 || Date.now() > deadline) return result;
    await new Promise((r) => setTimeout(r, 20));
  }
}

test("POST stores the model's input, queues it and answers 202 with the id and where to poll", async () => {
  const result = await handler(apiEvent({ body: JSON.stringify({ texts: ["good", "bad"] }) }), lambdaContext());
  expect(result.statusCode).toBe(202);
  const body = parseBody(result);
  expect(body).toEqual({ id: expect.stringMatching(ID), status: "pending", resultPath: `/prod/sentiment/results/${body.id}` });
  expect(result.headers).toMatchObject({ Location: body.resultPath, "Retry-After": "5" });
  const stored = s3.store.get("artifacts", `async/svc/inputs/${body.id}/body.json`);
  expect(JSON.parse(String(stored?.body))).toEqual({ inputs: ["good", "bad"] });
  const record = JSON.parse(String(s3.store.get("artifacts", `async/svc/inputs/${body.id}/invocation.json`)?.body));
  expect(record).toEqual({
    request: { texts: ["good", "bad"] },
    outputLocation: expect.stringMatching(/^s3:\/\/artifacts\/async\/svc\/results\/.+\.out$/),
    failureLocation: expect.stringMatching(/^s3:\/\/artifacts\/async\/svc\/errors\/.+-error\.out$/),
  });
});

test("GET answers 200 with exactly the body the synchronous route gives for the same request", async () => {
  const request = { texts: ["good", "bad"], all_scores: true };
  const id = await submit(request);
  const result = await settled(id);
  expect(result.statusCode).toBe(200);
  const sync = await syncHandler(apiEvent({ body: JSON.stringify(request) }), lambdaContext());
  expect(sync.statusCode).toBe(200);
  expect(result.body).toBe(sync.body);
});

test("GET answers 202 pending while the model has not answered", async () => {
  const id = await submit({ text: "__hold__" });
  const result = await handler(getEvent(id), lambdaContext());
  expect(result.statusCode).toBe(202);
  expect(parseBody(result)).toEqual({ id, status: "pending", resultPath: `/prod/sentiment/results/${id}` });
  model.release();
  expect((await settled(id)).statusCode).toBe(200);
});

test("GET answers 404 for an id this route never handed out", async () => {
  const id = "0a1b2c3d-0000-4000-8000-000000000000";
  const result = await handler(getEvent(id), lambdaContext());
  expect(result.statusCode).toBe(404);
  expect(parseBody(result)).toEqual({ message: `id: no request ${id} on this route`, requestId: API_REQUEST_ID });
});

test.each(["not-an-id", "0A1B2C3D-0000-4000-8000-000000000000", "../x"])("GET answers 400 for the id %s", async (id) => {
  const result = await handler(getEvent(id), lambdaContext());
  expect(result.statusCode).toBe(400);
  expect(parseBody(result).message).toBe("id: must be an id that POST returned (a lowercase UUID)");
});

test("GET answers the mapped 502 when SageMaker wrote a failure for the request", async () => {
  const id = await submit({ text: "__raise__" });
  const result = await settled(id);
  expect(result.statusCode).toBe(502);
  expect(parseBody(result)).toEqual({ message: "The model failed to process the request.", requestId: API_REQUEST_ID });
});

test("GET answers 502 when the result is not JSON", async () => {
  const id = await submit({ text: "__garbage__" });
  const result = await settled(id);
  expect(result.statusCode).toBe(502);
  expect(parseBody(result).message).toBe("The model returned an unexpected response.");
});

test("GET answers 500 for a record that points outside this service's results folder", async () => {
  const id = "0a1b2c3d-0000-4000-8000-0000000000ff";
  const record = { request: { text: "x" }, outputLocation: "s3://artifacts/async/other/results/x.out" };
  s3.store.put("artifacts", `async/svc/inputs/${id}/invocation.json`, Buffer.from(JSON.stringify(record)));
  expect((await handler(getEvent(id), lambdaContext())).statusCode).toBe(500);
});

test("POST validates the body exactly like the synchronous route", async () => {
  for (const body of [JSON.stringify({ texts: [] }), "{", null]) {
    const [queued, sync] = await Promise.all([
      handler(apiEvent({ body }), lambdaContext()),
      syncHandler(apiEvent({ body }), lambdaContext()),
    ]);
    expect([queued.statusCode, parseBody(queued).message]).toEqual([sync.statusCode, parseBody(sync).message]);
  }
});

test("POST answers 500 when the store cannot be reached", async () => {
  await s3.close();
  try {
    const result = await handler(apiEvent({ body: JSON.stringify({ text: "good" }) }), lambdaContext());
    expect(result.statusCode).toBe(500);
    expect(parseBody(result)).toEqual({ message: "Internal server error.", requestId: API_REQUEST_ID });
  } finally {
    s3 = await startLocalS3({ port: Number(new URL(String(process.env.AWS_ENDPOINT_URL_S3)).port), buckets: ["artifacts"] });
  }
});
