// InferenceEndpoint with asyncInference, and the grants of an async route's caller.
import type { AsyncInference } from "../../constructs/async-inference";
import { grantAsyncCaller } from "../../constructs/async-inference";
import { InferenceEndpoint, type InferenceEndpointProps } from "../../constructs/inference-endpoint";
import { InferenceFunction } from "../../constructs/inference-function";
import { SECURITY_RULES } from "../stacks/security-rules";
import { type PolicyStatement, type TerraformJson, only, resourcesOf, statementsOf } from "../stacks/synth-app";
import { ARTIFACT, CODE, IMAGE, TARGET, synthJson } from "./support";

const BUCKET = { name: "artifacts", arn: "arn:aws:s3:::artifacts" };
const ASYNC: AsyncInference = { bucket: BUCKET, prefix: "async/svc", maxConcurrentInvocationsPerInstance: 2, notifications: false };

function synth(asyncInference: AsyncInference = ASYNC, props: Partial<InferenceEndpointProps> = {}): TerraformJson {
  return synthJson((scope) => {
    const endpoint = new InferenceEndpoint(scope, "svc", {
      name: "svc",
      target: TARGET,
      image: IMAGE,
      artifact: ARTIFACT,
      asyncInference,
      ...props,
    });
    const fn = new InferenceFunction(scope, "fn", { functionName: "svc-inference", code: CODE, target: TARGET });
    endpoint.grantInvoke(fn);
    grantAsyncCaller(endpoint, "async-grant", asyncInference, fn);
  });
}

const json = synth();
const withTopics = synth({ ...ASYNC, notifications: true });

function policyNamed(j: TerraformJson, name: string): PolicyStatement[] {
  const policy = resourcesOf(j, "aws_iam_role_policy").find((p) => p.name === name);
  if (!policy) throw new Error(`no role policy ${name}`);
  return statementsOf(j, policy.policy);
}

test("the endpoint configuration writes results and failures below the prefix, one request per worker", () => {
  expect(only(json, "aws_sagemaker_endpoint_configuration").async_inference_config).toEqual({
    client_config: { max_concurrent_invocations_per_instance: 2 },
    output_config: { s3_output_path: "s3://artifacts/async/svc/results/", s3_failure_path: "s3://artifacts/async/svc/errors/" },
  });
});

test("the execution role reads inputs and writes results and errors there, and no other object of the bucket", () => {
  const statements = policyNamed(json, "model-hosting").filter((s) => s.actions?.some((a) => a.startsWith("s3:")));
  expect(statements).toEqual([
    { sid: "ReadModelArchive", effect: "Allow", actions: ["s3:GetObject"], resources: [ARTIFACT.objectArn] },
    { sid: "ReadAsyncRequests", effect: "Allow", actions: ["s3:GetObject"], resources: ["arn:aws:s3:::artifacts/async/svc/inputs/*"] },
    {
      sid: "WriteAsyncResults",
      effect: "Allow",
      actions: ["s3:PutObject"],
      resources: ["arn:aws:s3:::artifacts/async/svc/results/*", "arn:aws:s3:::artifacts/async/svc/errors/*"],
    },
  ]);
});

test("without notifications there is no topic, key or SNS permission", () => {
  expect(resourcesOf(json, "aws_sns_topic")).toHaveLength(0);
  expect(resourcesOf(json, "aws_kms_key")).toHaveLength(0);
  expect(JSON.stringify(json.data)).not.toMatch(/sns:|kms:/);
});

test("with notifications SageMaker publishes results and failures to their own topics", () => {
  const topics = Object.fromEntries(
    Object.entries(withTopics.resource.aws_sns_topic).map(([id, t]) => [t.name, `\${aws_sns_topic.${id}.arn}`]),
  );
  expect(only(withTopics, "aws_sagemaker_endpoint_configuration").async_inference_config).toMatchObject({
    output_config: {
      notification_config: {
        success_topic: topics["svc-async-success"],
        error_topic: topics["svc-async-error"],
        include_inference_response_in: ["SUCCESS_NOTIFICATION_TOPIC"],
      },
    },
  });
});

test("with notifications the execution role may publish to exactly those topics and use exactly their key", () => {
  const key = `\${aws_kms_key.${Object.keys(withTopics.resource.aws_kms_key)[0]}.arn}`;
  const topicArns = Object.keys(withTopics.resource.aws_sns_topic).map((id) => `\${aws_sns_topic.${id}.arn}`);
  const statements = policyNamed(withTopics, "model-hosting");
  expect(statements.find((s) => s.sid === "PublishAsyncNotifications")).toEqual({
    sid: "PublishAsyncNotifications",
    effect: "Allow",
    actions: ["sns:Publish"],
    resources: expect.arrayContaining(topicArns),
  });
  expect(statements.find((s) => s.sid === "EncryptAsyncNotifications")).toEqual({
    sid: "EncryptAsyncNotifications",
    effect: "Allow",
    actions: ["kms:Decrypt", "kms:GenerateDataKey*"],
    resources: [key],
  });
});

test("the key policy names the execution role by the ARN its name gives", () => {
  const key = only(withTopics, "aws_kms_key");
  const use = statementsOf(withTopics, key.policy).find((s) => s.sid === "EndpointRolePublishesThroughSns");
  expect(use?.condition).toContainEqual({
    test: "ArnEquals",
    variable: "aws:PrincipalArn",
    values: ["arn:aws:iam::111122223333:role/svc-sagemaker-us-east-1"],
  });
});

test("the caller may InvokeEndpointAsync on this endpoint's ARN only", () => {
  expect(policyNamed(json, "invoke-svc-endpoint")).toEqual([
    {
      sid: "InvokeEndpointAsync",
      effect: "Allow",
      actions: ["sagemaker:InvokeEndpointAsync"],
      resources: ["arn:aws:sagemaker:us-east-1:111122223333:endpoint/svc-endpoint"],
    },
  ]);
});

test("the caller stores requests below inputs/, reads the three folders and lists only the service's prefix", () => {
  expect(policyNamed(json, "async-requests-and-results")).toEqual([
    { sid: "StoreAsyncRequests", effect: "Allow", actions: ["s3:PutObject"], resources: ["arn:aws:s3:::artifacts/async/svc/inputs/*"] },
    {
      sid: "ReadAsyncAnswers",
      effect: "Allow",
      actions: ["s3:GetObject"],
      resources: [
        "arn:aws:s3:::artifacts/async/svc/inputs/*",
        "arn:aws:s3:::artifacts/async/svc/results/*",
        "arn:aws:s3:::artifacts/async/svc/errors/*",
      ],
    },
    {
      sid: "ListAsyncPrefix",
      effect: "Allow",
      actions: ["s3:ListBucket"],
      resources: ["arn:aws:s3:::artifacts"],
      condition: [{ test: "StringLike", variable: "s3:prefix", values: ["async/svc/*"] }],
    },
  ]);
});

test("the function waits for both grants before it exists", () => {
  const fn = only(json, "aws_lambda_function");
  const grants = Object.entries(json.resource.aws_iam_role_policy)
    .filter(([, p]) => p.name === "async-requests-and-results" || p.name === "invoke-svc-endpoint")
    .map(([id]) => `aws_iam_role_policy.${id}`);
  expect(fn.depends_on).toEqual(expect.arrayContaining(grants));
});

test("asynchronous inference on a serverless endpoint is refused", () => {
  expect(() =>
    synth(ASYNC, { capacity: { mode: "serverless", memorySizeMb: 2048, maxConcurrency: 1, provisionedConcurrency: 0 } }),
  ).toThrow(/asynchronous inference needs real-time instances/);
});

test.each(Object.entries(SECURITY_RULES))("passes the security rule: %s", (_rule, check) => {
  check([json]);
  check([withTopics]);
});
