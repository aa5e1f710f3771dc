// The public request contract of a text-to-text generation route (T5, Flan-T5, BART).
// Imports nothing but zod and the error class: the stack loads it at synth to build the model.
import * as z from "zod/mini";
import { BadModelResponseError } from "../lambda/errors";
import { requestText } from "./unicode";

export interface GenerationLimits {
  /** Most texts in one request. */
  maxTexts: number;
  /** Most characters (UTF-16 code units) in one text; the inference code truncates to the encoder's window. */
  maxTextChars: number;
}

/** 8 texts: each costs up to `max_new_tokens` decoder passes over `num_beams` rows, far more than one classification. */
export const DEFAULT_GENERATION_LIMITS: Readonly<GenerationLimits> = Object.freeze({ maxTexts: 8, maxTextChars: 10_000 });

const ALLOWED_FIELDS = '"text", "texts", "parameters"';
const ALLOWED_PARAMETERS = '"max_new_tokens", "num_beams", "do_sample", "temperature", "top_p"';

const unknownFields = (allowed: string) => (issue: z.core.$ZodRawIssue) =>
  issue.code === "unrecognized_keys"
    ? `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((key) => JSON.stringify(key)).join(", ")} (allowed: ${allowed})`
    : "must be a JSON object";

function textSchema(limits: GenerationLimits) {
  return requestText(limits.maxTextChars);
}

function intBetween(low: number, high: number) {
  const error = `must be an integer from ${low} to ${high}`;
  return z.int({ error }).check(z.gte(low, { error }), z.lte(high, { error }));
}

function numberBetween(low: number, high: number) {
  const error = `must be a number from ${low} to ${high}`;
  return z.number({ error }).check(z.gte(low, { error }), z.lte(high, { error }));
}

/** The generate() settings a client may choose, with the bounds the inference code enforces too. */
const parametersSchema = z.strictObject(
  {
    max_new_tokens: z.optional(intBetween(1, 512)),
    num_beams: z.optional(intBetween(1, 8)),
    do_sample: z.optional(z.boolean({ error: "must be a boolean" })),
    temperature: z.optional(numberBetween(0, 2)),
    top_p: z.optional(numberBetween(0, 1)),
  },
  { error: unknownFields(ALLOWED_PARAMETERS) },
);

export type GenerationParameters = z.infer<typeof parametersSchema>;

/** Zod schema of the request body; `generationRequestJsonSchema` is derived from it. */
export function generationRequestSchema(limits: GenerationLimits) {
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
          parameters: z.optional(parametersSchema),
        },
        { error: unknownFields(ALLOWED_FIELDS) },
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

export type GenerationRequest = z.infer<ReturnType<typeof generationRequestSchema>>;

/** The request body as a JSON Schema draft-04 document (what API Gateway REST models accept). */
export function generationRequestJsonSchema(limits: GenerationLimits): Record<string, unknown> {
  return z.toJSONSchema(generationRequestSchema(limits), { target: "draft-04", io: "input" });
}

/** The texts of a request, in order, whichever field carried them. */
export function generationInputs(request: GenerationRequest): string[] {
  return request.text === undefined ? [...(request.texts ?? [])] : [request.text];
}

/** The toolkit body: always a list, so the answer is one generation per text. */
export function generationEndpointRequest(request: GenerationRequest): { inputs: string[]; parameters: GenerationParameters } {
  return { inputs: generationInputs(request), parameters: { ...request.parameters } };
}

/** Zod schema of a 200 answer: one generated text per input, in request order. */
export const generationResponseSchema = z.strictObject({ data: z.array(z.strictObject({ generated_text: z.string() })) });

export type GenerationResponse = z.infer<typeof generationResponseSchema>;

const generations = z.array(z.object({ generated_text: z.string() }));

/** The endpoint's answer for `inputCount` texts as the public response; fewer or more generations than texts is an error. */
export function generationResponseFrom(output: unknown, inputCount: number): GenerationResponse {
  const parsed = generations.check(z.length(inputCount)).safeParse(output);
  if (!parsed.success) {
    throw new BadModelResponseError(`expected ${inputCount} generation(s): ${z.prettifyError(parsed.error)}`);
  }
  return { data: parsed.data.map(({ generated_text }) => ({ generated_text })) };
}
