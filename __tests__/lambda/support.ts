import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body: string;
  delayMs?: number;
  /** Close the connection instead of answering (the request was received: a sent request). */
  dropConnection?: boolean;
}

export type Responder = (request: RecordedRequest) => Reply;

const LABELS = ["Positive", "Neutral", "Negative"] as const;

/** Scores like this project's inference.py: every label per input, highest first. */
function allScoresFor(text: string): { label: string; score: number }[] {
  const top = text.includes("good") ? 0 : text.includes("bad") ? 2 : 1;
  return LABELS.map((label, i) => ({ label, score: i === top ? 0.9 : 0.05 })).sort((a, b) => b.score - a.score);
}

export const modelAnswers: Responder = (request) => {
  const { inputs } = JSON.parse(request.body) as { inputs: string[] };
  return { status: 200, headers: { "Content-Type": "application/json" }, body: JSON.stringify(inputs.map(allScoresFor)) };
};

/** A SageMaker Runtime error as the service sends it: `x-amzn-ErrorType` plus a JSON message. */
export function serviceError(type: string, status: number, extra: Record<string, unknown> = {}): Reply {
  return {
    status,
    headers: { "Content-Type": "application/json", "x-amzn-ErrorType": `${type}:http://internal.amazon.com/coral/com.amazon.sagemaker/` },
    body: JSON.stringify({ message: `${type} raised by the fake endpoint`, ...extra }),
  };
}

/** Loopback stand-in for SageMaker Runtime's `POST /endpoints/{name}/invocations`. */
export class FakeSageMaker {
  readonly requests: RecordedRequest[] = [];
  private responder: Responder = modelAnswers;

  private constructor(private readonly server: Server) {}

  static async start(): Promise<FakeSageMaker> {
    const server = createServer();
    const fake = new FakeSageMaker(server);
    server.on("request", (req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        const recorded = {
          method: req.method ?? "",
          url: req.url ?? "",
          headers: req.headers,
          body: Buffer.concat(chunks).toString("utf8"),
        };
        fake.requests.push(recorded);
        const reply = fake.responder(recorded);
        const send = () => (reply.dropConnection ? req.socket.destroy() : res.writeHead(reply.status, reply.headers).end(reply.body));
        if (reply.delayMs === undefined) send();
        else setTimeout(send, reply.delayMs).unref();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return fake;
  }

  get url(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  respondWith(responder: Responder): void {
    this.responder = responder;
  }

  /** Answers with each reply in turn, then with the model's answer. */
  respondInTurn(...replies: Reply[]): void {
    this.responder = (request) => replies.shift() ?? modelAnswers(request);
  }

  reset(): void {
    this.requests.length = 0;
    this.responder = modelAnswers;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export const API_REQUEST_ID = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef";

export function apiEvent(
  overrides: { body?: string | null; headers?: Record<string, string>; isBase64Encoded?: boolean } = {},
): APIGatewayProxyEvent {
  return {
    resource: "/sentiment",
    path: "/sentiment",
    httpMethod: "POST",
    headers: overrides.headers ?? { "Content-Type": "application/json" },
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    body: overrides.body === undefined ? JSON.stringify({ text: "good results" }) : overrides.body,
    isBase64Encoded: overrides.isBase64Encoded ?? false,
    requestContext: {
      accountId: "123456789012",
      apiId: "abcdef1234",
      authorizer: null,
      protocol: "HTTP/1.1",
      httpMethod: "POST",
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: "127.0.0.1",
        user: null,
        userAgent: "jest",
        userArn: null,
      },
      path: "/prod/sentiment",
      stage: "prod",
      requestId: API_REQUEST_ID,
      requestTimeEpoch: 0,
      resourceId: "abc123",
      resourcePath: "/sentiment",
    },
  };
}

export function lambdaContext(remainingMs = 28_000): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: "sentiment",
    functionVersion: "$LATEST",
    invokedFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:sentiment",
    memoryLimitInMB: "512",
    awsRequestId: "lambda-request-1",
    logGroupName: "/aws/lambda/sentiment",
    logStreamName: "2026/01/01/[$LATEST]abc",
    getRemainingTimeInMillis: () => remainingMs,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export type Handler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

const HANDLER_ENV_KEYS = [
  "ENDPOINT_NAME",
  "MAX_TEXTS",
  "MAX_TEXT_CHARS",
  "MAX_TOTAL_CHARS",
  "INVOKE_MAX_ATTEMPTS",
  "LOG_REQUEST_TEXT",
  "AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME",
  "AWS_ENDPOINT_URL_BEDROCK_RUNTIME",
  "BEDROCK_MODEL_ID",
];

/** Environment a deployed handler would see, with dummy credentials and the fake endpoint. */
export function setHandlerEnv(endpointUrl: string, env: Record<string, string> = {}): void {
  for (const key of HANDLER_ENV_KEYS) delete process.env[key];
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: "AKIDTEST",
    AWS_SECRET_ACCESS_KEY: "test-secret",
    AWS_SESSION_TOKEN: "test-token",
    AWS_REGION: "us-east-1",
    AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME: endpointUrl,
    ENDPOINT_NAME: "finbert-test",
    INVOKE_MAX_ATTEMPTS: "1",
    POWERTOOLS_SERVICE_NAME: "sentiment-api-test",
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    ...env,
  });
}

/** A fresh copy of `lambda/index` so module-scope config and client follow the current env. */
export async function loadHandler(endpointUrl: string, env: Record<string, string> = {}): Promise<Handler> {
  setHandlerEnv(endpointUrl, env);
  let handler: Handler | undefined;
  await jest.isolateModulesAsync(async () => {
    handler = (await import("../../lambda/index")).handler;
  });
  if (handler === undefined) throw new Error("lambda/index did not export handler");
  return handler;
}

/** Swallows stdout and stderr (where Powertools Logger writes) and hands back the JSON log lines. */
export function captureLogs(): { entries: () => Record<string, unknown>[]; restore: () => void } {
  const lines: string[] = [];
  const capture = (chunk: string | Uint8Array) => {
    lines.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
    return true;
  };
  const spies = [
    jest.spyOn(process.stdout, "write").mockImplementation(capture),
    jest.spyOn(process.stderr, "write").mockImplementation(capture),
  ];
  return {
    entries: () =>
      lines
        .join("")
        .split("\n")
        .filter((line) => line.startsWith("{"))
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    restore: () => {
      for (const spy of spies) spy.mockRestore();
    },
  };
}

export function parseBody(result: APIGatewayProxyResult): Record<string, unknown> {
  return JSON.parse(result.body) as Record<string, unknown>;
}
