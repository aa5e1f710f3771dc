import { TerraformOutput } from "cdktf";
import {
  CognitoClientCredentials,
  type CognitoClientCredentialsProps,
  readableDomainPart,
} from "../../constructs/cognito-client-credentials";
import { only } from "../stacks/synth-app";
import { SECURITY_RULES } from "../stacks/security-rules";
import { synthJson, TARGET } from "./support";

const PROPS: CognitoClientCredentialsProps = {
  name: "svc-api",
  region: "eu-west-1",
  accountId: TARGET.accountId,
  resourceServerIdentifier: "svc-api",
  scopes: [
    { name: "sentiment", description: "POST /sentiment" },
    { name: "v1:embed", description: "POST /v1/embed" },
  ],
};

const synth = (overrides: Partial<CognitoClientCredentialsProps> = {}) =>
  synthJson((scope) => new CognitoClientCredentials(scope, "tokens", { ...PROPS, ...overrides }));

test("the user pool lets nobody sign up, has threat protection off and can be destroyed", () => {
  expect(only(synth(), "aws_cognito_user_pool")).toMatchObject({
    name: "svc-api",
    deletion_protection: "INACTIVE",
    admin_create_user_config: { allow_admin_create_user_only: true },
    user_pool_add_ons: { advanced_security_mode: "OFF" },
  });
});

test("deletion protection can be turned on", () => {
  expect(only(synth({ deletionProtection: true }), "aws_cognito_user_pool").deletion_protection).toBe("ACTIVE");
});

test("the resource server has one scope per given name, under its identifier", () => {
  expect(only(synth(), "aws_cognito_resource_server")).toMatchObject({
    identifier: "svc-api",
    user_pool_id: expect.stringMatching(/^\$\{aws_cognito_user_pool\.[^.]+\.id\}$/),
    scope: [
      { scope_name: "sentiment", scope_description: "POST /sentiment" },
      { scope_name: "v1:embed", scope_description: "POST /v1/embed" },
    ],
  });
});

test("the app client has a secret, only the client-credentials flow, every scope and hour-long access tokens", () => {
  const client = only(synth(), "aws_cognito_user_pool_client");
  expect(client).toMatchObject({
    name: "svc-api-client",
    generate_secret: true,
    allowed_oauth_flows_user_pool_client: true,
    allowed_oauth_flows: ["client_credentials"],
    allowed_oauth_scopes: ["svc-api/sentiment", "svc-api/v1:embed"],
    explicit_auth_flows: ["ALLOW_REFRESH_TOKEN_AUTH"],
    access_token_validity: 60,
    token_validity_units: [{ access_token: "minutes" }],
  });
  expect(client.depends_on).toEqual([expect.stringMatching(/^aws_cognito_resource_server\./)]);
});

test("the access token lifetime follows accessTokenMinutes", () => {
  expect(only(synth({ accessTokenMinutes: 15 }), "aws_cognito_user_pool_client").access_token_validity).toBe(15);
});

test("the hosted domain is the readable name plus a hash of account, region and name, and the token URL is on it", () => {
  const json = synth();
  const domain = String(only(json, "aws_cognito_user_pool_domain").domain);
  expect(domain).toBe('svc-api-${substr(sha1("111122223333:eu-west-1:svc-api"), 0, 12)}');
  const withOutput = synthJson((scope) => {
    new TerraformOutput(scope, "token_url", { value: new CognitoClientCredentials(scope, "tokens", PROPS).tokenUrl });
  });
  expect(withOutput.output.token_url.value).toMatch(
    /^https:\/\/\$\{aws_cognito_user_pool_domain\.[^.]+\.domain\}\.auth\.eu-west-1\.amazoncognito\.com\/oauth2\/token$/,
  );
});

test.each([
  ["my-aws-api", "my-api"],
  ["cognito-api", "api"],
  ["amazonaws", "api"],
])("the domain's readable part of %s leaves out the words Cognito refuses: %s", (name, expected) => {
  expect(readableDomainPart(name)).toBe(expected);
});

test.each([
  [{ accessTokenMinutes: 4 }, "accessTokenMinutes must be a whole number from 5 to 1440; got 4"],
  [{ scopes: [] }, "give at least one scope"],
  [{ scopes: [PROPS.scopes[0], PROPS.scopes[0]] }, "scope 'sentiment' is given twice"],
  [{ scopes: [{ name: "v1/embed", description: "" }] }, "scope name 'v1/embed' may not contain"],
  [{ name: "Svc_API" }, "name must be 1-24 lowercase letters"],
])("refuses %j naming the problem", (overrides, message) => {
  expect(() => synth(overrides)).toThrow(message);
});

test.each(Object.entries(SECURITY_RULES))("meets the security rule: %s", (_rule, check) => {
  check([synth()]);
});
