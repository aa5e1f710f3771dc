// The local gateway in auth mode cognito: the user pool's token endpoint (Cognito's wire format)
// and the checks of API Gateway's COGNITO_USER_POOLS authorizer with a scope per method.
import type { APIGatewayProxyEvent } from "aws-lambda";
import { type LocalGateway, startGateway } from "../../local/gateway";
import { request, type HttpReply } from "../../local/http";
import { createTokenService, EXPIRED, type TokenService, UNAUTHORIZED } from "../../local/token-service";
import { requestBodyJsonSchema } from "../../contract/text-classification";
import { json, post } from "./support";

const CLIENT = { clientId: "client-0123456789abcdefghijkl", clientSecret: "secret-0123456789" };
const SCOPES = ["svc-api/sentiment", "svc-api/v1:other"];
const clock = { now: Date.parse("2026-11-23T03:00:00Z") };

const gateways: LocalGateway[] = [];
afterAll(() => Promise.all(gateways.map((g) => g.close())));

let gateway: LocalGateway;
let tokens: TokenService;
const events: APIGatewayProxyEvent[] = [];

beforeAll(async () => {
  tokens = createTokenService({
    ...CLIENT,
    scopes: SCOPES,
    validitySeconds: 3600,
    issuer: "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_local",
    now: () => clock.now,
  });
  const route = (resourcePath: string, scope: string) => ({
    resourcePath,
    scope,
    requestSchema: requestBodyJsonSchema({ maxTexts: 2, maxTextChars: 10 }),
    invoke: async (event: APIGatewayProxyEvent) => {
      events.push(event);
      return { ok: true as const, result: { statusCode: 200, body: '{"fine":true}' } };
    },
  });
  gateway = await startGateway({
    port: 0,
    api: { apiId: "local", accountId: "000000000000", stageName: "v1" },
    auth: { mode: "cognito", tokens },
    routes: [route("/sentiment", SCOPES[0]), route("/v1/other", SCOPES[1])],
    log: () => undefined,
  });
  gateways.push(gateway);
});

const FORM = { "content-type": "application/x-www-form-urlencoded" };
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}`;

function tokenRequest(
  body: string,
  headers: Record<string, string> = { ...FORM, authorization: basic(CLIENT.clientId, CLIENT.clientSecret) },
): Promise<HttpReply> {
  return request(gateway.tokenUrl ?? "", { method: "POST", headers, body, timeoutMs: 10_000 });
}

async function tokenFor(scope?: string): Promise<string> {
  const reply = await tokenRequest(`grant_type=client_credentials${scope ? `&scope=${encodeURIComponent(scope)}` : ""}`);
  expect(reply.status).toBe(200);
  return (json(reply) as { access_token: string }).access_token;
}

const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString("utf8")) as Record<string, unknown>;
const call = (path: string, authorization?: string) =>
  post(gateway.routeUrl.replace("/sentiment", path), { text: "hello" }, authorization === undefined ? {} : { authorization });

describe("the token endpoint", () => {
  it("is served at /oauth2/token on the gateway's port", () => {
    expect(gateway.tokenUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/oauth2\/token$/);
  });

  it("answers a client-credentials request with Basic auth as Cognito does: access_token, expires_in, token_type", async () => {
    const reply = await tokenRequest(`grant_type=client_credentials&scope=${encodeURIComponent(SCOPES[0])}`);
    expect(reply.status).toBe(200);
    expect(reply.headers["content-type"]).toBe("application/json");
    expect(json(reply)).toEqual({
      access_token: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
      expires_in: 3600,
      token_type: "Bearer",
    });
  });

  it("issues a Cognito-shaped access token: RS256, client as subject, the scope asked for, an hour long", async () => {
    const token = await tokenFor(SCOPES[0]);
    expect(JSON.parse(Buffer.from(token.split(".")[0], "base64url").toString("utf8"))).toEqual({ kid: expect.any(String), alg: "RS256" });
    const now = Math.floor(clock.now / 1000);
    expect(claimsOf(token)).toEqual({
      sub: CLIENT.clientId,
      client_id: CLIENT.clientId,
      token_use: "access",
      scope: SCOPES[0],
      iss: "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_local",
      auth_time: now,
      iat: now,
      exp: now + 3600,
      version: 2,
      jti: expect.any(String),
    });
  });

  it("takes client_id and client_secret in the form body too", async () => {
    const body = new URLSearchParams({
      grant_type: "client_credentials",
      client_id: CLIENT.clientId,
      client_secret: CLIENT.clientSecret,
    }).toString();
    expect((await tokenRequest(body, FORM)).status).toBe(200);
  });

  it("grants every scope of the client when the request names none", async () => {
    expect(claimsOf(await tokenFor()).scope).toBe(SCOPES.join(" "));
  });

  it.each([
    ["a wrong secret", "grant_type=client_credentials", { ...FORM, authorization: basic(CLIENT.clientId, "wrong") }, "invalid_client"],
    ["no client credentials", "grant_type=client_credentials", FORM, "invalid_client"],
    ["another grant type", "grant_type=password", undefined, "unsupported_grant_type"],
    ["no grant type", "scope=svc-api%2Fsentiment", undefined, "invalid_request"],
    ["a scope the client may not have", "grant_type=client_credentials&scope=svc-api%2Fadmin", undefined, "invalid_scope"],
    [
      "a JSON body",
      '{"grant_type":"client_credentials"}',
      { "content-type": "application/json", authorization: basic(CLIENT.clientId, CLIENT.clientSecret) },
      "invalid_request",
    ],
  ])("refuses %s with 400 and Cognito's error code", async (_, body, headers, error) => {
    const reply = await tokenRequest(body, headers);
    expect(reply.status).toBe(400);
    expect(json(reply)).toEqual({ error });
  });
});

describe("the authorizer", () => {
  it("lets a token with the route's scope through, as Bearer or bare", async () => {
    const token = await tokenFor(SCOPES[0]);
    const before = events.length;
    expect((await call("/sentiment", `Bearer ${token}`)).status).toBe(200);
    expect((await call("/sentiment", token)).status).toBe(200);
    expect(events.length).toBe(before + 2);
  });

  it("answers a request without a token 401 Unauthorized", async () => {
    const reply = await call("/sentiment");
    expect(reply.status).toBe(401);
    expect(json(reply)).toEqual({ message: UNAUTHORIZED, requestId: reply.headers["x-amzn-requestid"] });
    expect(reply.headers["x-amzn-errortype"]).toBe("UnauthorizedException");
  });

  it("answers a token without the route's scope 401 Unauthorized, as API Gateway's Cognito authorizer does", async () => {
    const token = await tokenFor(SCOPES[1]);
    const reply = await call("/sentiment", `Bearer ${token}`);
    expect(reply.status).toBe(401);
    expect((json(reply) as { message: string }).message).toBe(UNAUTHORIZED);
    expect((await call("/v1/other", `Bearer ${token}`)).status).toBe(200);
  });

  it("answers an expired token 401 with API Gateway's expiry message", async () => {
    const token = await tokenFor(SCOPES[0]);
    clock.now += 3600 * 1000;
    try {
      const reply = await call("/sentiment", `Bearer ${token}`);
      expect(reply.status).toBe(401);
      expect((json(reply) as { message: string }).message).toBe(EXPIRED);
    } finally {
      clock.now -= 3600 * 1000;
    }
  });

  it.each([
    [
      "a changed signature",
      (t: string) => {
        const dot = t.lastIndexOf(".") + 1;
        return `${t.slice(0, dot)}${t[dot] === "A" ? "B" : "A"}${t.slice(dot + 1)}`;
      },
    ],
    [
      "a changed payload",
      (t: string) => {
        const [h, , s] = t.split(".");
        return `${h}.${Buffer.from(JSON.stringify({ ...claimsOf(t), scope: SCOPES.join(" ") })).toString("base64url")}.${s}`;
      },
    ],
    ["an unsigned token", (t: string) => `${Buffer.from('{"alg":"none"}').toString("base64url")}.${t.split(".")[1]}.`],
    ["not a JWT", () => "not-a-token"],
  ])("answers %s 401 Unauthorized", async (_, forge) => {
    const token = await tokenFor(SCOPES[1]);
    const reply = await call("/sentiment", `Bearer ${forge(token)}`);
    expect(reply.status).toBe(401);
    expect((json(reply) as { message: string }).message).toBe(UNAUTHORIZED);
  });

  it("refuses a token signed by another start's key", async () => {
    const other = createTokenService({
      ...CLIENT,
      scopes: SCOPES,
      validitySeconds: 3600,
      issuer: "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_local",
    });
    const reply = other.tokenRequest(
      { ...FORM, authorization: basic(CLIENT.clientId, CLIENT.clientSecret) },
      Buffer.from("grant_type=client_credentials"),
    );
    expect((await call("/sentiment", `Bearer ${String(reply.body.access_token)}`)).status).toBe(401);
  });

  it("checks the token before the body", async () => {
    const before = events.length;
    expect((await post(gateway.routeUrl, { text: "far too long for ten" }, {})).status).toBe(401);
    expect(
      (await post(gateway.routeUrl, { text: "far too long for ten" }, { authorization: `Bearer ${await tokenFor(SCOPES[0])}` })).status,
    ).toBe(400);
    expect(events.length).toBe(before);
  });
});
