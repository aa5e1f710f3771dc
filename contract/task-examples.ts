// The documented requests and answer shapes of the question-answering, sentence-pair,
// text2text-generation and feature-extraction routes (README "Tasks"): `npm run smoke` sends them,
// the OpenAPI document shows them. Text classification has its own (text-classification-examples.ts).
import * as z from "zod/mini";
import type { RequestLimits } from "./request-limits";
import { errorResponseSchema } from "./text-classification";
import type { ContractExample } from "./task-contracts";

const TEXT = "Operating profit rose to EUR 13.1 mn from EUR 8.7 mn.";

const labelScore = z.strictObject({ label: z.string().check(z.minLength(1)), score: z.number().check(z.gte(0), z.lte(1)) });
const answer = z.strictObject({
  answer: z.string(),
  score: z.number().check(z.gte(0), z.lte(1)),
  start: z.int().check(z.gte(0)),
  end: z.int().check(z.gte(0)),
});

/** 200 answer of sentence-pair classification: the best label per pair, in request order. */
export const sentencePairResponseSchema = z.strictObject({ data: z.array(labelScore) });
/** 200 answer of question answering: the best answer per item, or with `top_k` a list per item. */
export const questionAnsweringResponseSchema = z.strictObject({ data: z.array(z.union([answer, z.array(answer)])) });
/** 200 answer of text2text generation: one generated text per input, in request order. */
export const generationResponseSchema = z.strictObject({ data: z.array(z.strictObject({ generated_text: z.string() })) });
/** 200 answer of feature extraction, OpenAI-style: one vector per input, in request order. */
export const embeddingResponseSchema = z.strictObject({
  object: z.literal("list"),
  data: z.array(
    z.strictObject({
      object: z.literal("embedding"),
      index: z.int().check(z.gte(0)),
      embedding: z.array(z.number()).check(z.minLength(1)),
    }),
  ),
  model: z.string(),
  dimensions: z.int().check(z.gte(1)),
});

/** `schema`, with exactly `count` entries in `data`. */
function entries<T extends { data: readonly unknown[] }>(schema: z.ZodMiniType<T>, count: number): z.ZodMiniType {
  return schema.check(z.refine((response: T) => response.data.length === count, { error: `expected ${count} answer(s)` }));
}

const bad = (name: string, body: string): ContractExample => ({ name, body, status: 400, response: errorResponseSchema });
const ok = (name: string, request: unknown, response: z.ZodMiniType): ContractExample => ({
  name,
  body: JSON.stringify(request),
  status: 200,
  response,
});
const tooMany = (limits: RequestLimits, field: string, item: unknown): ContractExample =>
  bad(`${limits.maxTexts + 1} ${field}`, JSON.stringify({ [field]: Array.from({ length: limits.maxTexts + 1 }, () => item) }));

export function sentencePairExamples(limits: RequestLimits): ContractExample[] {
  const pair = { text: "The company posted record profit.", text_pair: "Profits reached an all-time high." };
  return [
    ok("one pair", pair, entries(sentencePairResponseSchema, 1)),
    ok(
      "a batch of two pairs",
      { pairs: [pair, { text: TEXT, text_pair: "The meeting is on Tuesday." }] },
      entries(sentencePairResponseSchema, 2),
    ),
    bad("a text without its pair", JSON.stringify({ text: pair.text })),
    tooMany(limits, "pairs", pair),
    bad("a body that is not JSON", "{not json"),
  ];
}

export function questionAnsweringExamples(limits: RequestLimits): ContractExample[] {
  const item = { question: "What rose?", context: TEXT };
  return [
    ok("one question", item, entries(questionAnsweringResponseSchema, 1)),
    ok("two answers per item", { items: [item], top_k: 2 }, entries(questionAnsweringResponseSchema, 1)),
    bad("a question without context", JSON.stringify({ question: item.question })),
    bad("top_k over 5", JSON.stringify({ ...item, top_k: 6 })),
    tooMany(limits, "items", item),
    bad("a body that is not JSON", "{not json"),
  ];
}

export function generationExamples(limits: RequestLimits): ContractExample[] {
  return [
    ok("one text", { text: `Summarize: ${TEXT}` }, entries(generationResponseSchema, 1)),
    ok(
      "a batch of two with parameters",
      { texts: ["Translate English to German: The house is wonderful.", `Summarize: ${TEXT}`], parameters: { max_new_tokens: 16 } },
      entries(generationResponseSchema, 2),
    ),
    bad("an unknown parameter", JSON.stringify({ text: TEXT, parameters: { max_length: 10 } })),
    bad("num_beams over 8", JSON.stringify({ text: TEXT, parameters: { num_beams: 9 } })),
    tooMany(limits, "texts", "x"),
    bad("a body that is not JSON", "{not json"),
  ];
}

export function embeddingExamples(limits: RequestLimits): ContractExample[] {
  return [
    ok("one input", { input: TEXT }, entries(embeddingResponseSchema, 1)),
    ok(
      "a batch of two",
      { input: ["Revenue grew 12% and margins widened.", "The company missed guidance."] },
      entries(embeddingResponseSchema, 2),
    ),
    bad("input and texts together", JSON.stringify({ input: TEXT, texts: [TEXT] })),
    tooMany(limits, "input", "x"),
    bad("a body that is not JSON", "{not json"),
  ];
}
