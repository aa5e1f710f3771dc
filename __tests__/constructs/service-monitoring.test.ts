import { ServiceMonitoring, type ServiceMonitoringProps } from "../../constructs/service-monitoring";
import { SECURITY_RULES } from "../stacks/security-rules";
import { type TerraformJson, only, resourcesOf, statementsOf } from "../stacks/synth-app";
import { TARGET, synthJson } from "./support";

const PROPS: ServiceMonitoringProps = {
  name: "app",
  target: TARGET,
  endpoints: [
    { label: "sentiment", endpointName: "app-sentiment-endpoint", instanceType: "ml.m5.large" },
    { label: "qa/squad", endpointName: "app-qa-endpoint", instanceType: "ml.g5.2xlarge" },
    { label: "embed", endpointName: "app-embed-endpoint" },
  ],
  api: { apiName: "app-api", stageName: "v1" },
  email: "ops@example.com",
};

function synth(overrides: Partial<ServiceMonitoringProps> = {}): TerraformJson {
  return synthJson((scope) => new ServiceMonitoring(scope, "monitoring", { ...PROPS, ...overrides }));
}

const json = synth();
const alarm = (name: string) => {
  const found = resourcesOf(json, "aws_cloudwatch_metric_alarm").find((a) => a.alarm_name === name);
  if (!found) throw new Error(`no alarm ${name}`);
  return found;
};
const topicRef = expect.stringMatching(/^\$\{aws_sns_topic\..+\.arn\}$/);

test("alarms on each endpoint's 5XX count in AWS/SageMaker, by endpoint and variant, to the topic on alarm and recovery", () => {
  expect(alarm("app-sentiment-5xx")).toMatchObject({
    namespace: "AWS/SageMaker",
    metric_name: "Invocation5XXErrors",
    dimensions: { EndpointName: "app-sentiment-endpoint", VariantName: "AllTraffic" },
    statistic: "Sum",
    period: 300,
    evaluation_periods: 1,
    comparison_operator: "GreaterThanThreshold",
    threshold: 5,
    treat_missing_data: "notBreaching",
    alarm_actions: [topicRef],
    ok_actions: [topicRef],
  });
});

test("alarms on each endpoint's ModelLatency p99, converting the millisecond threshold to microseconds", () => {
  const latency = alarm("app-sentiment-latency");
  expect(latency).toMatchObject({
    namespace: "AWS/SageMaker",
    metric_name: "ModelLatency",
    extended_statistic: "p99",
    threshold: 10_000_000,
    evaluation_periods: 2,
  });
  expect(latency.statistic).toBeUndefined();
});

test("a CPU instance gets a CPUUtilization alarm scaled by its vCPUs, a GPU instance a GPUUtilization alarm scaled by its GPUs", () => {
  expect(alarm("app-sentiment-cpu")).toMatchObject({
    namespace: "/aws/sagemaker/Endpoints",
    metric_name: "CPUUtilization",
    dimensions: { EndpointName: "app-sentiment-endpoint", VariantName: "AllTraffic" },
    statistic: "Average",
    threshold: 160,
    evaluation_periods: 3,
  });
  expect(alarm("app-qa-squad-gpu")).toMatchObject({ namespace: "/aws/sagemaker/Endpoints", metric_name: "GPUUtilization", threshold: 80 });
});

test("a serverless endpoint (no instance type) gets no utilisation alarm", () => {
  const names = resourcesOf(json, "aws_cloudwatch_metric_alarm").map((a) => a.alarm_name);
  expect(names.filter((n) => String(n).startsWith("app-embed-"))).toEqual(["app-embed-5xx", "app-embed-latency"]);
});

test("alarms on the API stage's 5XXError count and Latency p99 in AWS/ApiGateway by ApiName and Stage", () => {
  const dimensions = { ApiName: "app-api", Stage: "v1" };
  expect(alarm("app-api-5xx")).toMatchObject({
    namespace: "AWS/ApiGateway",
    metric_name: "5XXError",
    dimensions,
    statistic: "Sum",
    threshold: 5,
  });
  expect(alarm("app-api-latency")).toMatchObject({
    namespace: "AWS/ApiGateway",
    metric_name: "Latency",
    dimensions,
    extended_statistic: "p99",
    threshold: 20_000,
  });
});

test("given thresholds replace the defaults", () => {
  const custom = synth({ thresholds: { errors5xxPerPeriod: 1, modelLatencyP99Ms: 500, apiLatencyP99Ms: 900, utilizationPercent: 50 } });
  const byName = Object.fromEntries(resourcesOf(custom, "aws_cloudwatch_metric_alarm").map((a) => [a.alarm_name, a.threshold]));
  expect(byName).toMatchObject({
    "app-sentiment-5xx": 1,
    "app-sentiment-latency": 500_000,
    "app-sentiment-cpu": 100,
    "app-api-latency": 900,
    "app-api-5xx": 1,
  });
});

test("without an API there are no API alarms, without an e-mail no subscription", () => {
  const bare = synth({ api: undefined, email: undefined });
  expect(resourcesOf(bare, "aws_cloudwatch_metric_alarm").map((a) => a.alarm_name)).not.toContain("app-api-5xx");
  expect(bare.resource.aws_sns_topic_subscription).toBeUndefined();
});

test("the e-mail address is subscribed to the topic", () => {
  expect(only(json, "aws_sns_topic_subscription")).toMatchObject({ protocol: "email", endpoint: "ops@example.com", topic_arn: topicRef });
});

test("the topic is encrypted with its own rotating key, which CloudWatch may use from this account only", () => {
  expect(only(json, "aws_sns_topic")).toMatchObject({
    name: "app-alarms",
    kms_master_key_id: expect.stringMatching(/^\$\{aws_kms_key\..+\.arn\}$/),
  });
  const key = only(json, "aws_kms_key");
  expect(key).toMatchObject({ enable_key_rotation: true, deletion_window_in_days: 7 });
  const publish = statementsOf(json, key.policy).find((s) => s.sid === "CloudWatchAlarmsPublish");
  expect(publish).toEqual({
    sid: "CloudWatchAlarmsPublish",
    effect: "Allow",
    principals: [{ type: "Service", identifiers: ["cloudwatch.amazonaws.com"] }],
    actions: ["kms:Decrypt", "kms:GenerateDataKey*"],
    resources: ["*"],
    condition: [{ test: "StringEquals", variable: "aws:SourceAccount", values: ["111122223333"] }],
  });
});

test("the dashboard shows every alarmed metric, laid out three to a row", () => {
  const dashboard = only(json, "aws_cloudwatch_dashboard");
  expect(dashboard.dashboard_name).toBe("app-operations");
  const body = JSON.parse(String(dashboard.dashboard_body)) as {
    widgets: Array<{ x: number; y: number; properties: { region: string; metrics: string[][] } }>;
  };
  const shown = body.widgets.flatMap((w) => w.properties.metrics.map((m) => `${m[0]} ${m[1]} ${m[3]}`));
  for (const a of resourcesOf(json, "aws_cloudwatch_metric_alarm")) {
    expect(shown).toContain(`${a.namespace} ${a.metric_name} ${Object.values(a.dimensions as Record<string, string>)[0]}`);
  }
  expect(body.widgets.every((w) => w.properties.region === "us-east-1")).toBe(true);
  expect(body.widgets.slice(0, 4).map((w) => [w.x, w.y])).toEqual([
    [0, 0],
    [8, 0],
    [16, 0],
    [0, 6],
  ]);
});

test.each<[string, Partial<ServiceMonitoringProps>, RegExp]>([
  ["neither endpoints nor the API", { endpoints: [], api: undefined }, /give at least one endpoint or the API/],
  [
    "two endpoints with one label",
    { endpoints: [PROPS.endpoints[0], { ...PROPS.endpoints[0], endpointName: "other" }] },
    /endpoint label 'sentiment' is given twice/,
  ],
])("refuses %s", (_what, overrides, message) => {
  expect(() => synth(overrides)).toThrow(message);
});

test("two monitorings in one stack keep distinct names and pass the security rules", () => {
  const two = synthJson((scope) => {
    new ServiceMonitoring(scope, "one", PROPS);
    new ServiceMonitoring(scope, "two", { ...PROPS, name: "other" });
  });
  const names = resourcesOf(two, "aws_cloudwatch_metric_alarm").map((a) => a.alarm_name);
  expect(new Set(names).size).toBe(names.length);
  expect(resourcesOf(two, "aws_sns_topic").map((t) => t.name)).toEqual(["app-alarms", "other-alarms"]);
  for (const check of Object.values(SECURITY_RULES)) check([two]);
});
