// The OpenAPI document of an API with one route per task (presets/all-in-one.json): valid
// OpenAPI 3.0, each route's request schema the gateway model of its task, its examples valid.
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { loadConfig } from "../../config";
import { handlerContract } from "../../contract/tasks";
import { apiRoutes } from "../../lib/api-routes";
import { openApiDocument } from "../../lib/openapi";
import type { Task } from "../../lib/tasks";
import { validDraft04 } from "../lambda/draft04";

const REPO = path.resolve(__dirname, "..", "..");

interface Operation {
  requestBody: { content: { "application/json": { schema: { $ref: string }; examples: Record<string, { value: unknown }> } } };
  responses: { "200": { content: { "application/json": { schema: { $ref: string } } } } };
}
interface Document {
  paths: Record<string, { post: Operation }>;
  components: { schemas: Record<string, Record<string, unknown>> };
}

const config = loadConfig({ env: { APP_CONFIG: path.join(REPO, "presets", "all-in-one.json") }, context: {} });
const routes = apiRoutes(config);
const document = openApiDocument(config) as unknown as Document;
const schemaAt = (ref: string, doc: Document = document) => doc.components.schemas[ref.replace("#/components/schemas/", "")];

it("has one route per task, all five", () => {
  expect(routes.map((r) => r.task).sort()).toEqual([
    "feature-extraction",
    "question-answering",
    "sentence-pair-classification",
    "text-classification",
    "text2text-generation",
  ]);
  expect(Object.keys(document.paths).sort()).toEqual(routes.map((r) => r.path).sort());
});

it("validates as OpenAPI 3.0 (@seriousme/openapi-schema-validator)", () => {
  const run = spawnSync(process.execPath, [path.join(__dirname, "validate-openapi.mjs")], {
    cwd: REPO,
    input: JSON.stringify(document),
    encoding: "utf8",
  });
  expect(run.stderr).toBe("");
  expect(JSON.parse(run.stdout)).toEqual({ valid: true, version: "3.0", errors: null });
});

describe.each(routes.map((route) => [route.path, route] as const))("POST %s", (_path, route) => {
  const operation = document.paths[route.path].post;
  const { $schema: _draft, ...gatewayModel } = handlerContract(route.task as Task).requestJsonSchema(route.limits);

  it("publishes its task's gateway request model, limits included", () => {
    expect(schemaAt(operation.requestBody.content["application/json"].schema.$ref)).toEqual(gatewayModel);
  });

  it("shows examples the gateway model accepts", () => {
    const examples = Object.values(operation.requestBody.content["application/json"].examples);
    expect(examples.length).toBeGreaterThanOrEqual(2);
    for (const example of examples) expect(validDraft04(gatewayModel, example.value)).toBe(true);
  });

  it("describes its 200 answer with its own response schema", () => {
    const response = schemaAt(operation.responses["200"].content["application/json"].schema.$ref);
    expect(response).toMatchObject({ type: "object", required: expect.arrayContaining(["data"]) });
  });
});

it("gives each task's response its own schema", () => {
  const refs = routes.map((r) => document.paths[r.path].post.responses["200"].content["application/json"].schema.$ref);
  expect(new Set(refs).size).toBe(routes.length);
});

it("gives two routes of one task with different limits each their own request schema", () => {
  const source = "hub:yiyanghkust/finbert-tone@4921590d3c0c3832c0efea24c8381ce0bda7844b";
  const twoLimits = loadConfig({
    env: {},
    context: {
      services: [
        { name: "small", task: "text-classification", modelSource: source, maxTexts: 7 },
        { name: "large", task: "text-classification", modelSource: source, maxTexts: 9 },
      ],
    },
  });
  const doc = openApiDocument(twoLimits) as unknown as Document;
  const requestOf = (route: string) => doc.paths[route].post.requestBody.content["application/json"].schema.$ref;

  expect(requestOf("/small")).not.toBe(requestOf("/large"));
  expect(schemaAt(requestOf("/small"), doc)).toMatchObject({ properties: { texts: { maxItems: 7 } } });
  expect(schemaAt(requestOf("/large"), doc)).toMatchObject({ properties: { texts: { maxItems: 9 } } });
});
