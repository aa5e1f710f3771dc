import { createHash } from "node:crypto";
import { Construct } from "constructs";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { SagemakerModel } from "@cdktf/provider-aws/lib/sagemaker-model";
import { SagemakerEndpointConfiguration, SagemakerEndpointConfigurationProductionVariants } from "@cdktf/provider-aws/lib/sagemaker-endpoint-configuration";
import { SagemakerEndpoint } from "@cdktf/provider-aws/lib/sagemaker-endpoint";
import { DataAwsIamPolicyDocumentStatement } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { DlcImage } from "../lib/dlc-image";
import { Quantization, servingEnvironment } from "../lib/container-env";
import { policyDocument, serviceTrustPolicy } from "./policy";
import { ModelArtifact } from "./model-artifact";

export type EndpointCapacity =
  | { readonly mode: "real-time"; readonly instanceType: string; readonly instanceCount: number }
  | { readonly mode: "serverless"; readonly memorySizeMb: number; readonly maxConcurrency: number; readonly provisionedConcurrency: number };

export interface InferenceEndpointProps {
  /** Prefix of the model, configuration and role names. */
  readonly namePrefix: string;
  readonly endpointName: string;
  readonly region: string;
  readonly accountId: string;
  readonly image: DlcImage;
  /** Archive with the model files and/or `code/inference.py`. */
  readonly artifact: ModelArtifact;
  /** When set, the container downloads this Hub model at start-up (network isolation off). */
  readonly hubModel?: { readonly modelId: string; readonly revision: string };
  /** Hugging Face pipeline task (`HF_TASK`). */
  readonly task: string;
  readonly containerLogLevel: number;
  /**
   * Quantization model_fn applies on CPU (`MODEL_QUANTIZATION`).
   * @default "none"
   */
  readonly quantization?: Quantization;
  readonly capacity: EndpointCapacity;
  readonly logRetentionDays: number;
}

/**
 * A SageMaker model, endpoint configuration and endpoint for a Hugging Face inference container,
 * with a least-privilege execution role. The model name is derived from everything the model is
 * made of, and both model and configuration are created before the old ones are destroyed, so any
 * change rolls the endpoint to a new configuration without downtime.
 */
export class InferenceEndpoint extends Construct {
  readonly endpoint: SagemakerEndpoint;
  readonly endpointName: string;
  readonly model: SagemakerModel;
  readonly configuration: SagemakerEndpointConfiguration;
  readonly role: IamRole;
  readonly logGroup: CloudwatchLogGroup;
  readonly networkIsolation: boolean;

  constructor(scope: Construct, id: string, props: InferenceEndpointProps) {
    super(scope, id);
    this.endpointName = props.endpointName;
    // Serverless endpoints reject network isolation; a Hub model needs the network to download.
    this.networkIsolation = props.capacity.mode === "real-time" && props.hubModel === undefined;

    this.logGroup = new CloudwatchLogGroup(this, "logs", {
      name: `/aws/sagemaker/Endpoints/${this.endpointName}`,
      retentionInDays: props.logRetentionDays,
    });

    this.role = new IamRole(this, "role", {
      name: `${props.namePrefix}-sagemaker-${props.region}`,
      description: `SageMaker execution role of ${this.endpointName}`,
      assumeRolePolicy: serviceTrustPolicy(this, "trust", "sagemaker.amazonaws.com", props.accountId).json,
    });
    const rolePolicy = new IamRolePolicy(this, "policy", {
      role: this.role.id,
      name: "model-hosting",
      policy: policyDocument(this, "permissions", this.statements(props)).json,
    });

    const environment: Record<string, string> = {
      SAGEMAKER_PROGRAM: "inference.py",
      SAGEMAKER_SUBMIT_DIRECTORY: "/opt/ml/model/code",
      SAGEMAKER_REGION: props.region,
      SAGEMAKER_CONTAINER_LOG_LEVEL: String(props.containerLogLevel),
      HF_TASK: props.task,
      ...servingEnvironment(props.capacity, props.quantization ?? "none"),
      ...(props.hubModel ? { HF_MODEL_ID: props.hubModel.modelId, HF_MODEL_REVISION: props.hubModel.revision } : {}),
    };
    const identity = { image: props.image.uri, data: props.artifact.contentId, environment, isolation: this.networkIsolation };
    const modelHash = createHash("sha256").update(JSON.stringify(identity)).digest("hex").slice(0, 16);

    this.model = new SagemakerModel(this, "model", {
      name: `${props.namePrefix}-model-${modelHash}`,
      executionRoleArn: this.role.arn,
      enableNetworkIsolation: this.networkIsolation,
      primaryContainer: { image: props.image.uri, mode: "SingleModel", modelDataUrl: props.artifact.modelDataUrl, environment },
      dependsOn: [rolePolicy, ...(props.artifact.object ? [props.artifact.object] : [])],
      lifecycle: { createBeforeDestroy: true },
    });

    // No kms_key_arn: SageMaker rejects it on instance types with NVMe storage (g4dn, g5, p4, *d).
    this.configuration = new SagemakerEndpointConfiguration(this, "config", {
      namePrefix: `${props.namePrefix}-config-`,
      productionVariants: [this.variant(props.capacity)],
      lifecycle: { createBeforeDestroy: true },
    });

    this.endpoint = new SagemakerEndpoint(this, "endpoint", {
      name: this.endpointName,
      endpointConfigName: this.configuration.name,
      dependsOn: [this.logGroup],
    });
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

  private statements(props: InferenceEndpointProps): DataAwsIamPolicyDocumentStatement[] {
    const { partition, region } = props.image;
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
        resources: [`arn:${partition}:logs:${region}:${props.accountId}:log-group:/aws/sagemaker/Endpoints/${this.endpointName}*`],
      },
      {
        sid: "PutEndpointMetrics",
        effect: "Allow",
        actions: ["cloudwatch:PutMetricData"],
        resources: ["*"],
        condition: [{ test: "StringEquals", variable: "cloudwatch:namespace", values: ["/aws/sagemaker/Endpoints", "AWS/SageMaker"] }],
      },
    ];
  }
}
