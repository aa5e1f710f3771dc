// The handler with `BEDROCK_MODEL_ID` set: the real Bedrock Runtime client against a loopback
// server, for both embedding families and Converse, with Bedrock's errors mapped in the one table.
import { fromEnvironment } from "../../lambda/environment";
import { embeddingResponseSchema } from "../../contract/feature-extraction";
import {
  apiEvent,
  captureLogs,
  FakeSageMaker,
  type Handler,
  lambdaContext,
  loadHandler,
  parseBody,
  type Reply,
  type RecordedRequest,
} from "./support";

const TITAN = "amazon.titan-embed-text-v2:0";
const COHERE = "cohere.embed-multilingual-v3";
const HAIKU = "anthropic.claude-3-haiku-20240307-v1:0";

let fake: FakeSageMaker;
let logs: ReturnType<typeof captureLogs>;

beforeAll(async () => {
  fake = await FakeSageMaker.start();
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.reset();
  logs = captureLogs();
});
afterEach(() => logs.restore());

const ok = (body: unknown): Reply => ({ status: 200, headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });

/** A Bedrock Runtime error as the service sends it: `x-amzn-ErrorType` plus a JSON message. */
const bedrockError = (type: string, status: number): Reply => ({
  status,
  headers: { "Content-Type": "application/json", "x-amzn-ErrorType": `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/` },
  body: JSON.stringify({ message: `${type} raised by the fake Bedrock` }),
});

/** Titan v2's answer: a vector whose first element tells which text it embeds. */
const titanAnswer = (request: RecordedRequest): Reply => {
  const { inputText } = JSON.parse(request.body) as { inputText: string };
  return ok({ embedding: [inputText.length, 0, 0], inputTextTokenCount: 2 });
};

const load = (modelId: string, task: string, env: Record<string, string> = {}): Promise<Handler> =>
  loadHandler("http://127.0.0.1:1", {
    BEDROCK_MODEL_ID: modelId,
    MODEL_ID: modelId,
    TASK: task,
    ENDPOINT_NAME: "",
    AWS_ENDPOINT_URL_BEDROCK_RUNTIME: fake.url,
    ...env,
  });

const post = (handler: Handler, body: unknown) => handler(apiEvent({ body: JSON.stringify(body) }), lambdaContext());

describe("Titan Text Embeddings v2", () => {
  let handler: Handler;
  beforeAll(async () => {
    handler = await load(TITAN, "feature-extraction");
  });

  it("sends one signed InvokeModel per text and answers the feature-extraction contract, in request order", async () => {
    fake.respondWith(titanAnswer);

    const result = await post(handler, { input: ["a", "bbb"] });

    expect(result.statusCode).toBe(200);
    const body = parseBody(result);
    expect(embeddingResponseSchema.safeParse(body).success).toBe(true);
    expect(body).toEqual({
      object: "list",
      data: [
        { object: "embedding", index: 0, embedding: [1, 0, 0] },
        { object: "embedding", index: 1, embedding: [3, 0, 0] },
      ],
      model: TITAN,
      dimensions: 3,
    });
    expect(fake.requests.map((r) => [r.method, r.url])).toEqual([
      ["POST", "/model/amazon.titan-embed-text-v2%3A0/invoke"],
      ["POST", "/model/amazon.titan-embed-text-v2%3A0/invoke"],
    ]);
    expect(fake.requests[0].headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDTEST\/\d{8}\/us-east-1\/bedrock\//);
    expect(fake.requests[0].headers["content-type"]).toBe("application/json");
    expect(fake.requests.map((r) => JSON.parse(r.body)).sort((x, y) => x.inputText.localeCompare(y.inputText))).toEqual([
      { inputText: "a", normalize: true },
      { inputText: "bbb", normalize: true },
    ]);
  });

  it("passes normalize: false on to the model", async () => {
    fake.respondWith(titanAnswer);

    await post(handler, { text: "raw", normalize: false });

    expect(JSON.parse(fake.requests[0].body)).toEqual({ inputText: "raw", normalize: false });
  });

  it("answers 502 when the model's answer has no embedding", async () => {
    fake.respondWith(() => ok({ inputTextTokenCount: 2 }));

    const result = await post(handler, { text: "a" });

    expect(result.statusCode).toBe(502);
    expect(parseBody(result).message).toBe("The model returned an unexpected response.");
  });
});

describe("Cohere Embed v3", () => {
  let handler: Handler;
  beforeAll(async () => {
    handler = await load(COHERE, "feature-extraction");
  });

  it("sends the batch in one InvokeModel as stored documents, cut at the end, and L2-normalises the vectors", async () => {
    fake.respondWith(() =>
      ok({
        id: "x",
        embeddings: [
          [3, 4],
          [0, 2],
        ],
        texts: ["a", "b"],
        response_type: "embeddings_floats",
      }),
    );

    const result = await post(handler, { texts: ["a", "b"] });

    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0].url).toBe("/model/cohere.embed-multilingual-v3/invoke");
    expect(JSON.parse(fake.requests[0].body)).toEqual({ texts: ["a", "b"], input_type: "search_document", truncate: "END" });
    expect(parseBody(result)).toMatchObject({
      data: [{ embedding: [0.6, 0.8] }, { embedding: [0, 1] }],
      model: COHERE,
      dimensions: 2,
    });
  });

  it("returns the model's own vectors with normalize: false", async () => {
    fake.respondWith(() => ok({ embeddings: [[3, 4]] }));

    const result = await post(handler, { text: "a", normalize: false });

    expect(parseBody(result)).toMatchObject({ data: [{ embedding: [3, 4] }] });
  });

  it("answers 502 when the model returns fewer vectors than texts", async () => {
    fake.respondWith(() => ok({ embeddings: [[3, 4]] }));

    const result = await post(handler, { texts: ["a", "b"] });

    expect(result.statusCode).toBe(502);
  });
});

describe("Converse for text2text-generation", () => {
  let handler: Handler;
  beforeAll(async () => {
    handler = await load(HAIKU, "text2text-generation");
  });

  const converseAnswer = (request: RecordedRequest): Reply => {
    const { messages } = JSON.parse(request.body) as { messages: Array<{ content: Array<{ text: string }> }> };
    return ok({
      output: { message: { role: "assistant", content: [{ text: `re: ${messages[0].content[0].text}` }] } },
      stopReason: "end_turn",
      usage: { inputTokens: 3, outputTokens: 2, totalTokens: 5 },
      metrics: { latencyMs: 10 },
    });
  };

  it("sends one Converse call per text, greedy by default, and answers one generation per text in order", async () => {
    fake.respondWith(converseAnswer);

    const result = await post(handler, { texts: ["first", "second"], parameters: { max_new_tokens: 20 } });

    expect(result.statusCode).toBe(200);
    expect(parseBody(result)).toEqual({ data: [{ generated_text: "re: first" }, { generated_text: "re: second" }] });
    expect(fake.requests.map((r) => r.url)).toEqual([
      "/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse",
      "/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse",
    ]);
    expect(JSON.parse(fake.requests[0].body)).toEqual({
      messages: [{ role: "user", content: [{ text: expect.any(String) }] }],
      inferenceConfig: { maxTokens: 20, temperature: 0 },
    });
  });

  it("maps do_sample, temperature and top_p to Converse's inferenceConfig", async () => {
    fake.respondWith(converseAnswer);

    await post(handler, { text: "hi", parameters: { do_sample: true, temperature: 0.7, top_p: 0.9 } });

    expect(JSON.parse(fake.requests[0].body).inferenceConfig).toEqual({ temperature: 0.7, topP: 0.9 });
  });

  it.each([
    [{ num_beams: 2 }, "parameters.num_beams: beam search is not offered by Bedrock models; leave it out or set 1"],
    [{ do_sample: true, temperature: 1.5 }, "parameters.temperature: must be at most 1 for Bedrock models"],
  ])("refuses %j with 400 before calling the model", async (parameters, message) => {
    const result = await post(handler, { text: "hi", parameters });

    expect(result.statusCode).toBe(400);
    expect(parseBody(result).message).toBe(message);
    expect(fake.requests).toHaveLength(0);
  });
});

describe("Bedrock errors", () => {
  let handler: Handler;
  beforeAll(async () => {
    handler = await load(TITAN, "feature-extraction");
  });

  it.each([
    ["ThrottlingException", 429, 503, "2"],
    ["ServiceQuotaExceededException", 400, 503, "2"],
    ["ModelNotReadyException", 429, 503, "10"],
    ["ServiceUnavailableException", 503, 503, undefined],
    ["ModelErrorException", 424, 502, undefined],
    ["InternalServerException", 500, 502, undefined],
    ["ModelTimeoutException", 408, 504, undefined],
    ["ValidationException", 400, 400, undefined],
    ["AccessDeniedException", 403, 500, undefined],
    ["ResourceNotFoundException", 404, 500, undefined],
  ])("maps %s (HTTP %i) to %i", async (type, status, expected, retryAfter) => {
    fake.respondInTurn(bedrockError(type, status));

    const result = await post(handler, { text: "a" });

    expect(result.statusCode).toBe(expected);
    expect(result.headers?.["Retry-After"]).toBe(retryAfter);
    expect(Object.keys(parseBody(result)).sort()).toEqual(["message", "requestId"]);
    expect(result.body).not.toContain("fake Bedrock");
  });

  it("retries a throttled call, which Bedrock refused before any work", async () => {
    const patient = await load(TITAN, "feature-extraction", { INVOKE_MAX_ATTEMPTS: "2" });
    const replies = [bedrockError("ThrottlingException", 429)];
    fake.respondWith((request) => replies.shift() ?? titanAnswer(request));

    const result = await post(patient, { text: "a" });

    expect(result.statusCode).toBe(200);
    expect(fake.requests).toHaveLength(2);
  });

  it("does not retry a 5xx answer to a sent call", async () => {
    const patient = await load(TITAN, "feature-extraction", { INVOKE_MAX_ATTEMPTS: "3" });
    fake.respondWith(() => bedrockError("InternalServerException", 500));

    const result = await post(patient, { text: "a" });

    expect(result.statusCode).toBe(502);
    expect(fake.requests).toHaveLength(1);
  });
});

describe("the handler's Bedrock configuration", () => {
  const env = { BEDROCK_MODEL_ID: TITAN, TASK: "feature-extraction" };

  it("needs no endpoint name", () => {
    expect(fromEnvironment(env)).toMatchObject({ bedrockModelId: TITAN, endpointName: "" });
  });

  it("refuses a model that does not serve the route's task", () => {
    expect(() => fromEnvironment({ ...env, TASK: "text2text-generation" })).toThrow(
      'BEDROCK_MODEL_ID must be a model of lib/bedrock-models.json for task text2text-generation, got "amazon.titan-embed-text-v2:0"',
    );
  });
});
