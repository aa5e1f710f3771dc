// A service with `backend: "bedrock"`: checks and shape. Such a service has no model artifact and
// no SageMaker resources, so the SageMaker settings are refused where the service sets them.
import type { RequestLimits } from "../contract/request-limits";
import { type BedrockModel, bedrockModel, bedrockModelProblem } from "../lib/bedrock-models";
import type { Task } from "../lib/tasks";
import { type FieldName, type RawConfig, SERVICE_FIELDS, type ServiceFieldName } from "./fields";

export const BACKENDS = ["sagemaker", "bedrock"] as const;
export type Backend = (typeof BACKENDS)[number];

/** Service settings any backend has: the route, its task and limits, its function; the others describe a SageMaker model or endpoint. */
const BACKEND_NEUTRAL_FIELDS: readonly ServiceFieldName[] = [
  "routePath",
  "task",
  "backend",
  "modelId",
  "lambdaMemoryMb",
  "lambdaTimeoutSeconds",
  "lambdaReservedConcurrency",
  "maxTexts",
  "maxTextChars",
  "maxTotalChars",
  "logRequestText",
];

/** What every service has, whatever serves it. */
export interface ServiceBase {
  /** From the `services` list; undefined for the service the environment configures, whose resources keep their unsuffixed names. */
  readonly name?: string;
  readonly routePath: string;
  readonly task: Task;
  readonly limits: Readonly<RequestLimits>;
  readonly lambda: {
    /** Unset when the user set none: the function construct's default applies. */
    readonly memoryMb?: number;
    /** Unset when the user set none: the function construct's default applies. */
    readonly timeoutSeconds?: number;
    readonly reservedConcurrency?: number;
    readonly logRequestText: boolean;
  };
}

/** A route answered by an Amazon Bedrock foundation model: no artifact, no endpoint. */
export interface BedrockServiceConfig extends ServiceBase {
  readonly backend: "bedrock";
  /** The model's entry of lib/bedrock-models.json. */
  readonly bedrock: BedrockModel;
}

type Where = (name: FieldName) => string;
type ServiceRaw = Pick<RawConfig, ServiceFieldName>;

/**
 * The Bedrock service, or every problem with it: a SageMaker setting the service sets itself
 * (`explicit`), a model id that does not fit the task or the region, limits over the model's.
 * Unset, the task is the model's; unset, `maxTexts` and `maxTextChars` are capped at the model's.
 */
export function bedrockService(
  c: ServiceRaw,
  name: string | undefined,
  explicit: ReadonlySet<string>,
  region: string,
  where: Where,
): BedrockServiceConfig | { problems: string[] } {
  const problems = SERVICE_FIELDS.filter((n) => !BACKEND_NEUTRAL_FIELDS.includes(n) && explicit.has(n)).map(
    (n) => `${where(n)}: is a SageMaker setting; a service with backend bedrock has no SageMaker model or endpoint (remove it)`,
  );
  if (c.modelId === undefined) {
    problems.push(`${where("modelId")}: required with backend bedrock (a Bedrock model id such as amazon.titan-embed-text-v2:0)`);
    return { problems };
  }
  const model = bedrockModel(c.modelId);
  const configured = c.task === "sentiment-analysis" ? "text-classification" : c.task;
  // An unknown model has no task of its own: the refusal then lists the embedding models.
  const task = configured ?? model?.task ?? "feature-extraction";
  const misfit = bedrockModelProblem(c.modelId, task, region);
  if (misfit !== undefined) problems.push(`${where("modelId")}: ${misfit}`);
  if (model === undefined || misfit !== undefined) return { problems };

  const capped = (field: "maxTexts" | "maxTextChars", most: number | undefined): number => {
    if (most === undefined || c[field] <= most) return c[field];
    if (explicit.has(field)) problems.push(`${where(field)}: ${c.modelId} takes at most ${most}; got ${c[field]}`);
    return most;
  };
  // Titan embeds one text per call (the handler makes one call per text): only Cohere's batch bounds maxTexts.
  const maxTexts = model.family === "cohere-embed" ? capped("maxTexts", model.maxTexts) : c.maxTexts;
  const maxTextChars = capped("maxTextChars", model.maxTextChars);
  if (problems.length > 0) return { problems };
  return {
    backend: "bedrock",
    name,
    routePath: c.routePath,
    task,
    bedrock: model,
    limits: { maxTexts, maxTextChars, maxTotalChars: c.maxTotalChars },
    lambda: {
      memoryMb: c.lambdaMemoryMb,
      timeoutSeconds: c.lambdaTimeoutSeconds,
      reservedConcurrency: c.lambdaReservedConcurrency >= 0 ? c.lambdaReservedConcurrency : undefined,
      logRequestText: c.logRequestText,
    },
  };
}
