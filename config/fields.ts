import { z } from "zod";
import { DEFAULT_REQUEST_LIMITS } from "../contract/request-limits";
import { API_GATEWAY_TIMEOUT_SECONDS, MAX_LAMBDA_TIMEOUT_SECONDS } from "../contract/limits";
import { API_DEFAULTS } from "../constructs/api-defaults";
import { TOKEN_AUTH_DEFAULTS } from "../constructs/token-auth-defaults";
import { ENDPOINT_DEFAULTS } from "../constructs/endpoint-defaults";
import { FUNCTION_DEFAULTS } from "../constructs/function-defaults";
import { DEFAULT_LOG_RETENTION_DAYS, LOG_RETENTION_DAYS } from "../constructs/log-retention";
import { AUTOSCALING_DEFAULTS } from "../constructs/autoscaling-defaults";
import { ASYNC_DEFAULTS } from "../constructs/async-defaults";
import { QUANTIZATIONS } from "../lib/container-env";
import { TASKS } from "../lib/tasks";
import { BACKENDS } from "./bedrock";

/** `instanceType` value that has synth choose the type from the model's size (lib/instance-choice.ts). */
export const AUTO_INSTANCE_TYPE = "auto";

/** Tasks a service may name; `sentiment-analysis` is the pipeline's alias of text-classification. */
export const SUPPORTED_TASKS = [...TASKS, "sentiment-analysis"] as const;

const bool = z.preprocess(
  (v) => (typeof v === "string" ? ({ true: true, false: false, "1": true, "0": false }[v.toLowerCase()] ?? v) : v),
  z.boolean({ error: "must be true or false" }),
);
const int = (min: number, max: number) =>
  z.coerce
    .number({ error: "must be a number" })
    .int("must be a whole number")
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`);
const oneOf = <T extends readonly [string, ...string[]]>(values: T) => z.enum(values, { error: `must be one of ${values.join(", ")}` });
const pattern = (re: RegExp, what: string) => z.string().regex(re, `must be ${what}`);

const tags = z.preprocess(
  (v) => (typeof v === "string" ? parseTags(v) : v),
  z.record(
    pattern(/^[\w .:/=+@-]{1,128}$/, "a tag key of 1-128 letters, digits or _ .:/=+@- and spaces"),
    z.string().max(256, "tag values must be at most 256 characters"),
  ),
);

function parseTags(text: string): unknown {
  const trimmed = text.trim();
  if (trimmed.startsWith("{")) {
    try {
      return JSON.parse(trimmed);
    } catch {
      return text; // not JSON: the schema then rejects it, naming the field
    }
  }
  return Object.fromEntries(
    trimmed
      .split(",")
      .filter(Boolean)
      .map((pair) => pair.split("=").map((s) => s.trim())),
  );
}

/**
 * Every configuration field: its schema, default, environment variable and meaning.
 * The flat key is also the `cdktf.json` context key.
 */
export const FIELDS = {
  region: {
    env: "AWS_REGION",
    default: "us-east-1",
    schema: pattern(/^[a-z]{2}(-[a-z]+)+-\d$/, "an AWS region such as us-east-1"),
    doc: "AWS region of every resource",
  },
  namePrefix: {
    env: "NAME_PREFIX",
    default: "finbert",
    schema: pattern(/^[a-z](?:[a-z0-9-]{0,18}[a-z0-9])?$/, "1-20 lowercase letters, digits or hyphens, starting with a letter"),
    doc: "prefix of every resource name",
  },
  bootstrapStateInBucket: {
    env: "BOOTSTRAP_STATE_IN_BUCKET",
    default: false,
    schema: bool,
    doc: "keep the bootstrap stack's own state in `stateBucket` too (deploy it once with `--migrate-state`)",
  },
  stateBucket: {
    env: "STATE_BUCKET",
    default: "",
    schema: z.union([
      z.literal(""),
      pattern(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "a valid S3 bucket name (3-63 lowercase letters, digits, dots, hyphens)"),
    ]),
    doc: "Terraform state bucket from the bootstrap stack; empty keeps local state",
  },
  backend: {
    env: "BACKEND",
    default: "sagemaker",
    schema: oneOf(BACKENDS),
    doc: '`sagemaker` (a model of yours on an endpoint) or `bedrock` (an Amazon Bedrock foundation model named by `modelId`; no endpoint, see "Bedrock backend")',
  },
  modelId: {
    env: "BEDROCK_MODEL_ID",
    default: undefined,
    schema: z.optional(pattern(/^[a-z0-9-]+\.[a-zA-Z0-9.:-]+$/, "a Bedrock model id such as amazon.titan-embed-text-v2:0")),
    doc: "with `backend: bedrock`: the foundation model, one listed in lib/bedrock-models.json for the service's task and region",
  },
  modelSource: {
    env: "MODEL_SOURCE",
    default: "model",
    schema: z.string().min(1, "must not be empty"),
    doc: "a model directory, a `.tar.gz` archive, an `s3://…/model.tar.gz` URI, or `hub:<model id>[@revision]`",
  },
  task: {
    env: "HF_TASK",
    default: undefined,
    schema: z.optional(oneOf(SUPPORTED_TASKS)),
    doc: `the service's task, one of ${TASKS.join(", ")}; unset: inferred from a model directory's or archive's config.json (the env-configured default service falls back to ${ENDPOINT_DEFAULTS.task})`,
  },
  transformersVersion: {
    env: "TRANSFORMERS_VERSION",
    default: "4.51.3",
    schema: z.string(),
    doc: "transformers version of the inference container",
  },
  pytorchVersion: { env: "PYTORCH_VERSION", default: "2.6.0", schema: z.string(), doc: "PyTorch version of the inference container" },
  containerLogLevel: {
    env: "CONTAINER_LOG_LEVEL",
    default: ENDPOINT_DEFAULTS.containerLogLevel,
    schema: int(10, 50),
    doc: "`SAGEMAKER_CONTAINER_LOG_LEVEL` (Python logging level)",
  },
  quantization: {
    env: "MODEL_QUANTIZATION",
    default: "dynamic-int8",
    schema: oneOf(QUANTIZATIONS),
    doc: '`dynamic-int8` quantizes the model\'s Linear layers to int8 at load on CPU (about 2x the texts/s, scores differ slightly; see "Model speed"); `none` keeps float32; ignored on GPUs',
  },
  endpointMode: {
    env: "ENDPOINT_MODE",
    default: "real-time",
    schema: oneOf(["real-time", "serverless", "async"] as const),
    doc: "real-time instances, serverless inference, or `async`: instances that take queued requests from S3 and scale to zero (see Asynchronous endpoints)",
  },
  instanceType: {
    env: "INSTANCE_TYPE",
    default: ENDPOINT_DEFAULTS.realTime.instanceType,
    schema: z
      .string({ error: "must be a string" })
      .refine(
        (v) => v === AUTO_INSTANCE_TYPE || /^ml\.(?!inf|trn)[a-z0-9]+\.[a-z0-9]+$/.test(v),
        "must be a SageMaker instance type such as ml.m5.large, or `auto` (Inferentia/Trainium need Neuron images, not supported)",
      ),
    doc: 'real-time instance type; `ml.g*`/`ml.p*` select the GPU image; `auto`: the cheapest type in the region that holds the model (see "Instance choice")',
  },
  maxHourlyUsd: {
    env: "MAX_HOURLY_USD",
    default: undefined,
    schema: z.optional(z.coerce.number({ error: "must be a number" }).positive("must be more than 0")),
    doc: "with `instanceType: auto`: the most one instance may cost per hour (USD, on-demand); unset: no limit",
  },
  modelSizeMb: {
    env: "MODEL_SIZE_MB",
    default: undefined,
    schema: z.optional(int(1, 1_000_000)),
    doc: "with `instanceType: auto` and a `hub:` or `s3://` source: the weights' size in MB (10^6 bytes), which synth cannot read offline; `npm run model:size -- hub:<id>@<rev>` prints it",
  },
  instanceCount: {
    env: "INSTANCE_COUNT",
    default: ENDPOINT_DEFAULTS.realTime.instanceCount,
    schema: int(1, 10),
    doc: "real-time instance count",
  },
  serverlessMemoryMb: {
    env: "SERVERLESS_MEMORY_MB",
    default: ENDPOINT_DEFAULTS.serverless.memorySizeMb,
    schema: int(1024, 6144).refine((n) => n % 1024 === 0, "must be a multiple of 1024 (1024-6144)"),
    doc: "serverless memory, 1024-6144 in steps of 1024",
  },
  serverlessMaxConcurrency: {
    env: "SERVERLESS_MAX_CONCURRENCY",
    default: ENDPOINT_DEFAULTS.serverless.maxConcurrency,
    schema: int(1, 200),
    doc: "serverless max concurrency, 1-200",
  },
  serverlessProvisionedConcurrency: {
    env: "SERVERLESS_PROVISIONED_CONCURRENCY",
    default: ENDPOINT_DEFAULTS.serverless.provisionedConcurrency,
    schema: int(0, 200),
    doc: "serverless provisioned concurrency (0 = none), at most the max concurrency",
  },
  // Autoscaling is on where maxInstances is set; unset fields leave the construct's defaults.
  maxInstances: {
    env: "MAX_INSTANCES",
    default: undefined,
    schema: z.optional(int(1, 100)),
    doc: "autoscaling: most instances; setting it turns autoscaling on for a real-time service (see Scaling and operations); an async service always scales, up to 1 unless set",
  },
  minInstances: {
    env: "MIN_INSTANCES",
    default: undefined,
    schema: z.optional(int(0, 100)),
    doc: `autoscaling: fewest instances, the count every new endpoint configuration starts at (unset: \`instanceCount\`); 0 (scale to zero) with endpointMode async only, whose default it is (async unset: ${ASYNC_DEFAULTS.minInstances}, maxInstances ${ASYNC_DEFAULTS.maxInstances})`,
  },
  targetInvocationsPerInstance: {
    env: "TARGET_INVOCATIONS_PER_INSTANCE",
    default: undefined,
    schema: z.optional(int(1, 1_000_000)),
    doc: "autoscaling: invocations per instance per minute the policy holds (unset: derived from the measured throughput, 833 on ml.m5.large)",
  },
  scaleOutCooldownSeconds: {
    env: "SCALE_OUT_COOLDOWN_SECONDS",
    default: undefined,
    schema: z.optional(int(0, 3600)),
    doc: `autoscaling: seconds after a scale-out before the next (unset: ${AUTOSCALING_DEFAULTS.scaleOutCooldownSeconds})`,
  },
  scaleInCooldownSeconds: {
    env: "SCALE_IN_COOLDOWN_SECONDS",
    default: undefined,
    schema: z.optional(int(0, 3600)),
    doc: `autoscaling: seconds after a scaling activity before a scale-in (unset: ${AUTOSCALING_DEFAULTS.scaleInCooldownSeconds})`,
  },
  asyncBacklogPerInstance: {
    env: "ASYNC_BACKLOG_PER_INSTANCE",
    default: undefined,
    schema: z.optional(z.coerce.number({ error: "must be a number" }).positive("must be more than 0").max(10_000, "must be at most 10000")),
    doc: `endpointMode async: queued requests per instance that autoscaling holds (\`ApproximateBacklogSizePerInstance\`; unset: ${ASYNC_DEFAULTS.backlogPerInstance}, AWS's example value, see Asynchronous endpoints)`,
  },
  asyncMaxConcurrentInvocations: {
    env: "ASYNC_MAX_CONCURRENT_INVOCATIONS",
    default: undefined,
    schema: z.optional(int(1, 1000)),
    doc: "endpointMode async: requests SageMaker sends one instance at a time (unset: one per model-server worker)",
  },
  asyncNotifications: {
    env: "ASYNC_NOTIFICATIONS",
    default: false,
    schema: bool,
    doc: "endpointMode async: SageMaker publishes each result and failure to an SNS topic of its own (KMS-encrypted)",
  },
  dataCapturePercent: {
    env: "DATA_CAPTURE_PERCENT",
    default: 0,
    schema: int(0, 100),
    doc: "percent of requests and responses SageMaker copies to the artifact bucket (0 = off; real-time only)",
  },
  routePath: {
    env: "ROUTE_PATH",
    default: "sentiment",
    schema: pattern(/^[a-zA-Z0-9._-]+(\/[a-zA-Z0-9._-]+)*$/, "path segments of letters, digits, . _ - separated by / (no leading slash)"),
    doc: "API route, served as `POST /<stage>/<routePath>`",
  },
  stageName: {
    env: "STAGE_NAME",
    default: API_DEFAULTS.stageName,
    schema: pattern(/^[a-zA-Z0-9_-]{1,64}$/, "1-64 letters, digits, _ or -"),
    doc: "API Gateway stage",
  },
  authMode: {
    env: "AUTH_MODE",
    default: API_DEFAULTS.authMode,
    schema: oneOf(["api-key", "iam", "cognito"] as const),
    doc: "`api-key` (usage plan key in `x-api-key`), `iam` (SigV4-signed requests) or `cognito` (OAuth 2.0 client-credentials access token with the route's scope; see Cognito authorization)",
  },
  accessTokenMinutes: {
    env: "ACCESS_TOKEN_MINUTES",
    default: TOKEN_AUTH_DEFAULTS.accessTokenMinutes,
    schema: int(TOKEN_AUTH_DEFAULTS.minAccessTokenMinutes, TOKEN_AUTH_DEFAULTS.maxAccessTokenMinutes),
    doc: "authMode `cognito`: lifetime of an access token in minutes (5-1440)",
  },
  throttleBurstLimit: {
    env: "THROTTLE_BURST_LIMIT",
    default: API_DEFAULTS.throttle.burstLimit,
    schema: int(1, 5000),
    doc: "API burst limit (requests)",
  },
  throttleRateLimit: {
    env: "THROTTLE_RATE_LIMIT",
    default: API_DEFAULTS.throttle.rateLimit,
    schema: int(1, 10000),
    doc: "API steady rate limit (requests per second)",
  },
  quotaPerDay: {
    env: "QUOTA_PER_DAY",
    default: API_DEFAULTS.quotaPerDay,
    schema: int(0, 100_000_000),
    doc: "requests per day per API key (0 = no quota)",
  },
  executionLogging: {
    env: "EXECUTION_LOGGING",
    default: API_DEFAULTS.executionLogging,
    schema: bool,
    doc: "API Gateway execution logs at INFO; `false` drops them (access logs stay on). Both need the account's API Gateway CloudWatch role",
  },
  manageApiGatewayAccount: {
    env: "MANAGE_API_GATEWAY_ACCOUNT",
    default: true,
    schema: bool,
    doc: "bootstrap stack sets the account-wide API Gateway CloudWatch role; false where the account already manages it",
  },
  logRetentionDays: {
    env: "LOG_RETENTION_DAYS",
    default: DEFAULT_LOG_RETENTION_DAYS,
    schema: z.coerce
      .number()
      .refine((n) => (LOG_RETENTION_DAYS as readonly number[]).includes(n), `must be one of ${LOG_RETENTION_DAYS.join(", ")}`),
    doc: "CloudWatch log retention",
  },
  // Unset passes nothing on: the function construct owns these defaults.
  lambdaMemoryMb: {
    env: "LAMBDA_MEMORY_MB",
    default: undefined,
    schema: z.optional(int(128, 10240)),
    doc: `Lambda memory in MB (unset: the construct's ${FUNCTION_DEFAULTS.memoryMb})`,
  },
  lambdaTimeoutSeconds: {
    env: "LAMBDA_TIMEOUT_SECONDS",
    default: undefined,
    schema: z.optional(int(3, MAX_LAMBDA_TIMEOUT_SECONDS)),
    doc: `Lambda timeout (unset: the construct's ${FUNCTION_DEFAULTS.timeoutSeconds}), below API Gateway's ${API_GATEWAY_TIMEOUT_SECONDS} s`,
  },
  lambdaReservedConcurrency: {
    env: "LAMBDA_RESERVED_CONCURRENCY",
    default: -1,
    schema: int(-1, 1000),
    doc: "reserved concurrency (-1 = unreserved; accounts with the default quota of 10 reject any value)",
  },
  maxTexts: { env: "MAX_TEXTS", default: DEFAULT_REQUEST_LIMITS.maxTexts, schema: int(1, 256), doc: "most texts in one batch request" },
  maxTextChars: {
    env: "MAX_TEXT_CHARS",
    default: DEFAULT_REQUEST_LIMITS.maxTextChars,
    schema: int(1, 100_000),
    doc: "longest text (characters)",
  },
  maxTotalChars: {
    env: "MAX_TOTAL_CHARS",
    default: DEFAULT_REQUEST_LIMITS.maxTotalChars,
    schema: int(1, 1_000_000),
    doc: "most characters in all texts of one request together, each text counted up to the 512 its model reads (whole for question answering; 413 above it); bounds the model's work per request, see Request limits",
  },
  logRequestText: { env: "LOG_REQUEST_TEXT", default: false, schema: bool, doc: "log request texts (debug only)" },
  alarms: {
    env: "ALARMS",
    default: false,
    schema: bool,
    doc: "CloudWatch alarms per service and on the API stage to an SNS topic, and a dashboard (on as well when `alarmEmail` is set)",
  },
  alarmEmail: {
    env: "ALARM_EMAIL",
    default: "",
    schema: z.union([z.literal(""), pattern(/^[^@\s]+@[^@\s]+\.[^@\s]+$/, "an e-mail address")]),
    doc: "address subscribed to the alarm topic (turns `alarms` on); empty: no subscription",
  },
  tags: {
    env: "TAGS",
    default: { project: "hf-sagemaker-api" } as Record<string, string>,
    schema: tags,
    doc: "default tags: JSON object or `k=v,k2=v2`",
  },
} as const;

export type FieldName = keyof typeof FIELDS;

/**
 * Fields each service sets for itself (an entry of `services`); the others are the app's. At the
 * top level of the context or of an APP_CONFIG file they are every service's default.
 */
export const SERVICE_FIELDS = [
  "routePath",
  "task",
  "backend",
  "modelId",
  "modelSource",
  "containerLogLevel",
  "quantization",
  "endpointMode",
  "instanceType",
  "instanceCount",
  "maxHourlyUsd",
  "modelSizeMb",
  "serverlessMemoryMb",
  "serverlessMaxConcurrency",
  "serverlessProvisionedConcurrency",
  "maxInstances",
  "minInstances",
  "targetInvocationsPerInstance",
  "scaleOutCooldownSeconds",
  "scaleInCooldownSeconds",
  "asyncBacklogPerInstance",
  "asyncMaxConcurrentInvocations",
  "asyncNotifications",
  "dataCapturePercent",
  "lambdaMemoryMb",
  "lambdaTimeoutSeconds",
  "lambdaReservedConcurrency",
  "maxTexts",
  "maxTextChars",
  "maxTotalChars",
  "logRequestText",
] as const satisfies readonly FieldName[];

export type ServiceFieldName = (typeof SERVICE_FIELDS)[number];

/** A service's `name`: its resources are `<namePrefix>-<name>-*`, its route `<name>` unless `routePath` is set. */
export const SERVICE_NAME = {
  schema: pattern(/^[a-z](?:[a-z0-9-]{0,18}[a-z0-9])?$/, "1-20 lowercase letters, digits or hyphens, starting with a letter"),
};
export type RawConfig = { [K in FieldName]: z.output<(typeof FIELDS)[K]["schema"]> };
