import * as path from "node:path";
import { Construct } from "constructs";
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
      routes: services.map(({ service, handler }) => ({ path: service.routePath, requestSchema: contractOf(service.task).requestJsonSchema(service.limits), handler })),
      stageName: config.api.stageName,
      authMode: config.api.authMode,
      throttle: config.api.throttle,
      quotaPerDay: config.api.quotaPerDay,
      executionLogging: config.api.executionLogging,
      logRetentionDays: config.logRetentionDays,
    });

    this.addOutputs(api, services, config);
  }

  private addService(props: InferenceStackProps, service: ServiceConfig, model: PreparedModel, accountId: string, sharedBucket: SecureBucket | undefined): ServiceResources {
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
    endpoint.grantInvoke(handler.role);
    return { service, artifact, endpoint, handler };
  }

  private addOutputs(api: InferenceApi, services: readonly ServiceResources[], config: AppConfig): void {
    const [first] = services;
    const invokeUrl = api.routeUrl(first.service.routePath);
    new TerraformOutput(this, "invoke_url", { value: invokeUrl, description: `POST JSON here, e.g. {"text": "..."}` });
    new TerraformOutput(this, "endpoint_name", { value: first.endpoint.endpoint.name });
    // Every further route: its URL and endpoint, named by the service.
    for (const { service, endpoint } of services.slice(1)) {
      const key = (service.name ?? service.routePath).replace(/-/g, "_");
      new TerraformOutput(this, `invoke_url_${key}`, { value: api.routeUrl(service.routePath), description: `POST /${service.routePath} (${service.task})` });
      new TerraformOutput(this, `endpoint_name_${key}`, { value: endpoint.endpoint.name });
    }
    const example = Object.entries(contractOf(first.service.task).example).map(([key, value]) => `"${key}": ${JSON.stringify(value)}`);
    const body = `'{${example.join(", ")}}'`;
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
  }
}
