import { LocalBackend, S3Backend, TerraformStack } from "cdktf";

export interface BackendProps {
  readonly region: string;
  readonly namePrefix: string;
  readonly stateBucket?: string;
}

/**
 * S3 state (encrypted, one key per stack, S3-native locking) when a state bucket is configured;
 * local state otherwise, so synth and plan need no AWS resources.
 */
export function configureBackend(stack: TerraformStack, stackId: string, props: BackendProps): void {
  if (!props.stateBucket) {
    new LocalBackend(stack, { path: `terraform.${stackId}.tfstate` });
    return;
  }
  const backend = new S3Backend(stack, {
    bucket: props.stateBucket,
    key: `${props.namePrefix}/${stackId}.tfstate`,
    region: props.region,
    encrypt: true,
  });
  // cdktf 0.21 predates the lockfile option; Terraform >= 1.10 locks with an S3 object, no DynamoDB table.
  backend.addOverride("use_lockfile", true);
}
