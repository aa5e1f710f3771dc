// The public request contract of POST /sentiment. Imports nothing but zod: the stack and the
// local gateway load it at synth/start time to build the API Gateway request model.
// zod/mini rather than classic zod: it tree-shakes, which keeps the Lambda bundle small.
import * as z from "zod/mini";

export interface RequestLimits {
  /** Most texts in one `texts` batch. */
  maxTexts: number;
  /** Most characters (UTF-16 code units, as JavaScript's `length`) in one text. */
  maxTextChars: number;
  /** Most characters in all texts of one request together: bounds the model's work per request. */
  maxTotalChars: number;
}

/**
 * - `maxTexts: 32`: texts per request.
 * - `maxTextChars: 10_000`: about four times what BERT's 512-token window holds (~2,000-2,500
 *   characters of English); the inference code truncates, so clients need not pre-trim an
 *   article, while the worst-case request (see `worstCaseEndpointPayloadBytes`) stays under 2 MB.
 * - `maxTotalChars: 4_000`: a text costs up to one token per character (punctuation), so 4,000
 *   characters are at most 8 full 512-token sequences: 4-7 s for BERT-base (FinBERT) on the
 *   2 vCPUs of the default ml.m5.large, ~13 s with the CPUs shared 2.5 times over (measured;
 *   README "Request limits"), inside API Gateway's 29 s with two such requests at once.
 */
export const DEFAULT_REQUEST_LIMITS: Readonly<RequestLimits> = Object.freeze({
  maxTexts: 32,
  maxTextChars: 10_000,
  maxTotalChars: 4_000,
});

/** SageMaker real-time InvokeEndpoint payload limit (6 MB). */
export const MAX_ENDPOINT_PAYLOAD_BYTES = 6_000_000;

// JSON escapes a control character or a lone surrogate as `\uXXXX`: 6 bytes per code unit.
const MAX_JSON_BYTES_PER_CHAR = 6;
const ENDPOINT_ENVELOPE_BYTES = '{"inputs":[]}'.length;

/** Upper bound of the `{"inputs": [...]}` body the handler sends for requests within `limits`. */
export function worstCaseEndpointPayloadBytes(limits: RequestLimits): number {
  const quotesAndComma = 3;
  const totalChars = Math.min(limits.maxTotalChars, limits.maxTexts * limits.maxTextChars);
  return ENDPOINT_ENVELOPE_BYTES + limits.maxTexts * quotesAndComma + totalChars * MAX_JSON_BYTES_PER_CHAR;
}

// In unicode mode a surrogate pair is one code point, so this matches only unpaired halves.
const LONE_SURROGATE = /\p{Surrogate}/u;

type SchemaLimits = Pick<RequestLimits, "maxTexts" | "maxTextChars">;

function textSchema(limits: SchemaLimits) {
  return z.string({ error: "must be a string" }).check(
    z.minLength(1, { error: "must not be empty" }),
    z.maxLength(limits.maxTextChars, { error: `must be at most ${limits.maxTextChars} characters` }),
    // JSON's "\ud800" escape yields text no UTF-8 encoder (the model's tokenizer) accepts.
    z.refine((text) => !LONE_SURROGATE.test(text), { error: "must not contain an unpaired UTF-16 surrogate (\\ud800-\\udfff)" }),
  );
}

/** Characters in all texts of a request, as `maxTotalChars` counts them. */
export function totalChars(texts: readonly string[]): number {
  return texts.reduce((sum, text) => sum + text.length, 0);
}

const ALLOWED_FIELDS = '"text", "texts", "all_scores"';

/** Zod schema of the request body; `requestBodyJsonSchema` is derived from it. */
export function sentimentRequestSchema(limits: SchemaLimits) {
  const texts = z.array(textSchema(limits), { error: "must be an array of strings" }).check(
    z.minLength(1, { error: "must contain at least one text" }),
    z.maxLength(limits.maxTexts, { error: `must contain at most ${limits.maxTexts} texts` }),
  );
  return z
    .strictObject(
      {
        text: z.optional(textSchema(limits)),
        texts: z.optional(texts),
        all_scores: z.optional(z.boolean({ error: "must be a boolean" })),
      },
      {
        error: (issue) =>
          issue.code === "unrecognized_keys"
            ? `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((key) => JSON.stringify(key)).join(", ")} (allowed: ${ALLOWED_FIELDS})`
            : "must be a JSON object",
      },
    )
    .check(
      z.refine((body) => (body.text === undefined) !== (body.texts === undefined), {
        error: 'exactly one of "text" or "texts" is required',
      }),
    )
    // The refinement above is invisible to z.toJSONSchema; this is its JSON Schema equivalent.
    .register(z.globalRegistry, { oneOf: [{ required: ["text"] }, { required: ["texts"] }] });
}

export type SentimentRequest = z.infer<ReturnType<typeof sentimentRequestSchema>>;

/** The request body as a JSON Schema draft-04 document (what API Gateway REST models accept). */
export function requestBodyJsonSchema(limits: SchemaLimits): Record<string, unknown> {
  return z.toJSONSchema(sentimentRequestSchema(limits), { target: "draft-04", io: "input" });
}
