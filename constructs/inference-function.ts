import { Construct } from "constructs";
import { type ITerraformDependable, dependable } from "cdktf";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { API_GATEWAY_TIMEOUT_SECONDS, MAX_LAMBDA_TIMEOUT_SECONDS } from "../contract/limits";
import { FUNCTION_DEFAULTS } from "./function-defaults";
import { DEFAULT_LOG_RETENTION_DAYS } from "./log-retention";
import { policyDocument, serviceTrustPolicy } from "./policy";
import { type AwsTarget, NAME_LIMITS, boundedName } from "./names";
import type { LambdaCode } from "./lambda-package";

export interface InferenceFunctionProps {
  /** @default - none, required */
  readonly functionName: string;
  /** The zipped code, e.g. a `LambdaPackage` that functions of the same code share. @default - none, required */
  readonly code: LambdaCode;
  /** Region and account of the function; its role is named `<functionName>-<region>`. @default - none, required */
  readonly target: AwsTarget;
  /** The function's environment variables. @default - none */
  readonly environment?: Readonly<Record<string, string>>;
  /** @default 256 (FUNCTION_DEFAULTS.memoryMb) */
  readonly memoryMb?: number;
  /** Must stay below API Gateway's 29 s integration timeout. @default 28 (FUNCTION_DEFAULTS.timeoutSeconds) */
  readonly timeoutSeconds?: number;
  /** @default - unreserved (accounts with the default quota of 10 reject any value) */
  readonly reservedConcurrency?: number;
  /** Retention of the function's log group. @default 30 days (DEFAULT_LOG_RETENTION_DAYS) */
  readonly logRetentionDays?: number;
}

/**
 * A Node.js 22 arm64 Lambda of a zipped package (`LambdaPackage`: TypeScript bundled by esbuild,
 * zipped by the archive provider), with its own log group and a role that may only write to that group and send traces;
 * other grants come from what it calls (`InferenceEndpoint.grantInvoke(fn)`, which the function then waits for). Skipped on
 * purpose: a DLQ (invoked synchronously, nothing to dead-letter), a VPC (it reaches only public
 * AWS APIs), code signing, and a CMK for an environment that holds no secrets.
 */
export class InferenceFunction extends Construct {
  readonly function: LambdaFunction;
  readonly logGroup: CloudwatchLogGroup;
  readonly role: IamRole;
  readonly functionName: string;
  readonly invokeArn: string;

  constructor(scope: Construct, id: string, props: InferenceFunctionProps) {
    super(scope, id);
    const timeout = props.timeoutSeconds ?? FUNCTION_DEFAULTS.timeoutSeconds;
    if (timeout > MAX_LAMBDA_TIMEOUT_SECONDS) {
      throw new Error(`${this.node.path}: timeoutSeconds must be below API Gateway's ${API_GATEWAY_TIMEOUT_SECONDS} s; got ${timeout}`);
    }

    this.logGroup = new CloudwatchLogGroup(this, "logs", {
      name: `/aws/lambda/${props.functionName}`,
      retentionInDays: props.logRetentionDays ?? DEFAULT_LOG_RETENTION_DAYS,
    });
    this.role = new IamRole(this, "role", {
      name: boundedName(props.functionName, `-${props.target.region}`, NAME_LIMITS.iamRole),
      description: `Execution role of ${props.functionName}`,
      assumeRolePolicy: serviceTrustPolicy(this, "trust", "lambda.amazonaws.com", props.target.accountId).json,
    });
    const permissions = policyDocument(this, "permissions", [
      {
        sid: "WriteOwnLogs",
        effect: "Allow",
        actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
        resources: [`${this.logGroup.arn}:*`],
      },
      // X-Ray trace submission has no resource type; it cannot be scoped.
      { sid: "WriteTraces", effect: "Allow", actions: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], resources: ["*"] },
    ]);
    const policy = new IamRolePolicy(this, "policy", { role: this.role.id, name: "logs-and-traces", policy: permissions.json });

    this.function = new LambdaFunction(this, "function", {
      functionName: props.functionName,
      role: this.role.arn,
      runtime: "nodejs22.x",
      architectures: ["arm64"],
      handler: "index.handler",
      filename: props.code.filename,
      sourceCodeHash: props.code.sourceCodeHash,
      memorySize: props.memoryMb ?? FUNCTION_DEFAULTS.memoryMb,
      timeout,
      reservedConcurrentExecutions: props.reservedConcurrency,
      tracingConfig: { mode: "Active" },
      // Powertools already writes JSON lines; the Text format passes them through unwrapped.
      loggingConfig: { logFormat: "Text", logGroup: this.logGroup.name },
      environment: props.environment ? { variables: { ...props.environment } } : undefined,
      dependsOn: [this.logGroup, policy],
    });
    this.functionName = this.function.functionName;
    this.invokeArn = this.function.invokeArn;
  }

  /** The function is created only once `grant` exists: it must not answer before it may call what it calls. */
  waitFor(grant: ITerraformDependable): void {
    this.function.dependsOn = [...(this.function.dependsOn ?? []), dependable(grant)];
  }
}
