import { MAX_ENDPOINT_PAYLOAD_BYTES } from "../contract/limits";
import { DEFAULT_REQUEST_LIMITS, type RequestLimits } from "../contract/request-limits";
import { HANDLER_CONTRACTS } from "../contract/tasks";
import { TASKS, type Task } from "../lib/tasks";
import { bedrockModel } from "../lib/bedrock-models";

export interface HandlerConfig {
  /** The SageMaker endpoint; empty where `bedrockModelId` is set. */
  endpointName: string;
  /** The Bedrock model the handler calls instead of an endpoint (`backend: "bedrock"`). */
  bedrockModelId?: string;
  /** The route's task: which contract the handler serves. */
  task: Task;
  /** The model's id as the response names it (embeddings). */
  modelId: string;
  limits: RequestLimits;
  /**
   * Attempts in all (1 = no retry). Only throttling and connection failures before the request
   * was sent are retried: a sent request may be running on the model, and a second copy doubles
   * its work and can never finish inside API Gateway's 29 s.
   */
  invokeMaxAttempts: number;
  logRequestText: boolean;
}

export const DEFAULT_INVOKE_MAX_ATTEMPTS = 3;

const ENDPOINT_NAME_PATTERN = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;

/** What synth and local mode set for the handler; `toEnvironment` writes it as variables. */
export interface HandlerSettings {
  /** The SageMaker endpoint; not written where `bedrockModelId` is set. */
  readonly endpointName?: string;
  /** The Bedrock model of a `backend: "bedrock"` service. */
  readonly bedrockModelId?: string;
  readonly task: Task;
  /** The model's id as responses name it: the Hub id, or the model directory's name. */
  readonly modelId: string;
  readonly limits: Readonly<RequestLimits>;
  readonly logRequestText: boolean;
  /** Powertools' service name in every log line. */
  readonly serviceName: string;
}

/** The handler's environment variables: the only writer of what `fromEnvironment` reads. */
export function toEnvironment(settings: HandlerSettings): Record<string, string> {
  return {
    ...(settings.bedrockModelId === undefined
      ? { ENDPOINT_NAME: settings.endpointName ?? "" }
      : { BEDROCK_MODEL_ID: settings.bedrockModelId }),
    // Unset TASK is text classification, and only embeddings answers name the model: a
    // text-classification handler's environment stays what it was before routes had tasks.
    ...(settings.task === "text-classification" ? {} : { TASK: settings.task }),
    ...(settings.task === "feature-extraction" ? { MODEL_ID: settings.modelId } : {}),
    MAX_TEXTS: String(settings.limits.maxTexts),
    MAX_TEXT_CHARS: String(settings.limits.maxTextChars),
    MAX_TOTAL_CHARS: String(settings.limits.maxTotalChars),
    LOG_REQUEST_TEXT: String(settings.logRequestText),
    POWERTOOLS_SERVICE_NAME: settings.serviceName,
  };
}

/** Reads the handler's configuration from the environment; throws naming every bad variable. */
export function fromEnvironment(env: NodeJS.ProcessEnv): HandlerConfig {
  const problems: string[] = [];
  const positiveInt = (name: string, fallback: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === "") return fallback;
    const value = Number(raw);
    if (Number.isSafeInteger(value) && value > 0) return value;
    problems.push(`${name} must be a positive integer, got ${JSON.stringify(raw)}`);
    return fallback;
  };

  const bedrockModelId = env.BEDROCK_MODEL_ID === undefined || env.BEDROCK_MODEL_ID === "" ? undefined : env.BEDROCK_MODEL_ID;
  const endpointName = env.ENDPOINT_NAME ?? "";
  if (bedrockModelId === undefined && !ENDPOINT_NAME_PATTERN.test(endpointName)) {
    problems.push(`ENDPOINT_NAME must be a SageMaker endpoint name, got ${JSON.stringify(endpointName)}`);
  }
  // Unset: the one task a handler served before routes had tasks.
  const task = env.TASK === undefined || env.TASK === "" ? "text-classification" : env.TASK;
  if (!(TASKS as readonly string[]).includes(task)) {
    problems.push(`TASK must be one of ${TASKS.join(", ")}, got ${JSON.stringify(task)}`);
  }
  if (bedrockModelId !== undefined && bedrockModel(bedrockModelId)?.task !== task) {
    problems.push(`BEDROCK_MODEL_ID must be a model of lib/bedrock-models.json for task ${task}, got ${JSON.stringify(bedrockModelId)}`);
  }
  const config: HandlerConfig = {
    endpointName,
    ...(bedrockModelId !== undefined && { bedrockModelId }),
    task: task as Task,
    modelId: env.MODEL_ID ?? "",
    limits: {
      maxTexts: positiveInt("MAX_TEXTS", DEFAULT_REQUEST_LIMITS.maxTexts),
      maxTextChars: positiveInt("MAX_TEXT_CHARS", DEFAULT_REQUEST_LIMITS.maxTextChars),
      maxTotalChars: positiveInt("MAX_TOTAL_CHARS", DEFAULT_REQUEST_LIMITS.maxTotalChars),
    },
    invokeMaxAttempts: positiveInt("INVOKE_MAX_ATTEMPTS", DEFAULT_INVOKE_MAX_ATTEMPTS),
    logRequestText: env.LOG_REQUEST_TEXT === "true",
  };
  // An unknown TASK is already reported; its payload cannot be sized. Bedrock bodies are the handler's own, one text or a model's batch.
  if (
    problems.length === 0 &&
    bedrockModelId === undefined &&
    HANDLER_CONTRACTS[config.task].worstCasePayloadBytes(config.limits) > MAX_ENDPOINT_PAYLOAD_BYTES
  ) {
    problems.push(
      `MAX_TEXTS x MAX_TEXT_CHARS (or MAX_TOTAL_CHARS) may exceed SageMaker's ${MAX_ENDPOINT_PAYLOAD_BYTES}-byte payload limit for ${config.task} requests`,
    );
  }
  if (problems.length > 0) {
    throw new Error(`Invalid handler configuration: ${problems.join("; ")}`);
  }
  return config;
}
