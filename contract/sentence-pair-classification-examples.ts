// The documented requests of the sentence-pair classification route (README "Tasks"), with what
// each must be answered: `npm run smoke` sends them, the OpenAPI document shows them.
import { answers, bad, LONE_SURROGATE_TEXT, ok } from "./example-helpers";
import type { RequestLimits } from "./request-limits";
import { sentencePairResponseSchema } from "./sentence-pair-classification";
import type { ContractExample } from "./task-contracts";

const PAIR = { text: "The company posted record profit.", text_pair: "Profits reached an all-time high." };
const OTHER = { text: "Operating profit rose to EUR 13.1 mn.", text_pair: "The meeting is on Tuesday." };

export function sentencePairExamples(limits: RequestLimits): ContractExample[] {
  const labels = (count: number) => answers(sentencePairResponseSchema, count, undefined, "label");
  return [
    ok("one pair", PAIR, labels(1)),
    ok("a batch of two pairs", { pairs: [PAIR, OTHER] }, labels(2)),
    bad("a text without its pair", JSON.stringify({ text: PAIR.text })),
    bad("a pair and pairs together", JSON.stringify({ ...PAIR, pairs: [OTHER] })),
    bad("an unknown field", JSON.stringify({ ...PAIR, label: "equivalent" })),
    bad("a pair with an unknown field", JSON.stringify({ pairs: [{ ...PAIR, score: 1 }] })),
    bad(`${limits.maxTexts + 1} pairs`, JSON.stringify({ pairs: Array.from({ length: limits.maxTexts + 1 }, () => PAIR) })),
    bad("an empty text_pair", JSON.stringify({ text: PAIR.text, text_pair: "" })),
    bad("a lone UTF-16 surrogate", JSON.stringify({ text: LONE_SURROGATE_TEXT, text_pair: PAIR.text_pair })),
    bad("a body that is not JSON", "{not json"),
  ];
}
