import { AsyncNotifications } from "../../constructs/async-notifications";
import { SECURITY_RULES } from "../stacks/security-rules";
import { type TerraformJson, only, resourcesOf, statementsOf } from "../stacks/synth-app";
import { TARGET, synthJson } from "./support";

const ROLE = "arn:aws:iam::111122223333:role/svc-sagemaker-us-east-1";
const json: TerraformJson = synthJson(
  (scope) => new AsyncNotifications(scope, "notes", { name: "svc", target: TARGET, publisherRoleArn: ROLE }),
);

test("two topics, success and error, both encrypted with the construct's own key", () => {
  const key = Object.keys(json.resource.aws_kms_key)[0];
  expect(resourcesOf(json, "aws_sns_topic").map((t) => [t.name, t.kms_master_key_id])).toEqual([
    ["svc-async-error", `\${aws_kms_key.${key}.arn}`],
    ["svc-async-success", `\${aws_kms_key.${key}.arn}`],
  ]);
});

test("the key rotates and lets the endpoint role use it only through SNS in this region", () => {
  const key = only(json, "aws_kms_key");
  expect(key).toMatchObject({ enable_key_rotation: true, deletion_window_in_days: 7 });
  const use = statementsOf(json, key.policy).find((s) => s.sid === "EndpointRolePublishesThroughSns");
  expect(use).toEqual({
    sid: "EndpointRolePublishesThroughSns",
    effect: "Allow",
    principals: [{ type: "AWS", identifiers: ["arn:aws:iam::111122223333:root"] }],
    actions: ["kms:Decrypt", "kms:GenerateDataKey*"],
    resources: ["*"],
    condition: [
      { test: "StringEquals", variable: "kms:ViaService", values: ["sns.us-east-1.amazonaws.com"] },
      { test: "ArnEquals", variable: "aws:PrincipalArn", values: [ROLE] },
    ],
  });
});

test("the account administers the key without using it for data", () => {
  const admin = statementsOf(json, only(json, "aws_kms_key").policy).find((s) => s.sid === "AccountAdministers");
  expect(admin?.actions).not.toContain("kms:Decrypt");
  expect(admin?.actions?.some((a) => a.startsWith("kms:GenerateDataKey"))).toBe(false);
});

test.each(Object.entries(SECURITY_RULES))("passes the security rule: %s", (_rule, check) => {
  check([json]);
});

test("the KMS security rule still refuses the account's data use without the one-role condition", () => {
  const loose = JSON.parse(JSON.stringify(json)) as TerraformJson;
  const policies = loose.data.aws_iam_policy_document as Record<string, { statement: Array<{ sid?: string; condition?: unknown[] }> }>;
  for (const doc of Object.values(policies))
    for (const s of doc.statement) if (s.sid === "EndpointRolePublishesThroughSns") s.condition = s.condition?.slice(0, 1);
  const rule = Object.entries(SECURITY_RULES).find(([name]) => name.startsWith("every KMS key rotates"))?.[1];
  expect(() => rule?.([loose])).toThrow();
});
