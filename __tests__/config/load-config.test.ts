import { loadConfig } from "./sagemaker-config";
import { envProblems as problemsOf } from "./problems";

describe("defaults", () => {
  const config = loadConfig();

  test("serve FinBERT sentiment from the model directory on one ml.m5.large in us-east-1", () => {
    expect(config).toMatchObject({ region: "us-east-1", namePrefix: "finbert" });
    expect(config.services).toHaveLength(1);
    expect(config.services[0]).toMatchObject({
      name: undefined,
      task: "text-classification",
      model: { source: { kind: "directory", path: "model" }, transformersVersion: "4.51.3", pytorchVersion: "2.6.0" },
      endpoint: { mode: "real-time", instanceType: "ml.m5.large", instanceCount: 1 },
    });
  });

  test("expose POST /v1/sentiment behind an API key with throttling and execution logging", () => {
    expect(config.services[0].routePath).toBe("sentiment");
    expect(config.api).toMatchObject({
      stageName: "v1",
      authMode: "api-key",
      throttle: { burstLimit: 20, rateLimit: 10 },
      executionLogging: true,
    });
  });

  test("keep local state and leave Lambda concurrency unreserved", () => {
    expect(config.stateBucket).toBeUndefined();
    expect(config.services[0].lambda.reservedConcurrency).toBeUndefined();
  });

  test("leave the Lambda's memory and timeout unset, for the function construct's defaults", () => {
    expect(config.services[0].lambda).toMatchObject({ memoryMb: undefined, timeoutSeconds: undefined });
  });
});

describe("sources and precedence", () => {
  test("cdktf.json context overrides a default", () => {
    expect(loadConfig({ context: { instanceType: "ml.c5.large" } }).services[0].endpoint).toMatchObject({ instanceType: "ml.c5.large" });
  });

  test("an environment variable overrides the context", () => {
    expect(
      loadConfig({ env: { INSTANCE_TYPE: "ml.c5.xlarge" }, context: { instanceType: "ml.c5.large" } }).services[0].endpoint,
    ).toMatchObject({ instanceType: "ml.c5.xlarge" });
  });

  test("an empty environment variable does not override", () => {
    expect(loadConfig({ env: { NAME_PREFIX: "" }, context: { namePrefix: "tone" } }).namePrefix).toBe("tone");
  });

  test("cdktf's own context keys are ignored", () => {
    expect(() =>
      loadConfig({ context: { "@cdktf/disable_stack_trace_in_metadata": true, excludeStackIdFromLogicalIds: "true" } }),
    ).not.toThrow();
  });

  test("tags come as k=v pairs or a JSON object", () => {
    expect(loadConfig({ env: { TAGS: "team=ml, env=prod" } }).tags).toEqual({ team: "ml", env: "prod" });
    expect(loadConfig({ env: { TAGS: '{"team": "ml"}' } }).tags).toEqual({ team: "ml" });
  });

  test.each([
    ["model", { kind: "directory", path: "model" }],
    ["dist/model.tar.gz", { kind: "archive", path: "dist/model.tar.gz" }],
    ["s3://team-models/finbert/model.tar.gz", { kind: "s3", bucket: "team-models", key: "finbert/model.tar.gz" }],
    ["hub:yiyanghkust/finbert-tone", { kind: "hub", modelId: "yiyanghkust/finbert-tone", revision: "main" }],
    ["hub:ProsusAI/finbert@v1.0", { kind: "hub", modelId: "ProsusAI/finbert", revision: "v1.0" }],
  ])("model source %s is a %o", (text, expected) => {
    expect(loadConfig({ env: { MODEL_SOURCE: text } }).services[0].model.source).toEqual(expected);
  });

  test("serverless settings shape the endpoint", () => {
    expect(
      loadConfig({
        env: {
          ENDPOINT_MODE: "serverless",
          SERVERLESS_MEMORY_MB: "6144",
          SERVERLESS_MAX_CONCURRENCY: "200",
          SERVERLESS_PROVISIONED_CONCURRENCY: "200",
        },
      }).services[0].endpoint,
    ).toEqual({
      mode: "serverless",
      memorySizeMb: 6144,
      maxConcurrency: 200,
      provisionedConcurrency: 200,
    });
  });
});

describe("validation names the field, its env variable and the allowed values", () => {
  test.each<[string, Record<string, string>, RegExp]>([
    ["region", { AWS_REGION: "moon-1" }, /region \(env AWS_REGION, context "region"\): must be an AWS region/],
    [
      "region without an image",
      { AWS_REGION: "mx-central-1" },
      /region .*no Hugging Face inference image is published in 'mx-central-1'; allowed: af-south-1,/,
    ],
    ["namePrefix", { NAME_PREFIX: "My_Prefix" }, /namePrefix \(env NAME_PREFIX.*\): must be 1-20 lowercase letters/],
    ["namePrefix length", { NAME_PREFIX: "a-very-long-name-prefix" }, /namePrefix .*got "a-very-long-name-prefix"/],
    ["stateBucket", { STATE_BUCKET: "Bad_Bucket" }, /stateBucket \(env STATE_BUCKET.*\): must be a valid S3 bucket name/],
    ["modelSource s3", { MODEL_SOURCE: "s3://bucket/model.zip" }, /modelSource .*key ending in \.tar\.gz/],
    ["modelSource hub", { MODEL_SOURCE: "hub:" }, /modelSource .*hub:<org>\/<name>\[@revision\]/],
    ["task", { HF_TASK: "translation" }, /task \(env HF_TASK.*\): must be one of text-classification, sentence-pair-classification/],
    [
      "versions",
      { TRANSFORMERS_VERSION: "9.9.9" },
      /transformersVersion .*no CPU image for pytorch 2\.6\.0 with transformers 9\.9\.9; published \(pytorch\/transformers\): .*2\.6\.0\/4\.51\.3/,
    ],
    [
      "endpointMode",
      { ENDPOINT_MODE: "batch" },
      /endpointMode \(env ENDPOINT_MODE.*\): must be one of real-time, serverless, async; got "batch"/,
    ],
    ["instanceType", { INSTANCE_TYPE: "m5.large" }, /instanceType .*must be a SageMaker instance type/],
    ["instanceType neuron", { INSTANCE_TYPE: "ml.inf2.xlarge" }, /instanceType .*Inferentia\/Trainium/],
    ["instanceCount", { INSTANCE_COUNT: "0" }, /instanceCount .*must be at least 1/],
    ["serverlessMemoryMb step", { SERVERLESS_MEMORY_MB: "3000" }, /serverlessMemoryMb .*must be a multiple of 1024/],
    ["serverlessMemoryMb range", { SERVERLESS_MEMORY_MB: "8192" }, /serverlessMemoryMb .*must be at most 6144/],
    ["serverlessMaxConcurrency", { SERVERLESS_MAX_CONCURRENCY: "201" }, /serverlessMaxConcurrency .*must be at most 200/],
    [
      "provisioned above max",
      { ENDPOINT_MODE: "serverless", SERVERLESS_MAX_CONCURRENCY: "2", SERVERLESS_PROVISIONED_CONCURRENCY: "3" },
      /serverlessProvisionedConcurrency .*must be at most serverlessMaxConcurrency \(2\)/,
    ],
    ["routePath", { ROUTE_PATH: "/sentiment" }, /routePath .*no leading slash/],
    ["stageName", { STAGE_NAME: "v 1" }, /stageName .*must be 1-64 letters/],
    ["authMode", { AUTH_MODE: "none" }, /authMode .*must be one of api-key, iam, cognito/],
    ["accessTokenMinutes below Cognito's minimum", { ACCESS_TOKEN_MINUTES: "4" }, /accessTokenMinutes .*must be at least 5/],
    ["accessTokenMinutes above a day", { ACCESS_TOKEN_MINUTES: "1441" }, /accessTokenMinutes .*must be at most 1440/],
    ["throttleBurstLimit", { THROTTLE_BURST_LIMIT: "lots" }, /throttleBurstLimit .*must be a number/],
    ["throttleRateLimit", { THROTTLE_RATE_LIMIT: "0" }, /throttleRateLimit .*must be at least 1/],
    ["executionLogging", { EXECUTION_LOGGING: "maybe" }, /executionLogging .*must be true or false/],
    ["logRetentionDays", { LOG_RETENTION_DAYS: "10" }, /logRetentionDays .*must be one of 1, 3, 5, 7, 14, 30/],
    ["lambdaTimeoutSeconds", { LAMBDA_TIMEOUT_SECONDS: "30" }, /lambdaTimeoutSeconds .*must be at most 28/],
    ["lambdaMemoryMb", { LAMBDA_MEMORY_MB: "64" }, /lambdaMemoryMb .*must be at least 128/],
    [
      "payload over the endpoint limit",
      { MAX_TEXTS: "256", MAX_TEXT_CHARS: "100000", MAX_TOTAL_CHARS: "1000000" },
      /maxTextChars .*over the real-time endpoint's 6000000-byte limit/,
    ],
    [
      "payload over the serverless limit",
      { ENDPOINT_MODE: "serverless", MAX_TEXTS: "64", MAX_TEXT_CHARS: "20000", MAX_TOTAL_CHARS: "1000000" },
      /over the serverless endpoint's 4000000-byte limit/,
    ],
    ["bootstrapStateInBucket", { BOOTSTRAP_STATE_IN_BUCKET: "true" }, /bootstrapStateInBucket .*needs stateBucket/],
    ["tags", { TAGS: '{"team": 5}' }, /tags .*got/],
  ])("%s", (_name, env, message) => {
    expect(problemsOf(env)).toMatch(message);
  });

  test("an unknown context key is rejected with the list of settings", () => {
    expect(problemsOf({}, { instanceTyp: "ml.m5.large" })).toMatch(/context "instanceTyp": unknown setting; allowed: region, namePrefix,/);
  });

  test("every bad field is reported at once", () => {
    const message = problemsOf({ ENDPOINT_MODE: "batch", AUTH_MODE: "none" });
    expect(message).toMatch(/endpointMode/);
    expect(message).toMatch(/authMode/);
  });
});
