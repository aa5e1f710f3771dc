// The public request contract of POST /sentiment. Imports nothing but zod and contract/: the stack and the
// local gateway load it at synth/start time to build the API Gateway request model.
// zod/mini rather than classic zod: it tree-shakes, which keeps the Lambda bundle small.
import * as z from "zod/mini";
import { toDraft04JsonSchema } from "./json-schema";
import type { RequestLimits } from "./request-limits";
import { requestText } from "./unicode";

type SchemaLimits = Pick<RequestLimits, "maxTexts" | "maxTextChars">;

function textSchema(limits: SchemaLimits) {
  return requestText(limits.maxTextChars);
}

const ALLOWED_FIELDS = '"text", "texts", "all_scores"';

/** Zod schema of the request body; `requestBodyJsonSchema` is derived from it. */
export function sentimentRequestSchema(limits: SchemaLimits) {
  const texts = z
    .array(textSchema(limits), { error: "must be an array of strings" })
    .check(
      z.minLength(1, { error: "must contain at least one text" }),
      z.maxLength(limits.maxTexts, { error: `must contain at most ${limits.maxTexts} texts` }),
    );
  return (
    z
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
      .register(z.globalRegistry, { oneOf: [{ required: ["text"] }, { required: ["texts"] }] })
  );
}

export type SentimentRequest = z.infer<ReturnType<typeof sentimentRequestSchema>>;

/** The request body as a JSON Schema draft-04 document (what API Gateway REST models accept). */
export function requestBodyJsonSchema(limits: SchemaLimits): Record<string, unknown> {
  return toDraft04JsonSchema(sentimentRequestSchema(limits));
}

const labelScoreSchema = z.object({
  label: z.string().check(z.minLength(1)),
  score: z.number().check(z.gte(0), z.lte(1)),
});

/** Zod schema of a 200 answer: one prediction per text, in request order. */
export const sentimentResponseSchema = z.strictObject({
  data: z.array(
    z.strictObject({
      label: labelScoreSchema.shape.label,
      score: labelScoreSchema.shape.score,
      /** Every label, highest first; only when the request asked for `all_scores`. */
      scores: z.optional(z.array(labelScoreSchema)),
    }),
  ),
});

export type SentimentResponse = z.infer<typeof sentimentResponseSchema>;

/** Every error answer, the handler's and API Gateway's own (its gateway responses use the same body). */
export const errorResponseSchema = z.strictObject({
  message: z.string(),
  requestId: z.string(),
});
