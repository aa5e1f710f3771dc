import {
  API_REQUEST_ID,
  apiEvent,
  captureLogs,
  FakeSageMaker,
  type Handler,
  lambdaContext,
  loadHandler,
  modelAnswers,
  parseBody,
  serviceError,
} from "./support";

let fake: FakeSageMaker;
let handler: Handler;
let logs: ReturnType<typeof captureLogs>;

beforeAll(async () => {
  fake = await FakeSageMaker.start();
  handler = await loadHandler(fake.url, { MAX_TEXTS: "3", MAX_TEXT_CHARS: "20" });
});

afterAll(() => fake.close());

beforeEach(() => {
  fake.reset();
  logs = captureLogs();
});

afterEach(() => logs.restore());

const post = (body: unknown) => handler(apiEvent({ body: JSON.stringify(body) }), lambdaContext());

describe("successful requests", () => {
  it("returns the top label upper-cased with its score for one text", async () => {
    const result = await post({ text: "good results" });

    expect(result.statusCode).toBe(200);
    expect(result.headers).toMatchObject({ "Content-Type": "application/json" });
    expect(parseBody(result)).toEqual({ data: [{ label: "POSITIVE", score: 0.9 }] });
  });

  it("invokes the configured endpoint with a JSON inputs list", async () => {
    await post({ text: "good results" });

    expect(fake.requests).toHaveLength(1);
    const [request] = fake.requests;
    expect(request.method).toBe("POST");
    expect(request.url).toBe("/endpoints/finbert-test/invocations");
    expect(request.headers["content-type"]).toBe("application/json");
    expect(request.headers.accept).toBe("application/json");
    expect(request.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDTEST\/\d{8}\/us-east-1\/sagemaker\//);
    expect(JSON.parse(request.body)).toEqual({ inputs: ["good results"] });
  });

  it("returns one prediction per text in request order for a batch", async () => {
    const result = await post({ texts: ["bad quarter", "good results", "flat"] });

    expect(JSON.parse(fake.requests[0].body)).toEqual({ inputs: ["bad quarter", "good results", "flat"] });
    expect(parseBody(result)).toEqual({
      data: [
        { label: "NEGATIVE", score: 0.9 },
        { label: "POSITIVE", score: 0.9 },
        { label: "NEUTRAL", score: 0.9 },
      ],
    });
  });

  it("returns every label highest first when all_scores is true", async () => {
    fake.respondWith(() => ({
      status: 200,
      body: JSON.stringify([
        [
          { label: "Neutral", score: 0.2 },
          { label: "Negative", score: 0.7 },
          { label: "Positive", score: 0.1 },
        ],
      ]),
    }));

    const result = await post({ text: "bad quarter", all_scores: true });

    expect(parseBody(result)).toEqual({
      data: [
        {
          label: "NEGATIVE",
          score: 0.7,
          scores: [
            { label: "NEGATIVE", score: 0.7 },
            { label: "NEUTRAL", score: 0.2 },
            { label: "POSITIVE", score: 0.1 },
          ],
        },
      ],
    });
  });

  it("accepts the stock Hugging Face toolkit answer of one label per text", async () => {
    fake.respondWith(() => ({
      status: 200,
      body: JSON.stringify([
        { label: "Positive", score: 0.8 },
        { label: "Negative", score: 0.6 },
      ]),
    }));

    const result = await post({ texts: ["good results", "bad quarter"] });

    expect(parseBody(result)).toEqual({
      data: [
        { label: "POSITIVE", score: 0.8 },
        { label: "NEGATIVE", score: 0.6 },
      ],
    });
  });

  it("decodes a base64-encoded body", async () => {
    const body = Buffer.from(JSON.stringify({ text: "good results" })).toString("base64");

    const result = await handler(apiEvent({ body, isBase64Encoded: true }), lambdaContext());

    expect(result.statusCode).toBe(200);
    expect(JSON.parse(fake.requests[0].body)).toEqual({ inputs: ["good results"] });
  });

  it("accepts a content type with parameters under any header case", async () => {
    const event = apiEvent({ headers: { "content-type": "Application/JSON; charset=utf-8" } });

    const result = await handler(event, lambdaContext());

    expect(result.statusCode).toBe(200);
  });

  it("accepts texts exactly at the configured limits", async () => {
    const result = await post({ texts: ["a".repeat(20), "b", "c"] });

    expect(result.statusCode).toBe(200);
  });
});

describe("request validation", () => {
  it.each([
    ["a missing body", null, "body: is required"],
    ["an empty body", "", "body: is required"],
    ["a body that is not JSON", "{text: 'x'}", "body: must be valid JSON"],
    ["a JSON array body", "[]", "body: must be a JSON object"],
    ["a JSON null body", "null", "body: must be a JSON object"],
    ["both text and texts", '{"text":"a","texts":["b"]}', 'body: exactly one of "text" or "texts" is required'],
    ["neither text nor texts", '{"all_scores":true}', 'body: exactly one of "text" or "texts" is required'],
    ["an empty text", '{"text":""}', "text: must not be empty"],
    ["a text over the length limit", JSON.stringify({ text: "a".repeat(21) }), "text: must be at most 20 characters"],
    ["a text that is not a string", '{"text":42}', "text: must be a string"],
    ["texts that is not an array", '{"texts":"a"}', "texts: must be an array of strings"],
    ["an empty texts list", '{"texts":[]}', "texts: must contain at least one text"],
    ["more texts than the limit", '{"texts":["a","b","c","d"]}', "texts: must contain at most 3 texts"],
    ["an empty string inside texts", '{"texts":["a",""]}', "texts[1]: must not be empty"],
    ["a batch text over the length limit", JSON.stringify({ texts: ["a", "b".repeat(21)] }), "texts[1]: must be at most 20 characters"],
    ["an unknown field", '{"text":"a","lang":"en"}', 'body: unknown field "lang"'],
    ["a non-boolean all_scores", '{"text":"a","all_scores":"yes"}', "all_scores: must be a boolean"],
  ])("rejects %s with 400 naming the field", async (_case, body, message) => {
    const result = await handler(apiEvent({ body }), lambdaContext());

    expect(result.statusCode).toBe(400);
    expect(parseBody(result)).toEqual({ message: expect.stringContaining(message), requestId: API_REQUEST_ID });
    expect(fake.requests).toHaveLength(0);
  });

  it("rejects a base64-encoded body that does not decode to JSON with 400", async () => {
    const result = await handler(apiEvent({ body: "not base64 json!", isBase64Encoded: true }), lambdaContext());

    expect(result.statusCode).toBe(400);
    expect(parseBody(result).message).toBe("body: must be valid JSON");
  });

  it.each([
    ["a form content type", { "Content-Type": "application/x-www-form-urlencoded" }],
    ["a text/plain content type", { "Content-Type": "text/plain" }],
    ["no content type", {}],
  ])("rejects %s with 415", async (_case, headers) => {
    const result = await handler(apiEvent({ headers }), lambdaContext());

    expect(result.statusCode).toBe(415);
    expect(parseBody(result)).toEqual({ message: "Content-Type must be application/json", requestId: API_REQUEST_ID });
    expect(fake.requests).toHaveLength(0);
  });
});

describe("endpoint errors", () => {
  it.each([
    ["ModelError", 424, 502, undefined],
    ["ModelNotReadyException", 429, 503, "10"],
    ["ThrottlingException", 400, 503, "2"],
    ["ServiceUnavailable", 503, 503, undefined],
    ["InternalFailure", 500, 502, undefined],
    ["InternalDependencyException", 530, 502, undefined],
    ["ValidationError", 400, 500, undefined],
    ["SomethingNew", 400, 500, undefined],
  ])("maps %s (HTTP %i) to %i", async (type, status, expected, retryAfter) => {
    fake.respondInTurn(serviceError(type, status));

    const result = await post({ text: "good results" });

    expect(result.statusCode).toBe(expected);
    expect(result.headers?.["Retry-After"]).toBe(retryAfter);
    const body = parseBody(result);
    expect(Object.keys(body).sort()).toEqual(["message", "requestId"]);
    expect(body.requestId).toBe(API_REQUEST_ID);
    expect(result.body).not.toMatch(/fake endpoint|\n\s+at |\.ts:\d|node_modules/);
  });

  it("keeps the model's original error out of the response and in the logs", async () => {
    fake.respondInTurn(serviceError("ModelError", 424, { OriginalStatusCode: 400, OriginalMessage: "CUDA out of memory at layer 7" }));

    const result = await post({ text: "good results" });

    expect(result.statusCode).toBe(502);
    expect(parseBody(result).message).toBe("The model failed to process the request.");
    expect(result.body).not.toContain("CUDA");
    expect(logs.entries()).toContainEqual(
      expect.objectContaining({
        level: "WARN",
        error: expect.objectContaining({ name: "ModelError", OriginalMessage: "CUDA out of memory at layer 7" }),
      }),
    );
  });

  it("answers 500 with a generic message when the endpoint name is unknown to SageMaker", async () => {
    fake.respondInTurn(serviceError("ValidationError", 400));

    const result = await post({ text: "good results" });

    expect(parseBody(result)).toEqual({ message: "Internal server error.", requestId: API_REQUEST_ID });
  });

  it.each([
    ["a body that is not JSON", "<html>oops</html>"],
    ["fewer predictions than texts", JSON.stringify([[{ label: "Positive", score: 0.9 }]])],
    [
      "a score outside [0, 1]",
      JSON.stringify([
        { label: "Positive", score: 1.5 },
        { label: "Positive", score: 0.5 },
      ]),
    ],
    ["an object instead of a list", JSON.stringify({ label: "Positive", score: 0.9 })],
    ["an empty label list for a text", JSON.stringify([[], []])],
  ])("answers 502 when the model returns %s", async (_case, body) => {
    fake.respondWith(() => ({ status: 200, body }));

    const result = await post({ texts: ["good results", "bad quarter"] });

    expect(result.statusCode).toBe(502);
    expect(parseBody(result)).toEqual({ message: "The model returned an unexpected response.", requestId: API_REQUEST_ID });
  });
});

describe("timeouts and retries", () => {
  it("gives the one attempt all the time left before the Lambda deadline", async () => {
    const patient = await loadHandler(fake.url, { INVOKE_MAX_ATTEMPTS: "3" });
    fake.respondWith((request) => ({ ...modelAnswers(request), delayMs: 1_500 }));

    const result = await patient(apiEvent(), lambdaContext(3_000));

    expect(result.statusCode).toBe(200);
    expect(fake.requests).toHaveLength(1);
  });

  it("answers 504 before the Lambda deadline, without a second attempt", async () => {
    const patient = await loadHandler(fake.url, { INVOKE_MAX_ATTEMPTS: "3" });
    fake.respondWith((request) => ({ ...modelAnswers(request), delayMs: 2_000 }));
    const startedAt = Date.now();

    const result = await patient(apiEvent(), lambdaContext(600));

    expect(result.statusCode).toBe(504);
    expect(parseBody(result)).toEqual({ message: "The model did not answer in time.", requestId: API_REQUEST_ID });
    expect(Date.now() - startedAt).toBeLessThan(1_000);
    expect(fake.requests).toHaveLength(1);
  });

  it("retries a throttled request, which the endpoint refused before any work", async () => {
    const patient = await loadHandler(fake.url, { INVOKE_MAX_ATTEMPTS: "2" });
    fake.respondInTurn(serviceError("ThrottlingException", 400));

    const result = await patient(apiEvent(), lambdaContext());

    expect(result.statusCode).toBe(200);
    expect(fake.requests).toHaveLength(2);
  });

  it("does not retry a 5xx answer to a sent request", async () => {
    const patient = await loadHandler(fake.url, { INVOKE_MAX_ATTEMPTS: "3" });
    fake.respondInTurn(serviceError("InternalFailure", 500));

    const result = await patient(apiEvent(), lambdaContext());

    expect(result.statusCode).toBe(502);
    expect(fake.requests).toHaveLength(1);
  });

  it("does not retry a sent request whose connection dropped", async () => {
    const patient = await loadHandler(fake.url, { INVOKE_MAX_ATTEMPTS: "3" });
    fake.respondInTurn({ status: 0, body: "", dropConnection: true });

    const result = await patient(apiEvent(), lambdaContext());

    expect(result.statusCode).toBeGreaterThanOrEqual(500);
    expect(fake.requests).toHaveLength(1);
  });

  it("retries a connection the endpoint refused, until the attempts run out", async () => {
    const closed = await FakeSageMaker.start();
    const url = closed.url;
    await closed.close();
    const patient = await loadHandler(url, { INVOKE_MAX_ATTEMPTS: "2" });

    const result = await patient(apiEvent(), lambdaContext());

    expect(result.statusCode).toBe(500);
    const logged = logs.entries().find((entry) => entry.message === "unexpected error");
    expect(logged).toMatchObject({ error: { message: expect.stringContaining("ECONNREFUSED"), $metadata: { attempts: 2 } } });
  });

  it("does not retry a ModelError", async () => {
    const patient = await loadHandler(fake.url, { INVOKE_MAX_ATTEMPTS: "2" });
    fake.respondInTurn(serviceError("ModelError", 424));

    const result = await patient(apiEvent(), lambdaContext());

    expect(result.statusCode).toBe(502);
    expect(fake.requests).toHaveLength(1);
  });
});

describe("request size and text encoding", () => {
  it("answers 413 naming the total-character limit when all texts together exceed it", async () => {
    const small = await loadHandler(fake.url, { MAX_TEXTS: "3", MAX_TEXT_CHARS: "20", MAX_TOTAL_CHARS: "30" });

    const result = await small(apiEvent({ body: JSON.stringify({ texts: ["a".repeat(20), "b".repeat(11)] }) }), lambdaContext());

    expect(result.statusCode).toBe(413);
    expect(parseBody(result)).toEqual({
      message:
        "texts: 31 characters in all (each text counted up to 512, what the model reads), over the limit of 30 per request (maxTotalChars); send fewer or shorter texts",
      requestId: API_REQUEST_ID,
    });
    expect(fake.requests).toHaveLength(0);
  });

  it("counts a text only up to the 512 characters the model reads of it, so one long article is answered", async () => {
    const defaults = await loadHandler(fake.url, { MAX_TEXTS: "32", MAX_TEXT_CHARS: "10000", MAX_TOTAL_CHARS: "4000" });

    const result = await defaults(apiEvent({ body: JSON.stringify({ text: "word ".repeat(2_000) }) }), lambdaContext());

    expect(result.statusCode).toBe(200);
    expect(fake.requests).toHaveLength(1);
  });

  it("answers 413 when the texts' readable parts together exceed the limit", async () => {
    const defaults = await loadHandler(fake.url, { MAX_TEXTS: "32", MAX_TEXT_CHARS: "10000", MAX_TOTAL_CHARS: "4000" });

    const result = await defaults(
      apiEvent({ body: JSON.stringify({ texts: Array.from({ length: 8 }, () => "x".repeat(600)) }) }),
      lambdaContext(),
    );

    expect(result.statusCode).toBe(413);
    expect(parseBody(result).message).toMatch(/^texts: 4096 characters in all \(each text counted up to 512/);
    expect(fake.requests).toHaveLength(0);
  });

  it("accepts texts whose total is exactly the limit", async () => {
    const small = await loadHandler(fake.url, { MAX_TEXTS: "3", MAX_TEXT_CHARS: "20", MAX_TOTAL_CHARS: "30" });

    const result = await small(apiEvent({ body: JSON.stringify({ texts: ["a".repeat(20), "b".repeat(10)] }) }), lambdaContext());

    expect(result.statusCode).toBe(200);
  });

  it.each([
    ["text", '{"text":"up \\ud800"}'],
    ["texts[1]", '{"texts":["fine","\\udc00"]}'],
  ])("answers 400 for a lone surrogate escape in %s, before calling the model", async (field, body) => {
    const result = await handler(apiEvent({ body }), lambdaContext());

    expect(result.statusCode).toBe(400);
    expect(parseBody(result).message).toBe(`${field}: must not contain an unpaired UTF-16 surrogate (\\ud800-\\udfff)`);
    expect(fake.requests).toHaveLength(0);
  });
});

describe("logging", () => {
  const completed = () => logs.entries().find((entry) => entry.message === "request completed");

  it("logs the request id, status and latency of every request", async () => {
    await post({ text: "good results" });

    expect(completed()).toMatchObject({
      level: "INFO",
      service: "sentiment-api-test",
      requestId: API_REQUEST_ID,
      function_request_id: "lambda-request-1",
      statusCode: 200,
      latencyMs: expect.any(Number),
      modelLatencyMs: expect.any(Number),
    });
  });

  it("logs the status of a rejected request", async () => {
    await post({ text: "" });

    expect(completed()).toMatchObject({ statusCode: 400, requestId: API_REQUEST_ID });
  });

  it("does not log request text by default", async () => {
    await post({ texts: ["good results from a secret merger"] });

    expect(JSON.stringify(logs.entries())).not.toContain("secret merger");
  });

  it("logs request text when LOG_REQUEST_TEXT is true", async () => {
    const verbose = await loadHandler(fake.url, { LOG_REQUEST_TEXT: "true" });

    await verbose(apiEvent({ body: JSON.stringify({ text: "good results from a secret merger" }) }), lambdaContext());

    expect(logs.entries()).toContainEqual(
      expect.objectContaining({ message: "request text", request: { text: "good results from a secret merger" } }),
    );
  });
});
