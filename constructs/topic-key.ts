import type { Construct } from "constructs";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import type { DataAwsIamPolicyDocumentStatement } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import type { AwsTarget } from "./names";
import { policyDocument } from "./policy";

/** Every key-management action, none that encrypts or decrypts (kms:* would break the no-wildcard rule): the account keeps them so Terraform and IAM administrators can manage and delete the key. */
const KEY_ADMIN_ACTIONS = [
  "kms:Create*",
  "kms:Describe*",
  "kms:Enable*",
  "kms:List*",
  "kms:Put*",
  "kms:Update*",
  "kms:Revoke*",
  "kms:Disable*",
  "kms:Get*",
  "kms:Delete*",
  "kms:TagResource",
  "kms:UntagResource",
  "kms:ScheduleKeyDeletion",
  "kms:CancelKeyDeletion",
  "kms:RotateKeyOnDemand",
];

/**
 * A rotating key for SNS topics (`key` and `key-policy` below `scope`): administered by the
 * account, used for data only as `publisher` says (the AWS-managed SNS key cannot be shared with
 * a publishing service). In a key policy, "*" is this key.
 */
export function topicKey(
  scope: Construct,
  props: { readonly description: string; readonly target: AwsTarget; readonly publisher: DataAwsIamPolicyDocumentStatement },
): KmsKey {
  const { partition, accountId } = props.target;
  return new KmsKey(scope, "key", {
    description: props.description,
    enableKeyRotation: true,
    deletionWindowInDays: 7,
    policy: policyDocument(scope, "key-policy", [
      {
        sid: "AccountAdministers",
        effect: "Allow",
        principals: [{ type: "AWS", identifiers: [`arn:${partition}:iam::${accountId}:root`] }],
        actions: KEY_ADMIN_ACTIONS,
        resources: ["*"],
      },
      { ...props.publisher, effect: "Allow", actions: ["kms:Decrypt", "kms:GenerateDataKey*"], resources: ["*"] },
    ]).json,
  });
}
