// An async service as the app wires it: endpoint, scaling, grants, function and routes.
import { type SynthedApp, defaultModelDir, only, resourcesOf, statementsOf, synthApp } from "./synth-app";
import { SECURITY_RULES } from "./security-rules";

describe("an async service beside a real-time one", () => {
  let app: SynthedApp;
  let bucket: string;
  beforeAll(async () => {
    app = await synthApp(
      {},
      {
        namePrefix: "ops",
        services: [
          { name: "queue", modelSource: defaultModelDir(), endpointMode: "async", maxInstances: 3, asyncNotifications: true },
          { name: "sentiment", modelSource: defaultModelDir() },
        ],
      },
    );
    bucket = Object.keys(app.inferenceJson.resource.aws_s3_bucket)[0];
  });

  const fn = (name: string) =>
    resourcesOf(app.inferenceJson, "aws_lambda_function").find((f) => f.function_name === name) as {
      environment: { variables: Record<string, string> };
      filename: string;
      role: string;
    };

  test("only the async service's endpoint configuration queues, below async/queue/ of the artifact bucket", () => {
    const configs = resourcesOf(app.inferenceJson, "aws_sagemaker_endpoint_configuration");
    const queued = configs.filter((c) => c.async_inference_config !== undefined);
    expect(queued).toHaveLength(1);
    expect(queued[0].async_inference_config).toMatchObject({
      output_config: {
        s3_output_path: `s3://\${aws_s3_bucket.${bucket}.bucket}/async/queue/results/`,
        s3_failure_path: `s3://\${aws_s3_bucket.${bucket}.bucket}/async/queue/errors/`,
      },
      client_config: { max_concurrent_invocations_per_instance: 2 },
    });
    expect(queued[0].production_variants).toEqual([expect.objectContaining({ instance_type: "ml.m5.large", initial_instance_count: 1 })]);
  });

  test("scales the async endpoint from 0 to 3 by its name, with the wake-up alarm", () => {
    expect(only(app.inferenceJson, "aws_appautoscaling_target")).toMatchObject({
      resource_id: "endpoint/ops-queue-endpoint/variant/AllTraffic",
      min_capacity: 0,
      max_capacity: 3,
    });
    expect(
      resourcesOf(app.inferenceJson, "aws_appautoscaling_policy")
        .map((p) => p.name)
        .sort(),
    ).toEqual(["ops-queue-endpoint-backlog-per-instance", "ops-queue-endpoint-wake-from-zero"]);
    expect(only(app.inferenceJson, "aws_cloudwatch_metric_alarm").dimensions).toEqual({ EndpointName: "ops-queue-endpoint" });
  });

  test("the async function runs its own bundle and knows the bucket and its prefix", () => {
    const queue = fn("ops-queue-inference");
    expect(queue.environment.variables).toMatchObject({ ASYNC_BUCKET: `\${aws_s3_bucket.${bucket}.bucket}`, ASYNC_PREFIX: "async/queue" });
    expect(fn("ops-sentiment-inference").environment.variables.ASYNC_BUCKET).toBeUndefined();
    // Two bundles of different content (the asset path carries its hash).
    const zips = Object.values(app.inferenceJson.data.archive_file) as Array<{ source_dir: string }>;
    expect(new Set(zips.map((z) => z.source_dir.split("/").pop())).size).toBe(2);
  });

  test("the async function's role may invoke its endpoint asynchronously and touch only its prefix", () => {
    const role = /aws_iam_role\.([^.]+)\.arn/.exec(fn("ops-queue-inference").role)?.[1];
    const statements = resourcesOf(app.inferenceJson, "aws_iam_role_policy")
      .filter((p) => String(p.role).includes(`aws_iam_role.${role}.`))
      .flatMap((p) => statementsOf(app.inferenceJson, p.policy));
    const arn = `\${aws_s3_bucket.${bucket}.arn}`;
    expect(statements.filter((s) => s.actions?.some((a) => /^(s3|sagemaker):/.test(a)))).toEqual([
      expect.objectContaining({ actions: ["s3:PutObject"], resources: [`${arn}/async/queue/inputs/*`] }),
      expect.objectContaining({
        actions: ["s3:GetObject"],
        resources: [`${arn}/async/queue/inputs/*`, `${arn}/async/queue/results/*`, `${arn}/async/queue/errors/*`],
      }),
      expect.objectContaining({
        actions: ["s3:ListBucket"],
        resources: [arn],
        condition: [{ test: "StringLike", variable: "s3:prefix", values: ["async/queue/*"] }],
      }),
      expect.objectContaining({
        actions: ["sagemaker:InvokeEndpointAsync"],
        resources: ["arn:aws:sagemaker:us-east-1:${data.aws_caller_identity.caller.account_id}:endpoint/ops-queue-endpoint"],
      }),
    ]);
  });

  test("the async route also answers GET results/{id}; the real-time route only POST", () => {
    const paths = resourcesOf(app.inferenceJson, "aws_api_gateway_resource").map((r) => r.path_part);
    expect(paths.sort()).toEqual(["queue", "results", "sentiment", "{id}"].sort());
    expect(
      resourcesOf(app.inferenceJson, "aws_api_gateway_method")
        .map((m) => m.http_method)
        .sort(),
    ).toEqual(["GET", "POST", "POST"]);
  });

  test("the async route's output names where its answers are polled; the real-time route's does not", () => {
    const outputs = app.inferenceJson.output as unknown as Record<string, { value: Record<string, string> }>;
    expect(outputs.route_queue.value.results).toMatch(/\}\/queue\/results\/\{id\}$/);
    expect(outputs.route_queue.value.method).toBe("POST");
    expect(outputs.route_sentiment.value.results).toBeUndefined();
  });

  test("the topics and their key belong to the async endpoint", () => {
    expect(
      resourcesOf(app.inferenceJson, "aws_sns_topic")
        .map((t) => t.name)
        .sort(),
    ).toEqual(["ops-queue-async-error", "ops-queue-async-success"]);
  });

  test.each(Object.entries(SECURITY_RULES))("passes the security rule: %s", (_rule, check) => {
    check([app.bootstrapJson, app.inferenceJson]);
  });
});
