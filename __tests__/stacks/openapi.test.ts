// The OpenAPI document: valid OpenAPI 3, exactly the synthesized API's routes, the auth mode's
// security scheme, the error answers, and the schemas the gateway and the handler use.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { type AppConfig, loadConfig } from "../../config";
import { requestBodyJsonSchema } from "../../contract/text-classification";
import { openApiDocument } from "../../lib/openapi";
import { defaultModelDir, synthApp, type TerraformJson } from "./synth-app";

const REPO = path.resolve(__dirname, "..", "..");

interface Document {
  servers: Array<{ url: string }>;
  security: Array<Record<string, string[]>>;
  paths: Record<
    string,
    Record<string, { requestBody: { content: Record<string, { schema: { $ref: string } }> }; responses: Record<string, { $ref?: string }> }>
  >;
  components: {
    schemas: Record<string, Record<string, unknown>>;
    responses: Record<string, { content: Record<string, { schema: { $ref: string } }> }>;
    securitySchemes: Record<string, Record<string, unknown>>;
  };
}

function configFor(env: Record<string, string>): AppConfig {
  return loadConfig({ env: { MODEL_SOURCE: defaultModelDir(), ...env }, context: {} });
}

const documentFor = (env: Record<string, string> = {}) => openApiDocument(configFor(env)) as unknown as Document;

function validate(document: unknown): { valid: boolean; version: string; errors: unknown } {
  const run = spawnSync(process.execPath, [path.join(__dirname, "validate-openapi.mjs")], {
    cwd: REPO,
    input: JSON.stringify(document),
    encoding: "utf8",
  });
  if (run.status !== 0) throw new Error(run.stderr);
  return JSON.parse(run.stdout) as { valid: boolean; version: string; errors: unknown };
}

/** `METHOD /path` of every method of the synthesized REST API (paths rebuilt from the resources' parents). */
function synthesizedRoutes(json: TerraformJson): string[] {
  const resources = json.resource.aws_api_gateway_resource ?? {};
  const pathOf = (reference: string): string => {
    const match = /^\$\{aws_api_gateway_resource\.([^.]+)\.id\}$/.exec(reference);
    if (!match) return ""; // the API's root resource
    const resource = resources[match[1]];
    return `${pathOf(String(resource.parent_id))}/${String(resource.path_part)}`;
  };
  return Object.values(json.resource.aws_api_gateway_method ?? {}).map((m) => `${String(m.http_method)} ${pathOf(String(m.resource_id))}`);
}

const documentedRoutes = (document: Document): string[] =>
  Object.entries(document.paths).flatMap(([route, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${route}`));

describe.each([
  ["api-key", {}],
  ["iam", { AUTH_MODE: "iam" }],
  ["cognito", { AUTH_MODE: "cognito" }],
  ["async api-key", { ENDPOINT_MODE: "async" }],
  ["async cognito", { ENDPOINT_MODE: "async", AUTH_MODE: "cognito" }],
])("in %s mode", (_mode, env: Record<string, string>) => {
  it("validates as OpenAPI 3.0 (@seriousme/openapi-schema-validator)", () => {
    const result = validate(documentFor(env));

    expect(result.errors).toBeNull();
    expect(result).toMatchObject({ valid: true, version: "3.0" });
  });

  it("lists every route of the synthesized API and nothing else", async () => {
    const { inferenceJson } = await synthApp(env);

    expect(documentedRoutes(documentFor(env)).sort()).toEqual(synthesizedRoutes(inferenceJson).sort());
  });
});

it("lists a nested route path as the synthesized API serves it", async () => {
  const env = { ROUTE_PATH: "finance/sentiment" };
  const { inferenceJson } = await synthApp(env);

  expect(synthesizedRoutes(inferenceJson)).toEqual(["POST /finance/sentiment"]);
  expect(documentedRoutes(documentFor(env))).toEqual(["POST /finance/sentiment"]);
});

it("secures every operation with the x-api-key header in api-key mode", () => {
  const document = documentFor();

  expect(document.security).toEqual([{ api_key: [] }]);
  expect(document.components.securitySchemes).toEqual({
    api_key: expect.objectContaining({ type: "apiKey", in: "header", name: "x-api-key" }),
  });
});

it("secures every operation with SigV4 (x-amazon-apigateway-authtype awsSigv4) in iam mode", () => {
  const document = documentFor({ AUTH_MODE: "iam" });

  expect(document.security).toEqual([{ sigv4: [] }]);
  expect(document.components.securitySchemes).toEqual({
    sigv4: expect.objectContaining({ type: "apiKey", in: "header", name: "Authorization", "x-amazon-apigateway-authtype": "awsSigv4" }),
  });
});

it("in cognito mode secures each operation with an OAuth2 client-credentials scheme and its route's scope", () => {
  const config = configFor({ AUTH_MODE: "cognito" });
  const document = openApiDocument(config, {
    tokenUrl: "https://x-0123.auth.us-east-1.amazoncognito.com/oauth2/token",
  }) as unknown as Document & {
    paths: Record<string, Record<string, { security: unknown }>>;
  };

  expect(document.security).toBeUndefined();
  expect(document.paths["/sentiment"].post.security).toEqual([{ cognito: ["finbert-api/sentiment"] }]);
  expect(document.components.securitySchemes.cognito).toMatchObject({
    type: "oauth2",
    flows: {
      clientCredentials: {
        tokenUrl: "https://x-0123.auth.us-east-1.amazoncognito.com/oauth2/token",
        scopes: { "finbert-api/sentiment": "POST /sentiment (text-classification)" },
      },
    },
  });
  expect(document.paths["/sentiment"].post.responses["401"]).toEqual({ $ref: "#/components/responses/Unauthorized" });
  expect(document.paths["/sentiment"].post.responses["403"]).toBeUndefined();
});

it("documents the error answers 400, 403, 413, 429 and 5xx as {message, requestId}", () => {
  const document = documentFor();
  const { responses } = document.paths["/sentiment"].post;

  for (const status of ["400", "403", "413", "415", "429", "500", "502", "503", "504"]) {
    const name = /^#\/components\/responses\/(\w+)$/.exec(responses[status]?.$ref ?? "")?.[1];
    expect(name).toBeDefined();
    expect(document.components.responses[name!].content["application/json"].schema).toEqual({ $ref: "#/components/schemas/ErrorResponse" });
  }
  expect(document.components.schemas.ErrorResponse).toEqual({
    type: "object",
    properties: { message: { type: "string" }, requestId: { type: "string" } },
    required: ["message", "requestId"],
    additionalProperties: false,
  });
});

it("publishes the request schema API Gateway validates bodies with, limits included", () => {
  const config = configFor({ MAX_TEXTS: "7" });
  const document = openApiDocument(config) as unknown as Document;
  const { $schema: _draft, ...gatewayModel } = requestBodyJsonSchema(config.services[0].limits);

  expect(document.paths["/sentiment"].post.requestBody.content["application/json"].schema).toEqual({
    $ref: "#/components/schemas/SentimentRequest",
  });
  expect(document.components.schemas.SentimentRequest).toEqual(gatewayModel);
  expect(document.components.schemas.SentimentRequest).toMatchObject({ properties: { texts: { maxItems: 7 } } });
});

describe("files", () => {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "openapi-"));
  afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

  it("synth writes openapi.json beside the stacks", () => {
    const outdir = path.join(scratch, "cdktf.out");
    const env = { MODEL_SOURCE: "hub:yiyanghkust/finbert-tone@4921590d3c0c3832c0efea24c8381ce0bda7844b" };
    const run = spawnSync(process.execPath, ["--import", "tsx", "main.ts"], {
      cwd: REPO,
      env: { ...process.env, CDKTF_OUTDIR: outdir, ...env },
      encoding: "utf8",
    });

    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(fs.existsSync(path.join(outdir, "stacks", "inference", "cdk.tf.json"))).toBe(true);
    expect(JSON.parse(fs.readFileSync(path.join(outdir, "openapi.json"), "utf8"))).toEqual(openApiDocument(configFor(env)));
  });

  it("npm run openapi -- --outputs names the deployed stage as the server", () => {
    const outputs = path.join(scratch, "outputs.json");
    const out = path.join(scratch, "api.json");
    fs.writeFileSync(outputs, JSON.stringify({ inference: { stage_url: "https://abc123.execute-api.us-east-1.amazonaws.com/v1" } }));
    const run = spawnSync(process.execPath, ["--import", "tsx", "tools/openapi.ts", "--outputs", outputs, "--out", out], {
      cwd: REPO,
      encoding: "utf8",
    });

    expect(run.status).toBe(0);
    expect((JSON.parse(fs.readFileSync(out, "utf8")) as Document).servers).toEqual([
      { url: "https://abc123.execute-api.us-east-1.amazonaws.com/v1" },
    ]);
  });
});

it("documents an async route: POST answers 202 with the id, GET results/{id} the synchronous answer, 202 or 404", () => {
  const document = documentFor({ ENDPOINT_MODE: "async" }) as unknown as {
    paths: Record<string, Record<string, { responses: Record<string, Record<string, unknown>>; parameters?: unknown[] }>>;
    components: { schemas: Record<string, unknown>; responses: Record<string, unknown> };
  };
  const post = document.paths["/sentiment"].post.responses;
  expect(post["200"]).toBeUndefined();
  expect(post["202"]).toMatchObject({ content: { "application/json": { schema: { $ref: "#/components/schemas/AsyncAccepted" } } } });
  const get = document.paths["/sentiment/results/{id}"].get;
  expect(get.parameters).toEqual([{ name: "id", in: "path", required: true, schema: expect.objectContaining({ type: "string" }) }]);
  expect(get.responses["200"]).toMatchObject({
    content: { "application/json": { schema: { $ref: "#/components/schemas/SentimentResponse" } } },
  });
  expect(get.responses["202"]).toMatchObject({
    content: { "application/json": { schema: { $ref: "#/components/schemas/AsyncAccepted" } } },
  });
  expect(get.responses["404"]).toEqual({ $ref: "#/components/responses/NotFound" });
  expect(get.responses["415"]).toBeUndefined();
  expect(document.components.schemas.AsyncAccepted).toMatchObject({ required: ["id", "status", "resultPath"] });
});
