// Local mode end to end for `backend: "bedrock"` routes: gateway -> the Lambda bundle -> its
// Bedrock Runtime client -> the local Bedrock Runtime -> the model server on the fixture models.
// Beside them a SageMaker route on the same embedding model: switching backend is configuration,
// and both answer the same contract with the same vectors.
import { loadConfig } from "../../config";
import { embeddingResponseSchema } from "../../contract/feature-extraction";
import { type LocalStack, startStack } from "../../local/processes";
import { fixtureModelDir } from "../contract/fixture-models";
import { API_KEY, json, post } from "./support";

const config = loadConfig({
  context: {
    namePrefix: "local",
    services: [
      { name: "titan", backend: "bedrock", modelId: "amazon.titan-embed-text-v2:0" },
      { name: "cohere", backend: "bedrock", modelId: "cohere.embed-multilingual-v3" },
      { name: "converse", backend: "bedrock", task: "text2text-generation", modelId: "amazon.nova-micro-v1:0" },
      { name: "sagemaker", task: "feature-extraction", modelSource: fixtureModelDir("feature-extraction") },
    ],
  },
});

let stack: LocalStack | undefined;

beforeAll(async () => {
  stack = await startStack({
    config,
    modelDirs: [
      fixtureModelDir("feature-extraction"),
      fixtureModelDir("feature-extraction"),
      fixtureModelDir("text2text-generation"),
      fixtureModelDir("feature-extraction"),
    ],
    ports: { gateway: 0, runtime: 0, model: 0 },
    apiKey: API_KEY,
    python: "python3",
    readyTimeoutMs: 60_000,
    log: () => undefined,
  });
}, 90_000);

afterAll(() => stack?.stop());

const url = (route: string): string => {
  const found = stack?.services.find((s) => s.service.routePath === route);
  if (!found) throw new Error(`route ${route} is not served`);
  return found.routeUrl;
};

test("the Bedrock routes are served by the local Bedrock Runtime, the SageMaker one by its endpoint", () => {
  expect(stack?.bedrockUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  expect(stack?.services.map((s) => [s.bedrockModelId, s.endpointName])).toEqual([
    ["amazon.titan-embed-text-v2:0", undefined],
    ["cohere.embed-multilingual-v3", undefined],
    ["amazon.nova-micro-v1:0", undefined],
    [undefined, "local-sagemaker-endpoint"],
  ]);
});

test("a Titan route answers the feature-extraction contract with the same vectors as the SageMaker route", async () => {
  const body = { texts: ["profit rose", "heavy losses"] };
  const bedrock = await post(url("titan"), body);
  const sagemaker = await post(url("sagemaker"), body);
  expect(bedrock.status).toBe(200);
  expect(embeddingResponseSchema.safeParse(json(bedrock)).success).toBe(true);
  const { model, ...vectors } = json(bedrock) as { model: string };
  const { model: sagemakerModel, ...sagemakerVectors } = json(sagemaker) as { model: string };
  expect([model, sagemakerModel]).toEqual(["amazon.titan-embed-text-v2:0", "feature-extraction-model"]);
  expect(vectors).toEqual(sagemakerVectors);
});

test("a Cohere route normalises in the handler, so it too matches the SageMaker route", async () => {
  const body = { input: "quarterly results" };
  const cohere = json(await post(url("cohere"), body)) as { data: Array<{ embedding: number[] }> };
  const sagemaker = json(await post(url("sagemaker"), body)) as { data: Array<{ embedding: number[] }> };
  for (const [i, value] of cohere.data[0].embedding.entries()) expect(value).toBeCloseTo(sagemaker.data[0].embedding[i], 12);
});

test("a Converse route answers the text2text-generation contract, max_new_tokens reaching the model", async () => {
  const reply = await post(url("converse"), { texts: ["one two three", "four five"], parameters: { max_new_tokens: 2 } });
  expect(reply.status).toBe(200);
  expect(json(reply)).toEqual({ data: [{ generated_text: "three two" }, { generated_text: "five four" }] });
});

test("a parameter Bedrock cannot honour is the client's 400 with the contract's error body", async () => {
  const reply = await post(url("converse"), { text: "a b", parameters: { num_beams: 4 } });
  expect(reply.status).toBe(400);
  expect(json(reply)).toEqual({
    message: "parameters.num_beams: beam search is not offered by Bedrock models; leave it out or set 1",
    requestId: expect.any(String),
  });
});
