// The public request contract of a sentence-pair classification route (paraphrase, entailment).
// Imports nothing but zod and the error class: the stack loads it at synth to build the model.
import * as z from "zod/mini";
import { BadModelResponseError } from "../lambda/errors";
import { requestText } from "./unicode";

export interface SentencePairLimits {
  /** Most pairs in one request. */
  maxPairs: number;
  /** Most characters (UTF-16 code units) in one text of a pair. */
  maxTextChars: number;
}

/** As text classification: the model reads both texts in one window, truncating the longer one first. */
export const DEFAULT_SENTENCE_PAIR_LIMITS: Readonly<SentencePairLimits> = Object.freeze({ maxPairs: 32, maxTextChars: 10_000 });

const ALLOWED_FIELDS = '"text", "text_pair", "pairs"';

const unknownFields = (allowed: string) => (issue: z.core.$ZodRawIssue) =>
  issue.code === "unrecognized_keys"
    ? `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((key) => JSON.stringify(key)).join(", ")} (allowed: ${allowed})`
    : "must be a JSON object";

function textSchema(limits: SentencePairLimits) {
  return requestText(limits.maxTextChars);
}

/** Zod schema of the request body; `sentencePairRequestJsonSchema` is derived from it. */
export function sentencePairRequestSchema(limits: SentencePairLimits) {
  const pair = z.strictObject({ text: textSchema(limits), text_pair: textSchema(limits) }, { error: unknownFields('"text", "text_pair"') });
  const pairs = z
    .array(pair, { error: "must be an array of pairs" })
    .check(
      z.minLength(1, { error: "must contain at least one pair" }),
      z.maxLength(limits.maxPairs, { error: `must contain at most ${limits.maxPairs} pairs` }),
    );
  return (
    z
      .strictObject(
        {
          text: z.optional(textSchema(limits)),
          text_pair: z.optional(textSchema(limits)),
          pairs: z.optional(pairs),
        },
        { error: unknownFields(ALLOWED_FIELDS) },
      )
      .check(
        z.refine(
          (body) =>
            body.pairs === undefined
              ? body.text !== undefined && body.text_pair !== undefined
              : body.text === undefined && body.text_pair === undefined,
          { error: 'send either "text" and "text_pair", or "pairs"' },
        ),
      )
      // The refinement above is invisible to z.toJSONSchema; this is its JSON Schema equivalent.
      .register(z.globalRegistry, {
        oneOf: [
          { required: ["text", "text_pair"], not: { required: ["pairs"] } },
          { required: ["pairs"], not: { anyOf: [{ required: ["text"] }, { required: ["text_pair"] }] } },
        ],
      })
  );
}

export type SentencePairRequest = z.infer<ReturnType<typeof sentencePairRequestSchema>>;

/** The request body as a JSON Schema draft-04 document (what API Gateway REST models accept). */
export function sentencePairRequestJsonSchema(limits: SentencePairLimits): Record<string, unknown> {
  return z.toJSONSchema(sentencePairRequestSchema(limits), { target: "draft-04", io: "input" });
}

export interface SentencePair {
  text: string;
  text_pair: string;
}

/** The pairs of a request, in order, whichever form carried them. */
export function sentencePairInputs(request: SentencePairRequest): SentencePair[] {
  if (request.pairs !== undefined) return request.pairs.map(({ text, text_pair }) => ({ text, text_pair }));
  return request.text === undefined || request.text_pair === undefined ? [] : [{ text: request.text, text_pair: request.text_pair }];
}

/** The toolkit body: always a list, so the answer is one ranking per pair. */
export function sentencePairEndpointRequest(request: SentencePairRequest): { inputs: SentencePair[] } {
  return { inputs: sentencePairInputs(request) };
}

const labelScoreShape = {
  label: z.string().check(z.minLength(1)),
  score: z.number().check(z.gte(0), z.lte(1)),
};

/** Zod schema of a 200 answer: each pair's best label, in request order. */
export const sentencePairResponseSchema = z.strictObject({ data: z.array(z.strictObject(labelScoreShape)) });

export type SentencePairResponse = z.infer<typeof sentencePairResponseSchema>;

const labelScore = z.object(labelScoreShape);
// Per pair: every label ranked (model/tasks/sentence-pair-classification) or the top one.
const perPair = z.union([labelScore, z.array(labelScore).check(z.minLength(1))]);

/** The endpoint's answer for `inputCount` pairs as the public response: each pair's best label; any shortfall is an error. */
export function sentencePairResponseFrom(output: unknown, inputCount: number): SentencePairResponse {
  const parsed = z.array(perPair).check(z.length(inputCount)).safeParse(output);
  if (!parsed.success) {
    throw new BadModelResponseError(`expected ${inputCount} pair prediction(s): ${z.prettifyError(parsed.error)}`);
  }
  return {
    data: parsed.data.map((entry) => {
      const [best] = (Array.isArray(entry) ? entry : [entry]).slice().sort((a, b) => b.score - a.score);
      return { label: best.label, score: best.score };
    }),
  };
}
