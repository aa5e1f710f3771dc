import * as path from "node:path";
import type { Construct } from "constructs";
import { TerraformOutput, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { ArchiveProvider } from "@cdktf/provider-archive/lib/provider";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import type { AppConfig, ServiceConfig } from "../config";
import type { PreparedModel } from "../lib/prepare-model";
import { contractOf } from "../contract/tasks";
import type { SecureBucket } from "../constructs/secure-bucket";
import { ModelArtifact } from "../constructs/model-artifact";
import { InferenceEndpoint } from "../constructs/inference-endpoint";
import { InferenceFunction } from "../constructs/inference-function";
import { InferenceApi } from "../constructs/inference-api";
import { configureBackend } from "./backend";
import { containerTask, handlerEnvironment, inferenceNames, serviceBaseName } from "./inference-wiring";
import { apiRoutes } from "../lib/api-routes";
import { readyExample, taskContract } from "../contract/task-contracts";

export interface InferenceStackProps {
  readonly config: AppConfig;
  /** One per service, in the order of `config.services`. */
  readonly models: readonly PreparedModel[];
  /** Handler entry bundled by esbuild. */
  readonly handlerEntry: string;
  /** Scratch directory for the bundle. */
  readonly buildDir: string;
}

/** What one service adds to the stack. */
interface ServiceResources {
  readonly service: ServiceConfig;
  readonly artifact: ModelArtifact;
  readonly endpoint: InferenceEndpoint;
  readonly handler: InferenceFunction;
}

/**
 * Per service a model artifact, SageMaker endpoint and Lambda allowed to invoke only that
 * endpoint; one authenticated API with a route per service and one bucket for every archive.
 */
export class InferenceStack extends TerraformStack {
  constructor(scope: Construct, id: string, props: InferenceStackProps) {
    super(scope, id);
    const { config } = props;
    configureBackend(this, id, config);
    new AwsProvider(this, "aws", { region: config.region, defaultTags: [{ tags: { ...config.tags } }] });
    new ArchiveProvider(this, "archive");

    const accountId = new DataAwsCallerIdentity(this, "caller").accountId;
    const services: ServiceResources[] = [];
    config.services.forEach((service, i) => {
      const shared = services.find((s) => s.artifact.bucket !== undefined)?.artifact.bucket;
      services.push(this.addService(props, service, props.models[i], accountId, shared));
    });

    const api = new InferenceApi(this, "api", {
      name: inferenceNames(config.namePrefix).apiName,
      routes: services.map(({ service, handler }) => ({
        path: service.routePath,
        requestSchema: contractOf(service.task).requestJsonSchema(service.limits),
        handler,
      })),
      stageName: config.api.stageName,
      authMode: config.api.authMode,
      throttle: config.api.throttle,
      quotaPerDay: config.api.quotaPerDay,
      executionLogging: config.api.executionLogging,
      logRetentionDays: config.logRetentionDays,
    });

    this.addOutputs(api, services, config);
  }

  private addService(
    props: InferenceStackProps,
    service: ServiceConfig,
    model: PreparedModel,
    accountId: string,
    sharedBucket: SecureBucket | undefined,
  ): ServiceResources {
    const { config } = props;
    const names = inferenceNames(config.namePrefix, service);
    const base = serviceBaseName(config.namePrefix, service);
    // The environment's single service keeps the construct ids (and so the addresses) it always had.
    const suffix = service.name === undefined ? "" : `-${service.name}`;
    const { image } = service.model;
    const target = { partition: image.partition, region: config.region, accountId };
    const artifact = new ModelArtifact(this, `model-artifact${suffix}`, {
      name: config.namePrefix,
      partition: target.partition,
      archive: model.archive,
      bucket: sharedBucket,
      keyPrefix: service.name === undefined ? undefined : `models/${service.name}`,
    });
    const endpoint = new InferenceEndpoint(this, `inference-endpoint${suffix}`, {
      name: base,
      endpointName: names.endpointName,
      target,
      image,
      artifact,
      hubModel: model.hubModel,
      task: containerTask(service.task),
      containerLogLevel: service.model.containerLogLevel,
      quantization: service.model.quantization,
      capacity: service.endpoint,
      logRetentionDays: config.logRetentionDays,
    });

    const handler = new InferenceFunction(this, `handler${suffix}`, {
      functionName: names.functionName,
      entry: props.handlerEntry,
      bundleDir: path.join(props.buildDir, "lambda"),
      target,
      memoryMb: service.lambda.memoryMb,
      timeoutSeconds: service.lambda.timeoutSeconds,
      reservedConcurrency: service.lambda.reservedConcurrency,
      logRetentionDays: config.logRetentionDays,
      environment: handlerEnvironment(config, service, endpoint.endpoint.name),
    });
    endpoint.grantInvoke(handler);
    return { service, artifact, endpoint, handler };
  }

  private addOutputs(api: InferenceApi, services: readonly ServiceResources[], config: AppConfig): void {
    const [first] = services;
    const invokeUrl = api.routeUrl(first.service.routePath);
    new TerraformOutput(this, "invoke_url", { value: invokeUrl, description: `POST JSON here, e.g. {"text": "..."}` });
    new TerraformOutput(this, "endpoint_name", { value: first.endpoint.endpoint.name });
    const example = JSON.parse(readyExample(taskContract(first.service.task), first.service.limits).body) as Record<string, unknown>;
    const body = `'{${Object.entries(example)
      .map(([key, value]) => `"${key}": ${JSON.stringify(value)}`)
      .join(", ")}}'`;
    if (api.apiKey) {
      const readKey = `aws apigateway get-api-key --region ${config.region} --api-key ${api.apiKey.id} --include-value --query value --output text`;
      new TerraformOutput(this, "api_key_id", { value: api.apiKey.id });
      new TerraformOutput(this, "api_key_command", { value: readKey, description: "Prints the API key value" });
      new TerraformOutput(this, "curl", {
        value: `curl -sS -X POST "${invokeUrl}" -H "content-type: application/json" -H "x-api-key: $(${readKey})" -d ${body}`,
      });
    } else {
      new TerraformOutput(this, "curl", {
        value: `curl -sS -X POST "${invokeUrl}" --aws-sigv4 "aws:amz:${config.region}:execute-api" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" -H "x-amz-security-token: $AWS_SESSION_TOKEN" -H "content-type: application/json" -d ${body}`,
      });
    }
    this.addRouteOutputs(api, config);
  }

  /**
   * `stage_url`, per route `route_<path>` (URL, task, auth mode, a ready body and curl line) and,
   * in api-key mode, the key itself as a sensitive `api_key` (written to an outputs file only with
   * `--outputs-file-include-sensitive-outputs`): what `npm run smoke` and `npm run openapi` read.
   */
  private addRouteOutputs(api: InferenceApi, config: AppConfig): void {
    new TerraformOutput(this, "stage_url", { value: api.stage.invokeUrl, description: "Base URL of every route" });
    if (api.apiKey)
      new TerraformOutput(this, "api_key", { value: api.apiKey.value, sensitive: true, description: "The API key (x-api-key)" });
    for (const route of apiRoutes(config)) {
      const url = `${api.stage.invokeUrl}${route.path}`;
      const body = readyExample(taskContract(route.task), route.limits).body;
      new TerraformOutput(this, route.outputName, {
        value: {
          method: route.method,
          url,
          task: route.task,
          auth: config.api.authMode,
          body,
          curl: curlCommand(url, body, config, api.apiKey?.id),
        },
        description: `${route.method} ${route.path}: URL and a ready request`,
      });
    }
  }
}

const shellQuote = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;

/** A ready curl line: the key read with the AWS CLI (api-key mode) or curl's own SigV4 (iam mode). */
function curlCommand(url: string, body: string, config: AppConfig, apiKeyId: string | undefined): string {
  const auth =
    apiKeyId === undefined
      ? `--aws-sigv4 "aws:amz:${config.region}:execute-api" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" -H "x-amz-security-token: $AWS_SESSION_TOKEN"`
      : `-H "x-api-key: $(aws apigateway get-api-key --region ${config.region} --api-key ${apiKeyId} --include-value --query value --output text)"`;
  return `curl -sS -X POST "${url}" -H "content-type: application/json" ${auth} -d ${shellQuote(body)}`;
}
