// The documented requests of the feature-extraction route (README "Tasks"), with what each must
// be answered: `npm run smoke` sends them, the OpenAPI document shows them.
import * as z from "zod/mini";
import { answers, bad, LONE_SURROGATE_TEXT, ok } from "./example-helpers";
import { type EmbeddingResponse, embeddingResponseSchema } from "./feature-extraction";
import type { RequestLimits } from "./request-limits";
import type { ContractExample } from "./task-contracts";

const TEXT = "Operating profit rose to EUR 13.1 mn from EUR 8.7 mn.";
const BATCH = ["Revenue grew 12% and margins widened.", "The company missed guidance."];

/** `count` vectors, in order (`index` i at position i), all `dimensions` long; unit length unless `normalize: false`. */
function embeddings(count: number, normalized = true): z.ZodMiniType<EmbeddingResponse> {
  const unit = (vector: readonly number[]) => Math.abs(Math.hypot(...vector) - 1) < 1e-3;
  return answers(embeddingResponseSchema, count, (entry, index) => entry.index === index, "embedding").check(
    z.refine<EmbeddingResponse>((response) => response.data.every((e) => e.embedding.length === response.dimensions), {
      error: "every embedding must have `dimensions` numbers",
    }),
    z.refine<EmbeddingResponse>((response) => !normalized || response.data.every((e) => unit(e.embedding)), {
      error: "embeddings must be L2-normalised",
    }),
  );
}

export function embeddingExamples(limits: RequestLimits): ContractExample[] {
  return [
    ok("one input", { input: TEXT }, embeddings(1)),
    ok("a batch of two inputs", { input: BATCH }, embeddings(2)),
    ok("one text", { text: TEXT }, embeddings(1)),
    ok("a batch of two texts", { texts: BATCH }, embeddings(2)),
    ok("unnormalised", { input: BATCH, normalize: false }, embeddings(2, false)),
    bad("input and texts together", JSON.stringify({ input: TEXT, texts: BATCH })),
    bad("an unknown field", JSON.stringify({ input: TEXT, model: "text-embedding-3-small" })),
    bad("normalize not a boolean", JSON.stringify({ input: TEXT, normalize: "no" })),
    bad("an empty input list", JSON.stringify({ input: [] })),
    bad(`${limits.maxTexts + 1} inputs`, JSON.stringify({ input: Array.from({ length: limits.maxTexts + 1 }, () => "x") })),
    bad("a lone UTF-16 surrogate", JSON.stringify({ input: [TEXT, LONE_SURROGATE_TEXT] })),
    bad("a body that is not JSON", "{not json"),
  ];
}
