// The local Bedrock Runtime speaks Bedrock's wire format: the handler's own AWS SDK client
// (lambda/bedrock.ts, HTTP/1.1), pointed at it by AWS_ENDPOINT_URL_BEDROCK_RUNTIME alone, calls
// InvokeModel and Converse on it unchanged and gets Bedrock's bodies and error types back.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { type BedrockRuntimeClient, ConverseCommand, InvokeModelCommand } from "@aws-sdk/client-bedrock-runtime";
import { createBedrockClient } from "../../lambda/bedrock";
import { type LocalBedrock, startLocalBedrock } from "../../local/bedrock-runtime";

const TITAN = "amazon.titan-embed-text-v2:0";
const COHERE = "cohere.embed-multilingual-v3";
const HAIKU = "anthropic.claude-3-haiku-20240307-v1:0";

/** A model server as the toolkit answers: one vector or one generation per input; records each body. */
class ToolkitServer {
  readonly bodies: unknown[] = [];
  status = 200;
  private constructor(readonly server: http.Server) {}

  static async start(): Promise<ToolkitServer> {
    const toolkit = new ToolkitServer(http.createServer());
    toolkit.server.on("request", (req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { inputs: string[]; parameters: Record<string, unknown> };
        toolkit.bodies.push(body);
        if (toolkit.status !== 200) {
          res.writeHead(toolkit.status).end('{"code":400,"type":"ValueError","message":"boom"}');
          return;
        }
        const answer =
          "max_new_tokens" in body.parameters
            ? body.inputs.map((t) => ({ generated_text: `re ${t}` }))
            : body.inputs.map((t) => [t.length, 1]);
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(answer));
      });
    });
    await new Promise<void>((resolve) => toolkit.server.listen(0, "127.0.0.1", resolve));
    return toolkit;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
}

let toolkit: ToolkitServer;
let bedrock: LocalBedrock;
let client: BedrockRuntimeClient;

beforeAll(async () => {
  toolkit = await ToolkitServer.start();
  bedrock = await startLocalBedrock({
    port: 0,
    models: new Map([
      [TITAN, toolkit.url],
      [COHERE, toolkit.url],
      [HAIKU, toolkit.url],
      ["amazon.titan-text-lite-v1", "http://127.0.0.1:1"],
    ]),
  });
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_BEDROCK_RUNTIME: bedrock.url,
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "local",
    AWS_SECRET_ACCESS_KEY: "local",
  });
  client = createBedrockClient({ invokeMaxAttempts: 1 });
});

afterAll(async () => {
  client.destroy();
  await bedrock.close();
  toolkit.server.closeAllConnections();
  await new Promise((resolve) => toolkit.server.close(resolve));
});

beforeEach(() => {
  toolkit.bodies.length = 0;
  toolkit.status = 200;
});

const invoke = async (modelId: string, body: unknown): Promise<unknown> => {
  const output = await client.send(new InvokeModelCommand({ modelId, contentType: "application/json", body: JSON.stringify(body) }));
  return JSON.parse(new TextDecoder().decode(output.body));
};

/** The error the SDK throws for a call: its name (x-amzn-ErrorType), message and HTTP status. */
async function failure(call: Promise<unknown>): Promise<{ name: string; message: string; status?: number }> {
  try {
    await call;
  } catch (e) {
    const error = e as Error & { $metadata?: { httpStatusCode?: number } };
    return { name: error.name, message: error.message, status: error.$metadata?.httpStatusCode };
  }
  throw new Error("expected the call to fail");
}

test("Titan v2 InvokeModel: {inputText, normalize} in, {embedding, inputTextTokenCount} out, from the model server", async () => {
  expect(await invoke(TITAN, { inputText: "two words", normalize: false })).toEqual({ embedding: [9, 1], inputTextTokenCount: 2 });
  expect(toolkit.bodies).toEqual([{ inputs: ["two words"], parameters: { normalize: false } }]);
});

test("Titan v2 normalises by default, as Bedrock does", async () => {
  await invoke(TITAN, { inputText: "a" });
  expect(toolkit.bodies).toEqual([{ inputs: ["a"], parameters: { normalize: true } }]);
});

test("Cohere v3 InvokeModel: a batch of texts in, {id, embeddings, texts, response_type} out", async () => {
  const answer = await invoke(COHERE, { texts: ["a", "bb"], input_type: "search_document", truncate: "END" });
  expect(answer).toEqual({
    id: expect.any(String),
    embeddings: [
      [1, 1],
      [2, 1],
    ],
    texts: ["a", "bb"],
    response_type: "embeddings_floats",
  });
  expect(toolkit.bodies).toEqual([{ inputs: ["a", "bb"], parameters: { normalize: false } }]);
});

test("Converse: the user's text in, the assistant's message, stop reason and usage out", async () => {
  const output = await client.send(
    new ConverseCommand({
      modelId: HAIKU,
      messages: [{ role: "user", content: [{ text: "hello there" }] }],
      inferenceConfig: { maxTokens: 5, temperature: 0.5, topP: 0.9 },
    }),
  );
  expect(output.output?.message).toEqual({ role: "assistant", content: [{ text: "re hello there" }] });
  expect(output.stopReason).toBe("end_turn");
  expect(output.usage).toEqual({ inputTokens: 2, outputTokens: 3, totalTokens: 5 });
  expect(toolkit.bodies).toEqual([
    { inputs: ["hello there"], parameters: { max_new_tokens: 5, do_sample: true, temperature: 0.5, top_p: 0.9 } },
  ]);
});

test.each([
  [
    "an unknown model id",
    () => invoke("amazon.titan-embed-text-v9:0", { inputText: "a" }),
    "ValidationException",
    400,
    "The provided model identifier is invalid.",
  ],
  [
    "a Titan body without inputText",
    () => invoke(TITAN, { text: "a" }),
    "ValidationException",
    400,
    "Malformed input request: #: required key [inputText] not found",
  ],
  [
    "a Cohere body without input_type",
    () => invoke(COHERE, { texts: ["a"] }),
    "ValidationException",
    400,
    "Malformed input request: #: required key [input_type] not found",
  ],
  [
    "Converse on an embedding model",
    () => client.send(new ConverseCommand({ modelId: TITAN, messages: [{ role: "user", content: [{ text: "a" }] }] })),
    "ValidationException",
    400,
    "This action doesn't support the model that you provided. Try again with a supported text or chat model.",
  ],
  [
    "a model server that is down",
    () =>
      client.send(new ConverseCommand({ modelId: "amazon.titan-text-lite-v1", messages: [{ role: "user", content: [{ text: "a" }] }] })),
    "ServiceUnavailableException",
    503,
    expect.stringContaining("The model amazon.titan-text-lite-v1 is unavailable"),
  ],
])("%s is answered as Bedrock does", async (_case, call, name, status, message) => {
  expect(await failure(call())).toEqual({ name, status, message });
});

test("a model server error is ModelErrorException (424) with the original status", async () => {
  toolkit.status = 400;
  const error = await failure(invoke(TITAN, { inputText: "a" }));
  expect(error).toEqual({ name: "ModelErrorException", status: 424, message: expect.stringContaining("ValueError") });
});
