// Every rule marked "must" in shared/notes/security-rules.md, as checks over synthesized stacks:
// the app-level test runs them on both stacks of each app shape, construct tests on their own stacks.
import { type PolicyStatement, type TerraformJson, resourcesOf, statementsOf } from "./synth-app";

/** Actions that have no resource type, so `Resource: "*"` is the only option. */
const UNSCOPABLE = new Set(["ecr:GetAuthorizationToken", "xray:PutTraceSegments", "xray:PutTelemetryRecords", "cloudwatch:PutMetricData"]);
const BROAD_MANAGED = /AmazonSageMakerFullAccess|AmazonS3FullAccess|AdministratorAccess|PowerUserAccess/;

function bucketRef(json: TerraformJson, type: string, bucketId: string): Record<string, unknown> | undefined {
  return resourcesOf(json, type).find((r) => r.bucket === `\${aws_s3_bucket.${bucketId}.id}`);
}

function allStatements(json: TerraformJson): PolicyStatement[] {
  return Object.values(json.data?.aws_iam_policy_document ?? {}).flatMap((d) => d.statement as PolicyStatement[]);
}

/** Statements of KMS key policies: there `Resource: "*"` means the key itself. */
function keyPolicyStatements(json: TerraformJson): PolicyStatement[] {
  return resourcesOf(json, "aws_kms_key").flatMap((key) => statementsOf(json, key.policy));
}

/** Statements of identity and bucket policies, where `Resource: "*"` means everything. */
function nonKeyStatements(json: TerraformJson): PolicyStatement[] {
  const keyStatements = new Set(keyPolicyStatements(json));
  return allStatements(json).filter((s) => !keyStatements.has(s));
}

/** Each rule by name; a check throws (a failed expect) on the first resource that breaks it. */
export const SECURITY_RULES: Record<string, (stacks: readonly TerraformJson[]) => void> = {
  "every bucket blocks all four kinds of public access": (stacks) => {
    for (const json of stacks)
      for (const id of Object.keys(json.resource.aws_s3_bucket ?? {}))
        expect(bucketRef(json, "aws_s3_bucket_public_access_block", id)).toMatchObject({
          block_public_acls: true,
          block_public_policy: true,
          ignore_public_acls: true,
          restrict_public_buckets: true,
        });
  },
  "every bucket has versioning enabled": (stacks) => {
    for (const json of stacks)
      for (const id of Object.keys(json.resource.aws_s3_bucket ?? {}))
        expect(bucketRef(json, "aws_s3_bucket_versioning", id)).toMatchObject({ versioning_configuration: { status: "Enabled" } });
  },
  "every bucket is encrypted at rest": (stacks) => {
    for (const json of stacks)
      for (const id of Object.keys(json.resource.aws_s3_bucket ?? {})) {
        const sse = bucketRef(json, "aws_s3_bucket_server_side_encryption_configuration", id) as {
          rule: Array<{ apply_server_side_encryption_by_default: { sse_algorithm: string } }>;
        };
        expect(["AES256", "aws:kms"]).toContain(sse.rule[0].apply_server_side_encryption_by_default.sse_algorithm);
      }
  },
  "every bucket enforces bucket-owner ownership": (stacks) => {
    for (const json of stacks)
      for (const id of Object.keys(json.resource.aws_s3_bucket ?? {}))
        expect(bucketRef(json, "aws_s3_bucket_ownership_controls", id)).toMatchObject({
          rule: { object_ownership: "BucketOwnerEnforced" },
        });
  },
  "every bucket policy denies requests without TLS on the bucket and its objects": (stacks) => {
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
  },
  "Lambda functions trace actively, run a supported Node.js and set memory and a timeout below 29 s": (stacks) => {
    for (const json of stacks) {
      for (const fn of resourcesOf(json, "aws_lambda_function")) {
        expect(fn.tracing_config).toEqual({ mode: "Active" });
        expect(["nodejs22.x", "nodejs24.x"]).toContain(fn.runtime);
        expect(fn.memory_size).toEqual(expect.any(Number));
        expect(fn.timeout).toBeLessThan(29);
      }
    }
  },
  "Lambda permissions name API Gateway and a source ARN": (stacks) => {
    for (const json of stacks) {
      for (const p of resourcesOf(json, "aws_lambda_permission")) {
        expect(p.principal).toBe("apigateway.amazonaws.com");
        expect(p.source_arn).toMatch(/execution_arn/);
      }
    }
  },
  "every log group has a retention, and each Lambda has its own /aws/lambda group": (stacks) => {
    const groups = stacks.flatMap((json) => resourcesOf(json, "aws_cloudwatch_log_group"));
    for (const group of groups) expect(group.retention_in_days).toEqual(expect.any(Number));
    for (const fn of stacks.flatMap((json) => resourcesOf(json, "aws_lambda_function")))
      expect(groups.map((g) => g.name)).toContain(`/aws/lambda/${String(fn.function_name)}`);
  },
  "no IAM statement allows *, iam:* or a whole service": (stacks) => {
    for (const s of stacks.flatMap(allStatements).filter((st) => st.effect === "Allow"))
      for (const action of s.actions ?? []) expect(action).not.toMatch(/^\*$|^iam:\*|^[a-z0-9-]+:\*$/);
  },
  'Resource "*" appears only for actions that cannot be scoped, and PutMetricData only with a namespace condition': (stacks) => {
    for (const s of stacks.flatMap(nonKeyStatements).filter((st) => st.effect === "Allow" && st.resources?.includes("*"))) {
      for (const action of s.actions ?? []) expect(UNSCOPABLE).toContain(action);
      if (s.actions?.includes("cloudwatch:PutMetricData"))
        expect(s.condition).toEqual([expect.objectContaining({ variable: "cloudwatch:namespace" })]);
    }
  },
  "every KMS key rotates and its policy lets only this account administer it and named services use it, from this account": (stacks) => {
    for (const json of stacks) {
      for (const key of resourcesOf(json, "aws_kms_key")) {
        expect(key.enable_key_rotation).toBe(true);
        for (const s of statementsOf(json, key.policy)) {
          const [principal] = s.principals ?? [];
          if (principal.type === "AWS") {
            expect(principal.identifiers).toEqual([expect.stringMatching(/^arn:aws[a-z-]*:iam::.+:root$/)]);
            // Data use through the account only for one named role, and only through a named service.
            const variables = (s.condition ?? []).map((c) => c.variable).sort();
            const oneRoleViaService =
              variables.join() === "aws:PrincipalArn,kms:ViaService" &&
              s.condition
                ?.find((c) => c.variable === "aws:PrincipalArn")
                ?.values.every((v) => /^arn:aws[a-z-]*:iam::[^:]+:role\/[^*]+$/.test(v));
            if (!oneRoleViaService)
              for (const action of s.actions ?? []) expect(action).not.toMatch(/^kms:(\*|Decrypt|Encrypt|GenerateDataKey|ReEncrypt)/);
          } else {
            expect(principal.type).toBe("Service");
            expect(s.condition).toEqual([expect.objectContaining({ variable: "aws:SourceAccount" })]);
          }
        }
      }
    }
  },
  "every SNS topic is encrypted with a KMS key": (stacks) => {
    for (const json of stacks)
      for (const topic of resourcesOf(json, "aws_sns_topic")) expect(topic.kms_master_key_id).toEqual(expect.any(String));
  },
  "no role carries a broad AWS managed policy": (stacks) => {
    for (const json of stacks) {
      for (const attachment of resourcesOf(json, "aws_iam_role_policy_attachment"))
        expect(String(attachment.policy_arn)).not.toMatch(BROAD_MANAGED);
      for (const role of resourcesOf(json, "aws_iam_role")) expect(role.managed_policy_arns ?? []).toEqual([]);
    }
  },
  "role trust policies name one AWS service, never * or an account": (stacks) => {
    for (const json of stacks)
      for (const role of resourcesOf(json, "aws_iam_role"))
        for (const s of statementsOf(json, role.assume_role_policy)) {
          expect(s.principals).toHaveLength(1);
          expect(s.principals?.[0].type).toBe("Service");
          expect(s.principals?.[0].identifiers).toEqual([expect.stringMatching(/^[a-z]+\.amazonaws\.com$/)]);
        }
  },
  "every method is authenticated by IAM or an API key, and validates its body": (stacks) => {
    for (const json of stacks) {
      const validators = json.resource.aws_api_gateway_request_validator;
      for (const method of resourcesOf(json, "aws_api_gateway_method")) {
        expect(method.authorization !== "NONE" || method.api_key_required === true).toBe(true);
        const validatorId = /aws_api_gateway_request_validator\.([^.]+)\.id/.exec(String(method.request_validator_id))?.[1] as string;
        expect(validators[validatorId].validate_request_body).toBe(true);
      }
    }
  },
  "every stage writes JSON access logs and X-Ray traces": (stacks) => {
    for (const json of stacks) {
      for (const stage of resourcesOf(json, "aws_api_gateway_stage")) {
        const logs = stage.access_log_settings as { destination_arn: string; format: string };
        expect(logs.destination_arn).toMatch(/aws_cloudwatch_log_group\..+\.arn/);
        expect(() => JSON.parse(logs.format)).not.toThrow();
        expect(stage.xray_tracing_enabled).toBe(true);
      }
    }
  },
  "every stage has */* method settings with metrics, INFO or ERROR logging, no data trace and throttling": (stacks) => {
    for (const json of stacks) {
      for (const ms of resourcesOf(json, "aws_api_gateway_method_settings")) {
        expect(ms.method_path).toBe("*/*");
        const settings = ms.settings as Record<string, unknown>;
        expect(settings.metrics_enabled).toBe(true);
        expect(["ERROR", "INFO"]).toContain(settings.logging_level);
        expect(settings.data_trace_enabled).not.toBe(true);
        expect(settings.throttling_burst_limit).toEqual(expect.any(Number));
        expect(settings.throttling_rate_limit).toEqual(expect.any(Number));
      }
    }
  },
  "every deployment is created before it is destroyed and redeploys on change": (stacks) => {
    for (const json of stacks) {
      for (const d of resourcesOf(json, "aws_api_gateway_deployment")) {
        expect(d.lifecycle).toMatchObject({ create_before_destroy: true });
        expect(d.triggers).toEqual({ redeployment: expect.stringContaining("sha1") });
      }
    }
  },
  "names that must be unique are, and fit AWS's limits": (stacks) => {
    const named = (type: string, attribute: string) =>
      stacks
        .flatMap((json) => resourcesOf(json, type).map((r) => r[attribute]))
        .filter((n) => n !== undefined)
        .map(String);
    const unique = (names: string[], max: number) => {
      expect(names).toEqual([...new Set(names)]);
      for (const name of names.filter((n) => !n.includes("${"))) expect(name.length).toBeLessThanOrEqual(max);
    };
    unique(named("aws_iam_role", "name"), 64);
    unique(named("aws_sagemaker_model", "name"), 63);
    unique(named("aws_sagemaker_endpoint", "name"), 63);
    unique(named("aws_sagemaker_endpoint_configuration", "name_prefix"), 37);
    unique(named("aws_s3_bucket", "bucket_prefix"), 37);
    unique(named("aws_lambda_function", "function_name"), 64);
    unique(named("aws_cloudwatch_log_group", "name"), 512);
    unique(named("aws_api_gateway_rest_api", "name"), 1024);
    const statements = stacks.flatMap((json) =>
      resourcesOf(json, "aws_lambda_permission").map((p) => `${String(p.function_name)} ${String(p.statement_id)}`),
    );
    unique(statements, 200);
  },
};
