import http from "node:http";
import { randomUUID } from "node:crypto";
import type { APIGatewayProxyEvent } from "aws-lambda";
import { z } from "zod";
import { type ApiIdentity, eventRequest, proxyEvent } from "./api-event";
import { closeServer, listen, readBody, sendJson } from "./http";
import type { InvokeOutcome } from "./lambda-host";
import { bodyValidator } from "./request-validator";
import type { TokenService } from "./token-service";

export type GatewayAuth = { mode: "api-key"; apiKey: string } | { mode: "iam" } | { mode: "cognito"; tokens: TokenService };

/** Where the local gateway serves the Cognito token endpoint (auth mode `cognito`), as the hosted domain does. */
export const TOKEN_PATH = "/oauth2/token";

/** One `POST` route and the function behind it. */
export interface GatewayRoute {
  /** The API resource, e.g. `/sentiment`. */
  resourcePath: string;
  /** The draft-04 request model of the route's POST method. */
  requestSchema: Record<string, unknown>;
  invoke(event: APIGatewayProxyEvent): Promise<InvokeOutcome>;
  /** The OAuth scope an access token must carry (auth mode `cognito`). */
  scope?: string;
  /** Also `GET <resourcePath>/results/{id}` to the same function (asynchronous routes). */
  results?: boolean;
}

export interface GatewayOptions {
  port: number;
  api: Omit<ApiIdentity, "resourcePath">;
  auth: GatewayAuth;
  /** At least one. */
  routes: readonly GatewayRoute[];
  log(line: string): void;
}

export interface LocalGateway {
  /** `http://127.0.0.1:<port>/<stage>/<route>` of the first route. */
  routeUrl: string;
  /** Every route's URL, keyed by its resource path without the leading slash. */
  routeUrls: Readonly<Record<string, string>>;
  /** `http://127.0.0.1:<port>/oauth2/token` in auth mode `cognito`. */
  tokenUrl?: string;
  close(): Promise<void>;
}

/** API Gateway's payload limit. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;

class GatewayError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

const missingToken = () => new GatewayError(403, "MissingAuthenticationTokenException", "Missing Authentication Token");
const internal = () => new GatewayError(502, "InternalServerErrorException", "Internal server error");

const proxyResult = z.object({
  statusCode: z.number().int().min(100).max(599),
  headers: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  multiValueHeaders: z.record(z.string(), z.array(z.union([z.string(), z.number(), z.boolean()]))).optional(),
  body: z.string().optional(),
  isBase64Encoded: z.boolean().optional(),
});

function checkAuth(auth: GatewayAuth, req: http.IncomingMessage, route: GatewayRoute): string | null {
  if (auth.mode === "cognito") {
    const verdict = auth.tokens.check(req.headers.authorization, route.scope as string);
    if (!verdict.ok) throw new GatewayError(401, "UnauthorizedException", verdict.message);
    return null;
  }
  if (auth.mode === "iam") {
    // SigV4 signatures are not verified locally; an unsigned request is refused as API Gateway does.
    if (!req.headers.authorization?.startsWith("AWS4-HMAC-SHA256 ")) throw missingToken();
    return null;
  }
  if (req.headers["x-api-key"] !== auth.apiKey) throw new GatewayError(403, "ForbiddenException", "Forbidden");
  return auth.apiKey;
}

function reply(res: http.ServerResponse, outcome: InvokeOutcome, log: (line: string) => void): void {
  if (!outcome.ok) {
    log(`Lambda function failed: ${outcome.error.errorType}: ${outcome.error.errorMessage}`);
    throw internal();
  }
  const parsed = proxyResult.safeParse(outcome.result);
  if (!parsed.success) {
    log(`Execution failed due to configuration error: Malformed Lambda proxy response: ${JSON.stringify(outcome.result)}`);
    throw internal();
  }
  const result = parsed.data;
  const body = Buffer.from(result.body ?? "", result.isBase64Encoded ? "base64" : "utf8");
  const headers: http.OutgoingHttpHeaders = {};
  for (const [name, values] of Object.entries(result.multiValueHeaders ?? {})) headers[name] = values.map(String);
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
  res.writeHead(result.statusCode, { ...headers, "Content-Length": body.length });
  res.end(body);
}

/**
 * A loopback API Gateway REST API with Lambda proxy routes: same path, API-key (or SigV4
 * presence, or Cognito access token and scope) check, request validation and error bodies as the
 * deployed API; in auth mode `cognito` also the user pool's token endpoint.
 */
export async function startGateway(options: GatewayOptions): Promise<LocalGateway> {
  const { api } = options;
  const unscoped = options.routes.find((r) => r.scope === undefined);
  if (options.auth.mode === "cognito" && unscoped !== undefined)
    throw new Error(`auth mode cognito: route ${unscoped.resourcePath} has no scope`);
  const routes = new Map(
    options.routes.map((route) => [
      `/${api.stageName}${route.resourcePath}`,
      { ...route, identity: { ...api, resourcePath: route.resourcePath }, bodyProblem: bodyValidator(route.requestSchema) },
    ]),
  );

  /** The async route and id of `/<stage>/<route>/results/<id>` (one non-empty segment, as API Gateway's `{id}`). */
  function resultsRoute(path: string) {
    const match = /^(.*)\/results\/([^/]+)$/.exec(path);
    const route = match ? routes.get(match[1]) : undefined;
    return route?.results && match ? { route, id: decodeURIComponent(match[2]) } : undefined;
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, requestId: string): Promise<void> {
    const body = await readBody(req);
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    if (options.auth.mode === "cognito" && path === TOKEN_PATH && req.method === "POST") {
      const answer = options.auth.tokens.tokenRequest(req.headers, body);
      sendJson(res, answer.status, answer.body);
      return;
    }
    const results = req.method === "GET" ? resultsRoute(path) : undefined;
    if (results !== undefined) {
      const apiKey = checkAuth(options.auth, req, results.route);
      const identity = { ...results.route.identity, resourcePath: `${results.route.resourcePath}/results/{id}` };
      const event = proxyEvent(identity, eventRequest(req, body, requestId, apiKey));
      const actual = `${results.route.resourcePath}/results/${results.id}`;
      const withId = {
        ...event,
        path: actual,
        pathParameters: { id: results.id },
        requestContext: { ...event.requestContext, path: `/${api.stageName}${actual}` },
      };
      reply(res, await results.route.invoke(withId), options.log);
      return;
    }
    const route = routes.get(path);
    if (route === undefined || req.method !== "POST") throw missingToken();
    const apiKey = checkAuth(options.auth, req, route);
    if (body.length > MAX_BODY_BYTES) throw new GatewayError(413, "RequestTooLarge", "Request Too Long");
    const problem = route.bodyProblem(body);
    if (problem !== null) throw new GatewayError(400, "BadRequestException", problem);
    const outcome = await route.invoke(proxyEvent(route.identity, eventRequest(req, body, requestId, apiKey)));
    reply(res, outcome, options.log);
  }

  const server = http.createServer((req, res) => {
    const requestId = randomUUID();
    const started = performance.now();
    res.setHeader("x-amzn-RequestId", requestId);
    res.on("finish", () => options.log(`${req.method} ${req.url} ${res.statusCode} ${Math.round(performance.now() - started)} ms`));
    handle(req, res, requestId).catch((error: unknown) => {
      const failure = error instanceof GatewayError ? error : internal();
      if (!(error instanceof GatewayError)) options.log(`gateway error: ${String(error)}`);
      if (res.headersSent) res.destroy();
      // The deployed API's gateway responses carry the request id too (constructs/inference-api.ts).
      else sendJson(res, failure.status, { message: failure.message, requestId }, { "x-amzn-ErrorType": failure.type });
    });
  });
  const port = await listen(server, options.port);
  const routeUrls = Object.fromEntries(
    options.routes.map((r) => [r.resourcePath.slice(1), `http://127.0.0.1:${port}/${api.stageName}${r.resourcePath}`]),
  );
  const tokenUrl = options.auth.mode === "cognito" ? `http://127.0.0.1:${port}${TOKEN_PATH}` : undefined;
  return { routeUrl: Object.values(routeUrls)[0], routeUrls, tokenUrl, close: () => closeServer(server, 10_000) };
}
