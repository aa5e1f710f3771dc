// The documented examples (what `npm run smoke` sends) and the response schemas (what the OpenAPI
// document publishes) checked against the handler itself, so neither can drift from it.
import { DEFAULT_REQUEST_LIMITS } from "../../contract/request-limits";
import { errorResponseSchema, sentimentResponseSchema } from "../../contract/text-classification";
import { TASK_CONTRACTS, taskContract } from "../../contract/task-contracts";
import { apiEvent, captureLogs, FakeSageMaker, type Handler, lambdaContext, loadHandler, serviceError } from "./support";

let fake: FakeSageMaker;
let handler: Handler;
let logs: ReturnType<typeof captureLogs>;

beforeAll(async () => {
  fake = await FakeSageMaker.start();
  handler = await loadHandler(fake.url);
});

afterAll(() => fake.close());

beforeEach(() => {
  fake.reset();
  logs = captureLogs();
});

afterEach(() => logs.restore());

const examples = taskContract("text-classification").examples(DEFAULT_REQUEST_LIMITS);

describe("the text-classification examples", () => {
  it.each(examples.map((e) => [e.name, e] as const))("%s: the handler answers the documented status and shape", async (_name, example) => {
    const result = await handler(apiEvent({ body: example.body }), lambdaContext());

    expect(result.statusCode).toBe(example.status);
    const parsed = example.response.safeParse(JSON.parse(result.body));
    expect(parsed.error).toBeUndefined();
  });

  it("document successful requests first and bad requests too", () => {
    expect(examples[0].status).toBe(200);
    expect(examples.some((e) => e.status === 400)).toBe(true);
  });
});

describe("response schemas", () => {
  it("describe a successful answer with all scores", async () => {
    const result = await handler(apiEvent({ body: JSON.stringify({ texts: ["good", "bad"], all_scores: true }) }), lambdaContext());

    expect(result.statusCode).toBe(200);
    expect(sentimentResponseSchema.safeParse(JSON.parse(result.body)).error).toBeUndefined();
  });

  it.each([
    ["ModelError", 424, 502],
    ["ModelNotReadyException", 429, 503],
  ])("describe the error answer to a %s", async (type, status, expected) => {
    fake.respondWith(() => serviceError(type, status));

    const result = await handler(apiEvent(), lambdaContext());

    expect(result.statusCode).toBe(expected);
    expect(errorResponseSchema.safeParse(JSON.parse(result.body)).error).toBeUndefined();
  });

  it("reject fields the handler never sends", () => {
    expect(sentimentResponseSchema.safeParse({ data: [{ label: "POSITIVE", score: 0.9, extra: 1 }] }).success).toBe(false);
    expect(sentimentResponseSchema.safeParse({ data: [{ label: "POSITIVE", score: 1.5 }] }).success).toBe(false);
    expect(errorResponseSchema.safeParse({ message: "x" }).success).toBe(false);
  });
});

it("every supported task has a contract", async () => {
  const { SUPPORTED_TASKS } = await import("../../config");
  for (const task of SUPPORTED_TASKS) expect(TASK_CONTRACTS[task]).toBeDefined();
});
