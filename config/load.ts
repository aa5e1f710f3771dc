import { z } from "zod";
import { FIELDS, type FieldName, type RawConfig } from "./fields";
import { type ModelSource, parseModelSource } from "./model-source";
import { MAX_ENDPOINT_PAYLOAD_BYTES } from "../contract/limits";
import { type RequestLimits, worstCaseEndpointPayloadBytes } from "../contract/request-limits";
import type { EndpointCapacity } from "../constructs/inference-endpoint";
import type { InferenceApiProps } from "../constructs/inference-api";
import { type DlcImage, DlcImageError, processorFor, resolveDlcImage } from "../lib/dlc-image";
import { UserError } from "../lib/errors";
import { instanceSpec, type Quantization } from "../lib/container-env";

/** Real-time or serverless capacity, exactly as the endpoint construct takes it. */
export type EndpointConfig = EndpointCapacity;

export interface AppConfig {
  readonly region: string;
  readonly namePrefix: string;
  /** Bucket of the Terraform state; undefined keeps the local backend. */
  readonly stateBucket?: string;
  /** The bootstrap stack keeps its own state in `stateBucket` too. */
  readonly bootstrapStateInBucket: boolean;
  readonly model: {
    readonly source: ModelSource;
    readonly task: string;
    readonly transformersVersion: string;
    readonly pytorchVersion: string;
    readonly containerLogLevel: number;
    readonly quantization: Quantization;
    /** The inference image for this region, versions and processor, resolved at load. */
    readonly image: DlcImage;
  };
  readonly endpoint: EndpointConfig;
  readonly api: Required<Pick<InferenceApiProps, "stageName" | "authMode" | "throttle" | "quotaPerDay" | "executionLogging">> & {
    /** The one route today's app serves. */
    readonly routePath: string;
    readonly limits: Readonly<RequestLimits>;
  };
  readonly lambda: {
    /** Unset when the user set none: the function construct's default applies. */
    readonly memoryMb?: number;
    /** Unset when the user set none: the function construct's default applies. */
    readonly timeoutSeconds?: number;
    readonly reservedConcurrency?: number;
    readonly logRequestText: boolean;
  };
  readonly manageApiGatewayAccount: boolean;
  readonly logRetentionDays: number;
  readonly tags: Readonly<Record<string, string>>;
}

export class ConfigError extends UserError {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

export interface ConfigInputs {
  /** Environment variables (highest precedence). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** `cdktf.json` context, keyed by field name. */
  readonly context?: Readonly<Record<string, unknown>>;
}

/** SageMaker serverless InvokeEndpoint payload limit (4 MB). */
const SERVERLESS_PAYLOAD_BYTES = 4_000_000;

const NAMES = Object.keys(FIELDS) as FieldName[];

function where(name: FieldName): string {
  return `${name} (env ${FIELDS[name].env}, context "${name}")`;
}

/** Context keys cdktf itself sets (feature flags, CLI settings). */
const CDKTF_FLAGS = new Set(["excludeStackIdFromLogicalIds", "allowSepCharsInLogicalIds"]);
function isCdktfOwnKey(key: string): boolean {
  return key.startsWith("@cdktf/") || key.startsWith("cdktf") || CDKTF_FLAGS.has(key);
}

function rawInput(inputs: ConfigInputs): Record<string, unknown> {
  const unknownKeys = Object.keys(inputs.context ?? {}).filter((k) => !NAMES.includes(k as FieldName) && !isCdktfOwnKey(k));
  if (unknownKeys.length > 0) {
    throw new ConfigError(unknownKeys.map((k) => `context "${k}": unknown setting; allowed: ${NAMES.join(", ")}`));
  }
  return Object.fromEntries(
    NAMES.map((name) => {
      const fromEnv = inputs.env?.[FIELDS[name].env];
      const value = fromEnv !== undefined && fromEnv !== "" ? fromEnv : (inputs.context?.[name] ?? FIELDS[name].default);
      return [name, value];
    }),
  );
}

function crossFieldProblems(c: RawConfig): string[] {
  const problems: string[] = [];
  if (c.endpointMode === "serverless" && c.serverlessProvisionedConcurrency > c.serverlessMaxConcurrency) {
    problems.push(
      `${where("serverlessProvisionedConcurrency")}: must be at most serverlessMaxConcurrency (${c.serverlessMaxConcurrency}); got ${c.serverlessProvisionedConcurrency}`,
    );
  }
  if (c.bootstrapStateInBucket && c.stateBucket === "") {
    problems.push(`${where("bootstrapStateInBucket")}: needs stateBucket, the bucket the bootstrap stack created`);
  }
  if (c.endpointMode === "real-time" && instanceSpec(c.instanceType) === undefined) {
    problems.push(
      `${where("instanceType")}: unknown instance type; lib/sagemaker-instance-types.json lists the supported ones (add its vCPUs and GPUs there); got '${c.instanceType}'`,
    );
  }
  const payloadLimit = c.endpointMode === "serverless" ? SERVERLESS_PAYLOAD_BYTES : MAX_ENDPOINT_PAYLOAD_BYTES;
  const worstCase = worstCaseEndpointPayloadBytes({ maxTexts: c.maxTexts, maxTextChars: c.maxTextChars, maxTotalChars: c.maxTotalChars });
  if (worstCase > payloadLimit) {
    problems.push(
      `${where("maxTextChars")}: maxTexts x maxTextChars (capped by maxTotalChars) allows ${worstCase}-byte requests, over the ${c.endpointMode} endpoint's ${payloadLimit}-byte limit`,
    );
  }
  return problems;
}

/** Serverless endpoints run CPU images only; real-time ones follow the instance type. */
function resolveImage(c: RawConfig): DlcImage | string {
  const processor = c.endpointMode === "serverless" ? "cpu" : processorFor(c.instanceType);
  try {
    return resolveDlcImage({ region: c.region, transformersVersion: c.transformersVersion, pytorchVersion: c.pytorchVersion, processor });
  } catch (e) {
    if (!(e instanceof DlcImageError)) throw e;
    return `${where(e.field)}: ${e.message}`;
  }
}

function shape(c: RawConfig, source: ModelSource, image: DlcImage): AppConfig {
  const endpoint: EndpointConfig =
    c.endpointMode === "serverless"
      ? {
          mode: "serverless",
          memorySizeMb: c.serverlessMemoryMb,
          maxConcurrency: c.serverlessMaxConcurrency,
          provisionedConcurrency: c.serverlessProvisionedConcurrency,
        }
      : { mode: "real-time", instanceType: c.instanceType, instanceCount: c.instanceCount };
  return {
    region: c.region,
    namePrefix: c.namePrefix,
    stateBucket: c.stateBucket === "" ? undefined : c.stateBucket,
    bootstrapStateInBucket: c.bootstrapStateInBucket,
    model: {
      source,
      task: c.task,
      transformersVersion: c.transformersVersion,
      pytorchVersion: c.pytorchVersion,
      containerLogLevel: c.containerLogLevel,
      quantization: c.quantization,
      image,
    },
    endpoint,
    api: {
      routePath: c.routePath,
      stageName: c.stageName,
      authMode: c.authMode,
      throttle: { burstLimit: c.throttleBurstLimit, rateLimit: c.throttleRateLimit },
      quotaPerDay: c.quotaPerDay,
      executionLogging: c.executionLogging,
      limits: { maxTexts: c.maxTexts, maxTextChars: c.maxTextChars, maxTotalChars: c.maxTotalChars },
    },
    lambda: {
      memoryMb: c.lambdaMemoryMb,
      timeoutSeconds: c.lambdaTimeoutSeconds,
      reservedConcurrency: c.lambdaReservedConcurrency >= 0 ? c.lambdaReservedConcurrency : undefined,
      logRequestText: c.logRequestText,
    },
    manageApiGatewayAccount: c.manageApiGatewayAccount,
    logRetentionDays: c.logRetentionDays,
    tags: c.tags,
  };
}

/**
 * Builds the configuration from defaults, `cdktf.json` context and environment variables
 * (in rising precedence), and validates all of it before anything is constructed.
 * Throws a ConfigError listing every bad field with the allowed values.
 */
export function loadConfig(inputs: ConfigInputs = {}): AppConfig {
  const raw = rawInput(inputs);
  const schema = z.object(
    Object.fromEntries(NAMES.map((n) => [n, FIELDS[n].schema])) as { [K in FieldName]: (typeof FIELDS)[K]["schema"] },
  );
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const name = issue.path[0] as FieldName;
        return `${where(name)}: ${issue.message}; got ${JSON.stringify(raw[name])}`;
      }),
    );
  }
  const config = parsed.data as RawConfig;
  const source = parseModelSource(config.modelSource);
  const image = resolveImage(config);
  const problems = [
    ...crossFieldProblems(config),
    ...(typeof source === "string" ? [`${where("modelSource")}: ${source}; got '${config.modelSource}'`] : []),
    ...(typeof image === "string" ? [image] : []),
  ];
  if (problems.length > 0 || typeof source === "string" || typeof image === "string") throw new ConfigError(problems);
  return shape(config, source, image);
}
