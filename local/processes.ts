import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { buildSync } from "esbuild";
import type { AppConfig } from "../config";
import { requestBodyJsonSchema } from "../contract/text-classification";
import { FUNCTION_DEFAULTS } from "../constructs/function-defaults";
import { bundleLambda } from "../lib/lambda-bundle";
import { checkModelDirectory } from "../lib/model-check";
import { startGateway, type GatewayAuth, type LocalGateway } from "./gateway";
import { LambdaHost } from "./lambda-host";
import type { FunctionIdentity } from "./lambda-protocol";
import { type ModelServer, startModelServer } from "./model-server";
import { handlerEnvironment, inferenceNames } from "../stacks/inference-wiring";
import { LOCAL_ACCOUNT_ID, type LocalRuntime, startLocalRuntime } from "./sagemaker-runtime";
import { UserError } from "../lib/errors";
import { servingEnvironment } from "../lib/container-env";

const REPO_ROOT = path.resolve(__dirname, "..");
const DEFAULT_READY_TIMEOUT_MS = 300_000;

export interface StackOptions {
  config: AppConfig;
  modelDir: string;
  /** Gateway, runtime and model server ports; 0 picks a free one. */
  ports: { gateway: number; runtime: number; model: number };
  /** The key clients must send in `x-api-key` (auth mode `api-key`). */
  apiKey: string;
  python: string;
  readyTimeoutMs?: number;
  log(component: "model" | "lambda" | "gateway", line: string): void;
}

export interface LocalStack {
  routeUrl: string;
  runtimeUrl: string;
  modelUrl: string;
  modelServerPid: number;
  endpointName: string;
  auth: GatewayAuth;
  /** Settles with what happened when a component stops on its own. */
  crashed: Promise<string>;
  stop(): Promise<void>;
}

/** The model directory or the environment is not ready; the message says how to fix it. */
export class PreflightError extends UserError {}

function preflightModelDirectory(dir: string, log: StackOptions["log"]): void {
  const { problems, warnings } = checkModelDirectory(dir);
  for (const warning of warnings) log("model", `warning: ${warning}`);
  if (problems.length > 0) {
    throw new PreflightError(
      `The model directory ${dir} is not ready:\n${problems.map((p) => `  - ${p}`).join("\n")}\n` +
        `Fetch the model with: npm run model:fetch -- <hub id> --dir ${dir}   (e.g. yiyanghkust/finbert-tone)`,
    );
  }
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
  runtimeUrl: string,
  identity: FunctionIdentity,
  endpointName: string,
  scratch: string,
): Record<string, string> {
  return {
    ...handlerEnvironment(config, endpointName),
    AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME: runtimeUrl,
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
 * Starts model server, local SageMaker Runtime, Lambda host and gateway, in that order, each
 * on 127.0.0.1. If any step fails, whatever started is stopped before the error is rethrown.
 */
export async function startStack(options: StackOptions): Promise<LocalStack> {
  const { config, log } = options;
  const { endpointName, functionName } = inferenceNames(config.namePrefix);
  preflightModelDirectory(options.modelDir, log);
  const scratch = mkdtempSync(path.join(os.tmpdir(), "hf-local-"));
  const stops: Array<() => Promise<void>> = [async () => rmSync(scratch, { recursive: true, force: true })];
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      // Reverse start order: the gateway drains requests in flight while the rest still runs.
      for (const step of [...stops].reverse()) await step();
    })());
  try {
    const { bundleFile, workerFile } = buildLambda(scratch);
    const model: ModelServer = await startModelServer({
      python: options.python,
      modelDir: options.modelDir,
      port: options.ports.model,
      // The deployed container's workers, threads and quantization, so local figures mean something.
      env: {
        HF_TASK: config.model.task,
        SAGEMAKER_REGION: config.region,
        ...servingEnvironment(config.endpoint, config.model.quantization),
      },
      readyTimeoutMs: options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS,
      log: (line) => log("model", line),
    });
    stops.push(model.stop);
    const runtime: LocalRuntime = await startLocalRuntime({
      port: options.ports.runtime,
      region: config.region,
      endpoints: new Map([[endpointName, model.url]]),
    });
    stops.push(runtime.close);
    const identity: FunctionIdentity = {
      functionName,
      memoryMb: config.lambda.memoryMb ?? FUNCTION_DEFAULTS.memoryMb,
      region: config.region,
      accountId: LOCAL_ACCOUNT_ID,
    };
    const lambda = new LambdaHost({
      bundleFile,
      workerFile,
      env: lambdaEnvironment(config, runtime.url, identity, endpointName, scratch),
      identity,
      timeoutMs: (config.lambda.timeoutSeconds ?? FUNCTION_DEFAULTS.timeoutSeconds) * 1000,
      log: (line) => log("lambda", line),
    });
    stops.push(() => lambda.close());
    await lambda.start();
    const auth: GatewayAuth = config.api.authMode === "iam" ? { mode: "iam" } : { mode: "api-key", apiKey: options.apiKey };
    const gateway: LocalGateway = await startGateway({
      port: options.ports.gateway,
      api: { apiId: "local", accountId: LOCAL_ACCOUNT_ID, stageName: config.api.stageName, resourcePath: `/${config.api.routePath}` },
      auth,
      requestSchema: requestBodyJsonSchema(config.api.limits),
      invoke: (event) => lambda.invoke(event),
      log: (line) => log("gateway", line),
    });
    stops.push(gateway.close);
    const crashed = new Promise<string>((resolve) => {
      void model.exited.then((how) => stopping === undefined && resolve(`the model server ${how}`));
    });
    return {
      routeUrl: gateway.routeUrl,
      runtimeUrl: runtime.url,
      modelUrl: model.url,
      modelServerPid: model.pid,
      endpointName,
      auth,
      crashed,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
