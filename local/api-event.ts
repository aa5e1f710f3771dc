import type http from "node:http";
import type { APIGatewayProxyEvent } from "aws-lambda";

export interface ApiIdentity {
  apiId: string;
  accountId: string;
  stageName: string;
  /** The API resource, e.g. `/sentiment`. */
  resourcePath: string;
}

export interface EventRequest {
  method: string;
  url: URL;
  /** `IncomingMessage.rawHeaders`: names keep the client's spelling, as API Gateway passes them. */
  rawHeaders: readonly string[];
  body: Buffer;
  sourceIp: string;
  requestId: string;
  /** The API key the caller presented, once checked. */
  apiKey: string | null;
}

function headerMaps(rawHeaders: readonly string[]): Pick<APIGatewayProxyEvent, "headers" | "multiValueHeaders"> {
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const [name, value] = [rawHeaders[i], rawHeaders[i + 1]];
    headers[name] = value;
    multiValueHeaders[name] = [...(multiValueHeaders[name] ?? []), value];
  }
  return { headers, multiValueHeaders };
}

function queryMaps(url: URL): Pick<APIGatewayProxyEvent, "queryStringParameters" | "multiValueQueryStringParameters"> {
  if ([...url.searchParams.keys()].length === 0) {
    return { queryStringParameters: null, multiValueQueryStringParameters: null };
  }
  const single: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  for (const [name, value] of url.searchParams) {
    single[name] = value;
    multi[name] = [...(multi[name] ?? []), value];
  }
  return { queryStringParameters: single, multiValueQueryStringParameters: multi };
}

/** The REST API Lambda proxy integration event (payload format 1.0) for one request. */
export function proxyEvent(api: ApiIdentity, request: EventRequest, now: Date = new Date()): APIGatewayProxyEvent {
  const headers = headerMaps(request.rawHeaders);
  const userAgent = Object.entries(headers.headers).find(([name]) => name.toLowerCase() === "user-agent")?.[1] ?? null;
  return {
    resource: api.resourcePath,
    path: api.resourcePath,
    httpMethod: request.method,
    ...headers,
    ...queryMaps(request.url),
    pathParameters: null,
    stageVariables: null,
    body: request.body.length === 0 ? null : request.body.toString("utf8"),
    isBase64Encoded: false,
    requestContext: {
      accountId: api.accountId,
      apiId: api.apiId,
      authorizer: undefined,
      protocol: "HTTP/1.1",
      httpMethod: request.method,
      path: `/${api.stageName}${api.resourcePath}`,
      stage: api.stageName,
      requestId: request.requestId,
      requestTime: now.toISOString(),
      requestTimeEpoch: now.getTime(),
      resourceId: "local",
      resourcePath: api.resourcePath,
      domainName: request.url.host,
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: request.apiKey,
        apiKeyId: request.apiKey === null ? null : "local",
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: request.sourceIp,
        user: null,
        userAgent,
        userArn: null,
      },
    },
  };
}

export function eventRequest(req: http.IncomingMessage, body: Buffer, requestId: string, apiKey: string | null): EventRequest {
  return {
    method: req.method ?? "GET",
    url: new URL(req.url ?? "/", `http://${req.headers.host ?? "127.0.0.1"}`),
    rawHeaders: req.rawHeaders,
    body,
    sourceIp: req.socket.remoteAddress ?? "127.0.0.1",
    requestId,
    apiKey,
  };
}
