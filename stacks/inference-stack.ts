import * as path from "node:path";
import type { Construct } from "constructs";
import { TerraformOutput, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { ArchiveProvider } from "@cdktf/provider-archive/lib/provider";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import type { AppConfig, BedrockServiceConfig, SageMakerServiceConfig, ServiceConfig } from "../config";
import type { PreparedModel } from "../lib/prepare-model";
import { handlerContract } from "../contract/tasks";
import type { SecureBucket } from "../constructs/secure-bucket";
import { ModelArtifact } from "../constructs/model-artifact";
import { type DataCapture, InferenceEndpoint } from "../constructs/inference-endpoint";
import { InferenceFunction } from "../constructs/inference-function";
import { LambdaPackage } from "../constructs/lambda-package";
import { InferenceApi } from "../constructs/inference-api";
import { CognitoClientCredentials } from "../constructs/cognito-client-credentials";
import { EndpointAutoscaling } from "../constructs/endpoint-autoscaling";
import { ServiceMonitoring } from "../constructs/service-monitoring";
import { AsyncAutoscaling } from "../constructs/async-autoscaling";
import { type AsyncInference, grantAsyncCaller } from "../constructs/async-inference";
import { toAsyncEnvironment } from "../lambda/async-environment";
import { asyncPrefix } from "./async-wiring";
import { BedrockModelAccess } from "../constructs/bedrock-access";
import { partitionOf } from "../lib/dlc-image";
import type { AwsTarget } from "../constructs/names";
import { configureBackend } from "./backend";
import { containerTask, handlerEnvironment, inferenceNames, serviceBaseName } from "./inference-wiring";
import { type ApiRoute, apiRoutes, resourceServerIdentifier, routeScopeName } from "../lib/api-routes";
import { readyExample, taskContract } from "../contract/task-contracts";

export interface InferenceStackProps {
  readonly config: AppConfig;
  /** One per service, in the order of `config.services`; undefined for a Bedrock service. */
  readonly models: readonly (PreparedModel | undefined)[];
  /** Handler entry bundled by esbuild. */
  readonly handlerEntry: string;
  /** Scratch directory for the bundle. */
  readonly buildDir: string;
}

/** What one service adds to the stack: a SageMaker service its artifact and endpoint, a Bedrock service neither. */
type ServiceResources =
  | {
      readonly service: SageMakerServiceConfig;
      readonly target: AwsTarget;
      readonly artifact: ModelArtifact;
      readonly endpoint: InferenceEndpoint;
      readonly handler: InferenceFunction;
    }
  | {
      readonly service: BedrockServiceConfig;
      readonly target: AwsTarget;
      readonly artifact?: undefined;
      readonly endpoint?: undefined;
      readonly handler: InferenceFunction;
    };

/**
 * Per service a model artifact, SageMaker endpoint and Lambda allowed to invoke only that
 * endpoint; one authenticated API with a route per service and one bucket for every archive.
 */
export class InferenceStack extends TerraformStack {
  private readonly packages = new Map<"sync" | "async", LambdaPackage>();

  constructor(scope: Construct, id: string, props: InferenceStackProps) {
    super(scope, id);
    const { config } = props;
    configureBackend(this, id, config);
    new AwsProvider(this, "aws", { region: config.region, defaultTags: [{ tags: { ...config.tags } }] });
    new ArchiveProvider(this, "archive");

    const accountId = new DataAwsCallerIdentity(this, "caller").accountId;
    const services: ServiceResources[] = [];
    config.services.forEach((service, i) => {
      if (service.backend === "bedrock") {
        services.push(this.addBedrockService(props, service, accountId));
        return;
      }
      const model = props.models[i];
      if (model === undefined) throw new Error(`service ${service.routePath}: no prepared model`);
      const shared = services.find((s) => s.artifact?.bucket !== undefined)?.artifact?.bucket;
      services.push(this.addService(props, service, model, accountId, shared));
    });

    const apiName = inferenceNames(config.namePrefix).apiName;
    const tokens =
      config.api.authMode === "cognito"
        ? new CognitoClientCredentials(this, "token-auth", {
            name: apiName,
            region: config.region,
            accountId,
            resourceServerIdentifier: resourceServerIdentifier(config),
            scopes: config.services.map((s) => ({ name: routeScopeName(s.routePath), description: `POST /${s.routePath} (${s.task})` })),
            accessTokenMinutes: config.api.accessTokenMinutes,
          })
        : undefined;
    const api = new InferenceApi(this, "api", {
      name: apiName,
      routes: services.map(({ service, handler }) => ({
        path: service.routePath,
        requestSchema: handlerContract(service.task).requestJsonSchema(service.limits),
        handler,
        authorizationScope: tokens?.scopeIdentifiers[routeScopeName(service.routePath)],
        results: service.backend !== "bedrock" && service.async !== undefined,
      })),
      stageName: config.api.stageName,
      authMode: config.api.authMode,
      userPoolArn: tokens?.userPool.arn,
      throttle: config.api.throttle,
      quotaPerDay: config.api.quotaPerDay,
      executionLogging: config.api.executionLogging,
      logRetentionDays: config.logRetentionDays,
    });

    if (config.monitoring) this.addMonitoring(config, services, services[0].target);
    this.addOutputs(api, services, config, tokens);
  }

  /** Alarms on every SageMaker service's endpoint and the API stage, their topic and one dashboard, with outputs. */
  private addMonitoring(config: AppConfig, services: readonly ServiceResources[], target: AwsTarget): void {
    const monitoring = new ServiceMonitoring(this, "monitoring", {
      name: config.namePrefix,
      target,
      // A Bedrock service has no endpoint to watch; its errors show in the API stage's alarms.
      endpoints: services.flatMap((s) =>
        s.endpoint === undefined
          ? []
          : [
              {
                label: s.service.name ?? s.service.routePath,
                endpointName: s.endpoint.endpointName,
                instanceType: s.service.endpoint.mode === "real-time" ? s.service.endpoint.instanceType : undefined,
              },
            ],
      ),
      api: { apiName: inferenceNames(config.namePrefix).apiName, stageName: config.api.stageName },
      email: config.monitoring?.email,
    });
    new TerraformOutput(this, "alarm_topic_arn", { value: monitoring.topic.arn, description: "SNS topic of the alarms" });
    new TerraformOutput(this, "dashboard_url", {
      value: `https://${config.region}.console.aws.amazon.com/cloudwatch/home?region=${config.region}#dashboards:name=${monitoring.dashboard.dashboardName}`,
      description: "CloudWatch dashboard of the endpoints and the API",
    });
  }

  /** A Bedrock service: its Lambda, allowed to invoke its one foundation model. */
  private addBedrockService(props: InferenceStackProps, service: BedrockServiceConfig, accountId: string): ServiceResources {
    const { config } = props;
    const target = { partition: partitionOf(config.region).partition, region: config.region, accountId };
    const handler = this.addHandler(props, service, target);
    new BedrockModelAccess(this, `bedrock-access${service.name === undefined ? "" : `-${service.name}`}`, {
      grantee: handler,
      target,
      modelId: service.bedrock.modelId,
    });
    return { service, target, handler };
  }

  /**
   * The stack's one package of each Lambda entry, made when a function first needs it: the
   * synchronous handler (lambda/index.ts) or the async routes' (lambda/async.ts, beside it).
   */
  private lambdaPackage(props: InferenceStackProps, kind: "sync" | "async"): LambdaPackage {
    let code = this.packages.get(kind);
    if (!code) {
      code =
        kind === "sync"
          ? new LambdaPackage(this, "lambda-package", { entry: props.handlerEntry, bundleDir: path.join(props.buildDir, "lambda") })
          : new LambdaPackage(this, "lambda-package-async", {
              entry: path.join(path.dirname(props.handlerEntry), "async.ts"),
              bundleDir: path.join(props.buildDir, "lambda-async"),
            });
      this.packages.set(kind, code);
    }
    return code;
  }

  private addHandler(
    props: InferenceStackProps,
    service: ServiceConfig,
    target: AwsTarget,
    endpointName?: string,
    asyncInference?: AsyncInference,
  ): InferenceFunction {
    const { config } = props;
    const suffix = service.name === undefined ? "" : `-${service.name}`;
    return new InferenceFunction(this, `handler${suffix}`, {
      functionName: inferenceNames(config.namePrefix, service).functionName,
      code: this.lambdaPackage(props, asyncInference ? "async" : "sync"),
      target,
      memoryMb: service.lambda.memoryMb,
      timeoutSeconds: service.lambda.timeoutSeconds,
      reservedConcurrency: service.lambda.reservedConcurrency,
      logRetentionDays: config.logRetentionDays,
      environment: {
        ...handlerEnvironment(config, service, endpointName),
        ...(asyncInference && toAsyncEnvironment({ bucket: asyncInference.bucket.name, prefix: asyncInference.prefix })),
      },
    });
  }

  private addService(
    props: InferenceStackProps,
    service: SageMakerServiceConfig,
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
    const asyncInference = asyncInferenceOf(config.namePrefix, service, artifact);
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
      dataCapture: dataCaptureOf(service, artifact),
      asyncInference,
    });
    if (service.async) {
      new AsyncAutoscaling(this, `async-scaling${suffix}`, {
        ...service.async,
        endpointName: endpoint.endpointName,
        endpoint: endpoint.endpoint,
      });
    }
    if (service.autoscaling && service.endpoint.mode === "real-time") {
      new EndpointAutoscaling(this, `autoscaling${suffix}`, {
        ...service.autoscaling,
        endpointName: endpoint.endpointName,
        endpoint: endpoint.endpoint,
        instanceType: service.endpoint.instanceType,
        quantization: service.model.quantization,
      });
    }

    const handler = this.addHandler(props, service, target, endpoint.endpoint.name, asyncInference);
    endpoint.grantInvoke(handler);
    if (asyncInference) grantAsyncCaller(endpoint, "async-caller-grant", asyncInference, handler);
    return { service, target, artifact, endpoint, handler };
  }

  private addOutputs(
    api: InferenceApi,
    services: readonly ServiceResources[],
    config: AppConfig,
    tokens: CognitoClientCredentials | undefined,
  ): void {
    const [first] = services;
    const invokeUrl = api.routeUrl(first.service.routePath);
    new TerraformOutput(this, "invoke_url", { value: invokeUrl, description: `POST JSON here, e.g. {"text": "..."}` });
    if (first.endpoint) new TerraformOutput(this, "endpoint_name", { value: first.endpoint.endpoint.name });
    else
      new TerraformOutput(this, "bedrock_model_id", {
        value: first.service.bedrock.modelId,
        description: "The Bedrock model of the first route",
      });
    const example = JSON.parse(readyExample(taskContract(first.service.task), first.service.limits).body) as Record<string, unknown>;
    const body = `'{${Object.entries(example)
      .map(([key, value]) => `"${key}": ${JSON.stringify(value)}`)
      .join(", ")}}'`;
    const auth = routeAuth(config, api, tokens);
    if (auth.mode === "cognito") {
      this.addTokenOutputs(auth);
      const readyBody = readyExample(taskContract(first.service.task), first.service.limits).body;
      new TerraformOutput(this, "curl", { value: curlCommand(invokeUrl, readyBody, apiRoutes(config)[0], auth) });
    } else if (api.apiKey) {
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
    this.addRouteOutputs(api, config, auth);
  }

  /** Where and with what a client gets an access token (auth mode `cognito`). */
  private addTokenOutputs(auth: CognitoAuth): void {
    new TerraformOutput(this, "token_url", { value: auth.tokenUrl, description: "OAuth 2.0 token endpoint (client-credentials grant)" });
    new TerraformOutput(this, "client_id", { value: auth.clientId, description: "App client id (not secret)" });
    new TerraformOutput(this, "client_secret_command", { value: auth.readSecret, description: "Prints the app client's secret" });
    new TerraformOutput(this, "client_secret", { value: auth.clientSecret, sensitive: true, description: "The app client's secret" });
  }

  /**
   * `stage_url`, per route `route_<path>` (URL, task, auth mode, a ready body and curl line) and,
   * in api-key mode, the key itself as a sensitive `api_key` (written to an outputs file only with
   * `--outputs-file-include-sensitive-outputs`; in cognito mode each route's `scope` and the
   * token outputs instead): what `npm run smoke` and `npm run openapi` read.
   */
  private addRouteOutputs(api: InferenceApi, config: AppConfig, auth: RouteAuth): void {
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
          ...(auth.mode === "cognito" && { scope: route.scope }),
          body,
          curl: curlCommand(url, body, route, auth),
          // An async route answers 202 with an id; the answer is polled here.
          ...(route.async && { results: `${url}/results/{id}` }),
        },
        description: `${route.method} ${route.path}: URL and a ready request`,
      });
    }
  }
}

/** Captures go below `data-capture/` of the artifact bucket (config refuses s3:// sources, which have none). */
function dataCaptureOf(service: SageMakerServiceConfig, artifact: ModelArtifact): DataCapture | undefined {
  if (service.dataCapturePercent === undefined) return undefined;
  if (!artifact.bucket) throw new Error(`service ${service.routePath}: data capture needs the artifact bucket`);
  const { bucket } = artifact.bucket;
  return { samplingPercent: service.dataCapturePercent, bucket: { name: bucket.bucket, arn: bucket.arn }, prefix: "data-capture" };
}

/** Async requests and results live below `async/<service>/` of the artifact bucket (config refuses s3:// sources, which have none). */
function asyncInferenceOf(namePrefix: string, service: SageMakerServiceConfig, artifact: ModelArtifact): AsyncInference | undefined {
  if (service.async === undefined) return undefined;
  if (!artifact.bucket) throw new Error(`service ${service.routePath}: an async endpoint needs the artifact bucket`);
  const { bucket } = artifact.bucket;
  return {
    bucket: { name: bucket.bucket, arn: bucket.arn },
    prefix: asyncPrefix(namePrefix, service),
    maxConcurrentInvocationsPerInstance: service.async.maxConcurrentInvocationsPerInstance,
    notifications: service.async.notifications,
  };
}

const shellQuote = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;

interface CognitoAuth {
  readonly mode: "cognito";
  readonly tokenUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** AWS CLI command printing the client secret. */
  readonly readSecret: string;
}

/** How the route outputs' curl lines authenticate. */
type RouteAuth =
  | { readonly mode: "api-key"; readonly region: string; readonly apiKeyId: string }
  | { readonly mode: "iam"; readonly region: string }
  | CognitoAuth;

function routeAuth(config: AppConfig, api: InferenceApi, tokens: CognitoClientCredentials | undefined): RouteAuth {
  if (tokens) {
    const { userPool, client } = tokens;
    const readSecret = `aws cognito-idp describe-user-pool-client --region ${config.region} --user-pool-id ${userPool.id} --client-id ${client.id} --query UserPoolClient.ClientSecret --output text`;
    return { mode: "cognito", tokenUrl: tokens.tokenUrl, clientId: client.id, clientSecret: client.clientSecret, readSecret };
  }
  return api.apiKey ? { mode: "api-key", region: config.region, apiKeyId: api.apiKey.id } : { mode: "iam", region: config.region };
}

/**
 * A ready curl line: the key read with the AWS CLI (api-key mode), curl's own SigV4 (iam mode),
 * or two steps (cognito mode): an access token for the route's scope from the token endpoint
 * (client id and the secret read with the AWS CLI), then the call with it.
 */
function curlCommand(url: string, body: string, route: Pick<ApiRoute, "scope">, auth: RouteAuth): string {
  const call = (header: string) => `curl -sS -X POST "${url}" -H "content-type: application/json" ${header} -d ${shellQuote(body)}`;
  switch (auth.mode) {
    case "api-key":
      return call(
        `-H "x-api-key: $(aws apigateway get-api-key --region ${auth.region} --api-key ${auth.apiKeyId} --include-value --query value --output text)"`,
      );
    case "iam":
      return call(
        `--aws-sigv4 "aws:amz:${auth.region}:execute-api" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" -H "x-amz-security-token: $AWS_SESSION_TOKEN"`,
      );
    case "cognito": {
      const getToken = `curl -sS -X POST "${auth.tokenUrl}" -u "${auth.clientId}:$(${auth.readSecret})" -d grant_type=client_credentials --data-urlencode scope=${route.scope} | sed -E 's/.*"access_token":"([^"]+)".*/\\1/'`;
      return `TOKEN=$(${getToken}) && ${call(`-H "Authorization: Bearer $TOKEN"`)}`;
    }
  }
}
