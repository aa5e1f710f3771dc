import * as path from "node:path";
import { App, LocalBackend, S3Backend, type TerraformStack } from "cdktf";

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
    // Terraform runs in <outdir>/stacks/<id>; the state file stays in the project root, outside
    // the synth output, and the path stays relative so the output is the same on every machine.
    const stackDir = path.join(App.of(stack).outdir, "stacks", stackId);
    const projectRoot = path.dirname(path.resolve(App.of(stack).outdir));
    new LocalBackend(stack, {
      path: path.posix.join(path.relative(stackDir, projectRoot).split(path.sep).join("/"), `terraform.${stackId}.tfstate`),
    });
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
