// The Amazon Bedrock models a service may name with `backend: "bedrock"`: their task, request
// family (which body the handler sends) and Regions, from lib/bedrock-models.json. Pure: synth,
// the handler and local mode read it; nothing here calls AWS.
import table from "./bedrock-models.json";
import type { Task } from "./tasks";

export const BEDROCK_MODELS_FILE = "lib/bedrock-models.json";

/**
 * How a model is called: `titan-embed` one InvokeModel per text, `cohere-embed` one InvokeModel
 * per batch, `converse` the Converse API (one call per text).
 */
export type BedrockFamily = "titan-embed" | "cohere-embed" | "converse";

export interface BedrockModel {
  readonly modelId: string;
  readonly task: Task;
  readonly family: BedrockFamily;
  /** Vector length (embedding models). */
  readonly dimensions?: number;
  /** Most texts one call takes (embedding models). */
  readonly maxTexts?: number;
  /** Most characters of one text the model accepts (embedding models). */
  readonly maxTextChars?: number;
  readonly usdPer1kInputTokens: number;
  readonly usdPer1kOutputTokens?: number;
  readonly regions: readonly string[];
}

const MODELS: ReadonlyMap<string, BedrockModel> = new Map(
  Object.entries(table.models).map(([modelId, m]) => [modelId, { modelId, ...m, task: m.task as Task, family: m.family as BedrockFamily }]),
);

/** The model of that id, or undefined when the table does not list it. */
export function bedrockModel(modelId: string): BedrockModel | undefined {
  return MODELS.get(modelId);
}

/** The ids of the models that serve `task` in `region`, sorted. */
export function bedrockModelsFor(task: Task, region: string): string[] {
  return [...MODELS.values()]
    .filter((m) => m.task === task && m.regions.includes(region))
    .map((m) => m.modelId)
    .sort();
}

/** The tasks some listed model serves. */
export function bedrockTasks(): Task[] {
  return [...new Set([...MODELS.values()].map((m) => m.task))].sort();
}

/**
 * Why `modelId` cannot serve `task` in `region` (naming the model, the task or Region, and the
 * ids that would fit), or undefined when it can.
 */
export function bedrockModelProblem(modelId: string, task: Task, region: string): string | undefined {
  const fits = bedrockModelsFor(task, region);
  const allowed = fits.length > 0 ? `models for ${task} in ${region}: ${fits.join(", ")}` : `no listed model serves ${task} in ${region}`;
  const model = MODELS.get(modelId);
  if (model === undefined) return `'${modelId}' is not a Bedrock model listed in ${BEDROCK_MODELS_FILE}; ${allowed}`;
  if (model.task !== task) return `'${modelId}' serves ${model.task}, not task ${task}; ${allowed}`;
  if (!model.regions.includes(region)) {
    return `'${modelId}' is not offered in region ${region} (it is in ${model.regions.join(", ")}); ${allowed}`;
  }
  return undefined;
}

/** The foundation-model ARN InvokeModel and Converse are authorised on. */
export function foundationModelArn(partition: string, region: string, modelId: string): string {
  return `arn:${partition}:bedrock:${region}::foundation-model/${modelId}`;
}
