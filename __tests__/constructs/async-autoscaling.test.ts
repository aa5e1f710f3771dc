import { AsyncAutoscaling, type AsyncAutoscalingProps } from "../../constructs/async-autoscaling";
import { InferenceEndpoint } from "../../constructs/inference-endpoint";
import { SECURITY_RULES } from "../stacks/security-rules";
import { type TerraformJson, only, resourcesOf } from "../stacks/synth-app";
import { ARTIFACT, IMAGE, TARGET, synthJson } from "./support";

/** An endpoint and its async scaling, as the stack wires them. */
function synth(overrides: Partial<AsyncAutoscalingProps> = {}): TerraformJson {
  return synthJson((scope) => {
    const endpoint = new InferenceEndpoint(scope, "svc-endpoint", { name: "svc", target: TARGET, image: IMAGE, artifact: ARTIFACT });
    new AsyncAutoscaling(scope, "svc-scaling", {
      endpointName: endpoint.endpointName,
      endpoint: endpoint.endpoint,
      maxInstances: 3,
      ...overrides,
    });
  });
}

const json = synth();
const policy = (kind: string) =>
  resourcesOf(json, "aws_appautoscaling_policy").find((p) => p.policy_type === kind) as Record<string, unknown>;

test("registers the AllTraffic variant by the endpoint's name between 0 and max, after the endpoint exists", () => {
  const target = only(json, "aws_appautoscaling_target");
  expect(target).toMatchObject({
    service_namespace: "sagemaker",
    resource_id: "endpoint/svc-endpoint/variant/AllTraffic",
    scalable_dimension: "sagemaker:variant:DesiredInstanceCount",
    min_capacity: 0,
    max_capacity: 3,
  });
  expect(target.depends_on).toEqual(Object.keys(json.resource.aws_sagemaker_endpoint).map((id) => `aws_sagemaker_endpoint.${id}`));
  expect(target.role_arn).toBeUndefined();
});

test("the registration names nothing of the endpoint configuration, so a rollout keeps it", () => {
  expect(JSON.stringify(resourcesOf(json, "aws_appautoscaling_target"))).not.toMatch(/sagemaker_endpoint_configuration|sagemaker_model/);
});

test("target tracking holds ApproximateBacklogSizePerInstance of the endpoint at 5 with the async cooldowns", () => {
  expect(policy("TargetTrackingScaling")).toMatchObject({
    name: "svc-endpoint-backlog-per-instance",
    target_tracking_scaling_policy_configuration: {
      customized_metric_specification: {
        metric_name: "ApproximateBacklogSizePerInstance",
        namespace: "AWS/SageMaker",
        dimensions: [{ name: "EndpointName", value: "svc-endpoint" }],
        statistic: "Average",
      },
      target_value: 5,
      scale_out_cooldown: 300,
      scale_in_cooldown: 600,
    },
  });
});

test("a step policy adds exactly one instance whenever its alarm fires", () => {
  expect(policy("StepScaling")).toMatchObject({
    name: "svc-endpoint-wake-from-zero",
    step_scaling_policy_configuration: {
      adjustment_type: "ChangeInCapacity",
      cooldown: 300,
      metric_aggregation_type: "Maximum",
      step_adjustment: [{ metric_interval_lower_bound: "0", scaling_adjustment: 1 }],
    },
  });
});

test("both policies scale the registered target", () => {
  const target = Object.keys(json.resource.aws_appautoscaling_target)[0];
  for (const p of resourcesOf(json, "aws_appautoscaling_policy")) {
    expect(p.resource_id).toBe(`\${aws_appautoscaling_target.${target}.resource_id}`);
    expect(p.scalable_dimension).toBe(`\${aws_appautoscaling_target.${target}.scalable_dimension}`);
  }
});

test("the alarm on HasBacklogWithoutCapacity of the endpoint fires the step policy", () => {
  const step = Object.entries(json.resource.aws_appautoscaling_policy).find(([, p]) => p.policy_type === "StepScaling")?.[0];
  expect(only(json, "aws_cloudwatch_metric_alarm")).toMatchObject({
    alarm_name: "svc-endpoint-backlog-without-capacity",
    namespace: "AWS/SageMaker",
    metric_name: "HasBacklogWithoutCapacity",
    dimensions: { EndpointName: "svc-endpoint" },
    statistic: "Average",
    period: 60,
    evaluation_periods: 2,
    threshold: 1,
    comparison_operator: "GreaterThanOrEqualToThreshold",
    alarm_actions: [`\${aws_appautoscaling_policy.${step}.arn}`],
  });
});

test("min, backlog target and cooldowns are configurable", () => {
  const custom = synth({ minInstances: 1, backlogPerInstance: 2, scaleOutCooldownSeconds: 60, scaleInCooldownSeconds: 120 });
  expect(only(custom, "aws_appautoscaling_target").min_capacity).toBe(1);
  const tracking = resourcesOf(custom, "aws_appautoscaling_policy").find((p) => p.policy_type === "TargetTrackingScaling");
  expect(tracking?.target_tracking_scaling_policy_configuration).toMatchObject({
    target_value: 2,
    scale_out_cooldown: 60,
    scale_in_cooldown: 120,
  });
});

test.each([
  ["a negative minimum", { minInstances: -1 }, /minInstances must be a whole number of at least 0/],
  ["a maximum of 0", { maxInstances: 0 }, /maxInstances must be a whole number of at least 1/],
  ["a maximum below the minimum", { minInstances: 3, maxInstances: 2 }, /at least minInstances \(3\)/],
  ["a backlog target of 0", { backlogPerInstance: 0 }, /backlogPerInstance must be above 0/],
])("refuses %s", (_name, overrides, message) => {
  expect(() => synth(overrides)).toThrow(message);
});

test.each(Object.entries(SECURITY_RULES))("passes the security rule: %s", (_rule, check) => {
  check([json]);
});
