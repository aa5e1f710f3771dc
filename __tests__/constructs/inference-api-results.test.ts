// InferenceApi routes with `results`: GET <path>/results/{id} beside the POST.
import { InferenceApi, type InferenceApiProps, type InferenceRoute } from "../../constructs/inference-api";
import { SECURITY_RULES } from "../stacks/security-rules";
import { type TerraformJson, resourcesOf } from "../stacks/synth-app";
import { synthJson } from "./support";

const HANDLER = { functionName: "fn", invokeArn: "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/fn/invocations" };
const ROUTE: InferenceRoute = { path: "sentiment", requestSchema: { type: "object", required: ["text"] }, handler: HANDLER, results: true };
const PROPS: InferenceApiProps = { name: "svc-api", routes: [ROUTE], stageName: "v1" };

function synth(overrides: Partial<InferenceApiProps> = {}): TerraformJson {
  return synthJson((scope) => new InferenceApi(scope, "api", { ...PROPS, ...overrides }));
}
const json = synth();
const byMethod = (j: TerraformJson, method: string) =>
  resourcesOf(j, "aws_api_gateway_method").find((m) => m.http_method === method) as Record<string, unknown>;
const ref = (j: TerraformJson, type: string, pick: (r: Record<string, unknown>) => boolean, attr = "id") =>
  `\${${type}.${Object.entries(j.resource[type]).find(([, r]) => pick(r))?.[0]}.${attr}}`;
const trigger = (j: TerraformJson) =>
  String((resourcesOf(j, "aws_api_gateway_deployment")[0].triggers as { redeployment: string }).redeployment);

test("serves GET <path>/results/{id} on a resource chain below the route", () => {
  expect(resourcesOf(json, "aws_api_gateway_resource").map((r) => r.path_part)).toEqual(["sentiment", "results", "{id}"]);
  expect(byMethod(json, "GET").resource_id).toBe(ref(json, "aws_api_gateway_resource", (r) => r.path_part === "{id}"));
});

test("the GET requires the key like the POST and requires the id through a validator that also checks bodies", () => {
  expect(byMethod(json, "GET")).toMatchObject({
    authorization: "NONE",
    api_key_required: true,
    request_parameters: { "method.request.path.id": true },
    request_validator_id: ref(json, "aws_api_gateway_request_validator", (v) => v.name === "body-and-parameters"),
  });
  expect(resourcesOf(json, "aws_api_gateway_request_validator").find((v) => v.name === "body-and-parameters")).toMatchObject({
    validate_request_body: true,
    validate_request_parameters: true,
  });
});

test("the GET proxies to the route's function with a POST integration and its own permission", () => {
  const integration = resourcesOf(json, "aws_api_gateway_integration").find(
    (i) => i.http_method === ref(json, "aws_api_gateway_method", (m) => m.http_method === "GET", "http_method"),
  );
  expect(integration).toMatchObject({ type: "AWS_PROXY", integration_http_method: "POST", uri: HANDLER.invokeArn });
  const permission = resourcesOf(json, "aws_lambda_permission").find((p) => String(p.source_arn).includes("/GET/"));
  expect(permission).toMatchObject({
    function_name: "fn",
    principal: "apigateway.amazonaws.com",
    statement_id: "AllowApiGatewayResults-svc-api",
  });
  expect(permission?.source_arn).toBe(`${ref(json, "aws_api_gateway_rest_api", () => true, "execution_arn")}/v1/GET/sentiment/results/*`);
});

test("with iam or cognito auth the GET is authorized like the POST, cognito with the route's scope", () => {
  expect(byMethod(synth({ authMode: "iam" }), "GET")).toMatchObject({ authorization: "AWS_IAM", api_key_required: false });
  const cognito = synth({
    authMode: "cognito",
    userPoolArn: "arn:aws:cognito-idp:us-east-1:1:userpool/p",
    routes: [{ ...ROUTE, authorizationScope: "api/sentiment" }],
  });
  expect(byMethod(cognito, "GET")).toMatchObject({ authorization: "COGNITO_USER_POOLS", authorization_scopes: ["api/sentiment"] });
});

test("the deployment waits for and is triggered by the GET method and integration", () => {
  const deployment = resourcesOf(json, "aws_api_gateway_deployment")[0];
  const get = Object.entries(json.resource.aws_api_gateway_method).find(([, m]) => m.http_method === "GET")?.[0];
  expect(deployment.depends_on).toContain(`aws_api_gateway_method.${get}`);
  expect(trigger(json)).toContain(`aws_api_gateway_method.${get}.id`);
  expect(trigger(json)).not.toBe(trigger(synth({ routes: [{ ...ROUTE, results: false }] })));
});

test("a route without results has no GET, no parameter validator and the trigger it always had", () => {
  const plain = synth({ routes: [{ ...ROUTE, results: undefined }] });
  expect(resourcesOf(plain, "aws_api_gateway_method").map((m) => m.http_method)).toEqual(["POST"]);
  expect(resourcesOf(plain, "aws_api_gateway_request_validator")).toHaveLength(1);
  expect(trigger(plain)).toBe(trigger(synth({ routes: [{ path: "sentiment", requestSchema: ROUTE.requestSchema, handler: HANDLER }] })));
});

test.each(Object.entries(SECURITY_RULES))("passes the security rule: %s", (_rule, check) => {
  check([json]);
});
