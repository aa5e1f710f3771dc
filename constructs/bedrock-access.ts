import { Construct } from "constructs";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { foundationModelArn } from "../lib/bedrock-models";
import type { InferenceFunction } from "./inference-function";
import type { AwsTarget } from "./names";
import { policyDocument } from "./policy";

export interface BedrockModelAccessProps {
  /** The function that calls the model; it is created only once the grant exists. @default - none, required */
  readonly grantee: InferenceFunction;
  /** Partition and region of the model (a foundation model's ARN has no account). @default - none, required */
  readonly target: Pick<AwsTarget, "partition" | "region">;
  /** The Bedrock model id, e.g. `amazon.titan-embed-text-v2:0`. @default - none, required */
  readonly modelId: string;
}

/**
 * Lets one function call one Bedrock foundation model: `bedrock:InvokeModel` (which also
 * authorises the Converse API) on that model's ARN and nothing else; no streaming, no other model.
 */
export class BedrockModelAccess extends Construct {
  readonly policy: IamRolePolicy;
  /** The one resource the grant names. */
  readonly modelArn: string;

  constructor(scope: Construct, id: string, props: BedrockModelAccessProps) {
    super(scope, id);
    this.modelArn = foundationModelArn(props.target.partition, props.target.region, props.modelId);
    this.policy = new IamRolePolicy(this, "grant", {
      role: props.grantee.role.name,
      name: "invoke-bedrock-model",
      policy: policyDocument(this, "permissions", [
        { sid: "InvokeModel", effect: "Allow", actions: ["bedrock:InvokeModel"], resources: [this.modelArn] },
      ]).json,
    });
    props.grantee.waitFor(this.policy);
  }
}
