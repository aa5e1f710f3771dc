// One entry per task the app serves: the request contract (zod schema and the API Gateway model
// derived from it), the body sent to the endpoint and the mapping of its answer. The handler
// dispatches on the service's task through this table; the stack and local mode read the JSON
// schema from it, so the gateway and the handler check the same contract. The documented examples
// and response schemas for tools (OpenAPI, smoke) are contract/task-contracts.ts.
import type * as z from "zod/mini";
import type { Task } from "../lib/tasks";
import { predictionsFrom, endpointRequest } from "../lambda/sentiment";
import { MODEL_WINDOW_CHARS, type RequestLimits, worstCaseChars, worstCaseEndpointPayloadBytes } from "./request-limits";
import { requestBodyJsonSchema, sentimentRequestSchema } from "./text-classification";
import {
  embeddingEndpointRequest,
  embeddingInputs,
  embeddingRequestJsonSchema,
  embeddingRequestSchema,
  embeddingResponseFrom,
} from "./feature-extraction";
import {
  type QuestionAnsweringLimits,
  type QuestionAnsweringRequest,
  DEFAULT_QUESTION_ANSWERING_LIMITS,
  questionAnsweringInputs,
  questionAnsweringEndpointRequest,
  questionAnsweringRequestJsonSchema,
  questionAnsweringRequestSchema,
  questionAnsweringResponseFrom,
} from "./question-answering";
import {
  type SentencePairLimits,
  type SentencePairRequest,
  sentencePairEndpointRequest,
  sentencePairInputs,
  sentencePairRequestJsonSchema,
  sentencePairRequestSchema,
  sentencePairResponseFrom,
} from "./sentence-pair-classification";
import {
  type GenerationRequest,
  generationEndpointRequest,
  generationInputs,
  generationRequestJsonSchema,
  generationRequestSchema,
  generationResponseFrom,
} from "./text2text-generation";

/** What a route's handler needs to know besides the request. */
export interface ResponseContext {
  /** The model's id as clients see it (embeddings answers name it). */
  readonly modelId: string;
}

/** The texts a request's character budget (`maxTotalChars`) counts, and the field the 413 names. */
export interface ChargedTexts {
  readonly field: string;
  readonly texts: readonly string[];
  /** Each text counts up to this many characters where the model truncates it to its window; unset: whole. */
  readonly readsAtMost?: number;
}

/** A task's public contract, for limits given as items per request and characters per text. */
export interface HandlerContract {
  /** The request body's schema; a parsed body is what `endpointBody` and `response` take. */
  requestSchema(limits: RequestLimits): z.ZodMiniType;
  /** The same schema as JSON Schema draft-04, for the API Gateway request model. */
  requestJsonSchema(limits: RequestLimits): Record<string, unknown>;
  /** Upper bound of the endpoint request body for requests within `limits`. */
  worstCasePayloadBytes(limits: RequestLimits): number;
  /** What of a parsed request counts against `maxTotalChars`. */
  charged(request: unknown): ChargedTexts;
  /** The inference toolkit's request body for a parsed request. */
  endpointBody(request: unknown): unknown;
  /** The public response for the endpoint's JSON answer; throws BadModelResponseError when it does not fit. */
  response(output: unknown, request: unknown, context: ResponseContext): unknown;
}

// JSON escapes a control character or a lone surrogate as `\uXXXX`: 6 bytes per code unit.
const JSON_BYTES_PER_CHAR = 6;
/** Generous bound of a body's fixed parts: field names, quotes, commas, the parameters object. */
const ENVELOPE_BYTES = 256;
const PER_ITEM_BYTES = 64;

type SentimentRequest = z.infer<ReturnType<typeof sentimentRequestSchema>>;
const textsOf = (request: SentimentRequest): string[] => (request.text === undefined ? (request.texts ?? []) : [request.text]);

const textClassification: HandlerContract = {
  requestSchema: (limits) => sentimentRequestSchema(limits),
  requestJsonSchema: requestBodyJsonSchema,
  worstCasePayloadBytes: (limits) => worstCaseEndpointPayloadBytes(limits, MODEL_WINDOW_CHARS),
  charged: (request) => {
    const r = request as SentimentRequest;
    return { field: r.text === undefined ? "texts" : "text", texts: textsOf(r), readsAtMost: MODEL_WINDOW_CHARS };
  },
  endpointBody: (request) => endpointRequest(textsOf(request as SentimentRequest)),
  response: (output, request) => {
    const r = request as SentimentRequest;
    return { data: predictionsFrom(output, textsOf(r).length, r.all_scores === true) };
  },
};

type EmbeddingRequest = z.infer<ReturnType<typeof embeddingRequestSchema>>;
const embeddingLimits = (limits: RequestLimits) => ({ maxInputs: limits.maxTexts, maxInputChars: limits.maxTextChars });

const featureExtraction: HandlerContract = {
  requestSchema: (limits) => embeddingRequestSchema(embeddingLimits(limits)),
  requestJsonSchema: (limits) => embeddingRequestJsonSchema(embeddingLimits(limits)),
  // {"inputs": [...], "parameters": {"normalize": false}}: the texts plus a small fixed envelope.
  worstCasePayloadBytes: (limits) => worstCaseEndpointPayloadBytes(limits, MODEL_WINDOW_CHARS) + ENVELOPE_BYTES,
  charged: (request) => {
    const r = request as EmbeddingRequest;
    const field = r.input !== undefined ? "input" : r.text !== undefined ? "text" : "texts";
    return { field, texts: embeddingInputs(r), readsAtMost: MODEL_WINDOW_CHARS };
  },
  endpointBody: (request) => embeddingEndpointRequest(request as EmbeddingRequest),
  response: (output, request, context) =>
    embeddingResponseFrom(output, embeddingInputs(request as EmbeddingRequest).length, context.modelId),
};

// maxTexts counts items (question/context items, pairs); maxTextChars bounds the longest text
// (a context, either text of a pair). Questions keep the contract's own bound: the inference
// code's window leaves room for at most that many question tokens.
const questionAnsweringLimits = (limits: RequestLimits): QuestionAnsweringLimits => ({
  maxItems: limits.maxTexts,
  maxQuestionChars: Math.min(DEFAULT_QUESTION_ANSWERING_LIMITS.maxQuestionChars, limits.maxTextChars),
  maxContextChars: limits.maxTextChars,
});

const questionAnswering: HandlerContract = {
  requestSchema: (limits) => questionAnsweringRequestSchema(questionAnsweringLimits(limits)),
  requestJsonSchema: (limits) => questionAnsweringRequestJsonSchema(questionAnsweringLimits(limits)),
  worstCasePayloadBytes: (limits) => {
    const l = questionAnsweringLimits(limits);
    const chars = Math.min(limits.maxTotalChars, l.maxItems * (l.maxQuestionChars + l.maxContextChars));
    return ENVELOPE_BYTES + l.maxItems * PER_ITEM_BYTES + chars * JSON_BYTES_PER_CHAR;
  },
  charged: (request) => {
    const r = request as QuestionAnsweringRequest;
    return {
      field: r.items === undefined ? "question and context" : "items",
      texts: questionAnsweringInputs(r).flatMap((item) => [item.question, item.context]),
    };
  },
  endpointBody: (request) => questionAnsweringEndpointRequest(request as QuestionAnsweringRequest),
  response: (output, request) => questionAnsweringResponseFrom(output, request as QuestionAnsweringRequest),
};

const sentencePairLimits = (limits: RequestLimits): SentencePairLimits => ({
  maxPairs: limits.maxTexts,
  maxTextChars: limits.maxTextChars,
});

const sentencePairClassification: HandlerContract = {
  requestSchema: (limits) => sentencePairRequestSchema(sentencePairLimits(limits)),
  requestJsonSchema: (limits) => sentencePairRequestJsonSchema(sentencePairLimits(limits)),
  worstCasePayloadBytes: (limits) =>
    ENVELOPE_BYTES +
    limits.maxTexts * PER_ITEM_BYTES +
    worstCaseChars(2 * limits.maxTexts, limits.maxTextChars, limits.maxTotalChars, MODEL_WINDOW_CHARS) * JSON_BYTES_PER_CHAR,
  charged: (request) => {
    const r = request as SentencePairRequest;
    return {
      field: r.pairs === undefined ? "text and text_pair" : "pairs",
      texts: sentencePairInputs(r).flatMap((pair) => [pair.text, pair.text_pair]),
      // A pair is cut to one window (longer side first): each side reads at most a window.
      readsAtMost: MODEL_WINDOW_CHARS,
    };
  },
  endpointBody: (request) => sentencePairEndpointRequest(request as SentencePairRequest),
  response: (output, request) => sentencePairResponseFrom(output, sentencePairInputs(request as SentencePairRequest).length),
};

const text2textGeneration: HandlerContract = {
  requestSchema: (limits) => generationRequestSchema(limits),
  requestJsonSchema: (limits) => generationRequestJsonSchema(limits),
  worstCasePayloadBytes: (limits) => worstCaseEndpointPayloadBytes(limits, MODEL_WINDOW_CHARS) + ENVELOPE_BYTES,
  charged: (request) => {
    const r = request as GenerationRequest;
    return { field: r.text === undefined ? "texts" : "text", texts: generationInputs(r), readsAtMost: MODEL_WINDOW_CHARS };
  },
  endpointBody: (request) => generationEndpointRequest(request as GenerationRequest),
  response: (output, request) => generationResponseFrom(output, generationInputs(request as GenerationRequest).length),
};

/** Every task's contract. */
export const HANDLER_CONTRACTS: Readonly<Record<Task, HandlerContract>> = {
  "text-classification": textClassification,
  "sentence-pair-classification": sentencePairClassification,
  "question-answering": questionAnswering,
  "text2text-generation": text2textGeneration,
  "feature-extraction": featureExtraction,
};

export function handlerContract(task: Task): HandlerContract {
  return HANDLER_CONTRACTS[task];
}
