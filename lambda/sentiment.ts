import * as z from "zod/mini";
import { BadModelResponseError } from "./errors";

export interface LabelScore {
  label: string;
  score: number;
}

export interface Prediction extends LabelScore {
  /** Every label, highest first; only when the request asked for `all_scores`. */
  scores?: LabelScore[];
}

/** The Hugging Face toolkit request body; always a list so the response is one entry per text. */
export function endpointRequest(texts: readonly string[]): { inputs: string[] } {
  return { inputs: [...texts] };
}

const labelScore = z.object({
  label: z.string().check(z.minLength(1)),
  score: z.number().check(z.gte(0), z.lte(1)),
});
// Per input: every label (this project's inference.py) or the top one (stock toolkit pipeline).
const perInput = z.union([labelScore, z.array(labelScore).check(z.minLength(1))]);

/** Turns the endpoint's JSON answer for `textCount` texts into one prediction per text, in order. */
export function predictionsFrom(output: unknown, textCount: number, allScores: boolean): Prediction[] {
  const parsed = z.array(perInput).check(z.length(textCount)).safeParse(output);
  if (!parsed.success) {
    throw new BadModelResponseError(`expected ${textCount} prediction(s): ${z.prettifyError(parsed.error)}`);
  }
  return parsed.data.map((entry) => {
    const scores = (Array.isArray(entry) ? entry : [entry])
      .map(({ label, score }) => ({ label: label.toUpperCase(), score }))
      .sort((a, b) => b.score - a.score);
    const [top] = scores;
    return allScores ? { ...top, scores } : top;
  });
}
