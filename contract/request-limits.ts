// How large a request may be, and what that means for the payload sent on to the endpoint.
// Task-independent: every task that sends a list of texts as `inputs` is sized by these. Imports nothing.

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
 *   README "Request limits"), inside API Gateway's 29 s with two such requests at once. Where the
 *   model truncates, a text counts only up to `MODEL_WINDOW_CHARS` (see `chargedChars`), so one
 *   long article is not refused for characters the model never reads.
 */
export const DEFAULT_REQUEST_LIMITS: Readonly<RequestLimits> = Object.freeze({
  maxTexts: 32,
  maxTextChars: 10_000,
  maxTotalChars: 4_000,
});

/**
 * The most characters of one text a truncating model reads: BERT-family windows hold 512 tokens
 * and a token covers at least one character, so what follows the 512th character may be cut off
 * but is never computed. (A model with a longer window reads more per text: lower maxTotalChars.)
 */
export const MODEL_WINDOW_CHARS = 512;

/**
 * Characters of `texts` that count against `maxTotalChars`: each text whole, or, where the model
 * truncates each text to its window, each only up to `readsAtMost`.
 */
export function chargedChars(texts: readonly string[], readsAtMost?: number): number {
  return texts.reduce((sum, text) => sum + (readsAtMost === undefined ? text.length : Math.min(text.length, readsAtMost)), 0);
}

/**
 * Most characters `texts` texts of at most `maxTextChars` each can carry while their
 * `chargedChars` stay within `maxTotalChars`: with a per-text cap `c`, at most floor(total / c)
 * texts are longer than `c`, and the rest count whole.
 */
export function worstCaseChars(texts: number, maxTextChars: number, maxTotalChars: number, readsAtMost?: number): number {
  const all = texts * maxTextChars;
  if (readsAtMost === undefined || maxTextChars <= readsAtMost) return Math.min(all, maxTotalChars);
  return Math.min(all, Math.floor(maxTotalChars / readsAtMost) * maxTextChars + maxTotalChars);
}

// JSON escapes a control character or a lone surrogate as `\uXXXX`: 6 bytes per code unit.
const MAX_JSON_BYTES_PER_CHAR = 6;
const ENDPOINT_ENVELOPE_BYTES = '{"inputs":[]}'.length;

/** Upper bound of the `{"inputs": [...]}` body the handler sends for requests within `limits`. */
export function worstCaseEndpointPayloadBytes(limits: RequestLimits, readsAtMost?: number): number {
  const quotesAndComma = 3;
  const totalChars = worstCaseChars(limits.maxTexts, limits.maxTextChars, limits.maxTotalChars, readsAtMost);
  return ENDPOINT_ENVELOPE_BYTES + limits.maxTexts * quotesAndComma + totalChars * MAX_JSON_BYTES_PER_CHAR;
}
