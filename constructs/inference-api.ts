import { createHash } from "node:crypto";
import { Construct } from "constructs";
import { Fn } from "cdktf";
import { ApiGatewayRestApi } from "@cdktf/provider-aws/lib/api-gateway-rest-api";
import { ApiGatewayResource } from "@cdktf/provider-aws/lib/api-gateway-resource";
import { ApiGatewayModel } from "@cdktf/provider-aws/lib/api-gateway-model";
import { ApiGatewayRequestValidator } from "@cdktf/provider-aws/lib/api-gateway-request-validator";
import { ApiGatewayMethod } from "@cdktf/provider-aws/lib/api-gateway-method";
import { ApiGatewayAuthorizer } from "@cdktf/provider-aws/lib/api-gateway-authorizer";
import { ApiGatewayIntegration } from "@cdktf/provider-aws/lib/api-gateway-integration";
import { ApiGatewayGatewayResponse } from "@cdktf/provider-aws/lib/api-gateway-gateway-response";
import { ApiGatewayDeployment } from "@cdktf/provider-aws/lib/api-gateway-deployment";
import { ApiGatewayStage } from "@cdktf/provider-aws/lib/api-gateway-stage";
import { ApiGatewayMethodSettings } from "@cdktf/provider-aws/lib/api-gateway-method-settings";
import { ApiGatewayApiKey } from "@cdktf/provider-aws/lib/api-gateway-api-key";
import { ApiGatewayUsagePlan } from "@cdktf/provider-aws/lib/api-gateway-usage-plan";
import { ApiGatewayUsagePlanKey } from "@cdktf/provider-aws/lib/api-gateway-usage-plan-key";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { API_DEFAULTS } from "./api-defaults";
import { DEFAULT_LOG_RETENTION_DAYS } from "./log-retention";
import { NAME_LIMITS, boundedName } from "./names";

/** What the API needs of a Lambda function it proxies to. */
export interface RouteHandler {
  /** @default - none, required */
  readonly functionName: string;
  /** @default - none, required */
  readonly invokeArn: string;
}

/** One `POST` route of the API. */
export interface InferenceRoute {
  /** Path below the stage, e.g. `sentiment`; nested paths (`v1/score`) are allowed. @default - none, required */
  readonly path: string;
  /** JSON Schema (draft-04) the request body must satisfy before the function runs. @default - none, required */
  readonly requestSchema: Readonly<Record<string, unknown>>;
  /** @default - none, required */
  readonly handler: RouteHandler;
  /** Full OAuth scope (`<resource server>/<name>`) an access token must carry to call this route. @default - none; required with authMode `cognito` */
  readonly authorizationScope?: string;
  /**
   * Also serve `GET <path>/results/{id}` from the same handler (asynchronous routes), with the same
   * authorization and the id required by a parameter validator.
   * @default false
   */
  readonly results?: boolean;
}

export interface InferenceApiProps {
  /** Name of the REST API; also the base of its log group, key, plan and statement ids. @default - none, required */
  readonly name: string;
  /** At least one; each path once. @default - none, required */
  readonly routes: readonly InferenceRoute[];
  /** @default `v1` (API_DEFAULTS.stageName) */
  readonly stageName?: string;
  /**
   * `api-key`: usage-plan key in `x-api-key`; `iam`: SigV4-signed requests; `cognito`: an access
   * token of `userPoolArn` carrying the route's `authorizationScope` in `Authorization`.
   * @default `api-key` (API_DEFAULTS.authMode)
   */
  readonly authMode?: "api-key" | "iam" | "cognito";
  /** The user pool whose access tokens authorize requests. @default - none; required with authMode `cognito` */
  readonly userPoolArn?: string;
  /** Stage and usage-plan throttling. @default burst 20, rate 10 per second (API_DEFAULTS.throttle) */
  readonly throttle?: { readonly burstLimit: number; readonly rateLimit: number };
  /** Requests per day per API key; 0 for none. @default 10,000 (API_DEFAULTS.quotaPerDay) */
  readonly quotaPerDay?: number;
  /** Execution logs at INFO; they need the account's API Gateway CloudWatch role (bootstrap stack). @default true (API_DEFAULTS.executionLogging) */
  readonly executionLogging?: boolean;
  /** Retention of the access and execution log groups. @default 30 days (DEFAULT_LOG_RETENTION_DAYS) */
  readonly logRetentionDays?: number;
}

/** The props with every default filled in. */
type ApiSettings = InferenceApiProps & Required<Omit<InferenceApiProps, "name" | "routes" | "userPoolArn">>;

function withDefaults(props: InferenceApiProps): ApiSettings {
  return {
    ...props,
    stageName: props.stageName ?? API_DEFAULTS.stageName,
    authMode: props.authMode ?? API_DEFAULTS.authMode,
    throttle: props.throttle ?? API_DEFAULTS.throttle,
    quotaPerDay: props.quotaPerDay ?? API_DEFAULTS.quotaPerDay,
    executionLogging: props.executionLogging ?? API_DEFAULTS.executionLogging,
    logRetentionDays: props.logRetentionDays ?? DEFAULT_LOG_RETENTION_DAYS,
  };
}

const ACCESS_LOG_FORMAT = JSON.stringify({
  requestId: "$context.requestId",
  extendedRequestId: "$context.extendedRequestId",
  ip: "$context.identity.sourceIp",
  caller: "$context.identity.caller",
  apiKeyId: "$context.identity.apiKeyId",
  requestTime: "$context.requestTime",
  httpMethod: "$context.httpMethod",
  resourcePath: "$context.resourcePath",
  status: "$context.status",
  protocol: "$context.protocol",
  responseLength: "$context.responseLength",
  responseLatency: "$context.responseLatency",
  integrationLatency: "$context.integrationLatency",
  integrationStatus: "$context.integrationStatus",
  error: "$context.error.message",
});

/** Every gateway-made error carries the request id too, like the function's own errors. */
const ERROR_RESPONSES: ReadonlyArray<{ type: string; message: string }> = [
  // validationErrorString names the field that broke the schema.
  { type: "BAD_REQUEST_BODY", message: '"$context.error.validationErrorString"' },
  { type: "DEFAULT_4XX", message: "$context.error.messageString" },
  { type: "DEFAULT_5XX", message: "$context.error.messageString" },
];

/**
 * A regional REST API with `POST` routes, each proxied to its Lambda function: authenticated,
 * throttled, body-validated, with JSON access logs, X-Ray and metrics on its stage.
 * No stage cache (every request is new input), WAF (costs more than the API at this scale) or
 * client certificate (the Lambda proxy does not check one).
 */
export class InferenceApi extends Construct {
  readonly api: ApiGatewayRestApi;
  readonly stage: ApiGatewayStage;
  readonly apiKey?: ApiGatewayApiKey;
  private readonly resources = new Map<string, ApiGatewayResource>();

  constructor(scope: Construct, id: string, given: InferenceApiProps) {
    super(scope, id);
    const props = withDefaults(given);
    const paths = props.routes.map((r) => r.path);
    if (paths.length === 0) throw new Error(`${this.node.path}: give at least one route`);
    const repeated = paths.find((p, i) => paths.indexOf(p) !== i);
    if (repeated !== undefined) throw new Error(`${this.node.path}: route path '${repeated}' is given twice`);
    checkCognitoProps(this.node.path, props);

    this.api = new ApiGatewayRestApi(this, "api", {
      name: props.name,
      description: props.routes.map((r) => `POST /${r.path}${r.results ? `, GET /${r.path}/results/{id}` : ""}`).join(", "),
      endpointConfiguration: { types: ["REGIONAL"] },
    });
    const restApiId = this.api.id;
    const validator = new ApiGatewayRequestValidator(this, "validator", {
      restApiId,
      name: "body",
      validateRequestBody: true,
      validateRequestParameters: false,
    });
    const responses = ERROR_RESPONSES.map(
      (r) =>
        new ApiGatewayGatewayResponse(this, `response-${r.type.toLowerCase()}`, {
          restApiId,
          responseType: r.type,
          responseTemplates: { "application/json": responseTemplate(r.message) },
        }),
    );
    const authorizer =
      props.authMode === "cognito"
        ? new ApiGatewayAuthorizer(this, "authorizer", {
            restApiId,
            name: "cognito",
            type: "COGNITO_USER_POOLS",
            providerArns: [props.userPoolArn as string],
            identitySource: "method.request.header.Authorization",
          })
        : undefined;
    // GET has no body to validate, but the rules want body validation on every method: both.
    const parametersValidator = props.routes.some((r) => r.results)
      ? new ApiGatewayRequestValidator(this, "parameters-validator", {
          restApiId,
          name: "body-and-parameters",
          validateRequestBody: true,
          validateRequestParameters: true,
        })
      : undefined;
    const routes = props.routes.map((route, i) => this.addRoute(route, i, props, validator, authorizer, parametersValidator));

    const deployment = new ApiGatewayDeployment(this, "deployment", {
      restApiId,
      // A new deployment whenever anything the stage serves changes. The settings are hashed as
      // known at synth: attributes the provider normalises (a model's schema) would make the plan
      // inconsistent. The ids and URIs stand for resources that are replaced.
      triggers: {
        redeployment: Fn.sha1(
          Fn.jsonencode([
            servedHash(
              props,
              routes.map((r) => r.modelName),
            ),
            validator.id,
            ...(authorizer ? [authorizer.id] : []),
            ...(parametersValidator ? [parametersValidator.id] : []),
            ...routes.flatMap((r) => [r.method.id, r.integration.id, r.integration.uri]),
            ...routes.flatMap((r) => (r.results ? [r.results.method.id, r.results.integration.id] : [])),
            ...[...this.resources.values()].map((r) => r.id),
            ...responses.map((r) => r.id),
          ]),
        ),
      },
      lifecycle: { createBeforeDestroy: true },
      dependsOn: [
        ...routes.flatMap((r) => [r.method, r.integration, ...(r.results ? [r.results.method, r.results.integration] : [])]),
        ...responses,
      ],
    });

    const accessLogs = new CloudwatchLogGroup(this, "access-logs", {
      name: `/aws/apigateway/${props.name}/access`,
      retentionInDays: props.logRetentionDays,
    });
    // API Gateway would create the execution log group itself, without retention.
    const executionLogs = props.executionLogging
      ? [
          new CloudwatchLogGroup(this, "execution-logs", {
            name: `API-Gateway-Execution-Logs_${restApiId}/${props.stageName}`,
            retentionInDays: props.logRetentionDays,
          }),
        ]
      : [];
    this.stage = new ApiGatewayStage(this, "stage", {
      restApiId,
      deploymentId: deployment.id,
      stageName: props.stageName,
      xrayTracingEnabled: true,
      accessLogSettings: { destinationArn: accessLogs.arn, format: ACCESS_LOG_FORMAT },
      dependsOn: executionLogs,
    });
    new ApiGatewayMethodSettings(this, "method-settings", {
      restApiId,
      stageName: this.stage.stageName,
      methodPath: "*/*",
      settings: {
        metricsEnabled: true,
        loggingLevel: props.executionLogging ? "INFO" : "OFF",
        dataTraceEnabled: false,
        throttlingBurstLimit: props.throttle.burstLimit,
        throttlingRateLimit: props.throttle.rateLimit,
      },
    });

    if (props.authMode === "api-key") this.apiKey = this.addUsagePlan(props);
  }

  /** `https://…/<stage>/<path>` of one of the routes. */
  routeUrl(path: string): string {
    return `${this.stage.invokeUrl}/${path}`;
  }

  private addRoute(
    route: InferenceRoute,
    i: number,
    props: ApiSettings,
    validator: ApiGatewayRequestValidator,
    authorizer: ApiGatewayAuthorizer | undefined,
    parametersValidator: ApiGatewayRequestValidator | undefined,
  ) {
    const restApiId = this.api.id;
    // The first route keeps the ids and names of the one-route API this construct grew from.
    const suffix = i === 0 ? "" : `-${i}`;
    const resource = this.resourceFor(route.path);
    const modelName = `InferenceRequest${i === 0 ? "" : i}`;
    const model = new ApiGatewayModel(this, `request-model${suffix}`, {
      restApiId,
      name: modelName,
      contentType: "application/json",
      schema: JSON.stringify(route.requestSchema),
    });
    const method = new ApiGatewayMethod(this, `method${suffix}`, {
      restApiId,
      resourceId: resource.id,
      httpMethod: "POST",
      authorization: METHOD_AUTHORIZATION[props.authMode],
      authorizerId: authorizer?.id,
      // With scopes, API Gateway takes access tokens (not ID tokens) and checks their scope claim.
      authorizationScopes: authorizer && route.authorizationScope ? [route.authorizationScope] : undefined,
      apiKeyRequired: props.authMode === "api-key",
      requestValidatorId: validator.id,
      requestModels: { "application/json": model.name },
    });
    const integration = this.proxyToHandler(
      method,
      route.handler,
      {
        integrationId: `integration${suffix}`,
        permissionId: `invoke-permission${suffix}`,
        statementId: boundedName(
          `AllowApiGatewayInvoke-${props.name.replace(/[^a-zA-Z0-9_-]/g, "-")}`,
          suffix,
          NAME_LIMITS.lambdaStatementId,
        ),
        sourceArn: `${this.api.executionArn}/${props.stageName}/POST/${route.path}`,
      },
      resource,
    );
    const results = route.results ? this.addResultsRoute(route, suffix, props, authorizer, parametersValidator) : undefined;
    return { method, integration, modelName, results };
  }

  /** `GET <path>/results/{id}` of an asynchronous route, proxied to the route's handler. */
  private addResultsRoute(
    route: InferenceRoute,
    suffix: string,
    props: ApiSettings,
    authorizer: ApiGatewayAuthorizer | undefined,
    validator: ApiGatewayRequestValidator | undefined,
  ) {
    const restApiId = this.api.id;
    const resource = this.resourceFor(`${route.path}/results/{id}`);
    const method = new ApiGatewayMethod(this, `results-method${suffix}`, {
      restApiId,
      resourceId: resource.id,
      httpMethod: "GET",
      authorization: METHOD_AUTHORIZATION[props.authMode],
      authorizerId: authorizer?.id,
      authorizationScopes: authorizer && route.authorizationScope ? [route.authorizationScope] : undefined,
      apiKeyRequired: props.authMode === "api-key",
      requestValidatorId: validator?.id,
      requestParameters: { "method.request.path.id": true },
    });
    const integration = this.proxyToHandler(
      method,
      route.handler,
      {
        integrationId: `results-integration${suffix}`,
        permissionId: `results-permission${suffix}`,
        statementId: boundedName(
          `AllowApiGatewayResults-${props.name.replace(/[^a-zA-Z0-9_-]/g, "-")}`,
          suffix,
          NAME_LIMITS.lambdaStatementId,
        ),
        sourceArn: `${this.api.executionArn}/${props.stageName}/GET/${route.path}/results/*`,
      },
      resource,
    );
    return { method, integration };
  }

  /** A Lambda proxy integration of a method, and the permission for API Gateway to invoke the function from `sourceArn`. */
  private proxyToHandler(
    method: ApiGatewayMethod,
    handler: InferenceRoute["handler"],
    ids: { integrationId: string; permissionId: string; statementId: string; sourceArn: string },
    resource: ApiGatewayResource,
  ): ApiGatewayIntegration {
    const integration = new ApiGatewayIntegration(this, ids.integrationId, {
      restApiId: this.api.id,
      resourceId: resource.id,
      httpMethod: method.httpMethod,
      type: "AWS_PROXY",
      integrationHttpMethod: "POST",
      uri: handler.invokeArn,
    });
    new LambdaPermission(this, ids.permissionId, {
      statementId: ids.statementId,
      action: "lambda:InvokeFunction",
      functionName: handler.functionName,
      principal: "apigateway.amazonaws.com",
      sourceArn: ids.sourceArn,
    });
    return integration;
  }

  /** The resource chain of a path, sharing the parents earlier routes created. */
  private resourceFor(path: string): ApiGatewayResource {
    let parent: ApiGatewayResource | undefined;
    const parts = path.split("/");
    for (let depth = 1; depth <= parts.length; depth++) {
      const prefix = parts.slice(0, depth).join("/");
      let resource = this.resources.get(prefix);
      if (!resource) {
        resource = new ApiGatewayResource(this, `route-${this.resources.size}`, {
          restApiId: this.api.id,
          parentId: parent ? parent.id : this.api.rootResourceId,
          pathPart: parts[depth - 1],
        });
        this.resources.set(prefix, resource);
      }
      parent = resource;
    }
    return parent as ApiGatewayResource;
  }

  private addUsagePlan(props: ApiSettings): ApiGatewayApiKey {
    const key = new ApiGatewayApiKey(this, "api-key", { name: `${props.name}-key`, enabled: true });
    const plan = new ApiGatewayUsagePlan(this, "usage-plan", {
      name: `${props.name}-plan`,
      apiStages: [{ apiId: this.api.id, stage: this.stage.stageName }],
      throttleSettings: { burstLimit: props.throttle.burstLimit, rateLimit: props.throttle.rateLimit },
      quotaSettings: props.quotaPerDay > 0 ? { limit: props.quotaPerDay, period: "DAY" } : undefined,
    });
    new ApiGatewayUsagePlanKey(this, "usage-plan-key", { keyId: key.id, keyType: "API_KEY", usagePlanId: plan.id });
    return key;
  }
}

/** The method's `authorization` per auth mode; `api-key` methods require the key instead. */
const METHOD_AUTHORIZATION = { "api-key": "NONE", iam: "AWS_IAM", cognito: "COGNITO_USER_POOLS" } as const;

function checkCognitoProps(path: string, props: ApiSettings): void {
  if (props.authMode !== "cognito") {
    if (props.userPoolArn !== undefined || props.routes.some((r) => r.authorizationScope !== undefined)) {
      throw new Error(`${path}: userPoolArn and authorizationScope belong to authMode 'cognito'; got authMode '${props.authMode}'`);
    }
    return;
  }
  if (props.userPoolArn === undefined) throw new Error(`${path}: authMode 'cognito' needs userPoolArn`);
  const unscoped = props.routes.find((r) => r.authorizationScope === undefined);
  if (unscoped !== undefined) throw new Error(`${path}: authMode 'cognito' needs an authorizationScope on route '${unscoped.path}'`);
}

function responseTemplate(message: string): string {
  return `{"message": ${message}, "requestId": "$context.requestId"}`;
}

/** Hash of everything the stage serves that is set at synth, in the API's own words. */
function servedHash(props: ApiSettings, modelNames: readonly string[]): string {
  const served = {
    authMode: props.authMode,
    routes: props.routes.map((r, i) => ({
      scope: r.authorizationScope,
      path: r.path,
      model: modelNames[i],
      schema: JSON.stringify(r.requestSchema),
      integration: "AWS_PROXY POST",
      ...(r.results && { results: "GET results/{id} AWS_PROXY POST, path id required" }),
    })),
    validator: { body: true, parameters: false },
    responses: ERROR_RESPONSES.map((r) => [r.type, responseTemplate(r.message)]),
  };
  return createHash("sha256").update(JSON.stringify(served)).digest("hex");
}
