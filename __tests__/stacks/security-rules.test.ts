// Every rule marked "must" in shared/notes/security-rules.md, checked on every resource of both
// stacks for each shape of the app (defaults, serverless, IAM auth, Hub model).
import { PolicyStatement, SynthedApp, TerraformJson, resourcesOf, statementsOf, synthApp } from "./synth-app";

const VARIANTS: Record<string, Record<string, string>> = {
  defaults: {},
  serverless: { ENDPOINT_MODE: "serverless" },
  "iam auth": { AUTH_MODE: "iam" },
  "hub model": { MODEL_SOURCE: "hub:yiyanghkust/finbert-tone@4921590d3c0c3832c0efea24c8381ce0bda7844b" },
};

/** Actions that have no resource type, so `Resource: "*"` is the only option. */
const UNSCOPABLE = new Set(["ecr:GetAuthorizationToken", "xray:PutTraceSegments", "xray:PutTelemetryRecords", "cloudwatch:PutMetricData"]);
const BROAD_MANAGED = /AmazonSageMakerFullAccess|AmazonS3FullAccess|AdministratorAccess|PowerUserAccess/;

function bucketRef(json: TerraformJson, type: string, bucketId: string): Record<string, unknown> | undefined {
  return resourcesOf(json, type).find((r) => r.bucket === `\${aws_s3_bucket.${bucketId}.id}`);
}

function allStatements(json: TerraformJson): PolicyStatement[] {
  return Object.values(json.data?.aws_iam_policy_document ?? {}).flatMap((d) => d.statement as PolicyStatement[]);
}

describe.each(Object.entries(VARIANTS))("security rules (%s)", (_name, env) => {
  let app: SynthedApp;
  let stacks: TerraformJson[];
  beforeAll(async () => {
    app = await synthApp(env);
    stacks = [app.bootstrapJson, app.inferenceJson];
  });

  test("every bucket blocks all four kinds of public access", () => {
    for (const json of stacks)
      for (const id of Object.keys(json.resource.aws_s3_bucket ?? {}))
        expect(bucketRef(json, "aws_s3_bucket_public_access_block", id)).toMatchObject({ block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true });
  });

  test("every bucket has versioning enabled", () => {
    for (const json of stacks)
      for (const id of Object.keys(json.resource.aws_s3_bucket ?? {}))
        expect(bucketRef(json, "aws_s3_bucket_versioning", id)).toMatchObject({ versioning_configuration: { status: "Enabled" } });
  });

  test("every bucket is encrypted at rest", () => {
    for (const json of stacks)
      for (const id of Object.keys(json.resource.aws_s3_bucket ?? {})) {
        const sse = bucketRef(json, "aws_s3_bucket_server_side_encryption_configuration", id) as { rule: Array<{ apply_server_side_encryption_by_default: { sse_algorithm: string } }> };
        expect(["AES256", "aws:kms"]).toContain(sse.rule[0].apply_server_side_encryption_by_default.sse_algorithm);
      }
  });

  test("every bucket enforces bucket-owner ownership", () => {
    for (const json of stacks)
      for (const id of Object.keys(json.resource.aws_s3_bucket ?? {}))
        expect(bucketRef(json, "aws_s3_bucket_ownership_controls", id)).toMatchObject({ rule: { object_ownership: "BucketOwnerEnforced" } });
  });

  test("every bucket policy denies requests without TLS on the bucket and its objects", () => {
    for (const json of stacks)
      for (const id of Object.keys(json.resource.aws_s3_bucket ?? {})) {
        const policy = bucketRef(json, "aws_s3_bucket_policy", id);
        const deny = statementsOf(json, policy?.policy).find((s) => s.effect === "Deny");
        expect(deny).toMatchObject({
          actions: ["s3:*"],
          principals: [{ type: "*", identifiers: ["*"] }],
          resources: [`\${aws_s3_bucket.${id}.arn}`, `\${aws_s3_bucket.${id}.arn}/*`],
          condition: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
        });
      }
  });

  test("Lambda functions trace actively, run a supported Node.js and set memory and a timeout below 29 s", () => {
    for (const fn of resourcesOf(app.inferenceJson, "aws_lambda_function")) {
      expect(fn.tracing_config).toEqual({ mode: "Active" });
      expect(["nodejs22.x", "nodejs24.x"]).toContain(fn.runtime);
      expect(fn.memory_size).toEqual(expect.any(Number));
      expect(fn.timeout).toBeLessThan(29);
    }
  });

  test("Lambda permissions name API Gateway and a source ARN", () => {
    const permissions = resourcesOf(app.inferenceJson, "aws_lambda_permission");
    expect(permissions.length).toBeGreaterThan(0);
    for (const p of permissions) {
      expect(p.principal).toBe("apigateway.amazonaws.com");
      expect(p.source_arn).toMatch(/execution_arn/);
    }
  });

  test("every log group has a retention, and each Lambda has its own /aws/lambda group", () => {
    const groups = stacks.flatMap((json) => resourcesOf(json, "aws_cloudwatch_log_group"));
    for (const group of groups) expect(group.retention_in_days).toEqual(expect.any(Number));
    for (const fn of resourcesOf(app.inferenceJson, "aws_lambda_function"))
      expect(groups.map((g) => g.name)).toContain(`/aws/lambda/${String(fn.function_name)}`);
  });

  test("no IAM statement allows *, iam:* or a whole service", () => {
    for (const s of stacks.flatMap(allStatements).filter((st) => st.effect === "Allow"))
      for (const action of s.actions ?? []) expect(action).not.toMatch(/^\*$|^iam:\*|^[a-z0-9-]+:\*$/);
  });

  test('Resource "*" appears only for actions that cannot be scoped, and PutMetricData only with a namespace condition', () => {
    for (const s of stacks.flatMap(allStatements).filter((st) => st.effect === "Allow" && st.resources?.includes("*"))) {
      for (const action of s.actions ?? []) expect(UNSCOPABLE).toContain(action);
      if (s.actions?.includes("cloudwatch:PutMetricData")) expect(s.condition).toEqual([expect.objectContaining({ variable: "cloudwatch:namespace" })]);
    }
  });

  test("no role carries a broad AWS managed policy", () => {
    for (const json of stacks) {
      for (const attachment of resourcesOf(json, "aws_iam_role_policy_attachment")) expect(String(attachment.policy_arn)).not.toMatch(BROAD_MANAGED);
      for (const role of resourcesOf(json, "aws_iam_role")) expect(role.managed_policy_arns ?? []).toEqual([]);
    }
  });

  test("role trust policies name one AWS service, never * or an account", () => {
    for (const json of stacks)
      for (const role of resourcesOf(json, "aws_iam_role"))
        for (const s of statementsOf(json, role.assume_role_policy)) {
          expect(s.principals).toHaveLength(1);
          expect(s.principals?.[0].type).toBe("Service");
          expect(s.principals?.[0].identifiers).toEqual([expect.stringMatching(/^[a-z]+\.amazonaws\.com$/)]);
        }
  });

  test("every method is authenticated by IAM or an API key, and validates its body", () => {
    const validators = app.inferenceJson.resource.aws_api_gateway_request_validator;
    for (const method of resourcesOf(app.inferenceJson, "aws_api_gateway_method")) {
      expect(method.authorization !== "NONE" || method.api_key_required === true).toBe(true);
      const validatorId = /aws_api_gateway_request_validator\.([^.]+)\.id/.exec(String(method.request_validator_id))?.[1] as string;
      expect(validators[validatorId].validate_request_body).toBe(true);
    }
  });

  test("every stage writes JSON access logs and X-Ray traces", () => {
    for (const stage of resourcesOf(app.inferenceJson, "aws_api_gateway_stage")) {
      const logs = stage.access_log_settings as { destination_arn: string; format: string };
      expect(logs.destination_arn).toMatch(/aws_cloudwatch_log_group\..+\.arn/);
      expect(() => JSON.parse(logs.format)).not.toThrow();
      expect(stage.xray_tracing_enabled).toBe(true);
    }
  });

  test("every stage has */* method settings with metrics, INFO or ERROR logging, no data trace and throttling", () => {
    for (const ms of resourcesOf(app.inferenceJson, "aws_api_gateway_method_settings")) {
      expect(ms.method_path).toBe("*/*");
      const settings = ms.settings as Record<string, unknown>;
      expect(settings.metrics_enabled).toBe(true);
      expect(["ERROR", "INFO"]).toContain(settings.logging_level);
      expect(settings.data_trace_enabled).not.toBe(true);
      expect(settings.throttling_burst_limit).toEqual(expect.any(Number));
      expect(settings.throttling_rate_limit).toEqual(expect.any(Number));
    }
  });

  test("every deployment is created before it is destroyed and redeploys on change", () => {
    for (const d of resourcesOf(app.inferenceJson, "aws_api_gateway_deployment")) {
      expect(d.lifecycle).toMatchObject({ create_before_destroy: true });
      expect(d.triggers).toEqual({ redeployment: expect.stringContaining("sha1") });
    }
  });

  test("the SageMaker model runs network-isolated exactly when its weights come from S3 on a real-time endpoint", () => {
    const fromS3RealTime = env.ENDPOINT_MODE !== "serverless" && !env.MODEL_SOURCE?.startsWith("hub:");
    for (const model of resourcesOf(app.inferenceJson, "aws_sagemaker_model")) expect(model.enable_network_isolation).toBe(fromS3RealTime);
  });
});
