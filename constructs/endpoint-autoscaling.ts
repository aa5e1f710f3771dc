import { Construct } from "constructs";
import type { ITerraformDependable } from "cdktf";
import { AppautoscalingTarget } from "@cdktf/provider-aws/lib/appautoscaling-target";
import { AppautoscalingPolicy } from "@cdktf/provider-aws/lib/appautoscaling-policy";
import type { Quantization } from "../lib/container-env";
import { AUTOSCALING_DEFAULTS, defaultTargetInvocationsPerInstance } from "./autoscaling-defaults";

export interface EndpointAutoscalingProps {
  /** Name of the real-time endpoint whose variant scales (known at synth: it is the scaling resource id). @default - none, required */
  readonly endpointName: string;
  /** The endpoint resource: the registration waits for it, since the variant exists only once it does. @default - none, required */
  readonly endpoint: ITerraformDependable;
  /** @default `AllTraffic` (AUTOSCALING_DEFAULTS.variantName), the variant InferenceEndpoint creates */
  readonly variantName?: string;
  /** Fewest instances; the endpoint configuration should start with this many (see the README on rollouts). @default - none, required */
  readonly minInstances: number;
  /** Most instances; at least `minInstances`. @default - none, required */
  readonly maxInstances: number;
  /** The variant's instance type, from which the default target is derived. @default - none, required */
  readonly instanceType: string;
  /** Quantization the model runs with on CPU, from which the default target is derived. @default `dynamic-int8` */
  readonly quantization?: Quantization;
  /**
   * Invocations per instance per minute that target tracking holds the variant at.
   * @default derived from the measured per-worker throughput (defaultTargetInvocationsPerInstance): 833 on ml.m5.large with dynamic int8
   */
  readonly targetInvocationsPerInstance?: number;
  /** Seconds after a scale-out before another. @default 60 (AUTOSCALING_DEFAULTS.scaleOutCooldownSeconds) */
  readonly scaleOutCooldownSeconds?: number;
  /** Seconds after a scaling activity before a scale-in. @default 300 (AUTOSCALING_DEFAULTS.scaleInCooldownSeconds) */
  readonly scaleInCooldownSeconds?: number;
}

/**
 * Application Auto Scaling for a real-time endpoint's variant: a scalable target on its desired
 * instance count and a target-tracking policy on `SageMakerVariantInvocationsPerInstance`.
 *
 * The resource id is built from the endpoint's name, which a rollout to a new endpoint
 * configuration keeps, so the registration survives model changes (SageMaker allows those under
 * autoscaling). Changing the instance type is refused by SageMaker while the variant is
 * registered; see the README. No `ignore_changes`: the instance count autoscaling chooses lives
 * only in the running endpoint, not in any Terraform attribute, so it causes no drift; each new
 * configuration starts the variant again at its initial count (give it `minInstances`).
 */
export class EndpointAutoscaling extends Construct {
  readonly target: AppautoscalingTarget;
  readonly policy: AppautoscalingPolicy;
  /** The invocations-per-instance target in effect (given or derived). */
  readonly targetInvocationsPerInstance: number;

  constructor(scope: Construct, id: string, props: EndpointAutoscalingProps) {
    super(scope, id);
    const { minInstances, maxInstances } = props;
    if (!Number.isInteger(minInstances) || minInstances < 1)
      throw new Error(`${this.node.path}: minInstances must be a whole number of at least 1`);
    if (!Number.isInteger(maxInstances) || maxInstances < minInstances)
      throw new Error(`${this.node.path}: maxInstances must be a whole number of at least minInstances (${minInstances})`);
    this.targetInvocationsPerInstance =
      props.targetInvocationsPerInstance ?? defaultTargetInvocationsPerInstance(props.instanceType, props.quantization ?? "dynamic-int8");
    if (!(this.targetInvocationsPerInstance > 0)) throw new Error(`${this.node.path}: targetInvocationsPerInstance must be above 0`);

    const variantName = props.variantName ?? AUTOSCALING_DEFAULTS.variantName;
    // No role_arn: Application Auto Scaling uses (and creates) its SageMaker service-linked role.
    this.target = new AppautoscalingTarget(this, "target", {
      serviceNamespace: "sagemaker",
      resourceId: `endpoint/${props.endpointName}/variant/${variantName}`,
      scalableDimension: "sagemaker:variant:DesiredInstanceCount",
      minCapacity: minInstances,
      maxCapacity: maxInstances,
      dependsOn: [props.endpoint],
    });
    this.policy = new AppautoscalingPolicy(this, "policy", {
      name: `${props.endpointName}-invocations-per-instance`,
      policyType: "TargetTrackingScaling",
      serviceNamespace: this.target.serviceNamespace,
      resourceId: this.target.resourceId,
      scalableDimension: this.target.scalableDimension,
      targetTrackingScalingPolicyConfiguration: {
        predefinedMetricSpecification: { predefinedMetricType: "SageMakerVariantInvocationsPerInstance" },
        targetValue: this.targetInvocationsPerInstance,
        scaleOutCooldown: props.scaleOutCooldownSeconds ?? AUTOSCALING_DEFAULTS.scaleOutCooldownSeconds,
        scaleInCooldown: props.scaleInCooldownSeconds ?? AUTOSCALING_DEFAULTS.scaleInCooldownSeconds,
      },
    });
  }
}
