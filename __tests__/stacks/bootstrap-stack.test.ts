import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { ApiGatewayAccount } from "@cdktf/provider-aws/lib/api-gateway-account";
import { type SynthedApp, only, resourcesOf, statementsOf, synthApp } from "./synth-app";

describe("bootstrap stack", () => {
  let app: SynthedApp;
  beforeAll(async () => {
    app = await synthApp();
  });

  test("keeps its own state locally by default", () => {
    expect(app.bootstrapJson.terraform.backend).toEqual({ local: { path: "../../../terraform.bootstrap.tfstate" } });
  });

  test("names the state bucket after prefix, account and region, and refuses to destroy it", () => {
    expect(app.bootstrap).toHaveResourceWithProperties(S3Bucket, {
      bucket: expect.stringMatching(/^finbert-tfstate-\$\{data\.aws_caller_identity\..+\.account_id\}-us-east-1$/),
      force_destroy: false,
      lifecycle: { prevent_destroy: true },
    });
  });

  test("outputs the state bucket name to configure the app's backend with", () => {
    expect(app.bootstrapJson.output.state_bucket.value).toMatch(/aws_s3_bucket\..+\.bucket/);
  });

  test("sets the account's API Gateway CloudWatch role, trusted by API Gateway only", () => {
    expect(app.bootstrap).toHaveResourceWithProperties(ApiGatewayAccount, {
      cloudwatch_role_arn: expect.stringMatching(/aws_iam_role\..+\.arn/),
    });
    const role = only(app.bootstrapJson, "aws_iam_role");
    expect(role.name).toBe("finbert-apigw-cloudwatch-us-east-1");
    expect(statementsOf(app.bootstrapJson, role.assume_role_policy)[0].principals).toEqual([
      { type: "Service", identifiers: ["apigateway.amazonaws.com"] },
    ]);
  });

  test("scopes the CloudWatch role to API Gateway's log groups instead of the managed policy's *", () => {
    const policy = only(app.bootstrapJson, "aws_iam_role_policy");
    const statements = statementsOf(app.bootstrapJson, policy.policy);
    expect(statements.flatMap((s) => s.resources)).toEqual([
      expect.stringMatching(/:log-group:API-Gateway-Execution-Logs_\*$/),
      expect.stringMatching(/:log-group:\/aws\/apigateway\/\*$/),
      expect.stringMatching(/^arn:aws:logs:us-east-1:\$\{data\.aws_caller_identity\..+\.account_id\}:log-group:\*$/),
    ]);
    expect(resourcesOf(app.bootstrapJson, "aws_iam_role_policy_attachment")).toEqual([]);
  });

  test("sets the account only after the role has its permissions", () => {
    expect(only(app.bootstrapJson, "aws_api_gateway_account").depends_on).toEqual([expect.stringMatching(/^aws_iam_role_policy\./)]);
  });
});

describe("bootstrap stack options", () => {
  test("leaves the account's API Gateway settings alone when told to", async () => {
    const { bootstrapJson } = await synthApp({ MANAGE_API_GATEWAY_ACCOUNT: "false" });
    expect(bootstrapJson.resource.aws_api_gateway_account).toBeUndefined();
    expect(bootstrapJson.resource.aws_iam_role).toBeUndefined();
    expect(Object.keys(bootstrapJson.resource.aws_s3_bucket)).toHaveLength(1);
  });

  test("moves its own state into the state bucket when asked, with its own key", async () => {
    const { bootstrapJson } = await synthApp({ STATE_BUCKET: "finbert-tfstate-123456789012-us-east-1", BOOTSTRAP_STATE_IN_BUCKET: "true" });
    expect(bootstrapJson.terraform.backend).toEqual({
      s3: {
        bucket: "finbert-tfstate-123456789012-us-east-1",
        key: "finbert/bootstrap.tfstate",
        region: "us-east-1",
        encrypt: true,
        use_lockfile: true,
      },
    });
  });

  test("keeps local state while only the app's state bucket is configured", async () => {
    const { bootstrapJson } = await synthApp({ STATE_BUCKET: "finbert-tfstate-123456789012-us-east-1" });
    expect(Object.keys(bootstrapJson.terraform.backend)).toEqual(["local"]);
  });
});
