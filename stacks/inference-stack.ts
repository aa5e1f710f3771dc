import * as path from "node:path";
import type { Construct } from "constructs";
import { TerraformOutput, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { ArchiveProvider } from "@cdktf/provider-archive/lib/provider";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import type { AppConfig } from "../config";
import type { PreparedModel } from "../lib/prepare-model";
import { requestBodyJsonSchema } from "../contract/text-classification";
import { ModelArtifact } from "../constructs/model-artifact";
import { InferenceEndpoint } from "../constructs/inference-endpoint";
import { InferenceFunction } from "../constructs/inference-function";
import { InferenceApi } from "../constructs/inference-api";
import { configureBackend } from "./backend";
import { handlerEnvironment, inferenceNames } from "./inference-wiring";
import { apiRoutes } from "../lib/api-routes";
import { readyExample, taskContract } from "../contract/task-contracts";

export interface InferenceStackProps {
  readonly config: AppConfig;
  readonly model: PreparedModel;
  /** Handler entry bundled by esbuild. */
  readonly handlerEntry: string;
  /** Scratch directory for the bundle. */
  readonly buildDir: string;
}

/** Model artifact, SageMaker endpoint and the authenticated API in front of it. */
export class InferenceStack extends TerraformStack {
  constructor(scope: Construct, id: string, props: InferenceStackProps) {
    super(scope, id);
    const { config } = props;
    configureBackend(this, id, config);
    new AwsProvider(this, "aws", { region: config.region, defaultTags: [{ tags: { ...config.tags } }] });
    new ArchiveProvider(this, "archive");

    const names = inferenceNames(config.namePrefix);
    const accountId = new DataAwsCallerIdentity(this, "caller").accountId;
    const { image } = config.model;

    const target = { partition: image.partition, region: config.region, accountId };
    const artifact = new ModelArtifact(this, "model-artifact", {
      name: config.namePrefix,
      partition: target.partition,
      archive: props.model.archive,
    });
    const endpoint = new InferenceEndpoint(this, "inference-endpoint", {
      name: config.namePrefix,
      endpointName: names.endpointName,
      target,
      image,
      artifact,
      hubModel: props.model.hubModel,
      task: config.model.task,
      containerLogLevel: config.model.containerLogLevel,
      quantization: config.model.quantization,
      capacity: config.endpoint,
      logRetentionDays: config.logRetentionDays,
    });

    const handler = new InferenceFunction(this, "handler", {
      functionName: names.functionName,
      entry: props.handlerEntry,
      bundleDir: path.join(props.buildDir, "lambda"),
      target,
      memoryMb: config.lambda.memoryMb,
      timeoutSeconds: config.lambda.timeoutSeconds,
      reservedConcurrency: config.lambda.reservedConcurrency,
      logRetentionDays: config.logRetentionDays,
      environment: handlerEnvironment(config, endpoint.endpoint.name),
    });
    endpoint.grantInvoke(handler);

    const api = new InferenceApi(this, "api", {
      name: names.apiName,
      routes: [{ path: config.api.routePath, requestSchema: requestBodyJsonSchema(config.api.limits), handler }],
      stageName: config.api.stageName,
      authMode: config.api.authMode,
      throttle: config.api.throttle,
      quotaPerDay: config.api.quotaPerDay,
      executionLogging: config.api.executionLogging,
      logRetentionDays: config.logRetentionDays,
    });

    this.addOutputs(api, endpoint, config);
  }

  private addOutputs(api: InferenceApi, endpoint: InferenceEndpoint, config: AppConfig): void {
    const invokeUrl = api.routeUrl(config.api.routePath);
    new TerraformOutput(this, "invoke_url", { value: invokeUrl, description: `POST JSON here, e.g. {"text": "..."}` });
    new TerraformOutput(this, "endpoint_name", { value: endpoint.endpoint.name });
    const body = `'{"text": "Operating profit rose to EUR 13.1 mn from EUR 8.7 mn."}'`;
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
      const body = readyExample(taskContract(route.task), config.api.limits).body;
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
