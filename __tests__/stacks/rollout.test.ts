// Pitfalls 1-2 of sagemaker-facts.md: every change must roll the endpoint to a new configuration,
// and nothing may change when nothing changed.
import { makeModelDir, only, synthApp } from "./synth-app";

function sagemaker(json: Awaited<ReturnType<typeof synthApp>>["inferenceJson"]) {
  const model = only(json, "aws_sagemaker_model");
  const config = only(json, "aws_sagemaker_endpoint_configuration") as { production_variants: Array<Record<string, unknown>> };
  return { modelName: model.name as string, variant: config.production_variants[0], key: only(json, "aws_s3_object").key as string };
}

test("same inputs give byte-identical synth output", async () => {
  const first = await synthApp();
  const second = await synthApp();
  expect(second.inference).toBe(first.inference);
  expect(second.bootstrap).toBe(first.bootstrap);
});

test("a model directory with the same bytes gives the same key and model name, wherever it lives", async () => {
  const a = sagemaker((await synthApp({ MODEL_SOURCE: makeModelDir("same") })).inferenceJson);
  const b = sagemaker((await synthApp({ MODEL_SOURCE: makeModelDir("same") })).inferenceJson);
  expect(b).toEqual(a);
});

test("a different artifact gives a new object key, a new model name and so a new endpoint configuration", async () => {
  const before = sagemaker((await synthApp({ MODEL_SOURCE: makeModelDir("weights-v1") })).inferenceJson);
  const after = sagemaker((await synthApp({ MODEL_SOURCE: makeModelDir("weights-v2") })).inferenceJson);
  expect(after.key).not.toBe(before.key);
  expect(after.modelName).not.toBe(before.modelName);
  expect(after.variant.model_name).toMatch(/^\$\{aws_sagemaker_model\..+\.name\}$/);
});

test("a different container image gives a new model name", async () => {
  const before = sagemaker((await synthApp()).inferenceJson);
  const after = sagemaker((await synthApp({ TRANSFORMERS_VERSION: "4.49.0" })).inferenceJson);
  expect(after.modelName).not.toBe(before.modelName);
  expect(after.key).toBe(before.key);
});

test("a different instance type of the same size changes the configuration but keeps the model", async () => {
  const before = sagemaker((await synthApp()).inferenceJson);
  const after = sagemaker((await synthApp({ INSTANCE_TYPE: "ml.c5.large" })).inferenceJson);
  expect(after.modelName).toBe(before.modelName);
  expect(after.variant.instance_type).toBe("ml.c5.large");
});

test("an instance type with more vCPUs gives a new model, since the container's worker count follows them", async () => {
  const before = sagemaker((await synthApp()).inferenceJson);
  const after = sagemaker((await synthApp({ INSTANCE_TYPE: "ml.c5.xlarge" })).inferenceJson);
  expect(after.modelName).not.toBe(before.modelName);
  expect(after.variant.instance_type).toBe("ml.c5.xlarge");
});

test("switching to serverless changes the configuration and turns network isolation off under a new model name", async () => {
  const before = sagemaker((await synthApp()).inferenceJson);
  const { inferenceJson } = await synthApp({ ENDPOINT_MODE: "serverless" });
  const after = sagemaker(inferenceJson);
  expect(after.modelName).not.toBe(before.modelName);
  expect(after.variant.serverless_config).toBeDefined();
  expect(only(inferenceJson, "aws_sagemaker_model").enable_network_isolation).toBe(false);
});
