// Per task: the request and response schemas and the examples that document them. Tools read this
// table (the OpenAPI document, `npm run smoke`); the Lambda bundle does not import it. A new task
// adds its row here, next to its own contract file.
import type * as z from "zod/mini";
import type { RequestLimits } from "./request-limits";
import { sentimentRequestSchema, sentimentResponseSchema } from "./text-classification";
import { sentimentExamples } from "./text-classification-examples";
import { embeddingResponseSchema } from "./feature-extraction";
import { embeddingExamples } from "./feature-extraction-examples";
import { questionAnsweringResponseSchema } from "./question-answering";
import { questionAnsweringExamples } from "./question-answering-examples";
import { sentencePairResponseSchema } from "./sentence-pair-classification";
import { sentencePairExamples } from "./sentence-pair-classification-examples";
import { generationResponseSchema } from "./text2text-generation";
import { generationExamples } from "./text2text-generation-examples";
import { HANDLER_CONTRACTS as HANDLED } from "./tasks";

/** One documented request and what the API answers to it. */
export interface ContractExample {
  /** Short, shown in the smoke table and as the OpenAPI example's summary. */
  readonly name: string;
  /** The exact body sent (JSON text, or deliberately not JSON). */
  readonly body: string;
  /** Expected HTTP status. */
  readonly status: number;
  /** What the answer's JSON body must satisfy. */
  readonly response: z.ZodMiniType;
}

export interface TaskContract {
  /** One line for people (OpenAPI summary). */
  readonly summary: string;
  /** Name stem of the OpenAPI component schemas, e.g. `Sentiment` → `SentimentRequest`. */
  readonly schemaName: string;
  readonly requestSchema: (limits: RequestLimits) => z.ZodMiniType;
  readonly responseSchema: z.ZodMiniType;
  /** Documented requests, the first one with status 200 first: it is the route's ready example. */
  readonly examples: (limits: RequestLimits) => readonly ContractExample[];
}

const textClassification: TaskContract = {
  summary: "Classify one text or a batch of texts",
  schemaName: "Sentiment",
  requestSchema: sentimentRequestSchema,
  responseSchema: sentimentResponseSchema,
  examples: sentimentExamples,
};

// The request schemas are the ones the handler parses with (contract/tasks.ts).
export const TASK_CONTRACTS: Readonly<Record<string, TaskContract>> = {
  "text-classification": textClassification,
  "sentiment-analysis": textClassification,
  "sentence-pair-classification": {
    summary: "Classify one sentence pair or a batch of pairs",
    schemaName: "SentencePair",
    requestSchema: HANDLED["sentence-pair-classification"].requestSchema,
    responseSchema: sentencePairResponseSchema,
    examples: sentencePairExamples,
  },
  "question-answering": {
    summary: "Answer questions from the context sent along",
    schemaName: "QuestionAnswering",
    requestSchema: HANDLED["question-answering"].requestSchema,
    responseSchema: questionAnsweringResponseSchema,
    examples: questionAnsweringExamples,
  },
  "text2text-generation": {
    summary: "Generate text from one prompt or a batch of prompts",
    schemaName: "Generation",
    requestSchema: HANDLED["text2text-generation"].requestSchema,
    responseSchema: generationResponseSchema,
    examples: generationExamples,
  },
  "feature-extraction": {
    summary: "Embed one text or a batch of texts (OpenAI-style)",
    schemaName: "Embedding",
    requestSchema: HANDLED["feature-extraction"].requestSchema,
    responseSchema: embeddingResponseSchema,
    examples: embeddingExamples,
  },
};

export function taskContract(task: string): TaskContract {
  const contract = TASK_CONTRACTS[task];
  if (!contract) throw new Error(`no request contract for task "${task}" (known: ${Object.keys(TASK_CONTRACTS).join(", ")})`);
  return contract;
}

/** The route's ready example: the first documented request answered with 200. */
export function readyExample(contract: TaskContract, limits: RequestLimits): ContractExample {
  const example = contract.examples(limits).find((e) => e.status === 200);
  if (!example) throw new Error(`the contract "${contract.schemaName}" documents no successful request`);
  return example;
}
