import { S3Object } from "@cdktf/provider-aws/lib/s3-object";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { SagemakerModel } from "@cdktf/provider-aws/lib/sagemaker-model";
import { SagemakerEndpoint } from "@cdktf/provider-aws/lib/sagemaker-endpoint";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { ApiGatewayRestApi } from "@cdktf/provider-aws/lib/api-gateway-rest-api";
import { ApiGatewayMethod } from "@cdktf/provider-aws/lib/api-gateway-method";
import { ApiGatewayIntegration } from "@cdktf/provider-aws/lib/api-gateway-integration";
import { ApiGatewayModel } from "@cdktf/provider-aws/lib/api-gateway-model";
import { ApiGatewayStage } from "@cdktf/provider-aws/lib/api-gateway-stage";
import { ApiGatewayUsagePlan } from "@cdktf/provider-aws/lib/api-gateway-usage-plan";
import { ApiGatewayUsagePlanKey } from "@cdktf/provider-aws/lib/api-gateway-usage-plan-key";
import { ApiGatewayApiKey } from "@cdktf/provider-aws/lib/api-gateway-api-key";
import { ApiGatewayGatewayResponse } from "@cdktf/provider-aws/lib/api-gateway-gateway-response";
import { ApiGatewayResource } from "@cdktf/provider-aws/lib/api-gateway-resource";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { DataArchiveFile } from "@cdktf/provider-archive/lib/data-archive-file";
import { DEFAULT_REQUEST_LIMITS } from "../../contract/request-limits";
import { requestBodyJsonSchema } from "../../contract/text-classification";
import { type SynthedApp, only, referenced, resourcesOf, statementsOf, synthApp } from "./synth-app";

const DLC = "763104351884.dkr.ecr.us-east-1.amazonaws.com/huggingface-pytorch-inference";

describe("inference stack with the default configuration", () => {
  let app: SynthedApp;
  beforeAll(async () => {
    app = await synthApp();
  });

  test("keeps local state in the project root when no state bucket is configured", () => {
    expect(app.inferenceJson.terraform.backend).toEqual({ local: { path: "../../../terraform.inference.tfstate" } });
  });

  test("sets the region and the configured tags as default_tags", () => {
    expect(app.inferenceJson.provider.aws[0]).toMatchObject({
      region: "us-east-1",
      default_tags: [{ tags: { project: "hf-sagemaker-api" } }],
    });
  });

  test("puts the artifact bucket under a name prefix and empties it on destroy", () => {
    expect(app.inference).toHaveResourceWithProperties(S3Bucket, { bucket_prefix: "finbert-models-", force_destroy: true });
  });

  test("uploads the model archive under a content-addressed key", () => {
    const object = only(app.inferenceJson, "aws_s3_object");
    expect(object.key).toMatch(/^models\/[0-9a-f]{64}\/model\.tar\.gz$/);
    expect(object.source_hash).toBe((object.key as string).split("/")[1]);
    expect(object.source).toMatch(/^assets\/.+\/model\.tar\.gz$/);
    expect(app.inference).toHaveResourceWithProperties(S3Object, { lifecycle: { create_before_destroy: true } });
  });

  test("trusts only sagemaker.amazonaws.com from this account with the SageMaker execution role", () => {
    const role = resourcesOf(app.inferenceJson, "aws_iam_role").find((r) => String(r.name).includes("sagemaker")) as Record<
      string,
      unknown
    >;
    expect(statementsOf(app.inferenceJson, role.assume_role_policy)).toEqual([
      expect.objectContaining({
        principals: [{ type: "Service", identifiers: ["sagemaker.amazonaws.com"] }],
        condition: [expect.objectContaining({ variable: "aws:SourceAccount" })],
      }),
    ]);
  });

  test("lets the SageMaker role read exactly the artifact, pull the DLC repository, log to its endpoint group and put namespaced metrics", () => {
    const policy = resourcesOf(app.inferenceJson, "aws_iam_role_policy").find((p) => p.name === "model-hosting") as Record<string, unknown>;
    const byId = Object.fromEntries(statementsOf(app.inferenceJson, policy.policy).map((s) => [s.sid, s]));
    const object = only(app.inferenceJson, "aws_s3_object");
    expect(byId.ReadModelArchive).toMatchObject({
      actions: ["s3:GetObject"],
      resources: [expect.stringContaining(`/${String(object.key)}`)],
    });
    expect(byId.PullInferenceImage.resources).toEqual(["arn:aws:ecr:us-east-1:763104351884:repository/huggingface-pytorch-inference"]);
    expect(byId.EcrLogin).toMatchObject({ actions: ["ecr:GetAuthorizationToken"], resources: ["*"] });
    expect(byId.WriteEndpointLogs.resources).toEqual([
      expect.stringMatching(/:log-group:\/aws\/sagemaker\/Endpoints\/finbert-endpoint\*$/),
    ]);
    expect(byId.PutEndpointMetrics).toMatchObject({
      actions: ["cloudwatch:PutMetricData"],
      condition: [{ test: "StringEquals", variable: "cloudwatch:namespace" }],
    });
  });

  test("creates the model after its role policy, replacing it create-before-destroy under a content-derived name", () => {
    const model = only(app.inferenceJson, "aws_sagemaker_model");
    expect(model.name).toMatch(/^finbert-model-[0-9a-f]{16}$/);
    expect(model.depends_on).toEqual(expect.arrayContaining([expect.stringMatching(/^aws_iam_role_policy\./)]));
    expect(app.inference).toHaveResourceWithProperties(SagemakerModel, {
      enable_network_isolation: true,
      lifecycle: { create_before_destroy: true },
    });
  });

  test("runs the CPU Hugging Face image with the toolkit environment and the artifact URL", () => {
    expect(only(app.inferenceJson, "aws_sagemaker_model")).toMatchObject({
      primary_container: {
        image: `${DLC}:2.6.0-transformers4.51.3-cpu-py312-ubuntu22.04`,
        mode: "SingleModel",
        model_data_url: expect.stringMatching(/^s3:\/\/\$\{aws_s3_bucket\..+\.bucket\}\/models\/[0-9a-f]{64}\/model\.tar\.gz$/),
        environment: {
          SAGEMAKER_PROGRAM: "inference.py",
          SAGEMAKER_SUBMIT_DIRECTORY: "/opt/ml/model/code",
          SAGEMAKER_REGION: "us-east-1",
          SAGEMAKER_CONTAINER_LOG_LEVEL: "20",
          HF_TASK: "text-classification",
        },
      },
    });
  });

  test("sizes the container's model-server workers and torch threads to ml.m5.large and passes the quantization", () => {
    const model = only(app.inferenceJson, "aws_sagemaker_model") as { primary_container: { environment: Record<string, string> } };
    expect(model.primary_container.environment).toMatchObject({
      SAGEMAKER_MODEL_SERVER_WORKERS: "2",
      MODEL_TORCH_THREADS: "1",
      MODEL_TORCH_IDLE_THREADS: "2",
      MODEL_QUANTIZATION: "dynamic-int8",
    });
  });

  test("names endpoint configurations by prefix and replaces them create-before-destroy, on one ml.m5.large", () => {
    expect(only(app.inferenceJson, "aws_sagemaker_endpoint_configuration")).toMatchObject({
      name_prefix: "finbert-config-",
      lifecycle: { create_before_destroy: true },
      production_variants: [
        { variant_name: "AllTraffic", instance_type: "ml.m5.large", initial_instance_count: 1, initial_variant_weight: 1 },
      ],
    });
  });

  test("points the endpoint at the configuration and gives its logs a retention", () => {
    expect(app.inference).toHaveResourceWithProperties(SagemakerEndpoint, {
      name: "finbert-endpoint",
      endpoint_config_name: expect.stringMatching(/aws_sagemaker_endpoint_configuration\..+\.name/),
    });
    expect(app.inference).toHaveResourceWithProperties(CloudwatchLogGroup, {
      name: "/aws/sagemaker/Endpoints/finbert-endpoint",
      retention_in_days: 30,
    });
  });

  test("zips the esbuild bundle with archive_file and deploys it as a Node.js 22 arm64 function", () => {
    expect(app.inference).toHaveDataSourceWithProperties(DataArchiveFile, {
      type: "zip",
      output_file_mode: "0644",
      source_dir: expect.stringMatching(/^assets\//),
    });
    expect(only(app.inferenceJson, "aws_lambda_function")).toMatchObject({
      function_name: "finbert-inference",
      runtime: "nodejs22.x",
      architectures: ["arm64"],
      handler: "index.handler",
      filename: expect.stringMatching(/archive_file\..+\.output_path/),
      source_code_hash: expect.stringMatching(/archive_file\..+\.output_base64sha256/),
      timeout: 28,
      memory_size: 256,
      tracing_config: { mode: "Active" },
      logging_config: { log_group: expect.stringMatching(/aws_cloudwatch_log_group\..+\.name/) },
    });
  });

  test("leaves the function unreserved by default", () => {
    expect(only(app.inferenceJson, "aws_lambda_function").reserved_concurrent_executions).toBeUndefined();
  });

  test("tells the function its endpoint and request limits", () => {
    const fn = only(app.inferenceJson, "aws_lambda_function") as { environment: { variables: Record<string, string> } };
    expect(fn.environment.variables).toEqual({
      ENDPOINT_NAME: expect.stringMatching(/aws_sagemaker_endpoint\..+\.name/),
      MAX_TEXTS: String(DEFAULT_REQUEST_LIMITS.maxTexts),
      MAX_TEXT_CHARS: String(DEFAULT_REQUEST_LIMITS.maxTextChars),
      MAX_TOTAL_CHARS: String(DEFAULT_REQUEST_LIMITS.maxTotalChars),
      LOG_REQUEST_TEXT: "false",
      POWERTOOLS_SERVICE_NAME: "finbert",
    });
  });

  test("lets the function write only to its own log group and invoke only its endpoint", () => {
    const policies = resourcesOf(app.inferenceJson, "aws_iam_role_policy").filter((p) => String(p.role).includes("aws_iam_role.handler"));
    const byId = Object.fromEntries(policies.flatMap((p) => statementsOf(app.inferenceJson, p.policy)).map((s) => [s.sid, s]));
    expect(byId.WriteOwnLogs).toMatchObject({
      actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
      resources: [expect.stringMatching(/^\$\{aws_cloudwatch_log_group\..+\.arn\}:\*$/)],
    });
    expect(byId.InvokeEndpoint).toMatchObject({
      actions: ["sagemaker:InvokeEndpoint"],
      resources: ["arn:aws:sagemaker:us-east-1:${data.aws_caller_identity.caller.account_id}:endpoint/finbert-endpoint"],
    });
    expect(app.inference).toHaveResourceWithProperties(CloudwatchLogGroup, {
      name: "/aws/lambda/finbert-inference",
      retention_in_days: 30,
    });
  });

  test("serves a regional REST API with POST /sentiment requiring an API key and a validated JSON body", () => {
    expect(app.inference).toHaveResourceWithProperties(ApiGatewayRestApi, {
      name: "finbert-api",
      endpoint_configuration: { types: ["REGIONAL"] },
    });
    expect(app.inference).toHaveResourceWithProperties(ApiGatewayResource, { path_part: "sentiment" });
    expect(app.inference).toHaveResourceWithProperties(ApiGatewayMethod, {
      http_method: "POST",
      authorization: "NONE",
      api_key_required: true,
      request_models: { "application/json": expect.stringContaining("aws_api_gateway_model") },
    });
  });

  test("uses the handler's request contract as the API Gateway model", () => {
    expect(app.inference).toHaveResourceWithProperties(ApiGatewayModel, {
      content_type: "application/json",
      schema: JSON.stringify(requestBodyJsonSchema(DEFAULT_REQUEST_LIMITS)),
    });
  });

  test("proxies to the function with integration method POST", () => {
    expect(app.inference).toHaveResourceWithProperties(ApiGatewayIntegration, {
      type: "AWS_PROXY",
      integration_http_method: "POST",
      uri: expect.stringMatching(/aws_lambda_function\..+\.invoke_arn/),
    });
  });

  test("allows API Gateway to invoke the function only for POST on the route of this stage", () => {
    expect(app.inference).toHaveResourceWithProperties(LambdaPermission, {
      principal: "apigateway.amazonaws.com",
      source_arn: expect.stringMatching(/execution_arn\}\/v1\/POST\/sentiment$/),
    });
  });

  test("answers gateway errors with JSON naming the request id, and the failing field for bad bodies", () => {
    expect(app.inference).toHaveResourceWithProperties(ApiGatewayGatewayResponse, {
      response_type: "BAD_REQUEST_BODY",
      response_templates: { "application/json": '{"message": "$context.error.validationErrorString", "requestId": "$context.requestId"}' },
    });
  });

  test("deploys to stage v1 with execution logs at INFO in a log group with retention", () => {
    expect(app.inference).toHaveResourceWithProperties(ApiGatewayStage, { stage_name: "v1", xray_tracing_enabled: true });
    expect(only(app.inferenceJson, "aws_api_gateway_method_settings")).toMatchObject({
      settings: { logging_level: "INFO", throttling_burst_limit: 20, throttling_rate_limit: 10 },
    });
    expect(app.inference).toHaveResourceWithProperties(CloudwatchLogGroup, {
      name: expect.stringMatching(/^API-Gateway-Execution-Logs_\$\{aws_api_gateway_rest_api\..+\.id\}\/v1$/),
      retention_in_days: 30,
    });
  });

  test("throttles and caps each API key with a usage plan tied to the stage", () => {
    expect(app.inference).toHaveResourceWithProperties(ApiGatewayApiKey, { name: "finbert-api-key", enabled: true });
    expect(app.inference).toHaveResourceWithProperties(ApiGatewayUsagePlan, {
      api_stages: [
        { api_id: expect.stringContaining("aws_api_gateway_rest_api"), stage: expect.stringContaining("aws_api_gateway_stage") },
      ],
      throttle_settings: { burst_limit: 20, rate_limit: 10 },
      quota_settings: { limit: 10000, period: "DAY" },
    });
    expect(app.inference).toHaveResourceWithProperties(ApiGatewayUsagePlanKey, { key_type: "API_KEY" });
  });

  test("outputs the invoke URL, endpoint name, API key id, the command reading the key, and a curl line", () => {
    const out = app.inferenceJson.output;
    expect(out.invoke_url.value).toMatch(/invoke_url\}\/sentiment$/);
    expect(out.endpoint_name.value).toMatch(/aws_sagemaker_endpoint\..+\.name/);
    expect(out.api_key_id.value).toMatch(/aws_api_gateway_api_key\..+\.id/);
    expect(out.api_key_command.value).toMatch(
      /^aws apigateway get-api-key --region us-east-1 --api-key .+ --include-value --query value --output text$/,
    );
    expect(out.curl.value).toMatch(
      /^curl -sS -X POST ".+\/sentiment" -H "content-type: application\/json" -H "x-api-key: \$\(aws apigateway get-api-key .+\)" -d '\{"text": ".+"\}'$/,
    );
  });
});

describe("inference stack options", () => {
  test("uses an encrypted, locked S3 backend with a per-stack key when a state bucket is configured", async () => {
    const { inferenceJson } = await synthApp({ STATE_BUCKET: "my-state-bucket" });
    expect(inferenceJson.terraform.backend).toEqual({
      s3: { bucket: "my-state-bucket", key: "finbert/inference.tfstate", region: "us-east-1", encrypt: true, use_lockfile: true },
    });
  });

  test("configures a serverless variant on the CPU image", async () => {
    const { inferenceJson } = await synthApp({
      ENDPOINT_MODE: "serverless",
      SERVERLESS_MEMORY_MB: "4096",
      SERVERLESS_MAX_CONCURRENCY: "10",
      SERVERLESS_PROVISIONED_CONCURRENCY: "2",
    });
    expect(only(inferenceJson, "aws_sagemaker_endpoint_configuration")).toMatchObject({
      production_variants: [
        { variant_name: "AllTraffic", serverless_config: { memory_size_in_mb: 4096, max_concurrency: 10, provisioned_concurrency: 2 } },
      ],
    });
    expect(only(inferenceJson, "aws_sagemaker_model")).toMatchObject({
      primary_container: { image: expect.stringContaining("-cpu-py312-") },
    });
  });

  test("picks the GPU image for a GPU instance type", async () => {
    const { inferenceJson } = await synthApp({ INSTANCE_TYPE: "ml.g5.xlarge" });
    expect(only(inferenceJson, "aws_sagemaker_model")).toMatchObject({
      primary_container: { image: `${DLC}:2.6.0-transformers4.51.3-gpu-py312-cu124-ubuntu22.04` },
    });
  });

  test("resolves the DLC account of a region outside the common account", async () => {
    const { inferenceJson } = await synthApp({ AWS_REGION: "eu-south-2" });
    expect(only(inferenceJson, "aws_sagemaker_model")).toMatchObject({
      primary_container: { image: expect.stringMatching(/^503227376785\.dkr\.ecr\.eu-south-2\.amazonaws\.com\//) },
    });
  });

  test("uses the China partition and DNS suffix in cn regions", async () => {
    const { inferenceJson } = await synthApp({ AWS_REGION: "cn-north-1" });
    expect(only(inferenceJson, "aws_sagemaker_model")).toMatchObject({
      primary_container: { image: expect.stringMatching(/^727897471807\.dkr\.ecr\.cn-north-1\.amazonaws\.com\.cn\//) },
    });
    const policy = resourcesOf(inferenceJson, "aws_iam_role_policy").find((p) => p.name === "model-hosting") as Record<string, unknown>;
    expect(statementsOf(inferenceJson, policy.policy).find((s) => s.sid === "PullInferenceImage")?.resources).toEqual([
      "arn:aws-cn:ecr:cn-north-1:727897471807:repository/huggingface-pytorch-inference",
    ]);
  });

  test("lets the container download a Hub model, with network isolation off and the repo's code shipped", async () => {
    const { inferenceJson } = await synthApp({ MODEL_SOURCE: "hub:yiyanghkust/finbert-tone@main" });
    expect(only(inferenceJson, "aws_sagemaker_model")).toMatchObject({
      enable_network_isolation: false,
      primary_container: {
        environment: { HF_MODEL_ID: "yiyanghkust/finbert-tone", HF_MODEL_REVISION: "main", SAGEMAKER_PROGRAM: "inference.py" },
      },
    });
    expect(only(inferenceJson, "aws_s3_object").key).toMatch(/^models\/[0-9a-f]{64}\/model\.tar\.gz$/);
  });

  test("reads an existing s3:// archive in place, granting GetObject on exactly that object", async () => {
    const { inferenceJson } = await synthApp({ MODEL_SOURCE: "s3://team-models/finbert/v3/model.tar.gz" });
    expect(inferenceJson.resource.aws_s3_object).toBeUndefined();
    expect(only(inferenceJson, "aws_sagemaker_model")).toMatchObject({
      enable_network_isolation: true,
      primary_container: { model_data_url: "s3://team-models/finbert/v3/model.tar.gz" },
    });
    const policy = resourcesOf(inferenceJson, "aws_iam_role_policy").find((p) => p.name === "model-hosting") as Record<string, unknown>;
    expect(statementsOf(inferenceJson, policy.policy).find((s) => s.sid === "ReadModelArchive")?.resources).toEqual([
      "arn:aws:s3:::team-models/finbert/v3/model.tar.gz",
    ]);
  });

  test("switches the method to SigV4 and drops the API key and usage plan in IAM mode", async () => {
    const { inference, inferenceJson } = await synthApp({ AUTH_MODE: "iam" });
    expect(inference).toHaveResourceWithProperties(ApiGatewayMethod, { authorization: "AWS_IAM", api_key_required: false });
    expect(inferenceJson.resource.aws_api_gateway_api_key).toBeUndefined();
    expect(inferenceJson.output.api_key_id).toBeUndefined();
    expect(inferenceJson.output.curl.value).toContain("--aws-sigv4");
  });

  test("serves a nested route as a chain of resources", async () => {
    const { inferenceJson } = await synthApp({ ROUTE_PATH: "finance/tone" });
    const resources = resourcesOf(inferenceJson, "aws_api_gateway_resource");
    expect(resources.map((r) => r.path_part)).toEqual(["finance", "tone"]);
    expect(referenced(inferenceJson, resources[1].parent_id)).toBe(resources[0]);
    expect(inferenceJson.output.invoke_url.value).toMatch(/\/finance\/tone$/);
  });

  test("switches execution logging off for accounts without the CloudWatch role", async () => {
    const { inferenceJson } = await synthApp({ EXECUTION_LOGGING: "false" });
    expect(only(inferenceJson, "aws_api_gateway_method_settings")).toMatchObject({
      settings: { logging_level: "OFF", metrics_enabled: true },
    });
    expect(resourcesOf(inferenceJson, "aws_cloudwatch_log_group").map((g) => String(g.name))).not.toContainEqual(
      expect.stringMatching(/^API-Gateway-Execution-Logs/),
    );
  });

  test("applies throttling, quota, reserved concurrency and log retention from the configuration", async () => {
    const { inference, inferenceJson } = await synthApp({
      THROTTLE_BURST_LIMIT: "50",
      THROTTLE_RATE_LIMIT: "25",
      QUOTA_PER_DAY: "0",
      LAMBDA_RESERVED_CONCURRENCY: "5",
      LOG_RETENTION_DAYS: "90",
    });
    expect(inference).toHaveResourceWithProperties(ApiGatewayUsagePlan, { throttle_settings: { burst_limit: 50, rate_limit: 25 } });
    expect(only(inferenceJson, "aws_api_gateway_usage_plan").quota_settings).toBeUndefined();
    expect(inference).toHaveResourceWithProperties(LambdaFunction, { reserved_concurrent_executions: 5 });
    for (const group of resourcesOf(inferenceJson, "aws_cloudwatch_log_group")) expect(group.retention_in_days).toBe(90);
  });

  test("passes a different Lambda role name per region so stacks in two regions do not collide", async () => {
    const { inference } = await synthApp({ AWS_REGION: "eu-west-1" });
    expect(inference).toHaveResourceWithProperties(IamRole, { name: "finbert-inference-eu-west-1" });
  });
});
