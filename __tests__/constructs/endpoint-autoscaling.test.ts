import { EndpointAutoscaling, type EndpointAutoscalingProps } from "../../constructs/endpoint-autoscaling";
import { defaultTargetInvocationsPerInstance } from "../../constructs/autoscaling-defaults";
import { InferenceEndpoint } from "../../constructs/inference-endpoint";
import { SECURITY_RULES } from "../stacks/security-rules";
import { type TerraformJson, only, resourcesOf } from "../stacks/synth-app";
import { ARTIFACT, IMAGE, TARGET, synthJson } from "./support";

const PROPS: Omit<EndpointAutoscalingProps, "endpoint"> = {
  endpointName: "svc-endpoint",
  minInstances: 1,
  maxInstances: 4,
  instanceType: "ml.m5.large",
};

/** An endpoint and its autoscaling, as a stack would wire them. */
function synth(overrides: Partial<EndpointAutoscalingProps> = {}, name = "svc"): TerraformJson {
  return synthJson((scope) => {
    const endpoint = new InferenceEndpoint(scope, `${name}-endpoint`, { name, target: TARGET, image: IMAGE, artifact: ARTIFACT });
    new EndpointAutoscaling(scope, `${name}-scaling`, {
      ...PROPS,
      endpointName: endpoint.endpointName,
      endpoint: endpoint.endpoint,
      ...overrides,
    });
  });
}

const json = synth();

test("registers the endpoint's AllTraffic variant by name, on its desired instance count, between min and max", () => {
  expect(only(json, "aws_appautoscaling_target")).toMatchObject({
    service_namespace: "sagemaker",
    resource_id: "endpoint/svc-endpoint/variant/AllTraffic",
    scalable_dimension: "sagemaker:variant:DesiredInstanceCount",
    min_capacity: 1,
    max_capacity: 4,
  });
});

test("the registration waits for the endpoint and names no role (the service-linked role)", () => {
  const target = only(json, "aws_appautoscaling_target");
  expect(target.depends_on).toEqual(Object.keys(json.resource.aws_sagemaker_endpoint).map((id) => `aws_sagemaker_endpoint.${id}`));
  expect(target.role_arn).toBeUndefined();
});

test("the resource id does not depend on the endpoint configuration, so a rollout keeps the registration", () => {
  const target = only(json, "aws_appautoscaling_target");
  expect(JSON.stringify(target)).not.toMatch(/sagemaker_endpoint_configuration|sagemaker_model/);
  expect(target.lifecycle).toBeUndefined();
});

test("tracks SageMakerVariantInvocationsPerInstance at the derived target with 60 s out and 300 s in cooldowns", () => {
  expect(only(json, "aws_appautoscaling_policy")).toMatchObject({
    name: "svc-endpoint-invocations-per-instance",
    policy_type: "TargetTrackingScaling",
    resource_id: expect.stringMatching(/^\$\{aws_appautoscaling_target\..+\.resource_id\}$/),
    scalable_dimension: expect.stringMatching(/^\$\{aws_appautoscaling_target\..+\.scalable_dimension\}$/),
    service_namespace: expect.stringMatching(/^\$\{aws_appautoscaling_target\..+\.service_namespace\}$/),
    target_tracking_scaling_policy_configuration: {
      predefined_metric_specification: { predefined_metric_type: "SageMakerVariantInvocationsPerInstance" },
      target_value: 833,
      scale_out_cooldown: 60,
      scale_in_cooldown: 300,
    },
  });
});

test("a given target and cooldowns replace the defaults", () => {
  const policy = only(
    synth({ targetInvocationsPerInstance: 120, scaleOutCooldownSeconds: 30, scaleInCooldownSeconds: 900 }),
    "aws_appautoscaling_policy",
  );
  expect(policy.target_tracking_scaling_policy_configuration).toMatchObject({
    target_value: 120,
    scale_out_cooldown: 30,
    scale_in_cooldown: 900,
  });
});

test.each([
  ["ml.m5.large", "dynamic-int8", 833], // 13.89 texts/s x 2 workers x 60 s x 0.5
  ["ml.m5.large", "none", 380], // 6.34 x 2 x 60 x 0.5
  ["ml.m5.xlarge", "dynamic-int8", 1666], // 4 workers
  ["ml.g5.xlarge", "dynamic-int8", 190], // one GPU worker, taken as a float32 CPU worker (unmeasured)
] as const)("the default target on %s with %s quantization is %d invocations per instance per minute", (type, quantization, expected) => {
  expect(defaultTargetInvocationsPerInstance(type, quantization)).toBe(expected);
});

test.each<[string, Partial<EndpointAutoscalingProps>, RegExp]>([
  ["a minimum of 0", { minInstances: 0 }, /minInstances must be a whole number of at least 1/],
  [
    "a maximum below the minimum",
    { minInstances: 3, maxInstances: 2 },
    /maxInstances must be a whole number of at least minInstances \(3\)/,
  ],
  ["a target of 0", { targetInvocationsPerInstance: 0 }, /targetInvocationsPerInstance must be above 0/],
  [
    "an unknown instance type without a target",
    { instanceType: "ml.zz9.huge" },
    /ml\.zz9\.huge is not in lib\/sagemaker-instance-types\.json/,
  ],
])("refuses %s", (_what, overrides, message) => {
  expect(() => synth(overrides)).toThrow(message);
});

test("two endpoints scale independently in one stack", () => {
  const two = synthJson((scope) => {
    for (const name of ["alpha", "beta"]) {
      const endpoint = new InferenceEndpoint(scope, `${name}-endpoint`, { name, target: TARGET, image: IMAGE, artifact: ARTIFACT });
      new EndpointAutoscaling(scope, `${name}-scaling`, { ...PROPS, endpointName: endpoint.endpointName, endpoint: endpoint.endpoint });
    }
  });
  expect(resourcesOf(two, "aws_appautoscaling_target").map((t) => t.resource_id)).toEqual([
    "endpoint/alpha-endpoint/variant/AllTraffic",
    "endpoint/beta-endpoint/variant/AllTraffic",
  ]);
  expect(resourcesOf(two, "aws_appautoscaling_policy").map((p) => p.name)).toEqual([
    "alpha-endpoint-invocations-per-instance",
    "beta-endpoint-invocations-per-instance",
  ]);
  for (const check of Object.values(SECURITY_RULES)) check([two]);
});
