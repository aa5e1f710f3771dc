// The text field every task's request schema shares. Imports nothing but zod.
import * as z from "zod/mini";

// In unicode mode a surrogate pair is one code point, so this matches only unpaired halves.
const LONE_SURROGATE = /\p{Surrogate}/u;

/**
 * Refuses a string with an unpaired UTF-16 surrogate: JSON's "\ud800" escape yields text no
 * UTF-8 encoder (the model's tokenizer) accepts.
 */
export function noLoneSurrogate() {
  return z.refine<string>((text) => !LONE_SURROGATE.test(text), {
    error: "must not contain an unpaired UTF-16 surrogate (\\ud800-\\udfff)",
  });
}

/** A non-empty request text of at most `maxChars` characters (UTF-16 code units) and no lone surrogate. */
export function requestText(maxChars: number) {
  return z
    .string({ error: "must be a string" })
    .check(
      z.minLength(1, { error: "must not be empty" }),
      z.maxLength(maxChars, { error: `must be at most ${maxChars} characters` }),
      noLoneSurrogate(),
    );
}
