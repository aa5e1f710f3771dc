// The documented requests of the text2text-generation route (README "Tasks"), with what each
// must be answered: `npm run smoke` sends them, the OpenAPI document shows them.
import { answers, bad, LONE_SURROGATE_TEXT, ok } from "./example-helpers";
import type { RequestLimits } from "./request-limits";
import type { ContractExample } from "./task-contracts";
import { generationResponseSchema } from "./text2text-generation";

const TEXT = "Summarize: Operating profit rose to EUR 13.1 mn from EUR 8.7 mn.";
const BATCH = ["Translate English to German: The house is wonderful.", TEXT];

const generations = (count: number) => answers(generationResponseSchema, count, undefined, "generation");

export function generationExamples(limits: RequestLimits): ContractExample[] {
  return [
    ok("one text", { text: TEXT }, generations(1)),
    ok("a batch of two", { texts: BATCH }, generations(2)),
    ok("beam search", { text: TEXT, parameters: { max_new_tokens: 32, num_beams: 4 } }, generations(1)),
    ok("sampling", { texts: BATCH, parameters: { max_new_tokens: 16, do_sample: true, temperature: 0.7, top_p: 0.9 } }, generations(2)),
    bad("text and texts together", JSON.stringify({ text: TEXT, texts: BATCH })),
    bad("an unknown field", JSON.stringify({ text: TEXT, max_length: 10 })),
    bad("an unknown parameter", JSON.stringify({ text: TEXT, parameters: { max_length: 10 } })),
    bad("num_beams 9", JSON.stringify({ text: TEXT, parameters: { num_beams: 9 } })),
    bad("max_new_tokens 513", JSON.stringify({ text: TEXT, parameters: { max_new_tokens: 513 } })),
    bad("temperature 2.5", JSON.stringify({ text: TEXT, parameters: { temperature: 2.5 } })),
    bad("top_p 1.5", JSON.stringify({ text: TEXT, parameters: { top_p: 1.5 } })),
    bad(`${limits.maxTexts + 1} texts`, JSON.stringify({ texts: Array.from({ length: limits.maxTexts + 1 }, () => "x") })),
    bad("a lone UTF-16 surrogate", JSON.stringify({ text: LONE_SURROGATE_TEXT })),
    bad("a body that is not JSON", "{not json"),
  ];
}
