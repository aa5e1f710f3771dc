import { createHash } from "node:crypto";
import { Construct } from "constructs";
import type { ITerraformDependable } from "cdktf";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { SagemakerModel } from "@cdktf/provider-aws/lib/sagemaker-model";
import {
  SagemakerEndpointConfiguration,
  type SagemakerEndpointConfigurationProductionVariants,
} from "@cdktf/provider-aws/lib/sagemaker-endpoint-configuration";
import { SagemakerEndpoint } from "@cdktf/provider-aws/lib/sagemaker-endpoint";
import type { DataAwsIamPolicyDocumentStatement } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { type Quantization, servingEnvironment } from "../lib/container-env";
import { policyDocument, serviceTrustPolicy } from "./policy";
import type { ModelArtifactRef } from "./model-artifact";
import { type AwsTarget, NAME_LIMITS, boundedName } from "./names";
import { ENDPOINT_DEFAULTS } from "./endpoint-defaults";
import { DEFAULT_LOG_RETENTION_DAYS } from "./log-retention";
import { type AsyncInference, asyncExecutionStatements, asyncInferenceConfig } from "./async-inference";
import { AsyncNotifications } from "./async-notifications";

export type EndpointCapacity =
  | { readonly mode: "real-time"; readonly instanceType: string; readonly instanceCount: number }
  | {
      readonly mode: "serverless";
      readonly memorySizeMb: number;
      readonly maxConcurrency: number;
      readonly provisionedConcurrency: number;
    };

/** Where and how much of an endpoint's traffic SageMaker copies to S3. */
export interface DataCapture {
  /** Percent of requests captured (input and output), 1-100. */
  readonly samplingPercent: number;
  /** The bucket written to; the name may be a token. */
  readonly bucket: { readonly name: string; readonly arn: string };
  /** Key prefix without slashes at either end; SageMaker writes below `<prefix>/<endpoint name>/<variant>/`. */
  readonly prefix: string;
}

/** The inference container image. */
export interface InferenceImage {
  readonly uri: string;
  /** ARN of the ECR repository, for a least-privilege pull statement. */
  readonly repositoryArn: string;
}

/** A role that can be granted permissions (its name or id, which are the same for IAM roles). */
export interface GrantableRole {
  readonly name: string;
}

/** What runs under a role and must not start before its grants exist (e.g. a function that would answer 5xx). */
export interface Grantee {
  readonly role: GrantableRole;
  /** Makes what runs under the role wait for `grant`. */
  waitFor(grant: ITerraformDependable): void;
}

export interface InferenceEndpointProps {
  /**
   * Base of the names this construct creates: role `<name>-sagemaker-<region>`, model
   * `<name>-model-<hash>`, configurations `<name>-config-*`. Each is cut to its AWS limit with a
   * hash when too long, so give each endpoint in an account its own name.
   * @default - none, required
   */
  readonly name: string;
  /** @default `<name>-endpoint` */
  readonly endpointName?: string;
  /** @default - none, required */
  readonly target: AwsTarget;
  /** @default - none, required */
  readonly image: InferenceImage;
  /** Archive with the model files and/or `code/inference.py`. @default - none, required */
  readonly artifact: ModelArtifactRef;
  /** When set, the container downloads this Hub model at start-up (network isolation off). @default - none: the model is in the archive */
  readonly hubModel?: { readonly modelId: string; readonly revision: string };
  /** Hugging Face pipeline task (`HF_TASK`). @default `text-classification` (ENDPOINT_DEFAULTS.task) */
  readonly task?: string;
  /** `SAGEMAKER_CONTAINER_LOG_LEVEL` (Python logging level). @default 20, INFO (ENDPOINT_DEFAULTS.containerLogLevel) */
  readonly containerLogLevel?: number;
  /**
   * Quantization model_fn applies on CPU (`MODEL_QUANTIZATION`).
   * @default "none"
   */
  readonly quantization?: Quantization;
  /** @default one real-time ml.m5.large instance (ENDPOINT_DEFAULTS.realTime) */
  readonly capacity?: EndpointCapacity;
  /** Retention of the endpoint's log group. @default 30 days (DEFAULT_LOG_RETENTION_DAYS) */
  readonly logRetentionDays?: number;
  /**
   * Copy requests and responses to S3; the role may put objects under this endpoint's folder of
   * the prefix only. Real-time only: SageMaker has no data capture on serverless endpoints.
   * @default - none: nothing captured
   */
  readonly dataCapture?: DataCapture;
  /**
   * Asynchronous inference: SageMaker reads each request from S3 and writes the result (or the
   * failure) back, optionally announcing it on SNS topics of its own; the role may read and write
   * exactly those folders. Real-time capacity only; callers need `grantInvoke` (InvokeEndpointAsync).
   * @default - none: a synchronous endpoint
   */
  readonly asyncInference?: AsyncInference;
}

/**
 * A SageMaker model, endpoint configuration and endpoint for a Hugging Face inference container,
 * with a least-privilege execution role. The model name is derived from everything that replaces
 * the model, and both model and configuration are created before the old ones are destroyed, so
 * any change rolls the endpoint to a new configuration without downtime.
 */
export class InferenceEndpoint extends Construct {
  readonly endpoint: SagemakerEndpoint;
  readonly endpointName: string;
  /** Built from values known at synth, so a policy naming it plans as unchanged across rollouts. */
  readonly endpointArn: string;
  readonly model: SagemakerModel;
  readonly configuration: SagemakerEndpointConfiguration;
  readonly role: IamRole;
  readonly logGroup: CloudwatchLogGroup;
  /** Where requests and results of an async endpoint live. */
  readonly asyncInference?: AsyncInference;
  readonly networkIsolation: boolean;
  /** The success and error topics of an async endpoint with notifications. */
  readonly asyncNotifications?: AsyncNotifications;
  private grants = 0;

  constructor(scope: Construct, id: string, props: InferenceEndpointProps) {
    super(scope, id);
    const { target } = props;
    const capacity: EndpointCapacity = props.capacity ?? { mode: "real-time", ...ENDPOINT_DEFAULTS.realTime };
    this.asyncInference = props.asyncInference;
    this.endpointName = props.endpointName ?? boundedName(props.name, "-endpoint", NAME_LIMITS.sagemaker);
    // SageMaker lower-cases the name in endpoint ARNs.
    this.endpointArn = `arn:${target.partition}:sagemaker:${target.region}:${target.accountId}:endpoint/${this.endpointName.toLowerCase()}`;
    // Serverless endpoints reject network isolation; a Hub model needs the network to download.
    this.networkIsolation = capacity.mode === "real-time" && props.hubModel === undefined;
    if (props.dataCapture && capacity.mode === "serverless")
      throw new Error(`${this.node.path}: data capture is not available on serverless endpoints`);
    if (props.asyncInference && capacity.mode === "serverless")
      throw new Error(`${this.node.path}: asynchronous inference needs real-time instances, not a serverless endpoint`);

    this.logGroup = new CloudwatchLogGroup(this, "logs", {
      name: `/aws/sagemaker/Endpoints/${this.endpointName}`,
      retentionInDays: props.logRetentionDays ?? DEFAULT_LOG_RETENTION_DAYS,
    });

    const roleName = boundedName(props.name, `-sagemaker-${target.region}`, NAME_LIMITS.iamRole);
    this.role = new IamRole(this, "role", {
      name: roleName,
      description: `SageMaker execution role of ${this.endpointName}`,
      assumeRolePolicy: serviceTrustPolicy(this, "trust", "sagemaker.amazonaws.com", target.accountId).json,
    });
    if (props.asyncInference?.notifications) {
      this.asyncNotifications = new AsyncNotifications(this, "async-notifications", {
        name: props.name,
        target,
        publisherRoleArn: `arn:${target.partition}:iam::${target.accountId}:role/${roleName}`,
      });
    }
    const rolePolicy = new IamRolePolicy(this, "policy", {
      role: this.role.id,
      name: "model-hosting",
      policy: policyDocument(this, "permissions", this.statements(props)).json,
    });

    const environment: Record<string, string> = {
      SAGEMAKER_PROGRAM: "inference.py",
      SAGEMAKER_SUBMIT_DIRECTORY: "/opt/ml/model/code",
      SAGEMAKER_REGION: target.region,
      SAGEMAKER_CONTAINER_LOG_LEVEL: String(props.containerLogLevel ?? ENDPOINT_DEFAULTS.containerLogLevel),
      HF_TASK: props.task ?? ENDPOINT_DEFAULTS.task,
      ...servingEnvironment(capacity, props.quantization ?? "none"),
      ...(props.hubModel ? { HF_MODEL_ID: props.hubModel.modelId, HF_MODEL_REVISION: props.hubModel.revision } : {}),
    };
    const primaryContainer = { image: props.image.uri, mode: "SingleModel", modelDataUrl: props.artifact.modelDataUrl, environment };
    // Every input that forces a new model, as known at synth: the role's name stands for its ARN
    // and the artifact's content id for the data URL (both are only known after apply).
    const replacing = {
      ...primaryContainer,
      modelDataUrl: props.artifact.contentId,
      isolation: this.networkIsolation,
      role: roleName,
      region: target.region,
    };
    const modelHash = createHash("sha256").update(JSON.stringify(replacing)).digest("hex").slice(0, 16);

    this.model = new SagemakerModel(this, "model", {
      name: boundedName(props.name, `-model-${modelHash}`, NAME_LIMITS.sagemaker),
      executionRoleArn: this.role.arn,
      enableNetworkIsolation: this.networkIsolation,
      primaryContainer,
      dependsOn: [rolePolicy, ...props.artifact.readyAfter],
      lifecycle: { createBeforeDestroy: true },
    });

    // No kms_key_arn: SageMaker rejects it on instance types with NVMe storage (g4dn, g5, p4, *d).
    this.configuration = new SagemakerEndpointConfiguration(this, "config", {
      namePrefix: boundedName(props.name, "-config-", NAME_LIMITS.sagemakerPrefix),
      productionVariants: [this.variant(capacity)],
      dataCaptureConfig: props.dataCapture && {
        enableCapture: true,
        initialSamplingPercentage: props.dataCapture.samplingPercent,
        destinationS3Uri: `s3://${props.dataCapture.bucket.name}/${props.dataCapture.prefix}`,
        captureOptions: [{ captureMode: "Input" }, { captureMode: "Output" }],
        // Captured as text rather than base64.
        captureContentTypeHeader: { jsonContentTypes: ["application/json"] },
      },
      asyncInferenceConfig:
        props.asyncInference &&
        asyncInferenceConfig(
          props.asyncInference,
          this.asyncNotifications && {
            successTopicArn: this.asyncNotifications.successTopic.arn,
            errorTopicArn: this.asyncNotifications.errorTopic.arn,
          },
        ),
      lifecycle: { createBeforeDestroy: true },
    });

    this.endpoint = new SagemakerEndpoint(this, "endpoint", {
      name: this.endpointName,
      endpointConfigName: this.configuration.name,
      dependsOn: [this.logGroup],
    });
  }

  /**
   * Lets a role call InvokeEndpoint (InvokeEndpointAsync on an async endpoint) on this endpoint and nothing else. Given a grantee, what runs
   * under the role waits for the grant, so a first deploy does not serve before it may invoke.
   */
  grantInvoke(to: GrantableRole | Grantee): IamRolePolicy {
    const n = this.grants++;
    const grantee = "waitFor" in to ? to : undefined;
    const action = this.asyncInference ? "InvokeEndpointAsync" : "InvokeEndpoint";
    const statement: DataAwsIamPolicyDocumentStatement = {
      sid: action,
      effect: "Allow",
      actions: [`sagemaker:${action}`],
      resources: [this.endpointArn],
    };
    const grant = new IamRolePolicy(this, `invoke-grant-${n}`, {
      role: grantee ? grantee.role.name : (to as GrantableRole).name,
      name: `invoke-${this.endpointName}`,
      policy: policyDocument(this, `invoke-grant-${n}-permissions`, [statement]).json,
    });
    grantee?.waitFor(grant);
    return grant;
  }

  private variant(capacity: EndpointCapacity): SagemakerEndpointConfigurationProductionVariants {
    const common = { variantName: "AllTraffic", modelName: this.model.name };
    if (capacity.mode === "serverless") {
      return {
        ...common,
        serverlessConfig: {
          memorySizeInMb: capacity.memorySizeMb,
          maxConcurrency: capacity.maxConcurrency,
          provisionedConcurrency: capacity.provisionedConcurrency > 0 ? capacity.provisionedConcurrency : undefined,
        },
      };
    }
    return { ...common, instanceType: capacity.instanceType, initialInstanceCount: capacity.instanceCount, initialVariantWeight: 1 };
  }

  /** SageMaker writes captures below `<prefix>/<endpoint name>/`: the role may put objects there only. */
  private captureStatement(capture: DataCapture): DataAwsIamPolicyDocumentStatement {
    return {
      sid: "WriteDataCapture",
      effect: "Allow",
      actions: ["s3:PutObject"],
      resources: [`${capture.bucket.arn}/${capture.prefix}/${this.endpointName}/*`],
    };
  }

  private statements(props: InferenceEndpointProps): DataAwsIamPolicyDocumentStatement[] {
    const { partition, region, accountId } = props.target;
    return [
      { sid: "ReadModelArchive", effect: "Allow", actions: ["s3:GetObject"], resources: [props.artifact.objectArn] },
      {
        sid: "PullInferenceImage",
        effect: "Allow",
        actions: ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
        resources: [props.image.repositoryArn],
      },
      // GetAuthorizationToken has no resource type; it cannot be scoped.
      { sid: "EcrLogin", effect: "Allow", actions: ["ecr:GetAuthorizationToken"], resources: ["*"] },
      {
        sid: "WriteEndpointLogs",
        effect: "Allow",
        actions: ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
        resources: [`arn:${partition}:logs:${region}:${accountId}:log-group:/aws/sagemaker/Endpoints/${this.endpointName}*`],
      },
      {
        sid: "PutEndpointMetrics",
        effect: "Allow",
        actions: ["cloudwatch:PutMetricData"],
        resources: ["*"],
        condition: [{ test: "StringEquals", variable: "cloudwatch:namespace", values: ["/aws/sagemaker/Endpoints", "AWS/SageMaker"] }],
      },
      ...(props.dataCapture ? [this.captureStatement(props.dataCapture)] : []),
      ...(props.asyncInference
        ? asyncExecutionStatements(
            props.asyncInference,
            this.asyncNotifications && {
              topicArns: [this.asyncNotifications.successTopic.arn, this.asyncNotifications.errorTopic.arn],
              keyArn: this.asyncNotifications.key.arn,
            },
          )
        : []),
    ];
  }
}
