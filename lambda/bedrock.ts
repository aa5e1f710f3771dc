// The Bedrock backend of a route: the toolkit body the task's contract builds is sent as the
// model family's own request, and the answer comes back in the toolkit's shape, so the contract
// maps it to the same public response as a SageMaker endpoint's.
import { BedrockRuntimeClient, ConverseCommand, InvokeModelCommand } from "@aws-sdk/client-bedrock-runtime";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import * as z from "zod/mini";
import type { BedrockModel } from "../lib/bedrock-models";
import type { HandlerConfig } from "./environment";
import { BadModelResponseError, ClientError } from "./errors";
import { SentRequestSafeRetryStrategy } from "./retry";

const CONNECTION_TIMEOUT_MS = 3_000;

/** Bedrock models' temperature range (Titan, Nova, Claude); the contract allows up to 2 for Hugging Face models. */
export const BEDROCK_MAX_TEMPERATURE = 1;

/**
 * As the SageMaker client: region and credentials from the Lambda environment,
 * `AWS_ENDPOINT_URL_BEDROCK_RUNTIME` redirects it, and the same retry policy. HTTP/1.1, as
 * SageMaker's: the client's default HTTP/2 handler is for bidirectional streaming, which this
 * handler does not use, and it wraps a refused connection in a stream error the retry policy
 * would not recognise as never sent.
 */
export function createBedrockClient(config: Pick<HandlerConfig, "invokeMaxAttempts">): BedrockRuntimeClient {
  return new BedrockRuntimeClient({
    retryStrategy: new SentRequestSafeRetryStrategy(config.invokeMaxAttempts),
    requestHandler: new NodeHttpHandler({ connectionTimeout: CONNECTION_TIMEOUT_MS }),
  });
}

const embeddingBody = z.object({ inputs: z.array(z.string()), parameters: z.object({ normalize: z.boolean() }) });
const generationBody = z.object({
  inputs: z.array(z.string()),
  parameters: z.object({
    max_new_tokens: z.optional(z.number()),
    num_beams: z.optional(z.number()),
    do_sample: z.optional(z.boolean()),
    temperature: z.optional(z.number()),
    top_p: z.optional(z.number()),
  }),
});

/** Reads a toolkit body the contract built; a mismatch is this code's bug, not the client's. */
function bodyOf<T>(schema: z.ZodMiniType<T>, body: unknown, family: string): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new Error(`the ${family} backend cannot send this body: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

async function invokeJson(client: BedrockRuntimeClient, modelId: string, request: unknown, abortSignal: AbortSignal): Promise<unknown> {
  const output = await client.send(
    new InvokeModelCommand({ modelId, contentType: "application/json", accept: "application/json", body: JSON.stringify(request) }),
    { abortSignal },
  );
  const text = new TextDecoder().decode(output.body);
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new BadModelResponseError(`Bedrock answer is not JSON (${output.contentType ?? "no content type"}, ${text.length} chars)`, {
      cause,
    });
  }
}

const vector = z.array(z.number()).check(z.minLength(1));
const titanAnswer = z.object({ embedding: vector });
const cohereAnswer = z.object({ embeddings: z.array(vector) });

function answerOf<T>(schema: z.ZodMiniType<T>, answer: unknown, modelId: string): T {
  const parsed = schema.safeParse(answer);
  if (!parsed.success) throw new BadModelResponseError(`unexpected ${modelId} answer: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** Scales a vector to length 1 (a zero vector stays as it is). */
export function l2Normalize(values: readonly number[]): number[] {
  const norm = Math.sqrt(values.reduce((sum, v) => sum + v * v, 0));
  return norm === 0 ? [...values] : values.map((v) => v / norm);
}

/**
 * Titan Text Embeddings v2: one InvokeModel per text (`{inputText, normalize}` ->
 * `{embedding, inputTextTokenCount}`), the model normalising when asked.
 */
async function titanEmbeddings(client: BedrockRuntimeClient, model: BedrockModel, body: unknown, signal: AbortSignal): Promise<number[][]> {
  const { inputs, parameters } = bodyOf(embeddingBody, body, model.family);
  return Promise.all(
    inputs.map(async (inputText) => {
      const answer = await invokeJson(client, model.modelId, { inputText, normalize: parameters.normalize }, signal);
      return answerOf(titanAnswer, answer, model.modelId).embedding;
    }),
  );
}

/**
 * Cohere Embed v3: the whole batch in one InvokeModel (`{texts, input_type, truncate}` ->
 * `{embeddings}`), stored documents' input type, over-long texts cut at the end as the
 * SageMaker route's tokenizer does; normalised here when asked (the model does not promise unit length).
 */
async function cohereEmbeddings(
  client: BedrockRuntimeClient,
  model: BedrockModel,
  body: unknown,
  signal: AbortSignal,
): Promise<number[][]> {
  const { inputs, parameters } = bodyOf(embeddingBody, body, model.family);
  const answer = await invokeJson(client, model.modelId, { texts: inputs, input_type: "search_document", truncate: "END" }, signal);
  const { embeddings } = answerOf(cohereAnswer, answer, model.modelId);
  return parameters.normalize ? embeddings.map(l2Normalize) : embeddings;
}

/** The contract's generate() settings as Converse's inferenceConfig; what Bedrock cannot do is the client's 400. */
export function inferenceConfigOf(parameters: z.infer<typeof generationBody>["parameters"]): {
  maxTokens?: number;
  temperature: number;
  topP?: number;
} {
  if (parameters.num_beams !== undefined && parameters.num_beams > 1) {
    throw new ClientError(400, "parameters.num_beams: beam search is not offered by Bedrock models; leave it out or set 1");
  }
  if (parameters.temperature !== undefined && parameters.temperature > BEDROCK_MAX_TEMPERATURE) {
    throw new ClientError(400, `parameters.temperature: must be at most ${BEDROCK_MAX_TEMPERATURE} for Bedrock models`);
  }
  // As generate(): greedy unless do_sample is true, and then temperature and top_p apply.
  const sampling = parameters.do_sample === true;
  return {
    ...(parameters.max_new_tokens !== undefined && { maxTokens: parameters.max_new_tokens }),
    temperature: sampling ? (parameters.temperature ?? BEDROCK_MAX_TEMPERATURE) : 0,
    ...(sampling && parameters.top_p !== undefined && { topP: parameters.top_p }),
  };
}

/** Converse: one call per text, the text as the user's message; the answer's text blocks joined. */
async function converse(
  client: BedrockRuntimeClient,
  model: BedrockModel,
  body: unknown,
  signal: AbortSignal,
): Promise<Array<{ generated_text: string }>> {
  const { inputs, parameters } = bodyOf(generationBody, body, model.family);
  const inferenceConfig = inferenceConfigOf(parameters);
  return Promise.all(
    inputs.map(async (text) => {
      const output = await client.send(
        new ConverseCommand({ modelId: model.modelId, messages: [{ role: "user", content: [{ text }] }], inferenceConfig }),
        { abortSignal: signal },
      );
      const content = output.output?.message?.content;
      if (content === undefined) throw new BadModelResponseError(`${model.modelId} answered no message (stop reason ${output.stopReason})`);
      return { generated_text: content.map((block) => block.text ?? "").join("") };
    }),
  );
}

/** Sends a task's toolkit body to the model and returns the answer in the toolkit's shape. */
export function invokeBedrock(
  client: BedrockRuntimeClient,
  model: BedrockModel,
  body: unknown,
  abortSignal: AbortSignal,
): Promise<unknown> {
  switch (model.family) {
    case "titan-embed":
      return titanEmbeddings(client, model, body, abortSignal);
    case "cohere-embed":
      return cohereEmbeddings(client, model, body, abortSignal);
    case "converse":
      return converse(client, model, body, abortSignal);
  }
}
