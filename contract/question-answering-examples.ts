// The documented requests of the question-answering route (README "Tasks"), with what each must
// be answered: `npm run smoke` sends them, the OpenAPI document shows them.
import { answers, bad, LONE_SURROGATE_TEXT, ok } from "./example-helpers";
import { DEFAULT_QUESTION_ANSWERING_LIMITS, MAX_ANSWERS_PER_ITEM, questionAnsweringResponseSchema } from "./question-answering";
import type { RequestLimits } from "./request-limits";
import type { ContractExample } from "./task-contracts";

const ITEM = { question: "What rose?", context: "Operating profit rose to EUR 13.1 mn from EUR 8.7 mn." };
const OTHER = { question: "Who founded Kestrel?", context: "Kestrel was founded in Oslo by Ann Berg in 2019." };

/** Per item one answer, or with `top_k` a list of 1 to `topK` answers. */
const bestAnswers = (count: number) => answers(questionAnsweringResponseSchema, count, (entry) => !Array.isArray(entry));
const answerLists = (count: number, topK: number) =>
  answers(questionAnsweringResponseSchema, count, (entry) => Array.isArray(entry) && entry.length >= 1 && entry.length <= topK, "list");

export function questionAnsweringExamples(limits: RequestLimits): ContractExample[] {
  const maxQuestionChars = Math.min(DEFAULT_QUESTION_ANSWERING_LIMITS.maxQuestionChars, limits.maxTextChars);
  return [
    ok("one question", ITEM, bestAnswers(1)),
    ok("a batch of two items", { items: [ITEM, OTHER] }, bestAnswers(2)),
    ok("two answers per question", { ...ITEM, top_k: 2 }, answerLists(1, 2)),
    ok("a batch with top_k", { items: [ITEM, OTHER], top_k: 3 }, answerLists(2, 3)),
    bad("a question without context", JSON.stringify({ question: ITEM.question })),
    bad("a question and items together", JSON.stringify({ ...ITEM, items: [OTHER] })),
    bad("an unknown field", JSON.stringify({ ...ITEM, max_answer_len: 5 })),
    bad(`top_k ${MAX_ANSWERS_PER_ITEM + 1}`, JSON.stringify({ ...ITEM, top_k: MAX_ANSWERS_PER_ITEM + 1 })),
    bad("top_k 0", JSON.stringify({ ...ITEM, top_k: 0 })),
    bad(`${limits.maxTexts + 1} items`, JSON.stringify({ items: Array.from({ length: limits.maxTexts + 1 }, () => ITEM) })),
    bad(`a question of ${maxQuestionChars + 1} characters`, JSON.stringify({ ...ITEM, question: "q".repeat(maxQuestionChars + 1) })),
    bad("a lone UTF-16 surrogate", JSON.stringify({ question: ITEM.question, context: LONE_SURROGATE_TEXT })),
    bad("a body that is not JSON", "{not json"),
  ];
}
