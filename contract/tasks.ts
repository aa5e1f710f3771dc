// One entry per task the app serves: the request contract (zod schema and the API Gateway model
// derived from it), the body sent to the endpoint and the mapping of its answer. The handler
// dispatches on the service's task through this table; the stack and local mode read the JSON
// schema from it, so the gateway and the handler check the same contract.
import * as z from "zod/mini";
import type { Task } from "../lib/tasks";
import { predictionsFrom, endpointRequest } from "../lambda/sentiment";
import { type RequestLimits, sentimentRequestSchema, worstCaseEndpointPayloadBytes } from "./text-classification";
import { embeddingEndpointRequest, embeddingInputs, embeddingRequestSchema, embeddingResponseFrom } from "./feature-extraction";

/** What a route's handler needs to know besides the request. */
export interface ResponseContext {
  /** The model's id as clients see it (embeddings answers name it). */
  readonly modelId: string;
}

/** A task's public contract, for limits given as items per request and characters per text. */
export interface TaskContract {
  /** The request body's schema; a parsed body is what `endpointBody` and `response` take. */
  requestSchema(limits: RequestLimits): z.ZodMiniType;
  /** The same schema as JSON Schema draft-04, for the API Gateway request model. */
  requestJsonSchema(limits: RequestLimits): Record<string, unknown>;
  /** Upper bound of the endpoint request body for requests within `limits`. */
  worstCasePayloadBytes(limits: RequestLimits): number;
  /** The inference toolkit's request body for a parsed request. */
  endpointBody(request: unknown): unknown;
  /** The public response for the endpoint's JSON answer; throws BadModelResponseError when it does not fit. */
  response(output: unknown, request: unknown, context: ResponseContext): unknown;
}

function draft04(schema: z.ZodMiniType): Record<string, unknown> {
  return z.toJSONSchema(schema, { target: "draft-04", io: "input" });
}

type SentimentRequest = z.infer<ReturnType<typeof sentimentRequestSchema>>;
const textsOf = (request: SentimentRequest): string[] => (request.text === undefined ? (request.texts ?? []) : [request.text]);

const textClassification: TaskContract = {
  requestSchema: (limits) => sentimentRequestSchema(limits),
  requestJsonSchema: (limits) => draft04(sentimentRequestSchema(limits)),
  worstCasePayloadBytes: worstCaseEndpointPayloadBytes,
  endpointBody: (request) => endpointRequest(textsOf(request as SentimentRequest)),
  response: (output, request) => {
    const r = request as SentimentRequest;
    return { data: predictionsFrom(output, textsOf(r).length, r.all_scores === true) };
  },
};

type EmbeddingRequest = z.infer<ReturnType<typeof embeddingRequestSchema>>;
const embeddingLimits = (limits: RequestLimits) => ({ maxInputs: limits.maxTexts, maxInputChars: limits.maxTextChars });

const featureExtraction: TaskContract = {
  requestSchema: (limits) => embeddingRequestSchema(embeddingLimits(limits)),
  requestJsonSchema: (limits) => draft04(embeddingRequestSchema(embeddingLimits(limits))),
  // {"inputs": [...], "parameters": {"normalize": false}}: the texts plus a small fixed envelope.
  worstCasePayloadBytes: (limits) => worstCaseEndpointPayloadBytes(limits) + 64,
  endpointBody: (request) => embeddingEndpointRequest(request as EmbeddingRequest),
  response: (output, request, context) => embeddingResponseFrom(output, embeddingInputs(request as EmbeddingRequest).length, context.modelId),
};

/** The contracts of the tasks whose handler code is in place; a task missing here cannot be configured. */
export const TASK_CONTRACTS: Readonly<Partial<Record<Task, TaskContract>>> = {
  "text-classification": textClassification,
  "feature-extraction": featureExtraction,
};

/** The contract of `task`; throws naming the task when the handler does not serve it. */
export function contractOf(task: Task): TaskContract {
  const contract = TASK_CONTRACTS[task];
  if (contract === undefined) throw new Error(`task ${task} has no request contract in contract/tasks.ts`);
  return contract;
}
