// `backend: "bedrock"` services: a model id instead of a model, checked against the task and
// region at load; SageMaker settings refused where the service sets them.
import * as path from "node:path";
import { type BedrockServiceConfig, loadConfig } from "../../config";
import { bedrockModelsFor } from "../../lib/bedrock-models";
import { contextProblems as problemsOf } from "./problems";

const QA_MODEL = path.resolve(__dirname, "..", "fixtures", "question-answering-model");
const titan = { name: "embed", backend: "bedrock", modelId: "amazon.titan-embed-text-v2:0" };

function bedrockService(context: Record<string, unknown>, env: Record<string, string> = {}): BedrockServiceConfig {
  const [service] = loadConfig({ env, context }).services;
  if (service.backend !== "bedrock") throw new Error("expected a Bedrock service");
  return service;
}

describe("a Bedrock service", () => {
  test("takes its task from the model and carries the model's entry, with no SageMaker model or endpoint", () => {
    const service = bedrockService({ services: [titan] });
    expect(service).toMatchObject({ backend: "bedrock", name: "embed", routePath: "embed", task: "feature-extraction" });
    expect(service.bedrock).toMatchObject({ modelId: "amazon.titan-embed-text-v2:0", family: "titan-embed", dimensions: 1024 });
    expect(Object.keys(service)).not.toEqual(expect.arrayContaining(["model"]));
    expect(Object.keys(service)).not.toEqual(expect.arrayContaining(["endpoint"]));
  });

  test("serves text2text-generation through a Converse model", () => {
    const service = bedrockService({
      services: [{ name: "gen", backend: "bedrock", task: "text2text-generation", modelId: "anthropic.claude-3-haiku-20240307-v1:0" }],
    });
    expect(service.bedrock.family).toBe("converse");
    expect(service.task).toBe("text2text-generation");
  });

  test("is configured by BACKEND and BEDROCK_MODEL_ID for the environment's single service", () => {
    const service = bedrockService({}, { BACKEND: "bedrock", BEDROCK_MODEL_ID: "cohere.embed-multilingual-v3" });
    expect(service).toMatchObject({ name: undefined, routePath: "sentiment", task: "feature-extraction" });
    expect(service.bedrock.family).toBe("cohere-embed");
  });

  test("stands beside SageMaker services in one configuration, switching backend by configuration only", () => {
    const config = loadConfig({
      context: {
        services: [
          { name: "qa", modelSource: QA_MODEL },
          { ...titan, task: "feature-extraction" },
        ],
      },
    });
    expect(config.services.map((s) => s.backend ?? "sagemaker")).toEqual(["sagemaker", "bedrock"]);
  });

  test("caps unset limits at what the model takes: Cohere's 2,048 characters per text", () => {
    const service = bedrockService({ services: [{ ...titan, modelId: "cohere.embed-multilingual-v3" }] });
    expect(service.limits).toMatchObject({ maxTexts: 32, maxTextChars: 2048 });
  });
});

describe("refusals name the field", () => {
  test("a model id that does not serve the task names the model, the task and the models that would", () => {
    const message = problemsOf({ services: [{ ...titan, task: "text2text-generation" }] });
    expect(message).toContain(
      `services[0] "embed": modelId: 'amazon.titan-embed-text-v2:0' serves feature-extraction, not task text2text-generation; models for text2text-generation in us-east-1: ${bedrockModelsFor("text2text-generation", "us-east-1").join(", ")}`,
    );
  });

  test("a model id not offered in the region names the model, the region and the models that would fit", () => {
    const message = problemsOf({
      region: "eu-west-1",
      services: [{ ...titan, task: "text2text-generation", modelId: "amazon.nova-micro-v1:0" }],
    });
    expect(message).toContain(
      `services[0] "embed": modelId: 'amazon.nova-micro-v1:0' is not offered in region eu-west-1 (it is in us-east-1)`,
    );
    expect(message).toContain(
      "models for text2text-generation in eu-west-1: amazon.titan-text-lite-v1, anthropic.claude-3-haiku-20240307-v1:0",
    );
  });

  test("an unknown model id names the data file", () => {
    expect(problemsOf({ services: [{ ...titan, modelId: "amazon.titan-embed-text-v9:0" }] })).toContain(
      `services[0] "embed": modelId: 'amazon.titan-embed-text-v9:0' is not a Bedrock model listed in lib/bedrock-models.json; models for feature-extraction in us-east-1: amazon.titan-embed-text-v2:0, cohere.embed-multilingual-v3`,
    );
  });

  test("a task no listed model serves says so", () => {
    expect(problemsOf({ services: [{ ...titan, task: "question-answering" }] })).toContain(
      "not task question-answering; no listed model serves question-answering in us-east-1",
    );
  });

  test("backend bedrock without a model id", () => {
    expect(problemsOf({ services: [{ name: "embed", backend: "bedrock" }] })).toContain(
      'services[0] "embed": modelId: required with backend bedrock',
    );
  });

  test("a malformed model id", () => {
    expect(problemsOf({ services: [{ ...titan, modelId: "titan embeddings" }] })).toContain(
      `services[0] "embed": modelId: must be a Bedrock model id such as amazon.titan-embed-text-v2:0; got "titan embeddings"`,
    );
  });

  test("an unknown backend", () => {
    expect(problemsOf({ services: [{ ...titan, backend: "vertex" }] })).toContain(
      'services[0] "embed": backend: must be one of sagemaker, bedrock; got "vertex"',
    );
  });

  test.each([
    ["modelSource", "hub:sentence-transformers/all-mpnet-base-v2"],
    ["instanceType", "ml.m5.large"],
    ["quantization", "none"],
    ["endpointMode", "serverless"],
    ["maxInstances", 4],
    ["dataCapturePercent", 10],
    ["serverlessMemoryMb", 2048],
    ["asyncBacklogPerInstance", 5],
    ["asyncNotifications", true],
  ])("the SageMaker setting %s set on a Bedrock service", (field, value) => {
    expect(problemsOf({ services: [{ ...titan, [field]: value }] })).toContain(
      `services[0] "embed": ${field}: is a SageMaker setting; a service with backend bedrock has no SageMaker model or endpoint (remove it)`,
    );
  });

  test("a SageMaker setting from the environment for the environment's Bedrock service names its variable", () => {
    expect(
      problemsOf({}, { BACKEND: "bedrock", BEDROCK_MODEL_ID: "amazon.titan-embed-text-v2:0", INSTANCE_TYPE: "ml.c5.large" }),
    ).toContain('instanceType (env INSTANCE_TYPE, context "instanceType"): is a SageMaker setting');
  });

  test("a top-level SageMaker default does not count against a Bedrock service of a list", () => {
    expect(loadConfig({ context: { instanceType: "ml.c5.large", services: [titan] } }).services).toHaveLength(1);
  });

  test("maxTextChars over what the model takes", () => {
    expect(problemsOf({ services: [{ ...titan, modelId: "cohere.embed-multilingual-v3", maxTextChars: 5000 }] })).toContain(
      `services[0] "embed": maxTextChars: cohere.embed-multilingual-v3 takes at most 2048; got 5000`,
    );
  });

  test("a model id on a SageMaker service", () => {
    expect(problemsOf({ services: [{ name: "qa", modelSource: QA_MODEL, modelId: "amazon.titan-embed-text-v2:0" }] })).toContain(
      'services[0] "qa": modelId: names a Bedrock model; set backend to bedrock to use it',
    );
  });
});
