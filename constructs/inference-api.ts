import { Construct } from "constructs";
import { Fn } from "cdktf";
import { ApiGatewayRestApi } from "@cdktf/provider-aws/lib/api-gateway-rest-api";
import { ApiGatewayResource } from "@cdktf/provider-aws/lib/api-gateway-resource";
import { ApiGatewayModel } from "@cdktf/provider-aws/lib/api-gateway-model";
import { ApiGatewayRequestValidator } from "@cdktf/provider-aws/lib/api-gateway-request-validator";
import { ApiGatewayMethod } from "@cdktf/provider-aws/lib/api-gateway-method";
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
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";

export interface InferenceApiProps {
  readonly name: string;
  /** Route below the stage, e.g. `sentiment`; nested paths (`v1/score`) are allowed. */
  readonly routePath: string;
  readonly stageName: string;
  /** `api-key`: usage-plan key in `x-api-key`; `iam`: SigV4-signed requests. */
  readonly authMode: "api-key" | "iam";
  readonly throttle: { readonly burstLimit: number; readonly rateLimit: number };
  /** Requests per day per API key; 0 for none. */
  readonly quotaPerDay: number;
  /** Execution logs need the account's API Gateway CloudWatch role (bootstrap stack). */
  readonly executionLogging: boolean;
  /** JSON Schema (draft-04) the request body must satisfy before the function runs. */
  readonly requestSchema: Readonly<Record<string, unknown>>;
  readonly handler: LambdaFunction;
  readonly logRetentionDays: number;
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
 * A regional REST API with one `POST` route proxied to a Lambda function: authenticated,
 * throttled, body-validated, with JSON access logs, X-Ray and metrics on its stage.
 * No stage cache (every request is new input), WAF (costs more than the API at this scale) or
 * client certificate (the Lambda proxy does not check one).
 */
export class InferenceApi extends Construct {
  readonly api: ApiGatewayRestApi;
  readonly stage: ApiGatewayStage;
  readonly apiKey?: ApiGatewayApiKey;
  /** `https://…/<stage>/<routePath>` */
  readonly invokeUrl: string;

  constructor(scope: Construct, id: string, props: InferenceApiProps) {
    super(scope, id);
    this.api = new ApiGatewayRestApi(this, "api", {
      name: props.name,
      description: `POST /${props.routePath}`,
      endpointConfiguration: { types: ["REGIONAL"] },
    });
    const restApiId = this.api.id;

    const route = props.routePath.split("/").reduce<ApiGatewayResource | undefined>(
      (parent, pathPart, i) =>
        new ApiGatewayResource(this, `route-${i}`, { restApiId, parentId: parent ? parent.id : this.api.rootResourceId, pathPart }),
      undefined,
    ) as ApiGatewayResource;

    const model = new ApiGatewayModel(this, "request-model", {
      restApiId,
      name: "InferenceRequest",
      contentType: "application/json",
      schema: JSON.stringify(props.requestSchema),
    });
    const validator = new ApiGatewayRequestValidator(this, "validator", { restApiId, name: "body", validateRequestBody: true, validateRequestParameters: false });
    const method = new ApiGatewayMethod(this, "method", {
      restApiId,
      resourceId: route.id,
      httpMethod: "POST",
      authorization: props.authMode === "iam" ? "AWS_IAM" : "NONE",
      apiKeyRequired: props.authMode === "api-key",
      requestValidatorId: validator.id,
      requestModels: { "application/json": model.name },
    });
    const integration = new ApiGatewayIntegration(this, "integration", {
      restApiId,
      resourceId: route.id,
      httpMethod: method.httpMethod,
      type: "AWS_PROXY",
      integrationHttpMethod: "POST",
      uri: props.handler.invokeArn,
    });
    const responses = ERROR_RESPONSES.map(
      (r) =>
        new ApiGatewayGatewayResponse(this, `response-${r.type.toLowerCase()}`, {
          restApiId,
          responseType: r.type,
          responseTemplates: { "application/json": `{"message": ${r.message}, "requestId": "$context.requestId"}` },
        }),
    );

    new LambdaPermission(this, "invoke-permission", {
      statementId: "AllowApiGatewayInvoke",
      action: "lambda:InvokeFunction",
      functionName: props.handler.functionName,
      principal: "apigateway.amazonaws.com",
      sourceArn: `${this.api.executionArn}/${props.stageName}/POST/${props.routePath}`,
    });

    const deployment = new ApiGatewayDeployment(this, "deployment", {
      restApiId,
      // A new deployment whenever anything the stage serves changes.
      triggers: {
        redeployment: Fn.sha1(
          Fn.jsonencode([route.id, method.id, method.authorization, method.apiKeyRequired, model.schema, validator.id, integration.id, integration.uri, ...responses.map((r) => r.id)]),
        ),
      },
      lifecycle: { createBeforeDestroy: true },
      dependsOn: [method, integration, ...responses],
    });

    const accessLogs = new CloudwatchLogGroup(this, "access-logs", { name: `/aws/apigateway/${props.name}/access`, retentionInDays: props.logRetentionDays });
    // API Gateway would create the execution log group itself, without retention.
    const executionLogs = props.executionLogging
      ? [new CloudwatchLogGroup(this, "execution-logs", { name: `API-Gateway-Execution-Logs_${restApiId}/${props.stageName}`, retentionInDays: props.logRetentionDays })]
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
    this.invokeUrl = `${this.stage.invokeUrl}/${props.routePath}`;
  }

  private addUsagePlan(props: InferenceApiProps): ApiGatewayApiKey {
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
