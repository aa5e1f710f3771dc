import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { buildSync } from "esbuild";
import type { AppConfig, ServiceConfig } from "../config";
import { handlerContract } from "../contract/tasks";
import { FUNCTION_DEFAULTS } from "../constructs/function-defaults";
import { bundleLambda } from "../lib/lambda-bundle";
import { checkModelForTask } from "../lib/prepare-model";
import { UserError } from "../lib/errors";
import { servingEnvironment } from "../lib/container-env";
import { startGateway, type GatewayAuth, type GatewayRoute, type LocalGateway } from "./gateway";
import { createTokenService, generateClientCredentials } from "./token-service";
import { apiRoutes } from "../lib/api-routes";
import { LambdaHost } from "./lambda-host";
import type { FunctionIdentity } from "./lambda-protocol";
import { type ModelServer, startModelServer } from "./model-server";
import { containerTask, handlerEnvironment, inferenceNames } from "../stacks/inference-wiring";
import { LOCAL_ACCOUNT_ID, type LocalRuntime, startLocalRuntime } from "./sagemaker-runtime";
import { type LocalS3, startLocalS3 } from "./s3-standin";
import { LOCAL_ASYNC_BUCKET, localAsyncEnvironment, localAsyncOutput } from "./async-local";
import { type LocalBedrock, startLocalBedrock } from "./bedrock-runtime";

const REPO_ROOT = path.resolve(__dirname, "..");
const DEFAULT_READY_TIMEOUT_MS = 300_000;

export interface StackOptions {
  config: AppConfig;
  /** One model directory per service, in the order of `config.services`. */
  modelDirs: readonly string[];
  /** Gateway, runtime and first model server ports (the next services' take the following ones); 0 picks a free one. */
  ports: { gateway: number; runtime: number; model: number };
  /** The key clients must send in `x-api-key` (auth mode `api-key`). */
  apiKey: string;
  /** The app client that may get access tokens (auth mode `cognito`). @default generated per start */
  tokenClient?: { clientId: string; clientSecret: string };
  python: string;
  readyTimeoutMs?: number;
  log(component: "model" | "lambda" | "gateway", line: string): void;
}

/** What runs for one service. */
export interface LocalService {
  service: ServiceConfig;
  routeUrl: string;
  modelDir: string;
  modelUrl: string;
  modelServerPid: number;
  /** The SageMaker endpoint the route's handler invokes; undefined for a Bedrock service. */
  endpointName?: string;
  /** The Bedrock model the route's handler invokes (`backend: "bedrock"`), answered by the local Bedrock Runtime. */
  bedrockModelId?: string;
  /** The OAuth scope the route requires (auth mode `cognito`). */
  scope?: string;
}

export interface LocalStack {
  /** The first service's route, endpoint and model server. */
  routeUrl: string;
  runtimeUrl: string;
  modelUrl: string;
  modelServerPid: number;
  endpointName?: string;
  /** The local Bedrock Runtime, where a service has `backend: "bedrock"`. */
  bedrockUrl?: string;
  services: readonly LocalService[];
  auth: GatewayAuth;
  /** The local token endpoint (auth mode `cognito`). */
  tokenUrl?: string;
  /** Settles with what happened when a component stops on its own. */
  crashed: Promise<string>;
  stop(): Promise<void>;
}

/** The model directory or the environment is not ready; the message says how to fix it. */
export class PreflightError extends UserError {}

/** The directory the model server runs on: the model's own, or a staged copy with its task's code added. */
function servedDirectory(dir: string, service: ServiceConfig, scratch: string, log: StackOptions["log"]): string {
  const { problems, warnings, servedDir } = checkModelForTask(dir, service.task, path.join(scratch, "models", service.name ?? "default"));
  for (const warning of warnings) log("model", `warning: ${dir}: ${warning}`);
  if (problems.length > 0) {
    throw new PreflightError(
      `The model directory ${dir} is not ready:\n${problems.map((p) => `  - ${p}`).join("\n")}\n` +
        `Fetch the model with: npm run model:fetch -- <hub id> --dir ${dir}   (e.g. yiyanghkust/finbert-tone)`,
    );
  }
  return servedDir;
}

/** The handler bundle the stack zips, plus the worker that hosts it, built into `dir`. */
function buildLambda(dir: string): { bundleFile: string; workerFile: string } {
  const { outFile } = bundleLambda({ entry: path.join(REPO_ROOT, "lambda", "index.ts"), outDir: path.join(dir, "lambda") });
  const workerFile = path.join(dir, "worker.js");
  buildSync({
    entryPoints: [path.join(__dirname, "lambda-worker.ts")],
    outfile: workerFile,
    bundle: true,
    platform: "node",
    format: "cjs",
    logLevel: "silent",
  });
  return { bundleFile: outFile, workerFile };
}

/** What the function sees in Lambda: its configuration (as the stack sets it) and runtime variables. */
function lambdaEnvironment(
  config: AppConfig,
  service: ServiceConfig,
  runtimeUrl: string,
  identity: FunctionIdentity,
  endpointName: string,
  scratch: string,
  bedrockUrl: string | undefined,
): Record<string, string> {
  return {
    ...handlerEnvironment(config, service, endpointName),
    AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME: runtimeUrl,
    ...(bedrockUrl !== undefined && { AWS_ENDPOINT_URL_BEDROCK_RUNTIME: bedrockUrl }),
    AWS_REGION: config.region,
    AWS_DEFAULT_REGION: config.region,
    AWS_ACCESS_KEY_ID: "local",
    AWS_SECRET_ACCESS_KEY: "local",
    AWS_SESSION_TOKEN: "local",
    // No shared config or credentials files of this machine, as in Lambda.
    AWS_CONFIG_FILE: path.join(scratch, "no-aws-config"),
    AWS_SHARED_CREDENTIALS_FILE: path.join(scratch, "no-aws-credentials"),
    AWS_LAMBDA_FUNCTION_NAME: identity.functionName,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(identity.memoryMb),
    AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${identity.functionName}`,
    TZ: "UTC",
    // Lambda runs the bundle on Node 22; the SDK's warning would be about this machine's Node.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    PATH: process.env.PATH ?? "/usr/bin:/bin",
  };
}

/**
 * The local Bedrock Runtime, where a service has `backend: "bedrock"`: each such service's model
 * server answers for its model id, on the port after the SageMaker Runtime's (any free one for 0).
 */
async function startBedrockStandIn(
  config: AppConfig,
  models: readonly ModelServer[],
  runtimePort: number,
): Promise<LocalBedrock | undefined> {
  const served = new Map<string, string>();
  config.services.forEach((service, i) => {
    if (service.backend !== "bedrock") return;
    if (served.has(service.bedrock.modelId)) {
      throw new PreflightError(
        `local mode serves each Bedrock model from one model directory; ${service.bedrock.modelId} is named by two services`,
      );
    }
    served.set(service.bedrock.modelId, models[i].url);
  });
  if (served.size === 0) return undefined;
  return startLocalBedrock({ port: runtimePort === 0 ? 0 : runtimePort + 1, models: served });
}

/** What the local gateway checks: the API key, a SigV4 signature's presence, or an access token of a per-start key. */
function gatewayAuth(config: AppConfig, options: StackOptions, scopes: readonly string[]): GatewayAuth {
  switch (config.api.authMode) {
    case "iam":
      return { mode: "iam" };
    case "api-key":
      return { mode: "api-key", apiKey: options.apiKey };
    case "cognito":
      return {
        mode: "cognito",
        tokens: createTokenService({
          ...(options.tokenClient ?? generateClientCredentials()),
          scopes,
          validitySeconds: config.api.accessTokenMinutes * 60,
          issuer: `https://cognito-idp.${config.region}.amazonaws.com/${config.region}_local`,
        }),
      };
  }
}

/**
 * Starts model server, local SageMaker Runtime, Lambda host and gateway, in that order, each
 * on 127.0.0.1. If any step fails, whatever started is stopped before the error is rethrown.
 */
export async function startStack(options: StackOptions): Promise<LocalStack> {
  const { config, log } = options;
  if (options.modelDirs.length !== config.services.length) {
    throw new PreflightError(
      `give one model directory per service: ${config.services.length} service(s), ${options.modelDirs.length} director${options.modelDirs.length === 1 ? "y" : "ies"}`,
    );
  }
  const scratch = mkdtempSync(path.join(os.tmpdir(), "hf-local-"));
  const stops: Array<() => Promise<void>> = [async () => rmSync(scratch, { recursive: true, force: true })];
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      // Reverse start order: the gateway drains requests in flight while the rest still runs.
      for (const step of [...stops].reverse()) await step();
    })());
  try {
    const served = config.services.map((service, i) => servedDirectory(options.modelDirs[i], service, scratch, log));
    const { bundleFile, workerFile } = buildLambda(scratch);
    const models: ModelServer[] = [];
    for (const [i, service] of config.services.entries()) {
      const model = await startModelServer({
        python: options.python,
        modelDir: served[i],
        port: options.ports.model === 0 ? 0 : options.ports.model + i,
        // The deployed container's workers, threads and quantization, so local figures mean something.
        env: {
          HF_TASK: containerTask(service.task),
          SAGEMAKER_REGION: config.region,
          // Each endpoint is a container of its own: its workers share the CPU lock only among themselves.
          MODEL_BUSY_DIR: path.join(scratch, `model-busy-${i}`),
          // A Bedrock service's model directory stands in for the Bedrock model: one worker, float32.
          ...(service.backend === "bedrock"
            ? { SAGEMAKER_MODEL_SERVER_WORKERS: "1", MODEL_QUANTIZATION: "none" }
            : servingEnvironment(service.endpoint, service.model.quantization)),
        },
        readyTimeoutMs: options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS,
        log: (line) => log("model", config.services.length > 1 ? `${service.routePath}: ${line}` : line),
      });
      stops.push(model.stop);
      models.push(model);
    }
    const names = config.services.map((service) => inferenceNames(config.namePrefix, service));
    // Async services queue through S3: a loopback one, their own function bundle.
    const isAsync = config.services.map((service) => service.backend !== "bedrock" && service.async !== undefined);
    let s3: LocalS3 | undefined;
    if (isAsync.includes(true)) {
      s3 = await startLocalS3({ port: 0, buckets: [LOCAL_ASYNC_BUCKET] });
      stops.push(s3.close);
    }
    const asyncBundle =
      s3 && bundleLambda({ entry: path.join(REPO_ROOT, "lambda", "async.ts"), outDir: path.join(scratch, "lambda-async") }).outFile;
    const sageMaker = config.services.flatMap((s, i) => (s.backend === "bedrock" ? [] : [i]));
    const runtime: LocalRuntime = await startLocalRuntime({
      port: options.ports.runtime,
      region: config.region,
      endpoints: new Map(sageMaker.map((i) => [names[i].endpointName, models[i].url])),
      asyncEndpoints: new Map(
        config.services.flatMap((service, i) => (isAsync[i] ? [[names[i].endpointName, localAsyncOutput(config, service)]] : [])),
      ),
      s3: s3?.store,
    });
    stops.push(runtime.close);
    const bedrock = await startBedrockStandIn(config, models, options.ports.runtime);
    if (bedrock) stops.push(bedrock.close);
    const scopes = apiRoutes(config).map((r) => r.scope);
    const routes: GatewayRoute[] = [];
    for (const [i, service] of config.services.entries()) {
      const { endpointName, functionName } = names[i];
      const identity: FunctionIdentity = {
        functionName,
        memoryMb: service.lambda.memoryMb ?? FUNCTION_DEFAULTS.memoryMb,
        region: config.region,
        accountId: LOCAL_ACCOUNT_ID,
      };
      const lambda = new LambdaHost({
        bundleFile: isAsync[i] && asyncBundle ? asyncBundle : bundleFile,
        workerFile,
        env: {
          ...lambdaEnvironment(config, service, runtime.url, identity, endpointName, scratch, bedrock?.url),
          ...(isAsync[i] && s3 ? localAsyncEnvironment(config, service, s3.url) : {}),
        },
        identity,
        timeoutMs: (service.lambda.timeoutSeconds ?? FUNCTION_DEFAULTS.timeoutSeconds) * 1000,
        log: (line) => log("lambda", config.services.length > 1 ? `${service.routePath}: ${line}` : line),
      });
      stops.push(() => lambda.close());
      await lambda.start();
      routes.push({
        resourcePath: `/${service.routePath}`,
        requestSchema: handlerContract(service.task).requestJsonSchema(service.limits),
        invoke: (event) => lambda.invoke(event),
        scope: config.api.authMode === "cognito" ? scopes[i] : undefined,
        results: isAsync[i],
      });
    }
    const auth = gatewayAuth(config, options, scopes);
    const gateway: LocalGateway = await startGateway({
      port: options.ports.gateway,
      api: { apiId: "local", accountId: LOCAL_ACCOUNT_ID, stageName: config.api.stageName },
      auth,
      routes,
      log: (line) => log("gateway", line),
    });
    stops.push(gateway.close);
    const crashed = new Promise<string>((resolve) => {
      models.forEach((model, i) => {
        const which = config.services.length > 1 ? ` of /${config.services[i].routePath}` : "";
        void model.exited.then((how) => stopping === undefined && resolve(`the model server${which} ${how}`));
      });
    });
    const services: LocalService[] = config.services.map((service, i) => ({
      service,
      routeUrl: gateway.routeUrls[service.routePath],
      modelDir: options.modelDirs[i],
      modelUrl: models[i].url,
      modelServerPid: models[i].pid,
      ...(service.backend === "bedrock" ? { bedrockModelId: service.bedrock.modelId } : { endpointName: names[i].endpointName }),
      scope: config.api.authMode === "cognito" ? scopes[i] : undefined,
    }));
    const [first] = services;
    return {
      routeUrl: first.routeUrl,
      runtimeUrl: runtime.url,
      modelUrl: first.modelUrl,
      modelServerPid: first.modelServerPid,
      endpointName: first.endpointName,
      bedrockUrl: bedrock?.url,
      services,
      auth,
      tokenUrl: gateway.tokenUrl,
      crashed,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
