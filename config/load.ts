import * as fs from "node:fs";
import { z } from "zod";
import { AUTO_INSTANCE_TYPE, FIELDS, type FieldName, type RawConfig, SERVICE_FIELDS, SERVICE_NAME, type ServiceFieldName } from "./fields";
import { type ModelSource, parseModelSource } from "./model-source";
import { type ServiceAsync, asyncProblems, shapeAsync } from "./async";
import { type BedrockServiceConfig, bedrockService, type ServiceBase } from "./bedrock";
import { MAX_ENDPOINT_PAYLOAD_BYTES } from "../contract/limits";
import { handlerContract } from "../contract/tasks";
import type { EndpointCapacity } from "../constructs/inference-endpoint";
import type { InferenceApiProps } from "../constructs/inference-api";
import { type DlcImage, DlcImageError, processorFor, resolveDlcImage } from "../lib/dlc-image";
import { UserError } from "../lib/errors";
import { type Task, TaskMismatchError, inferTask, resolveTask } from "../lib/tasks";
import { modelArchiveFacts, modelDirectoryFacts } from "../lib/prepare-model";
import { instanceSpec, type Quantization } from "../lib/container-env";
import { chooseInstance, type InstanceChoice, InstanceChoiceError } from "../lib/instance-choice";
import { archiveModelSize, directoryModelSize, type ModelSize } from "../lib/model-size";

/** Real-time or serverless capacity, exactly as the endpoint construct takes it. */
export type EndpointConfig = EndpointCapacity;

/** One route of the API served by a SageMaker endpoint: its task, model, capacity, request limits and handler settings. */
export interface SageMakerServiceConfig extends ServiceBase {
  /** Unset: SageMaker, the default backend. */
  readonly backend?: "sagemaker";
  readonly model: {
    readonly source: ModelSource;
    readonly transformersVersion: string;
    readonly pytorchVersion: string;
    readonly containerLogLevel: number;
    readonly quantization: Quantization;
    /** The inference image for this region, versions and processor, resolved at load. */
    readonly image: DlcImage;
  };
  readonly endpoint: EndpointConfig;
  /** Set where `instanceType` was `auto`: the choice the endpoint's type came from, and the size it rests on. */
  readonly instanceChoice?: ChosenInstance;
  /** Real-time only; undefined: a fixed instance count. The endpoint starts at `minInstances`. */
  readonly autoscaling?: ServiceAutoscaling;
  /**
   * Set for endpointMode `async`: requests queue in S3 and SageMaker, the endpoint's instances
   * (`endpoint`, mode real-time) scale on the backlog, down to zero. Undefined: a synchronous route.
   */
  readonly async?: ServiceAsync;
  /** Percent of traffic captured to the artifact bucket; undefined: none. Real-time only. */
  readonly dataCapturePercent?: number;
}

/** One route of the API: a SageMaker endpoint's, or a Bedrock model's (`backend: "bedrock"`). */
export type ServiceConfig = SageMakerServiceConfig | BedrockServiceConfig;

/** Autoscaling of a real-time service; unset fields leave the construct's defaults. */
export interface ServiceAutoscaling {
  readonly minInstances: number;
  readonly maxInstances: number;
  readonly targetInvocationsPerInstance?: number;
  readonly scaleOutCooldownSeconds?: number;
  readonly scaleInCooldownSeconds?: number;
}

export interface AppConfig {
  readonly region: string;
  readonly namePrefix: string;
  /** Bucket of the Terraform state; undefined keeps the local backend. */
  readonly stateBucket?: string;
  /** The bootstrap stack keeps its own state in `stateBucket` too. */
  readonly bootstrapStateInBucket: boolean;
  /** What the one API, key, usage plan and stage share. */
  readonly api: Required<Pick<InferenceApiProps, "stageName" | "authMode" | "throttle" | "quotaPerDay" | "executionLogging">> & {
    /** Access token lifetime (auth mode `cognito`; local mode's tokens too). */
    readonly accessTokenMinutes: number;
  };
  /** At least one; names and routes unique. */
  readonly services: readonly ServiceConfig[];
  /** Alarms, topic and dashboard; undefined: none. */
  readonly monitoring?: { readonly email?: string };
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
  /** Environment variables (highest precedence); `APP_CONFIG` names a configuration file. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** `cdktf.json` context, keyed by field name, plus `services`. Replaced by the APP_CONFIG file when one is named. */
  readonly context?: Readonly<Record<string, unknown>>;
}

/** SageMaker serverless InvokeEndpoint payload limit (4 MB). */
const SERVERLESS_PAYLOAD_BYTES = 4_000_000;

const NAMES = Object.keys(FIELDS) as FieldName[];
const APP_FIELDS = NAMES.filter((n) => !(SERVICE_FIELDS as readonly string[]).includes(n));
const SERVICES_KEY = "services";

/** Where a bad value came from, as the error names it. */
type Where = (name: FieldName) => string;
const topLevel: Where = (name) => `${name} (env ${FIELDS[name].env}, context "${name}")`;
const inService =
  (label: string): Where =>
  (name) =>
    `${label}: ${name}`;

/** Context keys cdktf itself sets (feature flags, CLI settings). */
const CDKTF_FLAGS = new Set(["excludeStackIdFromLogicalIds", "allowSepCharsInLogicalIds"]);
function isCdktfOwnKey(key: string): boolean {
  return key.startsWith("@cdktf/") || key.startsWith("cdktf") || CDKTF_FLAGS.has(key);
}

const fromEnv = (env: ConfigInputs["env"], name: FieldName): string | undefined => {
  const value = env?.[FIELDS[name].env];
  return value !== undefined && value !== "" ? value : undefined;
};

/** The context, or the APP_CONFIG file in its place. */
function settings(inputs: ConfigInputs): Record<string, unknown> {
  const file = inputs.env?.APP_CONFIG;
  if (file === undefined || file === "") return { ...(inputs.context ?? {}) };
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new ConfigError([`APP_CONFIG: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`]);
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not an object");
    return parsed as Record<string, unknown>;
  } catch (e) {
    throw new ConfigError([`APP_CONFIG: ${file} must hold one JSON object of settings: ${(e as Error).message}`]);
  }
}

function unknownKeys(values: Record<string, unknown>, allowed: readonly string[], where: string): string[] {
  return Object.keys(values)
    .filter((k) => !allowed.includes(k) && !isCdktfOwnKey(k))
    .map((k) => `${where}"${k}": unknown setting; allowed: ${allowed.join(", ")}`);
}

function parseFields<K extends FieldName>(
  names: readonly K[],
  raw: Record<string, unknown>,
  where: Where,
): { values?: Pick<RawConfig, K>; problems: string[] } {
  const schema = z.object(Object.fromEntries(names.map((n) => [n, FIELDS[n].schema])) as { [N in K]: (typeof FIELDS)[N]["schema"] });
  const parsed = schema.safeParse(raw);
  if (parsed.success) return { values: parsed.data as Pick<RawConfig, K>, problems: [] };
  return {
    problems: parsed.error.issues.map((issue) => {
      const name = issue.path[0] as K;
      return `${where(name)}: ${issue.message}; got ${JSON.stringify(raw[name])}`;
    }),
  };
}

type ServiceRaw = Pick<RawConfig, ServiceFieldName>;

/**
 * The service's task: as configured, else inferred from a model directory's or archive's config.json; a
 * configured task that contradicts the model fails naming both. A Hub or S3 source cannot be
 * read at synth (synth stays offline), so it needs the task, except for the environment's
 * single service, which keeps today's default.
 */
function serviceTask(c: ServiceRaw, source: ModelSource, legacy: boolean, where: Where): { task: Task } | { problem: string } {
  const configured = c.task === "sentiment-analysis" ? "text-classification" : c.task;
  const facts =
    source.kind === "directory" ? modelDirectoryFacts(source.path) : source.kind === "archive" ? modelArchiveFacts(source.path) : undefined;
  // The environment's service falls back to text classification where nothing tells the task.
  const inferable = facts !== undefined && (configured !== undefined || !legacy || inferTask(facts) !== undefined);
  try {
    if (inferable) return { task: resolveTask(configured, facts, where("task")) };
  } catch (e) {
    if (e instanceof TaskMismatchError) return { problem: e.message };
    throw e;
  }
  if (configured !== undefined) return { task: configured };
  if (legacy) return { task: "text-classification" };
  return {
    problem: `${where("task")}: required: the model's config.json cannot be read at synth (${source.kind === "directory" || source.kind === "archive" ? `no readable config.json in ${source.path}` : `a ${source.kind} source`})`,
  };
}

export interface ChosenInstance {
  readonly choice: InstanceChoice;
  /** Where the model's size was read: the weights files and their place, or `modelSizeMb`. */
  readonly sizeFrom: string;
}

/** The weights' size: measured from a directory or archive; given by `modelSizeMb` for what synth cannot read. */
function modelSize(c: ServiceRaw, source: ModelSource, where: Where): ModelSize | string {
  const measurable = source.kind === "directory" || source.kind === "archive";
  if (measurable && c.modelSizeMb !== undefined) {
    return `${where("modelSizeMb")}: a ${source.kind}'s weights are measured; modelSizeMb is for hub: and s3:// sources`;
  }
  if (c.modelSizeMb !== undefined) return { bytes: c.modelSizeMb * 1e6, files: [], from: `modelSizeMb ${c.modelSizeMb}` };
  if (!measurable) {
    const hint =
      source.kind === "hub" ? `; \`npm run model:size -- hub:${source.modelId}@${source.revision}\` prints it from the Hub's listing` : "";
    return `${where("modelSizeMb")}: required with instanceType auto and a ${source.kind} source, whose size synth does not read (it stays offline)${hint}`;
  }
  try {
    return source.kind === "directory" ? directoryModelSize(source.path) : archiveModelSize(source.path);
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    return `${where("instanceType")}: auto cannot size the model: ${e.message}`;
  }
}

/**
 * The service with a concrete instance type: `auto` becomes the cheapest type in the region that
 * holds the model (lib/instance-choice.ts); `maxHourlyUsd` and `modelSizeMb` without `auto` are refused.
 */
function resolveInstanceType(
  c: ServiceRaw,
  task: Task,
  source: ModelSource,
  region: string,
  where: Where,
): { c: ServiceRaw; chosen?: ChosenInstance } | { problem: string } {
  const auto = c.endpointMode !== "serverless" && c.instanceType === AUTO_INSTANCE_TYPE;
  if (!auto) {
    for (const name of ["maxHourlyUsd", "modelSizeMb"] as const) {
      if (c[name] !== undefined)
        return { problem: `${where(name)}: only used with endpointMode real-time (or async) and instanceType auto` };
    }
    return { c };
  }
  const size = modelSize(c, source, where);
  if (typeof size === "string") return { problem: size };
  try {
    // Only the text-classification code (model/code/inference.py) quantizes; the other tasks load float32.
    const quantization = task === "text-classification" ? c.quantization : "none";
    const choice = chooseInstance({ region, modelBytes: size.bytes, quantization, maxHourlyUsd: c.maxHourlyUsd });
    return { c: { ...c, instanceType: choice.chosen.instanceType }, chosen: { choice, sizeFrom: size.from } };
  } catch (e) {
    if (!(e instanceof InstanceChoiceError)) throw e;
    return { problem: `${where("instanceType")}: auto: ${e.message}` };
  }
}

/** Serverless endpoints run CPU images only; real-time ones follow the instance type. */
function resolveImage(region: string, app: Pick<RawConfig, "transformersVersion" | "pytorchVersion">, c: ServiceRaw): DlcImage | string {
  const processor = c.endpointMode === "serverless" ? "cpu" : processorFor(c.instanceType);
  try {
    return resolveDlcImage({ region, transformersVersion: app.transformersVersion, pytorchVersion: app.pytorchVersion, processor });
  } catch (e) {
    if (!(e instanceof DlcImageError)) throw e;
    // Region and versions are the app's settings, shared by every service.
    return `${topLevel(e.field)}: ${e.message}`;
  }
}

const SCALING_DETAILS = ["minInstances", "targetInvocationsPerInstance", "scaleOutCooldownSeconds", "scaleInCooldownSeconds"] as const;

/** Autoscaling: real-time only, turned on by maxInstances, max at least min. */
function scalingProblems(c: ServiceRaw, where: Where): string[] {
  // Async services scale on their backlog: config/async.ts checks them.
  if (c.endpointMode === "async" || c.minInstances === 0) return [];
  if (c.maxInstances === undefined) {
    return SCALING_DETAILS.filter((n) => c[n] !== undefined).map(
      (n) => `${where(n)}: is an autoscaling setting; set maxInstances to turn autoscaling on`,
    );
  }
  if (c.endpointMode === "serverless") {
    return [`${where("maxInstances")}: autoscaling needs a real-time endpoint (serverless scales itself up to serverlessMaxConcurrency)`];
  }
  const problems: string[] = [];
  if (c.minInstances !== undefined && c.instanceCount !== FIELDS.instanceCount.default && c.instanceCount !== c.minInstances) {
    problems.push(
      `${where("instanceCount")}: with autoscaling the endpoint starts at minInstances (${c.minInstances}); leave instanceCount out; got ${c.instanceCount}`,
    );
  }
  const min = c.minInstances ?? c.instanceCount;
  if (c.maxInstances < min) problems.push(`${where("maxInstances")}: must be at least minInstances (${min}); got ${c.maxInstances}`);
  return problems;
}

function serviceProblems(c: ServiceRaw, task: Task, where: Where): string[] {
  const problems: string[] = [];
  if (c.endpointMode !== "serverless" && instanceSpec(c.instanceType) === undefined) {
    problems.push(
      `${where("instanceType")}: unknown instance type; lib/sagemaker-instance-types.json lists the supported ones (add its vCPUs and GPUs there); got '${c.instanceType}'`,
    );
  }
  if (c.endpointMode === "serverless" && c.serverlessProvisionedConcurrency > c.serverlessMaxConcurrency) {
    problems.push(
      `${where("serverlessProvisionedConcurrency")}: must be at most serverlessMaxConcurrency (${c.serverlessMaxConcurrency}); got ${c.serverlessProvisionedConcurrency}`,
    );
  }
  problems.push(...scalingProblems(c, where), ...asyncProblems(c, where, FIELDS.instanceCount.default));
  if (c.dataCapturePercent > 0 && c.endpointMode === "serverless") {
    problems.push(`${where("dataCapturePercent")}: SageMaker has no data capture on serverless endpoints; got ${c.dataCapturePercent}`);
  }
  const payloadLimit = c.endpointMode === "serverless" ? SERVERLESS_PAYLOAD_BYTES : MAX_ENDPOINT_PAYLOAD_BYTES;
  const worstCase = handlerContract(task).worstCasePayloadBytes({
    maxTexts: c.maxTexts,
    maxTextChars: c.maxTextChars,
    maxTotalChars: c.maxTotalChars,
  });
  if (worstCase > payloadLimit) {
    problems.push(
      `${where("maxTextChars")}: maxTexts x maxTextChars (capped by maxTotalChars) allows ${worstCase}-byte requests, over the ${c.endpointMode} endpoint's ${payloadLimit}-byte limit`,
    );
  }
  return problems;
}

function shapeService(
  c: ServiceRaw,
  name: string | undefined,
  task: Task,
  source: ModelSource,
  image: DlcImage,
  app: Pick<RawConfig, "transformersVersion" | "pytorchVersion">,
): SageMakerServiceConfig {
  return {
    name,
    routePath: c.routePath,
    task,
    model: {
      source,
      transformersVersion: app.transformersVersion,
      pytorchVersion: app.pytorchVersion,
      containerLogLevel: c.containerLogLevel,
      quantization: c.quantization,
      image,
    },
    endpoint:
      c.endpointMode === "serverless"
        ? {
            mode: "serverless",
            memorySizeMb: c.serverlessMemoryMb,
            maxConcurrency: c.serverlessMaxConcurrency,
            provisionedConcurrency: c.serverlessProvisionedConcurrency,
          }
        : // An async endpoint is created with one instance (or minInstances); its scaling takes it to zero.
          { mode: "real-time", instanceType: c.instanceType, instanceCount: Math.max(1, c.minInstances ?? c.instanceCount) },
    async: shapeAsync(c),
    autoscaling:
      c.maxInstances === undefined || c.endpointMode === "async"
        ? undefined
        : {
            minInstances: c.minInstances ?? c.instanceCount,
            maxInstances: c.maxInstances,
            targetInvocationsPerInstance: c.targetInvocationsPerInstance,
            scaleOutCooldownSeconds: c.scaleOutCooldownSeconds,
            scaleInCooldownSeconds: c.scaleInCooldownSeconds,
          },
    dataCapturePercent: c.dataCapturePercent > 0 ? c.dataCapturePercent : undefined,
    limits: { maxTexts: c.maxTexts, maxTextChars: c.maxTextChars, maxTotalChars: c.maxTotalChars },
    lambda: {
      memoryMb: c.lambdaMemoryMb,
      timeoutSeconds: c.lambdaTimeoutSeconds,
      reservedConcurrency: c.lambdaReservedConcurrency >= 0 ? c.lambdaReservedConcurrency : undefined,
      logRequestText: c.logRequestText,
    },
  };
}

interface ServiceInput {
  readonly name?: string;
  readonly raw: Record<string, unknown>;
  /** The service fields the service sets itself (its entry; for the environment's service, the environment or top level). */
  readonly explicit: ReadonlySet<string>;
  readonly where: Where;
}

/** The services as given: the `services` list, or the one service of environment and top-level settings. */
function serviceInputs(values: Record<string, unknown>, env: ConfigInputs["env"], problems: string[]): ServiceInput[] {
  const defaults = (name: ServiceFieldName) => values[name] ?? FIELDS[name].default;
  const list = values[SERVICES_KEY];
  if (list === undefined) {
    const explicit = new Set(SERVICE_FIELDS.filter((n) => fromEnv(env, n) !== undefined || values[n] !== undefined));
    return [{ raw: Object.fromEntries(SERVICE_FIELDS.map((n) => [n, fromEnv(env, n) ?? defaults(n)])), explicit, where: topLevel }];
  }
  // With a list, a service's settings live in its entry; a variable would silently apply to all.
  for (const n of SERVICE_FIELDS) {
    if (fromEnv(env, n) !== undefined)
      problems.push(`${FIELDS[n].env}: configures the single default service; with a "services" list set "${n}" in the service's entry`);
  }
  if (!Array.isArray(list) || list.length === 0) {
    problems.push(`services: must be a non-empty list of service objects; got ${JSON.stringify(list)}`);
    return [];
  }
  return list.flatMap((entry: unknown, i): ServiceInput[] => {
    const label = `services[${i}]`;
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
      problems.push(`${label}: must be an object with a "name"; got ${JSON.stringify(entry)}`);
      return [];
    }
    const fields = entry as Record<string, unknown>;
    const named = SERVICE_NAME.schema.safeParse(fields.name);
    if (!named.success) {
      problems.push(`${label}: name: ${named.error.issues[0].message}; got ${JSON.stringify(fields.name)}`);
      return [];
    }
    const where = inService(`${label} "${named.data}"`);
    problems.push(...unknownKeys(fields, ["name", ...SERVICE_FIELDS], `${label} "${named.data}": `));
    const raw = Object.fromEntries(SERVICE_FIELDS.map((n) => [n, fields[n] ?? (n === "routePath" ? named.data : defaults(n))]));
    return [{ name: named.data, raw, explicit: new Set(Object.keys(fields)), where }];
  });
}

function duplicates(values: readonly string[]): string[] {
  return [...new Set(values.filter((v, i) => values.indexOf(v) !== i))];
}

/**
 * Builds the configuration from defaults, `cdktf.json` context (or the APP_CONFIG file) and
 * environment variables (in rising precedence), and validates all of it before anything is
 * constructed. Throws a ConfigError listing every bad field, naming its service.
 */
export function loadConfig(inputs: ConfigInputs = {}): AppConfig {
  const values = settings(inputs);
  const problems = unknownKeys(values, [...NAMES, SERVICES_KEY], inputs.env?.APP_CONFIG ? `${inputs.env.APP_CONFIG}: ` : "context ");
  const appRaw = Object.fromEntries(APP_FIELDS.map((n) => [n, fromEnv(inputs.env, n) ?? values[n] ?? FIELDS[n].default]));
  const app = parseFields(APP_FIELDS, appRaw, topLevel);
  problems.push(...app.problems);
  const inputsOf = serviceInputs(values, inputs.env, problems);
  for (const name of duplicates(inputsOf.flatMap((s) => (s.name === undefined ? [] : [s.name]))))
    problems.push(`services: name "${name}" is given twice`);
  for (const route of duplicates(inputsOf.map((s) => String(s.raw.routePath)))) problems.push(`services: route "${route}" is served twice`);

  const services: ServiceConfig[] = [];
  for (const input of inputsOf) {
    const parsed = parseFields(SERVICE_FIELDS, input.raw, input.where);
    problems.push(...parsed.problems);
    if (parsed.values === undefined || app.values === undefined) continue;
    if (parsed.values.backend === "bedrock") {
      const bedrock = bedrockService(parsed.values, input.name, input.explicit, app.values.region, input.where);
      if ("problems" in bedrock) problems.push(...bedrock.problems);
      else services.push(bedrock);
      continue;
    }
    if (input.explicit.has("modelId")) {
      problems.push(
        `${input.where("modelId")}: names a Bedrock model; set backend to bedrock to use it (this service's backend is sagemaker)`,
      );
      continue;
    }
    const source = parseModelSource(parsed.values.modelSource);
    if (typeof source === "string") {
      problems.push(`${input.where("modelSource")}: ${source}; got '${parsed.values.modelSource}'`);
      continue;
    }
    const resolved = serviceTask(parsed.values, source, input.name === undefined, input.where);
    if ("problem" in resolved) {
      problems.push(resolved.problem);
      continue;
    }
    const { task } = resolved;
    const sized = resolveInstanceType(parsed.values, task, source, app.values.region, input.where);
    if ("problem" in sized) {
      problems.push(sized.problem);
      continue;
    }
    const { c, chosen } = sized;
    const image = resolveImage(app.values.region, app.values, c);
    if (typeof image === "string") {
      problems.push(image);
      continue;
    }
    const own = serviceProblems(c, task, input.where);
    if (c.dataCapturePercent > 0 && source.kind === "s3") {
      own.push(`${input.where("dataCapturePercent")}: captures go to this app's artifact bucket, which an s3:// model source does not use`);
    }
    if (c.endpointMode === "async" && source.kind === "s3") {
      own.push(
        `${input.where("endpointMode")}: async requests and results go to this app's artifact bucket, which an s3:// model source does not use`,
      );
    }
    problems.push(...own);
    if (own.length === 0)
      services.push({ ...shapeService(c, input.name, task, source, image, app.values), ...(chosen && { instanceChoice: chosen }) });
  }
  if (app.values?.bootstrapStateInBucket && app.values.stateBucket === "") {
    problems.push(`${topLevel("bootstrapStateInBucket")}: needs stateBucket, the bucket the bootstrap stack created`);
  }
  if (problems.length > 0 || app.values === undefined) throw new ConfigError([...new Set(problems)]);
  const a = app.values;
  return {
    region: a.region,
    namePrefix: a.namePrefix,
    stateBucket: a.stateBucket === "" ? undefined : a.stateBucket,
    bootstrapStateInBucket: a.bootstrapStateInBucket,
    api: {
      stageName: a.stageName,
      authMode: a.authMode,
      throttle: { burstLimit: a.throttleBurstLimit, rateLimit: a.throttleRateLimit },
      quotaPerDay: a.quotaPerDay,
      executionLogging: a.executionLogging,
      accessTokenMinutes: a.accessTokenMinutes,
    },
    services,
    monitoring: a.alarms || a.alarmEmail !== "" ? { email: a.alarmEmail === "" ? undefined : a.alarmEmail } : undefined,
    manageApiGatewayAccount: a.manageApiGatewayAccount,
    logRetentionDays: a.logRetentionDays,
    tags: a.tags,
  };
}
