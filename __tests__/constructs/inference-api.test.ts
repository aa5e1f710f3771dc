import { InferenceApi, type InferenceApiProps, type InferenceRoute } from "../../constructs/inference-api";
import { type TerraformJson, resourcesOf } from "../stacks/synth-app";
import { synthJson } from "./support";
import { SECURITY_RULES } from "../stacks/security-rules";

const HANDLER = { functionName: "fn", invokeArn: "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/fn/invocations" };
const ROUTE: InferenceRoute = { path: "sentiment", requestSchema: { type: "object", required: ["text"] }, handler: HANDLER };
const PROPS: InferenceApiProps = {
  name: "svc-api",
  routes: [ROUTE],
  stageName: "v1",
  authMode: "api-key",
  throttle: { burstLimit: 20, rateLimit: 10 },
  quotaPerDay: 0,
  executionLogging: true,
  logRetentionDays: 30,
};

function synth(overrides: Partial<InferenceApiProps> = {}): TerraformJson {
  return synthJson((scope) => new InferenceApi(scope, "api", { ...PROPS, ...overrides }));
}
const trigger = (json: TerraformJson) =>
  String((resourcesOf(json, "aws_api_gateway_deployment")[0].triggers as { redeployment: string }).redeployment);

test("the deployment trigger reads no attribute of the request model, which the provider normalises", () => {
  expect(trigger(synth())).not.toMatch(/aws_api_gateway_model\./);
});

test("the deployment trigger changes when the schema text changes", () => {
  expect(trigger(synth({ routes: [{ ...ROUTE, requestSchema: { type: "object", required: ["texts"] } }] }))).not.toBe(trigger(synth()));
});

test("the deployment trigger changes when the auth mode changes", () => {
  expect(trigger(synth({ authMode: "iam" }))).not.toBe(trigger(synth()));
});

test("several routes each get a method, a model and an invoke permission with its own statement id, sharing parent resources", () => {
  const json = synth({
    routes: [
      { ...ROUTE, path: "v1/a" },
      { ...ROUTE, path: "v1/b", handler: { ...HANDLER, functionName: "fn-b" } },
    ],
  });
  expect(
    resourcesOf(json, "aws_api_gateway_resource")
      .map((r) => r.path_part)
      .sort(),
  ).toEqual(["a", "b", "v1"]);
  expect(
    resourcesOf(json, "aws_api_gateway_model")
      .map((m) => m.name)
      .sort(),
  ).toEqual(["InferenceRequest", "InferenceRequest1"]);
  expect(resourcesOf(json, "aws_api_gateway_method")).toHaveLength(2);
  const permissions = resourcesOf(json, "aws_lambda_permission");
  expect(permissions.map((p) => [p.function_name, p.statement_id]).sort()).toEqual([
    ["fn", "AllowApiGatewayInvoke-svc-api"],
    ["fn-b", "AllowApiGatewayInvoke-svc-api-1"],
  ]);
  expect(permissions.map((p) => String(p.source_arn).split("}")[1]).sort()).toEqual(["/v1/POST/v1/a", "/v1/POST/v1/b"]);
});

test("a route given twice is refused", () => {
  expect(() => synth({ routes: [ROUTE, ROUTE] })).toThrow(/route path 'sentiment' is given twice/);
});

test("an API without routes is refused", () => {
  expect(() => synth({ routes: [] })).toThrow(/at least one route/);
});

test("IAM mode signs requests and creates no key or usage plan", () => {
  const json = synth({ authMode: "iam" });
  expect(resourcesOf(json, "aws_api_gateway_method")[0]).toMatchObject({ authorization: "AWS_IAM", api_key_required: false });
  expect(resourcesOf(json, "aws_api_gateway_api_key")).toEqual([]);
});

test("an API given only a name and routes gets stage v1, API-key auth, throttling 20/10, a 10,000-a-day quota, execution logs and 30-day log retention", () => {
  const json = synthJson((scope) => new InferenceApi(scope, "api", { name: "svc-api", routes: [ROUTE] }));
  expect(resourcesOf(json, "aws_api_gateway_stage")[0].stage_name).toBe("v1");
  expect(resourcesOf(json, "aws_api_gateway_method")[0]).toMatchObject({ authorization: "NONE", api_key_required: true });
  expect(resourcesOf(json, "aws_api_gateway_usage_plan")[0]).toMatchObject({
    throttle_settings: { burst_limit: 20, rate_limit: 10 },
    quota_settings: { limit: 10000, period: "DAY" },
  });
  expect(resourcesOf(json, "aws_api_gateway_method_settings")[0].settings).toMatchObject({ logging_level: "INFO" });
  expect(resourcesOf(json, "aws_cloudwatch_log_group").map((g) => g.retention_in_days)).toEqual([30, 30]);
});

describe("cognito mode", () => {
  const POOL_ARN = "arn:aws:cognito-idp:us-east-1:111122223333:userpool/us-east-1_abc";
  const cognito = (overrides: Partial<InferenceApiProps> = {}) =>
    synth({
      authMode: "cognito",
      userPoolArn: POOL_ARN,
      routes: [
        { ...ROUTE, authorizationScope: "svc-api/sentiment" },
        { ...ROUTE, path: "v1/embed", authorizationScope: "svc-api/v1:embed" },
      ],
      ...overrides,
    });

  test("a COGNITO_USER_POOLS authorizer reads the Authorization header and trusts the given pool", () => {
    expect(resourcesOf(cognito(), "aws_api_gateway_authorizer")).toEqual([
      expect.objectContaining({
        type: "COGNITO_USER_POOLS",
        provider_arns: [POOL_ARN],
        identity_source: "method.request.header.Authorization",
      }),
    ]);
  });

  test("every method requires the authorizer and its route's scope, and no API key", () => {
    const methods = resourcesOf(cognito(), "aws_api_gateway_method");
    const described = methods.map((m) => [m.authorization, m.authorizer_id, m.authorization_scopes, m.api_key_required]);
    expect(described.sort((a, b) => String(a[2]).localeCompare(String(b[2])))).toEqual([
      ["COGNITO_USER_POOLS", expect.stringMatching(/^\$\{aws_api_gateway_authorizer\.[^.]+\.id\}$/), ["svc-api/sentiment"], false],
      ["COGNITO_USER_POOLS", expect.stringMatching(/^\$\{aws_api_gateway_authorizer\.[^.]+\.id\}$/), ["svc-api/v1:embed"], false],
    ]);
  });

  test("makes no API key or usage plan", () => {
    const json = cognito();
    expect(resourcesOf(json, "aws_api_gateway_api_key")).toEqual([]);
    expect(resourcesOf(json, "aws_api_gateway_usage_plan")).toEqual([]);
  });

  test("the deployment trigger changes when a route's scope changes", () => {
    const renamed = cognito({ routes: [{ ...ROUTE, authorizationScope: "svc-api/other" }] });
    expect(trigger(renamed)).not.toBe(trigger(cognito({ routes: [{ ...ROUTE, authorizationScope: "svc-api/sentiment" }] })));
  });

  test("the deployment trigger names the authorizer, so a replaced authorizer is deployed", () => {
    expect(trigger(cognito())).toMatch(/aws_api_gateway_authorizer\.[^.]+\.id/);
  });

  test.each([
    [{ userPoolArn: undefined }, "authMode 'cognito' needs userPoolArn"],
    [{ routes: [ROUTE] }, "authMode 'cognito' needs an authorizationScope on route 'sentiment'"],
    [{ authMode: "api-key" as const }, "userPoolArn and authorizationScope belong to authMode 'cognito'; got authMode 'api-key'"],
  ])("refuses %j naming what is missing", (overrides, message) => {
    expect(() => cognito(overrides)).toThrow(message);
  });

  test.each(Object.entries(SECURITY_RULES))("meets the security rule: %s", (_rule, check) => {
    check([cognito()]);
  });
});
