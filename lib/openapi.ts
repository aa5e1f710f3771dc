// The OpenAPI 3 document of the inference API, from the same zod schemas the handler validates
// with (requests) and answers with (responses), and the routes and auth mode of the configuration.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { isDeepStrictEqual } from "node:util";
import * as z from "zod/mini";
import type { AppConfig } from "../config";
import { errorResponseSchema } from "../contract/text-classification";
import { type TaskContract, taskContract } from "../contract/task-contracts";
import { type ApiRoute, apiRoutes } from "./api-routes";
import { inferenceNames } from "../stacks/inference-wiring";

export const OPENAPI_FILE = "openapi.json";

export interface OpenApiOptions {
  /** The deployed stage's URL (`stage_url` output); default: a URL template with the API id as a variable. */
  readonly serverUrl?: string;
  /** Auth mode `cognito`: the user pool's token endpoint (`token_url` output); default: a placeholder naming the output. */
  readonly tokenUrl?: string;
}

type Json = Record<string, unknown>;

const jsonSchema = (schema: z.ZodMiniType, io: "input" | "output"): Json => z.toJSONSchema(schema, { target: "openapi-3.0", io }) as Json;
const ref = (kind: "schemas" | "responses" | "securitySchemes", name: string) => ({ $ref: `#/components/${kind}/${name}` });
const pascal = (text: string) => text.replace(/(^|[^A-Za-z0-9]+)([A-Za-z0-9])/g, (_, __, c: string) => c.toUpperCase());

/** Error answers every route may give, all `{message, requestId}`. */
function errorResponses(authMode: AppConfig["api"]["authMode"]): Record<string, { name: string; description: string; headers?: Json }> {
  const retryAfter = { "Retry-After": { description: "Seconds to wait before retrying", schema: { type: "integer" } } };
  return {
    "400": {
      name: "BadRequest",
      description:
        "The body is not JSON or breaks the request schema (API Gateway's validator or the handler; the message names the field)",
    },
    ...(authMode === "cognito"
      ? {
          "401": {
            name: "Unauthorized",
            description:
              "No access token in Authorization, or one that is invalid, expired (message: The incoming token has expired) or lacks this route's scope",
          },
        }
      : {
          "403": {
            name: "Forbidden",
            description:
              authMode === "iam"
                ? "Missing or invalid SigV4 signature, or the caller may not invoke this API"
                : "Missing or wrong API key (x-api-key)",
          },
        }),
    "413": { name: "PayloadTooLarge", description: "Body over API Gateway's 10 MB payload limit" },
    "415": { name: "UnsupportedMediaType", description: "Content-Type is not application/json" },
    "429": { name: "TooManyRequests", description: "Over the stage's throttling or the API key's daily quota" },
    "500": { name: "InternalError", description: "Anything unexpected; details only in the logs" },
    "502": { name: "BadGateway", description: "The model raised or answered something unexpected" },
    "503": { name: "ServiceUnavailable", description: "The model is loading, throttled or unavailable", headers: retryAfter },
    "504": { name: "GatewayTimeout", description: "The model did not answer in time" },
  };
}

function securityScheme(config: AppConfig, routes: readonly ApiRoute[], options: OpenApiOptions): [string, Json] {
  const { authMode } = config.api;
  if (authMode === "cognito") {
    const tokenUrl = options.tokenUrl ?? `https://TOKEN-URL-OUTPUT.auth.${config.region}.amazoncognito.com/oauth2/token`;
    return [
      "cognito",
      {
        type: "oauth2",
        description:
          "Amazon Cognito access token (client-credentials grant with the app client's id and secret), sent as `Authorization: Bearer <token>`. The token URL is the stack's token_url output.",
        flows: {
          clientCredentials: { tokenUrl, scopes: Object.fromEntries(routes.map((r) => [r.scope, `${r.method} ${r.path} (${r.task})`])) },
        },
      },
    ];
  }
  if (authMode === "iam") {
    return [
      "sigv4",
      {
        type: "apiKey",
        name: "Authorization",
        in: "header",
        description: "AWS Signature Version 4 (service execute-api)",
        "x-amazon-apigateway-authtype": "awsSigv4",
      },
    ];
  }
  return ["api_key", { type: "apiKey", name: "x-api-key", in: "header", description: "The usage plan's API key" }];
}

/**
 * The component name of a route's `schema`: `base` (e.g. `SentimentRequest`), shared by the
 * routes whose schema is the same; a route whose limits make it differ gets its own, named
 * after its path (`FinanceSentimentRequest`).
 */
function componentName(schemas: Json, base: string, schema: Json, route: ApiRoute): string {
  for (const name of [base, `${pascal(route.path)}${base}`]) {
    if (schemas[name] === undefined) schemas[name] = schema;
    if (isDeepStrictEqual(schemas[name], schema)) return name;
  }
  throw new Error(`OpenAPI: two routes named like ${route.path} publish different ${base} schemas`);
}

function operation(
  route: ApiRoute,
  contract: TaskContract,
  names: { request: string; response: string },
  errors: ReturnType<typeof errorResponses>,
  security: Json[] | undefined,
): Json {
  const examples = Object.fromEntries(
    contract
      .examples(route.limits)
      .filter((e) => e.status === 200)
      .map((e) => [pascal(e.name).replace(/^./, (c) => c.toLowerCase()), { summary: e.name, value: JSON.parse(e.body) as unknown }]),
  );
  return {
    operationId: `${route.method.toLowerCase()}${pascal(route.path)}`,
    summary: contract.summary,
    description: `Hugging Face task ${route.task}. Stack output ${route.outputName} has this route's URL and a ready request.`,
    ...(security && { security }),
    requestBody: { required: true, content: { "application/json": { schema: ref("schemas", names.request), examples } } },
    responses: {
      "200": {
        description: "One answer per input, in request order",
        content: { "application/json": { schema: ref("schemas", names.response) } },
      },
      ...Object.fromEntries(Object.entries(errors).map(([status, e]) => [status, ref("responses", e.name)])),
    },
  };
}

/** What an async route answers while the request waits: POST and GET both (202). */
const ASYNC_ACCEPTED: Json = {
  type: "object",
  required: ["id", "status", "resultPath"],
  properties: {
    id: { type: "string", pattern: "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$" },
    status: { type: "string", enum: ["pending"] },
    resultPath: { type: "string", description: "Path below the host where GET answers the result: /<stage>/<route>/results/<id>" },
  },
  additionalProperties: false,
};
const RETRY_AFTER = { "Retry-After": { description: "Seconds to wait before polling again", schema: { type: "integer" } } };

/** An async route: POST answers 202 with the id; `GET <path>/results/{id}` the result once there. */
function asyncOperations(
  post: Json,
  route: ApiRoute,
  errors: ReturnType<typeof errorResponses>,
  security: Json[] | undefined,
): Record<string, Json> {
  const { "200": result, ...failures } = post.responses as Record<string, Json>;
  const accepted = (description: string) => ({
    description,
    headers: RETRY_AFTER,
    content: { "application/json": { schema: ref("schemas", "AsyncAccepted") } },
  });
  const getErrors = Object.fromEntries(Object.entries(errors).filter(([status]) => !["413", "415"].includes(status)));
  return {
    [route.path]: {
      post: {
        ...post,
        description: `${String(post.description)} Asynchronous: the request is queued and answered 202; poll resultPath.`,
        responses: { "202": accepted("Queued; poll resultPath (also in Location)"), ...failures },
      },
    },
    [`${route.path}/results/{id}`]: {
      get: {
        operationId: `get${pascal(route.path)}Result`,
        summary: `The answer to a POST ${route.path}`,
        ...(security && { security }),
        parameters: [{ name: "id", in: "path", required: true, schema: (ASYNC_ACCEPTED.properties as Record<string, Json>).id }],
        responses: {
          "200": { ...result, description: `${String(result.description)}: exactly what the synchronous route answers` },
          "202": accepted("Still queued or running"),
          "404": ref("responses", "NotFound"),
          ...Object.fromEntries(Object.entries(getErrors).map(([status, e]) => [status, ref("responses", e.name)])),
        },
      },
    },
  };
}

export function openApiDocument(config: AppConfig, options: OpenApiOptions = {}): Json {
  const routes = apiRoutes(config);
  const errors = errorResponses(config.api.authMode);
  const [schemeName, scheme] = securityScheme(config, routes, options);
  // In cognito mode each route requires its own scope.
  const securityOf = (route: ApiRoute) => (config.api.authMode === "cognito" ? [{ [schemeName]: [route.scope] }] : undefined);
  const schemas: Json = { ErrorResponse: jsonSchema(errorResponseSchema, "output") };
  const paths: Record<string, Json> = {};
  for (const route of routes) {
    const contract = taskContract(route.task);
    const names = {
      request: componentName(schemas, `${contract.schemaName}Request`, jsonSchema(contract.requestSchema(route.limits), "input"), route),
      response: componentName(schemas, `${contract.schemaName}Response`, jsonSchema(contract.responseSchema, "output"), route),
    };
    const op = operation(route, contract, names, errors, securityOf(route));
    if (route.async) Object.assign(paths, asyncOperations(op, route, errors, securityOf(route)));
    else paths[route.path] = { ...paths[route.path], [route.method.toLowerCase()]: op };
  }
  const anyAsync = routes.some((r) => r.async);
  if (anyAsync) schemas.AsyncAccepted = ASYNC_ACCEPTED;
  const server = options.serverUrl
    ? { url: options.serverUrl }
    : {
        url: `https://{restApiId}.execute-api.${config.region}.amazonaws.com/${config.api.stageName}`,
        variables: { restApiId: { default: "restApiId", description: "The REST API's id (the host of the stage_url output)" } },
      };
  const version = (JSON.parse(readFileSync(path.join(__dirname, "..", "package.json"), "utf8")) as { version: string }).version;
  return {
    openapi: "3.0.3",
    info: {
      title: inferenceNames(config.namePrefix).apiName,
      version,
      description: "Hugging Face model inference on a SageMaker endpoint. Every error answer is JSON {message, requestId}.",
    },
    servers: [server],
    ...(config.api.authMode !== "cognito" && { security: [{ [schemeName]: [] }] }),
    paths,
    components: {
      schemas,
      responses: Object.fromEntries(
        [
          ...Object.values(errors),
          ...(anyAsync ? [{ name: "NotFound", description: "No request with this id on this route", headers: undefined }] : []),
        ].map((e) => [
          e.name,
          {
            description: e.description,
            ...(e.headers && { headers: e.headers }),
            content: { "application/json": { schema: ref("schemas", "ErrorResponse") } },
          },
        ]),
      ),
      securitySchemes: { [schemeName]: scheme },
    },
  };
}

export function writeOpenApi(file: string, config: AppConfig, options: OpenApiOptions = {}): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(openApiDocument(config, options), null, 2)}\n`);
}
