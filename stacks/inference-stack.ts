import * as path from "node:path";
import { Construct } from "constructs";
import { TerraformOutput, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { ArchiveProvider } from "@cdktf/provider-archive/lib/provider";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import type { AppConfig } from "../config";
import type { PreparedModel } from "../lib/prepare-model";
import { requestBodyJsonSchema } from "../lambda/contract";
import { ModelArtifact } from "../constructs/model-artifact";
import { InferenceEndpoint } from "../constructs/inference-endpoint";
import { InferenceFunction } from "../constructs/inference-function";
import { InferenceApi } from "../constructs/inference-api";
import { configureBackend } from "./backend";
import { handlerEnvironment, inferenceNames } from "./inference-wiring";

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

    const artifact = new ModelArtifact(this, "model-artifact", { namePrefix: config.namePrefix, partition: image.partition, archive: props.model.archive });
    const endpoint = new InferenceEndpoint(this, "inference-endpoint", {
      namePrefix: config.namePrefix,
      endpointName: names.endpointName,
      region: config.region,
      accountId,
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
      region: config.region,
      accountId,
      endpointArn: endpoint.endpoint.arn,
      memoryMb: config.lambda.memoryMb,
      timeoutSeconds: config.lambda.timeoutSeconds,
      reservedConcurrency: config.lambda.reservedConcurrency,
      logRetentionDays: config.logRetentionDays,
      environment: handlerEnvironment(config, endpoint.endpoint.name),
    });

    const api = new InferenceApi(this, "api", {
      name: names.apiName,
      routePath: config.api.routePath,
      stageName: config.api.stageName,
      authMode: config.api.authMode,
      throttle: config.api.throttle,
      quotaPerDay: config.api.quotaPerDay,
      executionLogging: config.api.executionLogging,
      requestSchema: requestBodyJsonSchema(config.api.limits),
      handler: handler.function,
      logRetentionDays: config.logRetentionDays,
    });

    this.addOutputs(api, endpoint, config);
  }

  private addOutputs(api: InferenceApi, endpoint: InferenceEndpoint, config: AppConfig): void {
    new TerraformOutput(this, "invoke_url", { value: api.invokeUrl, description: `POST JSON here, e.g. {"text": "..."}` });
    new TerraformOutput(this, "endpoint_name", { value: endpoint.endpoint.name });
    const body = `'{"text": "Operating profit rose to EUR 13.1 mn from EUR 8.7 mn."}'`;
    if (api.apiKey) {
      const readKey = `aws apigateway get-api-key --region ${config.region} --api-key ${api.apiKey.id} --include-value --query value --output text`;
      new TerraformOutput(this, "api_key_id", { value: api.apiKey.id });
      new TerraformOutput(this, "api_key_command", { value: readKey, description: "Prints the API key value" });
      new TerraformOutput(this, "curl", {
        value: `curl -sS -X POST "${api.invokeUrl}" -H "content-type: application/json" -H "x-api-key: $(${readKey})" -d ${body}`,
      });
    } else {
      new TerraformOutput(this, "curl", {
        value: `curl -sS -X POST "${api.invokeUrl}" --aws-sigv4 "aws:amz:${config.region}:execute-api" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" -H "x-amz-security-token: $AWS_SESSION_TOKEN" -H "content-type: application/json" -d ${body}`,
      });
    }
  }
}
