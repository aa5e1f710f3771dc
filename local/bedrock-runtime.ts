import http from "node:http";
import { randomUUID } from "node:crypto";
import { type BedrockModel, bedrockModel } from "../lib/bedrock-models";
import { closeServer, type HttpReply, listen, readBody, request, RequestTimeoutError, sendJson } from "./http";

/** How long the stand-in waits for the model server (Bedrock's own limit is not published; SageMaker's 60 s). */
const DEFAULT_INVOCATION_TIMEOUT_MS = 60_000;

export interface LocalBedrockOptions {
  port: number;
  /** Bedrock model id -> base URL of the model server that answers for it. */
  models: ReadonlyMap<string, string>;
  invocationTimeoutMs?: number;
}

export interface LocalBedrock {
  url: string;
  close(): Promise<void>;
}

const OPERATION_PATH = /^\/model\/([^/]+)\/(invoke|converse)$/;

/** An error answer: HTTP status, `x-amzn-ErrorType` and a JSON `message`, as Bedrock Runtime sends them. */
class BedrockError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

const invalid = (message: string) => new BedrockError(400, "ValidationException", message);

/** Whitespace-separated words: the stand-in's token count (Bedrock counts the model's own tokens). */
const words = (texts: readonly string[]) => texts.reduce((n, t) => n + t.split(/\s+/).filter(Boolean).length, 0);

function parseJson(body: Buffer): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(body.toString("utf8"));
    if (typeof value === "object" && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // reported below, as Bedrock does
  }
  throw invalid("Malformed input request, please reformat your input and try again.");
}

const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.length > 0 && v.every((t) => typeof t === "string");

/** The model server's answer to a toolkit body; its failures as Bedrock reports a model's. */
async function toolkit(url: string, model: BedrockModel, body: unknown, timeoutMs: number): Promise<unknown> {
  let reply: HttpReply;
  try {
    reply = await request(`${url}/invocations`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify(body),
      timeoutMs,
    });
  } catch (cause) {
    if (cause instanceof RequestTimeoutError)
      throw new BedrockError(408, "ModelTimeoutException", "Model has timed out in processing the request.");
    throw new BedrockError(503, "ServiceUnavailableException", `The model ${model.modelId} is unavailable: ${(cause as Error).message}`);
  }
  const text = reply.body.toString("utf8");
  if (reply.status < 200 || reply.status > 299) {
    throw new BedrockError(424, "ModelErrorException", `The model returned an error: ${text}`, {
      originalStatusCode: reply.status,
      resourceName: model.modelId,
    });
  }
  return JSON.parse(text);
}

const vectors = (answer: unknown, count: number, model: BedrockModel): number[][] => {
  if (!Array.isArray(answer) || answer.length !== count) {
    throw new BedrockError(
      424,
      "ModelErrorException",
      `The model returned ${JSON.stringify(answer).slice(0, 200)}, not ${count} vector(s)`,
      {
        originalStatusCode: 200,
        resourceName: model.modelId,
      },
    );
  }
  return answer as number[][];
};

/** InvokeModel of an embedding model: the family's request body in, its response body out. */
async function invokeModel(url: string, model: BedrockModel, body: Record<string, unknown>, timeoutMs: number): Promise<unknown> {
  switch (model.family) {
    case "titan-embed": {
      const { inputText, normalize, dimensions } = body;
      if (typeof inputText !== "string" || inputText === "")
        throw invalid("Malformed input request: #: required key [inputText] not found");
      if (normalize !== undefined && typeof normalize !== "boolean")
        throw invalid("Malformed input request: #/normalize: expected type: Boolean");
      if (dimensions !== undefined)
        throw invalid("dimensions: the local stand-in answers with the local model's own vector length; leave it out");
      const answer = await toolkit(url, model, { inputs: [inputText], parameters: { normalize: normalize ?? true } }, timeoutMs);
      return { embedding: vectors(answer, 1, model)[0], inputTextTokenCount: words([inputText]) };
    }
    case "cohere-embed": {
      const { texts, input_type } = body;
      if (!isStringList(texts) || texts.length > (model.maxTexts ?? 96)) {
        throw invalid(`Malformed input request: #/texts: expected 1 to ${model.maxTexts} strings`);
      }
      if (typeof input_type !== "string") throw invalid("Malformed input request: #: required key [input_type] not found");
      // Cohere's vectors are the model's raw ones; normalising is the caller's choice.
      const answer = await toolkit(url, model, { inputs: texts, parameters: { normalize: false } }, timeoutMs);
      return { id: randomUUID(), embeddings: vectors(answer, texts.length, model), texts, response_type: "embeddings_floats" };
    }
    case "converse":
      throw invalid(`The local stand-in answers ${model.modelId} through Converse only (POST /model/{modelId}/converse).`);
  }
}

interface InferenceConfig {
  maxTokens?: number;
  temperature?: number;
  topP?: number;
}

/** Converse of a text model: the user's text blocks as one input, the generation as the assistant's message. */
async function converse(url: string, model: BedrockModel, body: Record<string, unknown>, timeoutMs: number): Promise<unknown> {
  if (model.family !== "converse")
    throw invalid("This action doesn't support the model that you provided. Try again with a supported text or chat model.");
  const { messages, inferenceConfig } = body as { messages?: unknown; inferenceConfig?: InferenceConfig };
  if (!Array.isArray(messages) || messages.length === 0)
    throw invalid("1 validation error detected: Value at 'messages' failed to satisfy constraint: Member must not be null");
  const last = messages[messages.length - 1] as { role?: unknown; content?: Array<{ text?: unknown }> };
  const texts = Array.isArray(last.content) ? last.content.flatMap((block) => (typeof block.text === "string" ? [block.text] : [])) : [];
  if (last.role !== "user" || texts.length === 0)
    throw invalid("A conversation must end with a user message with text content. Try again.");
  const config = inferenceConfig ?? {};
  const parameters = {
    ...(config.maxTokens !== undefined && { max_new_tokens: config.maxTokens }),
    ...(config.temperature !== undefined && config.temperature > 0 && { do_sample: true, temperature: config.temperature }),
    ...(config.topP !== undefined && { top_p: config.topP }),
  };
  const startedAt = Date.now();
  const input = texts.join("\n");
  const answer = await toolkit(url, model, { inputs: [input], parameters }, timeoutMs);
  const generated = Array.isArray(answer) ? (answer[0] as { generated_text?: unknown } | undefined)?.generated_text : undefined;
  if (typeof generated !== "string") {
    throw new BedrockError(424, "ModelErrorException", "The model returned no generated_text", {
      originalStatusCode: 200,
      resourceName: model.modelId,
    });
  }
  const usage = { inputTokens: words([input]), outputTokens: words([generated]) };
  return {
    output: { message: { role: "assistant", content: [{ text: generated }] } },
    stopReason: "end_turn",
    usage: { ...usage, totalTokens: usage.inputTokens + usage.outputTokens },
    metrics: { latencyMs: Date.now() - startedAt },
  };
}

async function handle(
  options: LocalBedrockOptions,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  modelId: string,
  operation: string,
) {
  const body = await readBody(req);
  const url = options.models.get(modelId);
  const model = bedrockModel(modelId);
  if (url === undefined || model === undefined) throw invalid("The provided model identifier is invalid.");
  const timeoutMs = options.invocationTimeoutMs ?? DEFAULT_INVOCATION_TIMEOUT_MS;
  const parsed = parseJson(body);
  const answer = operation === "invoke" ? await invokeModel(url, model, parsed, timeoutMs) : await converse(url, model, parsed, timeoutMs);
  sendJson(res, 200, answer);
}

/**
 * A loopback Bedrock Runtime: InvokeModel (`POST /model/{modelId}/invoke`) for the Titan and
 * Cohere embedding bodies and Converse (`POST /model/{modelId}/converse`) for text models, each
 * answered by the model server of the service that names the model, reshaped into Bedrock's
 * bodies; errors carry `x-amzn-ErrorType` and a JSON `message`, so unmodified AWS clients work
 * against it. Request signatures are not checked.
 */
export async function startLocalBedrock(options: LocalBedrockOptions): Promise<LocalBedrock> {
  const server = http.createServer((req, res) => {
    res.setHeader("x-amzn-RequestId", randomUUID());
    const match = OPERATION_PATH.exec(new URL(req.url ?? "/", "http://localhost").pathname);
    const handled =
      req.method === "POST" && match
        ? handle(options, req, res, decodeURIComponent(match[1]), match[2])
        : Promise.reject(
            new BedrockError(
              404,
              "UnknownOperationException",
              `${req.method} ${req.url} is not an operation of this local Bedrock Runtime`,
            ),
          );
    handled.catch((caught: unknown) => {
      const failure = caught instanceof BedrockError ? caught : new BedrockError(500, "InternalServerException", String(caught));
      if (!res.headersSent)
        sendJson(res, failure.status, { message: failure.message, ...failure.extra }, { "x-amzn-ErrorType": failure.type });
      else res.destroy();
    });
  });
  const port = await listen(server, options.port);
  return { url: `http://127.0.0.1:${port}`, close: () => closeServer(server, 5_000) };
}
