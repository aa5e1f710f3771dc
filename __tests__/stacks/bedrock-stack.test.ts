// A `backend: "bedrock"` service beside a SageMaker one: its Lambda joins the same API, its role
// may invoke exactly its foundation model, and it gets no artifact, model, endpoint or alarm.
import { loadConfig } from "../../config";
import { openApiDocument } from "../../lib/openapi";
import { SECURITY_RULES } from "./security-rules";
import { defaultModelDir, resourcesOf, type SynthedApp, statementsOf, synthApp } from "./synth-app";

const TITAN_ARN = "arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-embed-text-v2:0";

const context = () => ({
  namePrefix: "mixed",
  alarms: true,
  services: [
    { name: "sentiment", modelSource: defaultModelDir() },
    { name: "embed", backend: "bedrock", modelId: "amazon.titan-embed-text-v2:0" },
  ],
});

interface LambdaFunction {
  function_name: string;
  role: string;
  environment: { variables: Record<string, string> };
}

let app: SynthedApp;
beforeAll(async () => {
  app = await synthApp({}, context());
});

const functions = () => resourcesOf(app.inferenceJson, "aws_lambda_function") as unknown as LambdaFunction[];
const bedrockFunction = () => functions().find((f) => f.function_name === "mixed-embed-inference");

/** Every statement of every inline policy on the role a function runs as. */
function roleStatements(fn: LambdaFunction) {
  // `${aws_iam_role.<id>.arn}` -> `aws_iam_role.<id>`: the role's policies refer to its id or name.
  const role = /^\$\{(aws_iam_role\.[^.]+)\.arn\}$/.exec(fn.role)?.[1];
  return resourcesOf(app.inferenceJson, "aws_iam_role_policy")
    .filter((p) => [`\${${role}.id}`, `\${${role}.name}`].includes(String(p.role)))
    .flatMap((p) => statementsOf(app.inferenceJson, p.policy));
}

test("the Bedrock service has a Lambda of the same bundle, told its backend and model and no endpoint", () => {
  const fn = bedrockFunction();
  expect(fn?.environment.variables).toEqual({
    BEDROCK_MODEL_ID: "amazon.titan-embed-text-v2:0",
    TASK: "feature-extraction",
    MODEL_ID: "amazon.titan-embed-text-v2:0",
    MAX_TEXTS: "32",
    MAX_TEXT_CHARS: "10000",
    MAX_TOTAL_CHARS: "4000",
    LOG_REQUEST_TEXT: "false",
    POWERTOOLS_SERVICE_NAME: "mixed-embed",
  });
  expect(fn).toMatchObject({ handler: "index.handler", runtime: "nodejs22.x" });
});

test("its role may write its logs, send traces and invoke exactly its foundation model, nothing else", () => {
  const fn = bedrockFunction();
  if (!fn) throw new Error("no Bedrock Lambda");
  const statements = roleStatements(fn);
  const bySid = [...statements].sort((a, b) => String(a.sid).localeCompare(String(b.sid)));
  expect(bySid.map((s) => [s.sid, s.actions, s.resources])).toEqual([
    ["InvokeModel", ["bedrock:InvokeModel"], [TITAN_ARN]],
    [
      "WriteOwnLogs",
      ["logs:CreateLogStream", "logs:PutLogEvents"],
      [expect.stringMatching(/^\$\{aws_cloudwatch_log_group\.handler-embed_logs_\w+\.arn\}:\*$/)],
    ],
    ["WriteTraces", ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], ["*"]],
  ]);
});

test("the Lambda is created only once its Bedrock grant exists", () => {
  const fn = bedrockFunction() as unknown as { depends_on: string[] };
  expect(fn.depends_on).toContainEqual(expect.stringMatching(/^aws_iam_role_policy\.bedrock-access-embed_grant_\w+$/));
});

test("only the SageMaker service gets an artifact, a model, an endpoint and endpoint alarms", () => {
  for (const type of ["aws_s3_object", "aws_sagemaker_model", "aws_sagemaker_endpoint_configuration", "aws_sagemaker_endpoint"]) {
    expect([type, resourcesOf(app.inferenceJson, type).length]).toEqual([type, 1]);
  }
  const alarms = resourcesOf(app.inferenceJson, "aws_cloudwatch_metric_alarm").map((a) => String(a.alarm_name));
  expect(alarms.filter((name) => name.includes("embed"))).toEqual([]);
  expect(alarms.some((name) => name.includes("sentiment"))).toBe(true);
});

test("its route joins the one API with its own request model and output", () => {
  const paths = resourcesOf(app.inferenceJson, "aws_api_gateway_resource").map((r) => r.path_part);
  expect(paths.sort()).toEqual(["embed", "sentiment"]);
  expect(resourcesOf(app.inferenceJson, "aws_api_gateway_rest_api")).toHaveLength(1);
  expect(app.inferenceJson.output.route_embed.value).toMatchObject({ task: "feature-extraction", method: "POST" });
});

test("the OpenAPI document describes the Bedrock route with the feature-extraction contract", () => {
  const doc = openApiDocument(loadConfig({ context: context() })) as { paths: Record<string, unknown> };
  expect(Object.keys(doc.paths).sort()).toEqual(["/embed", "/sentiment"]);
});

test.each(Object.entries(SECURITY_RULES))("security rule: %s", (_rule, check) => {
  check([app.bootstrapJson, app.inferenceJson]);
});

test("a configuration of Bedrock services only has no bucket and outputs the first route's model instead of an endpoint", async () => {
  const only = await synthApp({}, { services: [{ name: "embed", backend: "bedrock", modelId: "cohere.embed-multilingual-v3" }] });
  expect(resourcesOf(only.inferenceJson, "aws_s3_bucket")).toHaveLength(0);
  expect(only.inferenceJson.output.endpoint_name).toBeUndefined();
  expect(only.inferenceJson.output.bedrock_model_id.value).toBe("cohere.embed-multilingual-v3");
});

test("with alarms, an API of Bedrock routes only gets the API stage's alarms and no endpoint alarm", async () => {
  const only = await synthApp(
    {},
    { alarms: true, services: [{ name: "embed", backend: "bedrock", modelId: "amazon.titan-embed-text-v2:0" }] },
  );
  const alarms = resourcesOf(only.inferenceJson, "aws_cloudwatch_metric_alarm");
  expect(alarms.map((a) => a.namespace)).toEqual(["AWS/ApiGateway", "AWS/ApiGateway"]);
});
