// The public request contract of an extractive question-answering route (SQuAD-style models).
// Imports nothing but zod and the error class: the stack loads it at synth to build the model.
import * as z from "zod/mini";
import { BadModelResponseError } from "../lambda/errors";
import { requestText } from "./unicode";

export interface QuestionAnsweringLimits {
  /** Most question/context items in one request. */
  maxItems: number;
  /** Most characters (UTF-16 code units) in one question. */
  maxQuestionChars: number;
  /** Most characters (UTF-16 code units) in one context. */
  maxContextChars: number;
}

/**
 * - `maxQuestionChars: 250`: a word piece spans at least one character, so a question of 250
 *   characters is at most 250 tokens, which leaves room for context in the 384-token window the
 *   inference code reads next to 128 tokens of stride (its limit is 252 question tokens).
 * - `maxContextChars: 10_000`: read in overlapping windows (about 10 for BERT), never truncated.
 */
export const DEFAULT_QUESTION_ANSWERING_LIMITS: Readonly<QuestionAnsweringLimits> = Object.freeze({
  maxItems: 32,
  maxQuestionChars: 250,
  maxContextChars: 10_000,
});

/** The public bound of `top_k` (the inference code allows up to 20). */
export const MAX_ANSWERS_PER_ITEM = 5;

const TOP_K_RANGE = `must be an integer from 1 to ${MAX_ANSWERS_PER_ITEM}`;
const ALLOWED_FIELDS = '"question", "context", "items", "top_k"';

const unknownFields = (allowed: string) => (issue: z.core.$ZodRawIssue) =>
  issue.code === "unrecognized_keys"
    ? `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((key) => JSON.stringify(key)).join(", ")} (allowed: ${allowed})`
    : "must be a JSON object";

function textSchema(maxChars: number) {
  return requestText(maxChars);
}

/** Zod schema of the request body; `questionAnsweringRequestJsonSchema` is derived from it. */
export function questionAnsweringRequestSchema(limits: QuestionAnsweringLimits) {
  const question = textSchema(limits.maxQuestionChars);
  const context = textSchema(limits.maxContextChars);
  const item = z.strictObject({ question, context }, { error: unknownFields('"question", "context"') });
  const items = z
    .array(item, { error: "must be an array of question/context objects" })
    .check(
      z.minLength(1, { error: "must contain at least one item" }),
      z.maxLength(limits.maxItems, { error: `must contain at most ${limits.maxItems} items` }),
    );
  return (
    z
      .strictObject(
        {
          question: z.optional(question),
          context: z.optional(context),
          items: z.optional(items),
          top_k: z.optional(
            z.int({ error: TOP_K_RANGE }).check(z.gte(1, { error: TOP_K_RANGE }), z.lte(MAX_ANSWERS_PER_ITEM, { error: TOP_K_RANGE })),
          ),
        },
        { error: unknownFields(ALLOWED_FIELDS) },
      )
      .check(
        z.refine(
          (body) =>
            body.items === undefined
              ? body.question !== undefined && body.context !== undefined
              : body.question === undefined && body.context === undefined,
          { error: 'send either "question" and "context", or "items"' },
        ),
      )
      // The refinement above is invisible to z.toJSONSchema; this is its JSON Schema equivalent.
      .register(z.globalRegistry, {
        oneOf: [
          { required: ["question", "context"], not: { required: ["items"] } },
          { required: ["items"], not: { anyOf: [{ required: ["question"] }, { required: ["context"] }] } },
        ],
      })
  );
}

export type QuestionAnsweringRequest = z.infer<ReturnType<typeof questionAnsweringRequestSchema>>;

/** The request body as a JSON Schema draft-04 document (what API Gateway REST models accept). */
export function questionAnsweringRequestJsonSchema(limits: QuestionAnsweringLimits): Record<string, unknown> {
  return z.toJSONSchema(questionAnsweringRequestSchema(limits), { target: "draft-04", io: "input" });
}

export interface QuestionContext {
  question: string;
  context: string;
}

/** The items of a request, in order, whichever form carried them. */
export function questionAnsweringInputs(request: QuestionAnsweringRequest): QuestionContext[] {
  if (request.items !== undefined) return request.items.map(({ question, context }) => ({ question, context }));
  return request.question === undefined || request.context === undefined ? [] : [{ question: request.question, context: request.context }];
}

/** The toolkit body: always a list, so the answer is one list of answers per item. */
export function questionAnsweringEndpointRequest(request: QuestionAnsweringRequest): {
  inputs: QuestionContext[];
  parameters: { top_k: number };
} {
  return { inputs: questionAnsweringInputs(request), parameters: { top_k: request.top_k ?? 1 } };
}

const answerShape = {
  /** The context's text between `start` and `end` (word pieces merged). */
  answer: z.string(),
  score: z.number().check(z.gte(0), z.lte(1)),
  /**
   * Offsets into the context in UTF-16 code units, as JavaScript indexes strings and as the
   * character limits count: `context.slice(start, end) === answer`. The inference code
   * (model/tasks/question-answering) converts them from Python's code points, so a character
   * outside the Basic Multilingual Plane (an emoji) before the answer counts two.
   */
  start: z.int().check(z.gte(0)),
  end: z.int().check(z.gte(0)),
};
const inOrder = z.refine<{ start: number; end: number }>((found) => found.start <= found.end, { error: "start must not be after end" });

// The endpoint's answers: extra fields are dropped, so the mapped answer is the public one.
const answer = z.object(answerShape).check(inOrder);
const publicAnswer = z.strictObject(answerShape).check(inOrder);

/** Zod schema of a 200 answer: per item its best answer; with `top_k`, a list of up to `top_k` answers per item, best first. */
export const questionAnsweringResponseSchema = z.strictObject({
  data: z.union([z.array(publicAnswer), z.array(z.array(publicAnswer))]),
});

export type Answer = z.infer<typeof publicAnswer>;
export type QuestionAnsweringResponse = z.infer<typeof questionAnsweringResponseSchema>;

/**
 * The endpoint's answer for `request` as the public response: each item's best answer, or its
 * list of answers when the request gave `top_k`. Fewer or more lists than items, an item
 * without an answer or with more than `top_k` is an error.
 */
export function questionAnsweringResponseFrom(output: unknown, request: QuestionAnsweringRequest): QuestionAnsweringResponse {
  const inputCount = questionAnsweringInputs(request).length;
  const topK = request.top_k ?? 1;
  const perItem = z.array(answer).check(z.minLength(1), z.maxLength(topK));
  const parsed = z.array(perItem).check(z.length(inputCount)).safeParse(output);
  if (!parsed.success) {
    throw new BadModelResponseError(`expected ${inputCount} list(s) of 1 to ${topK} answer(s): ${z.prettifyError(parsed.error)}`);
  }
  const ranked = parsed.data.map((answers) => answers.slice().sort((a, b) => b.score - a.score));
  return { data: request.top_k === undefined ? ranked.map(([best]) => best) : ranked };
}
