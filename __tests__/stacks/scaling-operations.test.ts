// Autoscaling, alarms and data capture as the app wires them: per service, from the configuration.
import { type SynthedApp, defaultModelDir, only, resourcesOf, statementsOf, synthApp } from "./synth-app";
import { SECURITY_RULES } from "./security-rules";

const HUB = "hub:yiyanghkust/finbert-tone@4921590d3c0c3832c0efea24c8381ce0bda7844b";

describe("a real-time service with autoscaling, data capture and an alarm e-mail, beside a serverless one", () => {
  let app: SynthedApp;
  beforeAll(async () => {
    app = await synthApp(
      {},
      {
        namePrefix: "ops",
        alarmEmail: "ops@example.com",
        services: [
          { name: "sentiment", modelSource: defaultModelDir(), minInstances: 2, maxInstances: 6, dataCapturePercent: 10 },
          { name: "embed", task: "feature-extraction", modelSource: HUB, endpointMode: "serverless" },
        ],
      },
    );
  });

  test("scales only the real-time service's variant, by its endpoint's name, after the endpoint exists", () => {
    const target = only(app.inferenceJson, "aws_appautoscaling_target");
    expect(target).toMatchObject({ resource_id: "endpoint/ops-sentiment-endpoint/variant/AllTraffic", min_capacity: 2, max_capacity: 6 });
    const endpoint = Object.entries(app.inferenceJson.resource.aws_sagemaker_endpoint).find(([, e]) => e.name === "ops-sentiment-endpoint");
    expect(target.depends_on).toEqual([`aws_sagemaker_endpoint.${endpoint?.[0]}`]);
    expect(only(app.inferenceJson, "aws_appautoscaling_policy").target_tracking_scaling_policy_configuration).toMatchObject({
      target_value: 833,
    });
  });

  test("the autoscaled endpoint configuration starts at minInstances", () => {
    const variants = resourcesOf(app.inferenceJson, "aws_sagemaker_endpoint_configuration").map(
      (c) => (c.production_variants as Array<Record<string, unknown>>)[0],
    );
    expect(variants.filter((v) => v.instance_type !== undefined).map((v) => v.initial_instance_count)).toEqual([2]);
  });

  test("captures the real-time service's traffic to the artifact bucket, and only that role may write there", () => {
    const configs = resourcesOf(app.inferenceJson, "aws_sagemaker_endpoint_configuration");
    const captured = configs.filter((c) => c.data_capture_config !== undefined);
    expect(captured).toHaveLength(1);
    expect(captured[0].data_capture_config).toMatchObject({
      initial_sampling_percentage: 10,
      destination_s3_uri: expect.stringMatching(/^s3:\/\/\$\{aws_s3_bucket\.[^.]+\.bucket\}\/data-capture$/),
    });
    const writes = resourcesOf(app.inferenceJson, "aws_iam_role_policy")
      .flatMap((p) => statementsOf(app.inferenceJson, p.policy))
      .filter((s) => s.actions?.includes("s3:PutObject"));
    expect(writes).toEqual([
      expect.objectContaining({ resources: [expect.stringMatching(/\.arn\}\/data-capture\/ops-sentiment-endpoint\/\*$/)] }),
    ]);
  });

  test("alarms on both endpoints and the API, CPU only on the real-time one, to one topic with the address subscribed", () => {
    const names = resourcesOf(app.inferenceJson, "aws_cloudwatch_metric_alarm").map((a) => a.alarm_name);
    expect(names.sort()).toEqual(
      [
        "ops-api-5xx",
        "ops-api-latency",
        "ops-embed-5xx",
        "ops-embed-latency",
        "ops-sentiment-5xx",
        "ops-sentiment-cpu",
        "ops-sentiment-latency",
      ].sort(),
    );
    expect(only(app.inferenceJson, "aws_sns_topic").name).toBe("ops-alarms");
    expect(only(app.inferenceJson, "aws_sns_topic_subscription")).toMatchObject({ protocol: "email", endpoint: "ops@example.com" });
    const api = resourcesOf(app.inferenceJson, "aws_cloudwatch_metric_alarm").find((a) => a.alarm_name === "ops-api-5xx");
    expect(api?.dimensions).toEqual({ ApiName: "ops-api", Stage: "v1" });
  });

  test("outputs the topic and the dashboard's console URL", () => {
    const dashboard = Object.keys(app.inferenceJson.resource.aws_cloudwatch_dashboard)[0];
    expect(app.inferenceJson.output.dashboard_url.value).toBe(
      `https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#dashboards:name=\${aws_cloudwatch_dashboard.${dashboard}.dashboard_name}`,
    );
    expect(app.inferenceJson.output.alarm_topic_arn.value).toMatch(/^\$\{aws_sns_topic\..+\.arn\}$/);
  });

  test.each(Object.entries(SECURITY_RULES))("passes the security rule: %s", (_rule, check) => {
    check([app.bootstrapJson, app.inferenceJson]);
  });
});

test("the default app has no autoscaling, alarms, topic, dashboard or data capture", async () => {
  const { inferenceJson } = await synthApp();
  for (const type of [
    "aws_appautoscaling_target",
    "aws_appautoscaling_policy",
    "aws_cloudwatch_metric_alarm",
    "aws_sns_topic",
    "aws_kms_key",
    "aws_cloudwatch_dashboard",
  ]) {
    expect([type, resourcesOf(inferenceJson, type).length]).toEqual([type, 0]);
  }
  expect(only(inferenceJson, "aws_sagemaker_endpoint_configuration").data_capture_config).toBeUndefined();
  expect(inferenceJson.output.dashboard_url).toBeUndefined();
});
