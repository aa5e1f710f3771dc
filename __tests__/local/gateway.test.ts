import type { APIGatewayProxyEvent } from "aws-lambda";
import { type GatewayAuth, type LocalGateway, startGateway } from "../../local/gateway";
import type { InvokeOutcome } from "../../local/lambda-host";
import { requestBodyJsonSchema } from "../../contract/text-classification";
import { json, post } from "./support";

const gateways: LocalGateway[] = [];
afterAll(() => Promise.all(gateways.map((g) => g.close())));

/** A gateway whose Lambda is `lambda`; returns the events it received. */
async function gatewayWith(auth: GatewayAuth, lambda: (event: APIGatewayProxyEvent) => InvokeOutcome) {
  const events: APIGatewayProxyEvent[] = [];
  const gateway = await startGateway({
    port: 0,
    api: { apiId: "local", accountId: "000000000000", stageName: "v1" },
    auth,
    routes: [
      {
        resourcePath: "/sentiment",
        requestSchema: requestBodyJsonSchema({ maxTexts: 2, maxTextChars: 10 }),
        invoke: async (event) => {
          events.push(event);
          return lambda(event);
        },
      },
    ],
    log: () => undefined,
  });
  gateways.push(gateway);
  return { gateway, events };
}

const ok = (): InvokeOutcome => ({ ok: true, result: { statusCode: 201, headers: { "X-Custom": "yes" }, body: '{"fine":true}' } });

describe("local gateway", () => {
  it("passes a REST API proxy event (payload 1.0) with the caller's headers, stage and key", async () => {
    const { gateway, events } = await gatewayWith({ mode: "api-key", apiKey: "k".repeat(20) }, ok);
    const reply = await post(`${gateway.routeUrl}?lang=en`, { text: "hello" }, { "x-api-key": "k".repeat(20), "X-Trace": "abc" });
    expect(reply.status).toBe(201);
    expect(reply.headers["x-custom"]).toBe("yes");
    expect(json(reply)).toEqual({ fine: true });
    const [event] = events;
    expect(event).toMatchObject({
      resource: "/sentiment",
      path: "/sentiment",
      httpMethod: "POST",
      body: '{"text":"hello"}',
      isBase64Encoded: false,
      queryStringParameters: { lang: "en" },
      requestContext: {
        stage: "v1",
        path: "/v1/sentiment",
        resourcePath: "/sentiment",
        requestId: reply.headers["x-amzn-requestid"],
        identity: { apiKey: "k".repeat(20), sourceIp: "127.0.0.1" },
      },
    });
    expect(event.headers["X-Trace"]).toBe("abc");
    expect(event.multiValueHeaders["X-Trace"]).toEqual(["abc"]);
  });

  it("in iam mode refuses unsigned requests with Missing Authentication Token", async () => {
    const { gateway, events } = await gatewayWith({ mode: "iam" }, ok);
    const unsigned = await post(gateway.routeUrl, { text: "hello" }, {});
    expect(unsigned.status).toBe(403);
    expect(json(unsigned)).toEqual({ message: "Missing Authentication Token", requestId: unsigned.headers["x-amzn-requestid"] });
    const signed = await post(
      gateway.routeUrl,
      { text: "hello" },
      { authorization: "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/execute-api/aws4_request, SignedHeaders=host, Signature=00" },
    );
    expect(signed.status).toBe(201);
    expect(events).toHaveLength(1);
  });

  it.each([
    ["a Lambda error", (): InvokeOutcome => ({ ok: false, error: { errorType: "Error", errorMessage: "boom" } })],
    ["a malformed proxy result", (): InvokeOutcome => ({ ok: true, result: { body: "no status code" } })],
  ])("answers %s with 502 Internal server error, as API Gateway does", async (_, lambda) => {
    const { gateway } = await gatewayWith({ mode: "api-key", apiKey: "k".repeat(20) }, lambda);
    const reply = await post(gateway.routeUrl, { text: "hello" }, { "x-api-key": "k".repeat(20) });
    expect(reply.status).toBe(502);
    expect(json(reply)).toEqual({ message: "Internal server error", requestId: reply.headers["x-amzn-requestid"] });
  });

  it("checks the key before the body, and the body before calling the Lambda", async () => {
    const { gateway, events } = await gatewayWith({ mode: "api-key", apiKey: "k".repeat(20) }, ok);
    expect((await post(gateway.routeUrl, { text: "far too long for ten" }, {})).status).toBe(403);
    expect((await post(gateway.routeUrl, { text: "far too long for ten" }, { "x-api-key": "k".repeat(20) })).status).toBe(400);
    expect(events).toHaveLength(0);
  });
});
