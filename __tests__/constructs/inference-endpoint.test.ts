import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { InferenceEndpoint, type InferenceEndpointProps } from "../../constructs/inference-endpoint";
import { type TerraformJson, resourcesOf, statementsOf } from "../stacks/synth-app";
import { ARTIFACT, IMAGE, TARGET, synthJson } from "./support";

const PROPS: InferenceEndpointProps = {
  name: "svc",
  target: TARGET,
  image: IMAGE,
  artifact: ARTIFACT,
  task: "text-classification",
  containerLogLevel: 20,
  capacity: { mode: "real-time", instanceType: "ml.m5.large", instanceCount: 1 },
  logRetentionDays: 30,
};

function synth(overrides: Partial<InferenceEndpointProps> = {}): TerraformJson {
  return synthJson((scope) => {
    const endpoint = new InferenceEndpoint(scope, "endpoint", { ...PROPS, ...overrides });
    endpoint.grantInvoke(new IamRole(scope, "caller", { name: "caller", assumeRolePolicy: "{}" }));
  });
}

const modelName = (json: TerraformJson) => String(resourcesOf(json, "aws_sagemaker_model")[0].name);
const base = synth();

test("names endpoint, role, model and configurations after the construct's name", () => {
  expect(resourcesOf(base, "aws_sagemaker_endpoint")[0].name).toBe("svc-endpoint");
  expect(resourcesOf(base, "aws_iam_role").map((r) => r.name)).toContain("svc-sagemaker-us-east-1");
  expect(modelName(base)).toMatch(/^svc-model-[0-9a-f]{16}$/);
  expect(resourcesOf(base, "aws_sagemaker_endpoint_configuration")[0].name_prefix).toBe("svc-config-");
});

test("cuts names to SageMaker's and IAM's limits when the construct's name is long", () => {
  const json = synth({ name: "a-very-long-service-name-that-goes-on-and-on-and-on" });
  expect(String(resourcesOf(json, "aws_sagemaker_endpoint")[0].name).length).toBeLessThanOrEqual(63);
  expect(modelName(json).length).toBeLessThanOrEqual(63);
  expect(String(resourcesOf(json, "aws_sagemaker_endpoint_configuration")[0].name_prefix).length).toBeLessThanOrEqual(37);
  for (const role of resourcesOf(json, "aws_iam_role")) expect(String(role.name).length).toBeLessThanOrEqual(64);
});

test.each<[string, Partial<InferenceEndpointProps>]>([
  ["the execution role's name (via the construct's name)", { name: "other" }],
  ["the region (the role's name follows it)", { target: { ...TARGET, region: "eu-west-1" } }],
  ["the model data bucket or key", { artifact: { ...ARTIFACT, contentId: "s3://other-bucket/a/model.tar.gz" } }],
  ["the image", { image: { ...IMAGE, uri: `${IMAGE.uri}-v2` } }],
  ["the environment (task)", { task: "sentiment-analysis" }],
  ["the environment (log level)", { containerLogLevel: 30 }],
  ["network isolation (a Hub model)", { hubModel: { modelId: "org/model", revision: "main" } }],
])("changing %s alone gives a new model name", (_what, overrides) => {
  expect(modelName(synth(overrides))).not.toBe(modelName(base));
});

test("changing the instance type to one of the same size keeps the model name", () => {
  expect(modelName(synth({ capacity: { mode: "real-time", instanceType: "ml.c5.large", instanceCount: 1 } }))).toBe(modelName(base));
});

test("grantInvoke gives the role InvokeEndpoint on an ARN built from the lower-cased name, no resource attribute", () => {
  const json = synth({ endpointName: "Svc-Endpoint" });
  const grant = resourcesOf(json, "aws_iam_role_policy").find((p) => p.name === "invoke-Svc-Endpoint") as Record<string, unknown>;
  expect(grant.role).toMatch(/^\$\{aws_iam_role\.caller\.name\}$/);
  expect(statementsOf(json, grant.policy)).toEqual([
    expect.objectContaining({
      actions: ["sagemaker:InvokeEndpoint"],
      resources: ["arn:aws:sagemaker:us-east-1:111122223333:endpoint/svc-endpoint"],
    }),
  ]);
});

test("the model waits for its role policy and the artifact upload", () => {
  const marker = { fqn: "aws_s3_object.upload" };
  const json = synthJson(
    (scope) => new InferenceEndpoint(scope, "endpoint", { ...PROPS, artifact: { ...ARTIFACT, readyAfter: [marker] } }),
  );
  expect(resourcesOf(json, "aws_sagemaker_model")[0].depends_on).toEqual([
    expect.stringMatching(/^aws_iam_role_policy\./),
    "aws_s3_object.upload",
  ]);
});

test("a serverless endpoint turns network isolation off", () => {
  const json = synth({ capacity: { mode: "serverless", memorySizeMb: 2048, maxConcurrency: 5, provisionedConcurrency: 0 } });
  expect(resourcesOf(json, "aws_sagemaker_model")[0].enable_network_isolation).toBe(false);
  expect(resourcesOf(json, "aws_sagemaker_endpoint_configuration")[0].production_variants).toEqual([
    expect.objectContaining({ serverless_config: { memory_size_in_mb: 2048, max_concurrency: 5 } }),
  ]);
});

test("an endpoint given no task, log level, capacity or retention serves text-classification at INFO on one ml.m5.large with 30-day logs", () => {
  const { task: _task, containerLogLevel: _level, capacity: _capacity, logRetentionDays: _days, ...required } = PROPS;
  const json = synthJson((scope) => new InferenceEndpoint(scope, "endpoint", required));
  expect(resourcesOf(json, "aws_sagemaker_model")[0].primary_container).toMatchObject({
    environment: expect.objectContaining({ HF_TASK: "text-classification", SAGEMAKER_CONTAINER_LOG_LEVEL: "20" }),
  });
  expect(resourcesOf(json, "aws_sagemaker_endpoint_configuration")[0].production_variants).toEqual([
    expect.objectContaining({ instance_type: "ml.m5.large", initial_instance_count: 1 }),
  ]);
  expect(resourcesOf(json, "aws_cloudwatch_log_group")[0].retention_in_days).toBe(30);
});

const CAPTURE = { samplingPercent: 20, bucket: { name: "models-bucket", arn: "arn:aws:s3:::models-bucket" }, prefix: "data-capture" };

test("data capture copies inputs and outputs (JSON as text) of the sampled percent to the prefix", () => {
  const json = synth({ dataCapture: CAPTURE });
  expect(resourcesOf(json, "aws_sagemaker_endpoint_configuration")[0].data_capture_config).toEqual({
    enable_capture: true,
    initial_sampling_percentage: 20,
    destination_s3_uri: "s3://models-bucket/data-capture",
    capture_options: [{ capture_mode: "Input" }, { capture_mode: "Output" }],
    capture_content_type_header: { json_content_types: ["application/json"] },
  });
});

test("with data capture the execution role may put objects only below its own endpoint's folder of the prefix", () => {
  const json = synth({ dataCapture: CAPTURE });
  const policy = resourcesOf(json, "aws_iam_role_policy").find((p) => p.name === "model-hosting") as Record<string, unknown>;
  const s3Writes = statementsOf(json, policy.policy).filter((s) => s.actions?.some((a) => a.startsWith("s3:") && a !== "s3:GetObject"));
  expect(s3Writes).toEqual([
    {
      sid: "WriteDataCapture",
      effect: "Allow",
      actions: ["s3:PutObject"],
      resources: ["arn:aws:s3:::models-bucket/data-capture/svc-endpoint/*"],
    },
  ]);
});

test("without data capture the configuration has none and the role writes nothing to S3", () => {
  expect(resourcesOf(base, "aws_sagemaker_endpoint_configuration")[0].data_capture_config).toBeUndefined();
  const policy = resourcesOf(base, "aws_iam_role_policy").find((p) => p.name === "model-hosting") as Record<string, unknown>;
  expect(
    statementsOf(base, policy.policy)
      .flatMap((s) => s.actions ?? [])
      .filter((a) => a.startsWith("s3:")),
  ).toEqual(["s3:GetObject"]);
});

test("data capture on a serverless endpoint is refused", () => {
  expect(() =>
    synth({ capacity: { mode: "serverless", memorySizeMb: 2048, maxConcurrency: 5, provisionedConcurrency: 0 }, dataCapture: CAPTURE }),
  ).toThrow(/data capture is not available on serverless endpoints/);
});

test("data capture does not change the model name (only the configuration rolls)", () => {
  expect(modelName(synth({ dataCapture: CAPTURE }))).toBe(modelName(base));
});
