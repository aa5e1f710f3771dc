import type { Construct } from "constructs";
import { DataAwsIamPolicyDocument, type DataAwsIamPolicyDocumentStatement } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";

/** A policy document data source: statements stay structured in the synthesized JSON. */
export function policyDocument(scope: Construct, id: string, statement: DataAwsIamPolicyDocumentStatement[]): DataAwsIamPolicyDocument {
  return new DataAwsIamPolicyDocument(scope, id, { version: "2012-10-17", statement });
}

/** Trust policy letting one AWS service assume a role, confined to this account. */
export function serviceTrustPolicy(scope: Construct, id: string, service: string, accountId: string): DataAwsIamPolicyDocument {
  return policyDocument(scope, id, [
    {
      effect: "Allow",
      actions: ["sts:AssumeRole"],
      principals: [{ type: "Service", identifiers: [service] }],
      condition: [{ test: "StringEquals", variable: "aws:SourceAccount", values: [accountId] }],
    },
  ]);
}
