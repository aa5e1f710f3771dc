// The documented requests of the text-classification route (README "The API"), with what each
// must be answered: `npm run smoke` sends them, the OpenAPI document shows them.
import * as z from "zod/mini";
import { LONE_SURROGATE_TEXT } from "./example-helpers";
import type { RequestLimits } from "./request-limits";
import { errorResponseSchema, type SentimentResponse, sentimentResponseSchema } from "./text-classification";
import type { ContractExample } from "./task-contracts";

const TEXT = "Operating profit rose to EUR 13.1 mn from EUR 8.7 mn.";
const BATCH = ["Revenue grew 12% and margins widened.", "The company missed guidance."];

const predictions = (count: number, check: (response: SentimentResponse) => boolean = () => true) =>
  sentimentResponseSchema.check(
    z.refine((response) => response.data.length === count && check(response), { error: `expected ${count} prediction(s)` }),
  );

const withAllScores = (response: SentimentResponse) =>
  response.data.every((p) => (p.scores?.length ?? 0) >= 2 && p.scores?.[0].label === p.label);

const bad = (name: string, body: string): ContractExample => ({ name, body, status: 400, response: errorResponseSchema });

export function sentimentExamples(limits: RequestLimits): ContractExample[] {
  return [
    { name: "one text", body: JSON.stringify({ text: TEXT }), status: 200, response: predictions(1) },
    { name: "a batch of two", body: JSON.stringify({ texts: BATCH }), status: 200, response: predictions(2) },
    { name: "all scores", body: JSON.stringify({ text: TEXT, all_scores: true }), status: 200, response: predictions(1, withAllScores) },
    bad("text and texts together", JSON.stringify({ text: TEXT, texts: BATCH })),
    bad("an unknown field", JSON.stringify({ text: TEXT, lang: "en" })),
    bad(`${limits.maxTexts + 1} texts`, JSON.stringify({ texts: Array.from({ length: limits.maxTexts + 1 }, () => "x") })),
    bad("an empty text", JSON.stringify({ text: "" })),
    bad("a lone UTF-16 surrogate", JSON.stringify({ text: LONE_SURROGATE_TEXT })),
    bad("a body that is not JSON", "{not json"),
  ];
}
