// The public request contract of a feature-extraction (sentence embeddings) route, OpenAI-style.
// Imports nothing but zod and the error class: the stack loads it at synth to build the model.
import * as z from "zod/mini";
import { BadModelResponseError } from "../lambda/errors";
import { requestText } from "./unicode";

export interface EmbeddingLimits {
  /** Most inputs in one request. */
  maxInputs: number;
  /** Most characters (UTF-16 code units) in one input. */
  maxInputChars: number;
}

/** 32 inputs: 32 vectors of up to 4,096 floats stay well under Lambda's 6 MB response. */
export const DEFAULT_EMBEDDING_LIMITS: Readonly<EmbeddingLimits> = Object.freeze({ maxInputs: 32, maxInputChars: 10_000 });

const ALLOWED_FIELDS = '"input", "text", "texts", "normalize"';

function textSchema(limits: EmbeddingLimits) {
  return requestText(limits.maxInputChars);
}

/** Zod schema of the request body; `embeddingRequestJsonSchema` is derived from it. */
export function embeddingRequestSchema(limits: EmbeddingLimits) {
  const list = z
    .array(textSchema(limits), { error: "must be an array of strings" })
    .check(
      z.minLength(1, { error: "must contain at least one text" }),
      z.maxLength(limits.maxInputs, { error: `must contain at most ${limits.maxInputs} texts` }),
    );
  return z
    .strictObject(
      {
        input: z.optional(z.union([textSchema(limits), list])),
        text: z.optional(textSchema(limits)),
        texts: z.optional(list),
        normalize: z.optional(z.boolean({ error: "must be a boolean" })),
      },
      {
        error: (issue) =>
          issue.code === "unrecognized_keys"
            ? `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((key) => JSON.stringify(key)).join(", ")} (allowed: ${ALLOWED_FIELDS})`
            : "must be a JSON object",
      },
    )
    .check(
      z.refine((body) => [body.input, body.text, body.texts].filter((v) => v !== undefined).length === 1, {
        error: 'exactly one of "input", "text" or "texts" is required',
      }),
    )
    .register(z.globalRegistry, { oneOf: [{ required: ["input"] }, { required: ["text"] }, { required: ["texts"] }] });
}

export type EmbeddingRequest = z.infer<ReturnType<typeof embeddingRequestSchema>>;

/** The request body as a JSON Schema draft-04 document (what API Gateway REST models accept). */
export function embeddingRequestJsonSchema(limits: EmbeddingLimits): Record<string, unknown> {
  return z.toJSONSchema(embeddingRequestSchema(limits), { target: "draft-04", io: "input" });
}

/** The texts of a request, in order, whichever field carried them. */
export function embeddingInputs(request: EmbeddingRequest): string[] {
  const value = request.input ?? request.text ?? request.texts ?? [];
  return typeof value === "string" ? [value] : [...value];
}

/** The toolkit body: always a list, so the answer is one vector per text. */
export function embeddingEndpointRequest(request: EmbeddingRequest): { inputs: string[]; parameters: { normalize: boolean } } {
  return { inputs: embeddingInputs(request), parameters: { normalize: request.normalize ?? true } };
}

/** Zod schema of a 200 answer, OpenAI-style: one vector per input, in request order, all `dimensions` long. */
export const embeddingResponseSchema = z.strictObject({
  object: z.literal("list"),
  data: z.array(
    z.strictObject({
      object: z.literal("embedding"),
      index: z.int().check(z.gte(0)),
      embedding: z.array(z.number()).check(z.minLength(1)),
    }),
  ),
  model: z.string(),
  dimensions: z.int().check(z.gte(1)),
});

export type EmbeddingResponse = z.infer<typeof embeddingResponseSchema>;

const vectors = z.array(z.array(z.number()).check(z.minLength(1)));

/** The endpoint's answer for `inputCount` texts as the public response; any shortfall is an error. */
export function embeddingResponseFrom(output: unknown, inputCount: number, model: string): EmbeddingResponse {
  const parsed = vectors.check(z.length(inputCount)).safeParse(output);
  if (!parsed.success) {
    throw new BadModelResponseError(`expected ${inputCount} embedding(s): ${z.prettifyError(parsed.error)}`);
  }
  const dimensions = parsed.data[0].length;
  const uneven = parsed.data.findIndex((vector) => vector.length !== dimensions);
  if (uneven !== -1) {
    throw new BadModelResponseError(`embedding ${uneven} has ${parsed.data[uneven].length} dimensions, embedding 0 has ${dimensions}`);
  }
  return {
    object: "list",
    data: parsed.data.map((embedding, index) => ({ object: "embedding", index, embedding })),
    model,
    dimensions,
  };
}
