import { Construct } from "constructs";
import { AssetType, TerraformAsset } from "cdktf";
import { DataArchiveFile } from "@cdktf/provider-archive/lib/data-archive-file";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { bundleLambda } from "../lib/lambda-bundle";
import { policyDocument, serviceTrustPolicy } from "./policy";

export interface InferenceFunctionProps {
  readonly functionName: string;
  /** TypeScript entry file, bundled by esbuild at synth. */
  readonly entry: string;
  /** Directory the bundle is written to before Terraform zips it. */
  readonly bundleDir: string;
  readonly region: string;
  readonly accountId: string;
  /** ARN of the one SageMaker endpoint the function may invoke. */
  readonly endpointArn: string;
  readonly environment: Readonly<Record<string, string>>;
  /** Default 256. */
  readonly memoryMb?: number;
  /** Must stay below API Gateway's 29 s integration timeout. Default 28. */
  readonly timeoutSeconds?: number;
  /** Unset leaves the function unreserved (accounts with the default quota of 10 reject any value). */
  readonly reservedConcurrency?: number;
  readonly logRetentionDays: number;
}

/**
 * A Node.js 22 arm64 Lambda bundled from TypeScript by esbuild and zipped by the archive
 * provider, with its own log group and a role that may only write to that group and invoke one
 * endpoint. Skipped on purpose: a DLQ (invoked synchronously, nothing to dead-letter), a VPC (it
 * reaches only public AWS APIs), code signing, and a CMK for an environment that holds no secrets.
 */
export class InferenceFunction extends Construct {
  readonly function: LambdaFunction;
  readonly logGroup: CloudwatchLogGroup;

  constructor(scope: Construct, id: string, props: InferenceFunctionProps) {
    super(scope, id);
    const timeout = props.timeoutSeconds ?? 28;
    if (timeout >= 29) throw new Error(`${this.node.path}: timeoutSeconds must be below API Gateway's 29 s; got ${timeout}`);

    bundleLambda({ entry: props.entry, outDir: props.bundleDir });
    const code = new TerraformAsset(this, "bundle", { path: props.bundleDir, type: AssetType.DIRECTORY });
    const zip = new DataArchiveFile(this, "zip", {
      type: "zip",
      sourceDir: code.path,
      outputPath: `${code.path}.zip`,
      outputFileMode: "0644",
    });

    this.logGroup = new CloudwatchLogGroup(this, "logs", { name: `/aws/lambda/${props.functionName}`, retentionInDays: props.logRetentionDays });
    const role = new IamRole(this, "role", {
      name: `${props.functionName}-${props.region}`,
      description: `Execution role of ${props.functionName}`,
      assumeRolePolicy: serviceTrustPolicy(this, "trust", "lambda.amazonaws.com", props.accountId).json,
    });
    const permissions = policyDocument(this, "permissions", [
      { sid: "WriteOwnLogs", effect: "Allow", actions: ["logs:CreateLogStream", "logs:PutLogEvents"], resources: [`${this.logGroup.arn}:*`] },
      { sid: "InvokeEndpoint", effect: "Allow", actions: ["sagemaker:InvokeEndpoint"], resources: [props.endpointArn] },
      // X-Ray trace submission has no resource type; it cannot be scoped.
      { sid: "WriteTraces", effect: "Allow", actions: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], resources: ["*"] },
    ]);
    const policy = new IamRolePolicy(this, "policy", { role: role.id, name: "invoke-endpoint", policy: permissions.json });

    this.function = new LambdaFunction(this, "function", {
      functionName: props.functionName,
      role: role.arn,
      runtime: "nodejs22.x",
      architectures: ["arm64"],
      handler: "index.handler",
      filename: zip.outputPath,
      sourceCodeHash: zip.outputBase64Sha256,
      memorySize: props.memoryMb ?? 256,
      timeout,
      reservedConcurrentExecutions: props.reservedConcurrency,
      tracingConfig: { mode: "Active" },
      // Powertools already writes JSON lines; the Text format passes them through unwrapped.
      loggingConfig: { logFormat: "Text", logGroup: this.logGroup.name },
      environment: { variables: { ...props.environment } },
      dependsOn: [this.logGroup, policy],
    });
  }
}
