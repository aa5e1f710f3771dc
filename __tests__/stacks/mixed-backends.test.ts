// One API over the three kinds of route: a synchronous SageMaker endpoint, an asynchronous one
// and a Bedrock model, with Cognito and alarms: each keeps its own resources and grants.
import { SECURITY_RULES } from "./security-rules";
import { type SynthedApp, makeModelDir, resourcesOf, statementsOf, synthApp } from "./synth-app";

let app: SynthedApp;
beforeAll(async () => {
  const model = makeModelDir();
  app = await synthApp(
    {},
    {
      namePrefix: "mix",
      authMode: "cognito",
      alarms: true,
      services: [
        { name: "sentiment", modelSource: model },
        { name: "queued", modelSource: model, endpointMode: "async", maxInstances: 2 },
        { name: "embed", backend: "bedrock", modelId: "amazon.titan-embed-text-v2:0" },
      ],
    },
  );
});

test.each(Object.entries(SECURITY_RULES))("%s", (_rule, check) => {
  check([app.bootstrapJson, app.inferenceJson]);
});

test("the SageMaker services get an endpoint each, the Bedrock service none", () => {
  expect(resourcesOf(app.inferenceJson, "aws_sagemaker_endpoint")).toHaveLength(2);
  expect(resourcesOf(app.inferenceJson, "aws_lambda_function")).toHaveLength(3);
});

test("three POST routes and the async route's GET results, each behind the Cognito authorizer", () => {
  const methods = resourcesOf(app.inferenceJson, "aws_api_gateway_method") as Array<{ http_method: string; authorization: string }>;
  expect(methods.map((m) => m.http_method).sort()).toEqual(["GET", "POST", "POST", "POST"]);
  expect(new Set(methods.map((m) => m.authorization))).toEqual(new Set(["COGNITO_USER_POOLS"]));
});

test("each function is granted exactly its own backend's call", () => {
  const actions = resourcesOf(app.inferenceJson, "aws_iam_role_policy").flatMap((policy) =>
    statementsOf(app.inferenceJson, policy.policy).flatMap((s) => s.actions ?? []),
  );
  for (const action of ["sagemaker:InvokeEndpoint", "sagemaker:InvokeEndpointAsync", "bedrock:InvokeModel"]) {
    expect([action, actions.filter((a) => a === action).length]).toEqual([action, 1]);
  }
});

test("the sync and Bedrock functions share one package, the async function has its own", () => {
  expect(Object.keys(app.inferenceJson.data.archive_file)).toHaveLength(2);
});

test("alarms watch the two endpoints and the API stage, not the Bedrock model", () => {
  const alarms = resourcesOf(app.inferenceJson, "aws_cloudwatch_metric_alarm") as Array<{
    namespace?: string;
    dimensions?: Record<string, string>;
  }>;
  const endpoints = new Set(alarms.filter((a) => a.namespace === "AWS/SageMaker").map((a) => a.dimensions?.EndpointName));
  expect(endpoints.size).toBe(2);
  expect(alarms.some((a) => a.namespace === "AWS/ApiGateway")).toBe(true);
  expect(alarms.some((a) => a.namespace === "AWS/Bedrock")).toBe(false);
});
