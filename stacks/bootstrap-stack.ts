import type { Construct } from "constructs";
import { TerraformOutput, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { SecureBucket } from "../constructs/secure-bucket";
import { ApiGatewayCloudWatchRole } from "../constructs/api-gateway-cloudwatch-role";
import { partitionOf } from "../lib/dlc-image";
import { configureBackend } from "./backend";

export interface BootstrapStackProps {
  readonly region: string;
  readonly namePrefix: string;
  readonly tags: Readonly<Record<string, string>>;
  /** Set the account-wide API Gateway CloudWatch role. False where the account already manages it. */
  readonly manageApiGatewayAccount: boolean;
  /** Once the state bucket exists, keep this stack's own state there too (deploy with --migrate-state). */
  readonly stateBucket?: string;
}

/**
 * What belongs to the account and region, deployed once: the Terraform state bucket and the
 * API Gateway CloudWatch role. Its own state stays local until `stateBucket` is set.
 */
export class BootstrapStack extends TerraformStack {
  constructor(scope: Construct, id: string, props: BootstrapStackProps) {
    super(scope, id);
    configureBackend(this, id, props);
    new AwsProvider(this, "aws", { region: props.region, defaultTags: [{ tags: { ...props.tags } }] });

    const accountId = new DataAwsCallerIdentity(this, "caller").accountId;
    const state = new SecureBucket(this, "state", {
      bucket: `${props.namePrefix}-tfstate-${accountId}-${props.region}`,
      preventDestroy: true,
    });
    if (props.manageApiGatewayAccount) {
      new ApiGatewayCloudWatchRole(this, "api-gateway-logs", {
        namePrefix: props.namePrefix,
        region: props.region,
        partition: partitionOf(props.region).partition,
        accountId,
      });
    }

    new TerraformOutput(this, "state_bucket", {
      value: state.bucket.bucket,
      description: "Set STATE_BUCKET (or cdktf.json context stateBucket) to this name to keep the app's state in S3",
    });
  }
}
