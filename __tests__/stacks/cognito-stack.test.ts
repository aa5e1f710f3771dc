// Auth mode cognito in the app: one user pool with a scope per route, the authorizer on every
// method requiring its route's scope, and the outputs a client needs (token URL, client, a
// two-step curl per route). The security rules over this shape run in security-rules.test.ts.
import { type SynthedApp, defaultModelDir, only, resourcesOf, synthApp } from "./synth-app";

interface RouteOutput {
  value: { method: string; url: string; task: string; auth: string; scope: string; body: string; curl: string };
}

let app: SynthedApp;
beforeAll(async () => {
  const dir = defaultModelDir();
  app = await synthApp(
    { AUTH_MODE: "cognito", ACCESS_TOKEN_MINUTES: "30" },
    {
      services: [
        { name: "sentiment", modelSource: dir },
        { name: "finance", routePath: "v2/finance", modelSource: dir },
      ],
    },
  );
});

test("one user pool, resource server and client-credentials app client serve every route", () => {
  const json = app.inferenceJson;
  expect(only(json, "aws_cognito_user_pool").name).toBe("finbert-api");
  expect(only(json, "aws_cognito_resource_server")).toMatchObject({
    identifier: "finbert-api",
    scope: [
      { scope_name: "sentiment", scope_description: "POST /sentiment (text-classification)" },
      { scope_name: "v2:finance", scope_description: "POST /v2/finance (text-classification)" },
    ],
  });
  expect(only(json, "aws_cognito_user_pool_client")).toMatchObject({
    allowed_oauth_flows: ["client_credentials"],
    allowed_oauth_scopes: ["finbert-api/sentiment", "finbert-api/v2:finance"],
    access_token_validity: 30,
  });
});

test("the hosted domain's name is derived from the account id the stack reads", () => {
  expect(only(app.inferenceJson, "aws_cognito_user_pool_domain").domain).toMatch(
    /^finbert-api-\$\{substr\(sha1\("\$\{data\.aws_caller_identity\.[^.]+\.account_id\}:us-east-1:finbert-api"\), 0, 12\)\}$/,
  );
});

test("every method requires the pool's authorizer and its own route's scope", () => {
  const json = app.inferenceJson;
  expect(only(json, "aws_api_gateway_authorizer").provider_arns).toEqual([
    expect.stringMatching(/^\$\{aws_cognito_user_pool\.[^.]+\.arn\}$/),
  ]);
  const scopes = resourcesOf(json, "aws_api_gateway_method").map((m) => [m.authorization, ...(m.authorization_scopes as string[])]);
  expect(scopes.sort()).toEqual([
    ["COGNITO_USER_POOLS", "finbert-api/sentiment"],
    ["COGNITO_USER_POOLS", "finbert-api/v2:finance"],
  ]);
});

test("outputs the token URL, the client id, a command printing the secret and the secret itself as sensitive, and no API key", () => {
  const { output } = app.inferenceJson;
  expect(output.token_url.value).toMatch(
    /^https:\/\/\$\{aws_cognito_user_pool_domain\.[^.]+\.domain\}\.auth\.us-east-1\.amazoncognito\.com\/oauth2\/token$/,
  );
  expect(output.client_id.value).toMatch(/^\$\{aws_cognito_user_pool_client\.[^.]+\.id\}$/);
  expect(output.client_secret).toMatchObject({ value: expect.stringMatching(/client_secret\}$/), sensitive: true });
  expect(output.client_secret_command.value).toMatch(
    /^aws cognito-idp describe-user-pool-client --region us-east-1 --user-pool-id \$\{aws_cognito_user_pool\.[^.]+\.id\} --client-id \$\{aws_cognito_user_pool_client\.[^.]+\.id\} --query UserPoolClient\.ClientSecret --output text$/,
  );
  expect(output.api_key).toBeUndefined();
});

test("each route's output names its scope and gives a two-step curl: a token for that scope, then the call", () => {
  const { output } = app.inferenceJson;
  const finance = output.route_v2_finance as unknown as RouteOutput;
  expect(finance.value).toMatchObject({ auth: "cognito", scope: "finbert-api/v2:finance" });
  const [getToken, call] = finance.value.curl.split(") && ");
  expect(getToken).toBe(
    `TOKEN=$(curl -sS -X POST "${output.token_url.value}" -u "${output.client_id.value}:$(${output.client_secret_command.value})" -d grant_type=client_credentials --data-urlencode scope=finbert-api/v2:finance | sed -E 's/.*"access_token":"([^"]+)".*/\\1/'`,
  );
  expect(call).toBe(
    `curl -sS -X POST "${finance.value.url}" -H "content-type: application/json" -H "Authorization: Bearer $TOKEN" -d '${finance.value.body}'`,
  );
});
