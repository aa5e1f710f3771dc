// Every preset in presets/ synthesizes offline (Hub sources ship only the task's code), passes
// every security rule on every resource, and gives each of its services its own endpoint, Lambda,
// role, grant and log groups behind the one API.
import * as fs from "node:fs";
import * as path from "node:path";
import { type SynthedApp, type TerraformJson, resourcesOf, statementsOf, synthApp } from "./synth-app";
import { SECURITY_RULES } from "./security-rules";
import { readyExample, taskContract } from "../../contract/task-contracts";
import { DEFAULT_REQUEST_LIMITS } from "../../contract/request-limits";

const PRESETS_DIR = path.resolve(__dirname, "..", "..", "presets");
const PRESETS = fs
  .readdirSync(PRESETS_DIR)
  .filter((name) => name.endsWith(".json"))
  .sort();

interface PresetFile {
  services: Array<{ name: string; task: string; endpointMode: string; backend?: "sagemaker" | "bedrock"; modelId?: string }>;
}

const read = (name: string): PresetFile => JSON.parse(fs.readFileSync(path.join(PRESETS_DIR, name), "utf8")) as PresetFile;

test("the issue's six presets, the real-time and async Flan-T5 and seed 002's Bedrock variant are there", () => {
  expect(PRESETS).toEqual([
    "all-in-one.json",
    "bert-paraphrase-intel.json",
    "bert-squad-qa.json",
    "embeddings-bedrock.json",
    "embeddings-serverless.json",
    "finbert-sentiment.json",
    "flan-t5-async.json",
    "flan-t5-realtime.json",
    "flan-t5-serverless.json",
  ]);
});

test("all-in-one serves the five tasks, one route each", () => {
  expect(
    read("all-in-one.json")
      .services.map((s) => s.task)
      .sort(),
  ).toEqual(["feature-extraction", "question-answering", "sentence-pair-classification", "text-classification", "text2text-generation"]);
});

function invokeGrantsByRole(
  json: TerraformJson,
  actions: readonly string[] = ["sagemaker:InvokeEndpoint", "sagemaker:InvokeEndpointAsync"],
): Map<string, string[]> {
  const grants = new Map<string, string[]>();
  for (const policy of resourcesOf(json, "aws_iam_role_policy")) {
    for (const statement of statementsOf(json, policy.policy)) {
      if (!statement.actions?.some((a) => actions.includes(a))) continue;
      grants.set(String(policy.role), [...(grants.get(String(policy.role)) ?? []), ...(statement.resources ?? [])]);
    }
  }
  return grants;
}

describe.each(PRESETS)("preset %s", (preset) => {
  const services = read(preset).services;
  // Bedrock services have a Lambda and a route, but no artifact or endpoint.
  const sageMaker = services.filter((s) => s.backend !== "bedrock");
  const bedrock = services.filter((s) => s.backend === "bedrock");
  let app: SynthedApp;
  beforeAll(async () => {
    app = await synthApp({ APP_CONFIG: path.join(PRESETS_DIR, preset) });
  });

  test.each(Object.entries(SECURITY_RULES))("%s", (_rule, check) => {
    check([app.bootstrapJson, app.inferenceJson]);
  });

  test("one API, one stage and one artifact bucket (where a SageMaker service needs it) serve every service", () => {
    expect(resourcesOf(app.inferenceJson, "aws_api_gateway_rest_api")).toHaveLength(1);
    expect(resourcesOf(app.inferenceJson, "aws_api_gateway_stage")).toHaveLength(1);
    expect(resourcesOf(app.inferenceJson, "aws_s3_bucket")).toHaveLength(sageMaker.length > 0 ? 1 : 0);
  });

  test("each service has its own Lambda and route with a request model, each SageMaker service its endpoint and archive object", () => {
    for (const type of ["aws_lambda_function", "aws_api_gateway_model"]) {
      expect([type, resourcesOf(app.inferenceJson, type).length]).toEqual([type, services.length]);
    }
    for (const type of ["aws_sagemaker_endpoint", "aws_sagemaker_model", "aws_s3_object"]) {
      expect([type, resourcesOf(app.inferenceJson, type).length]).toEqual([type, sageMaker.length]);
    }
    // Async services also answer GET <route>/results/{id}.
    const asyncServices = services.filter((s) => s.endpointMode === "async");
    expect(resourcesOf(app.inferenceJson, "aws_api_gateway_method")).toHaveLength(services.length + asyncServices.length);
    const paths = resourcesOf(app.inferenceJson, "aws_api_gateway_resource").map((r) => r.path_part);
    expect(paths.sort()).toEqual([...services.map((s) => s.name), ...asyncServices.flatMap(() => ["results", "{id}"])].sort());
  });

  test("the functions share one zipped package per Lambda entry (sync, async) instead of a copy each", () => {
    const kinds = new Set(services.map((s) => (s.endpointMode === "async" ? "async" : "sync")));
    expect(Object.keys(app.inferenceJson.data.archive_file)).toHaveLength(kinds.size);
  });

  test("each Lambda's role may invoke exactly one endpoint, and no two roles the same", () => {
    const grants = invokeGrantsByRole(app.inferenceJson);
    expect(grants.size).toBe(sageMaker.length);
    const endpoints = [...grants.values()].map((resources) => {
      expect(resources).toHaveLength(1);
      return resources[0];
    });
    expect(new Set(endpoints).size).toBe(sageMaker.length);
  });

  test("each Bedrock service's role may invoke exactly its own foundation model", () => {
    const grants = [...invokeGrantsByRole(app.inferenceJson, ["bedrock:InvokeModel"]).values()];
    expect(grants.sort()).toEqual(bedrock.map((s) => [`arn:aws:bedrock:us-east-1::foundation-model/${s.modelId}`]).sort());
  });

  test("each Lambda is told its own task and endpoint", () => {
    const functions = resourcesOf(app.inferenceJson, "aws_lambda_function") as Array<{
      function_name: string;
      environment: { variables: Record<string, string> };
    }>;
    for (const service of services) {
      const fn = functions.find((f) => f.function_name.endsWith(`-${service.name}-inference`));
      expect(fn?.environment.variables.TASK).toBe(service.task === "text-classification" ? undefined : service.task);
      if (service.backend === "bedrock") {
        expect(fn?.environment.variables).toMatchObject({ BEDROCK_MODEL_ID: service.modelId, MODEL_ID: service.modelId });
        expect(fn?.environment.variables.ENDPOINT_NAME).toBeUndefined();
      } else {
        expect(fn?.environment.variables.ENDPOINT_NAME).toMatch(new RegExp(`inference-endpoint-${service.name}_`));
      }
    }
  });

  test("the curl output sends the first route's documented example", () => {
    const example = JSON.parse(readyExample(taskContract(services[0].task), DEFAULT_REQUEST_LIMITS).body) as Record<string, unknown>;
    for (const key of Object.keys(example)) expect(app.inferenceJson.output.curl.value).toContain(`"${key}": `);
    expect(app.inferenceJson.output.curl.value).toContain(`/${services[0].name}"`);
  });

  test("serverless services get serverless endpoints, the others instances", () => {
    const configs = resourcesOf(app.inferenceJson, "aws_sagemaker_endpoint_configuration") as Array<{
      production_variants: Array<Record<string, unknown>>;
    }>;
    const serverless = configs.filter((c) => c.production_variants[0].serverless_config !== undefined).length;
    expect(serverless).toBe(services.filter((s) => s.endpointMode === "serverless").length);
  });
});

test("flan-t5-realtime's endpoint runs on the type synth chose: the cheapest that holds Flan-T5 base for its workers", async () => {
  const app = await synthApp({ APP_CONFIG: path.join(PRESETS_DIR, "flan-t5-realtime.json") });
  const [config] = resourcesOf(app.inferenceJson, "aws_sagemaker_endpoint_configuration") as Array<{
    production_variants: Array<Record<string, unknown>>;
  }>;
  expect(read("flan-t5-realtime.json").services[0]).toMatchObject({ instanceType: "auto" });
  expect(config.production_variants[0].instance_type).toBe("ml.m5.large");
});
