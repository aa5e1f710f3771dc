import { Construct } from "constructs";
import type { ITerraformDependable } from "cdktf";
import { AppautoscalingTarget } from "@cdktf/provider-aws/lib/appautoscaling-target";
import { AppautoscalingPolicy } from "@cdktf/provider-aws/lib/appautoscaling-policy";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { ASYNC_DEFAULTS } from "./async-defaults";
import { AUTOSCALING_DEFAULTS } from "./autoscaling-defaults";

export interface AsyncAutoscalingProps {
  /** Name of the async endpoint (known at synth: it is the scaling resource id and the metrics' dimension). @default - none, required */
  readonly endpointName: string;
  /** The endpoint resource: the registration waits for it, since the variant exists only once it does. @default - none, required */
  readonly endpoint: ITerraformDependable;
  /** @default `AllTraffic` (AUTOSCALING_DEFAULTS.variantName), the variant InferenceEndpoint creates */
  readonly variantName?: string;
  /** Fewest instances; 0 scales to zero when nothing is queued. @default 0 (ASYNC_DEFAULTS.minInstances) */
  readonly minInstances?: number;
  /** Most instances; at least 1 and at least `minInstances`. @default - none, required */
  readonly maxInstances: number;
  /** Queued requests per instance that target tracking holds. @default 5 (ASYNC_DEFAULTS.backlogPerInstance) */
  readonly backlogPerInstance?: number;
  /** Seconds after a scale-out (either policy) before another. @default 300 (ASYNC_DEFAULTS.scaleOutCooldownSeconds) */
  readonly scaleOutCooldownSeconds?: number;
  /** Seconds after a scaling activity before a scale-in. @default 600 (ASYNC_DEFAULTS.scaleInCooldownSeconds) */
  readonly scaleInCooldownSeconds?: number;
}

/**
 * Application Auto Scaling for an asynchronous endpoint, down to zero instances: target tracking
 * on `ApproximateBacklogSizePerInstance` (the queue per running instance), and, because a
 * per-instance metric does not exist while no instance runs, a step policy that adds one instance
 * when the `HasBacklogWithoutCapacity` alarm fires. Names and the resource id come from the
 * endpoint's name, so a rollout to a new endpoint configuration keeps the registration.
 */
export class AsyncAutoscaling extends Construct {
  readonly target: AppautoscalingTarget;
  readonly backlogPolicy: AppautoscalingPolicy;
  readonly wakePolicy: AppautoscalingPolicy;
  readonly wakeAlarm: CloudwatchMetricAlarm;

  constructor(scope: Construct, id: string, props: AsyncAutoscalingProps) {
    super(scope, id);
    const minInstances = props.minInstances ?? ASYNC_DEFAULTS.minInstances;
    const { maxInstances } = props;
    if (!Number.isInteger(minInstances) || minInstances < 0)
      throw new Error(`${this.node.path}: minInstances must be a whole number of at least 0`);
    if (!Number.isInteger(maxInstances) || maxInstances < Math.max(1, minInstances))
      throw new Error(`${this.node.path}: maxInstances must be a whole number of at least 1 and at least minInstances (${minInstances})`);
    const backlog = props.backlogPerInstance ?? ASYNC_DEFAULTS.backlogPerInstance;
    if (!(backlog > 0)) throw new Error(`${this.node.path}: backlogPerInstance must be above 0`);
    const scaleOutCooldown = props.scaleOutCooldownSeconds ?? ASYNC_DEFAULTS.scaleOutCooldownSeconds;
    const endpointDimension = [{ name: "EndpointName", value: props.endpointName }];

    // No role_arn: Application Auto Scaling uses (and creates) its SageMaker service-linked role.
    this.target = new AppautoscalingTarget(this, "target", {
      serviceNamespace: "sagemaker",
      resourceId: `endpoint/${props.endpointName}/variant/${props.variantName ?? AUTOSCALING_DEFAULTS.variantName}`,
      scalableDimension: "sagemaker:variant:DesiredInstanceCount",
      minCapacity: minInstances,
      maxCapacity: maxInstances,
      dependsOn: [props.endpoint],
    });
    const scalable = {
      serviceNamespace: this.target.serviceNamespace,
      resourceId: this.target.resourceId,
      scalableDimension: this.target.scalableDimension,
    };
    this.backlogPolicy = new AppautoscalingPolicy(this, "backlog-policy", {
      name: `${props.endpointName}-backlog-per-instance`,
      policyType: "TargetTrackingScaling",
      ...scalable,
      targetTrackingScalingPolicyConfiguration: {
        customizedMetricSpecification: {
          metricName: "ApproximateBacklogSizePerInstance",
          namespace: "AWS/SageMaker",
          dimensions: endpointDimension,
          statistic: "Average",
        },
        targetValue: backlog,
        scaleOutCooldown,
        scaleInCooldown: props.scaleInCooldownSeconds ?? ASYNC_DEFAULTS.scaleInCooldownSeconds,
      },
    });
    this.wakePolicy = new AppautoscalingPolicy(this, "wake-policy", {
      name: `${props.endpointName}-wake-from-zero`,
      policyType: "StepScaling",
      ...scalable,
      stepScalingPolicyConfiguration: {
        adjustmentType: "ChangeInCapacity",
        cooldown: scaleOutCooldown,
        metricAggregationType: "Maximum",
        stepAdjustment: [{ metricIntervalLowerBound: "0", scalingAdjustment: 1 }],
      },
    });
    // HasBacklogWithoutCapacity is 1 while requests wait and no instance runs.
    this.wakeAlarm = new CloudwatchMetricAlarm(this, "wake-alarm", {
      alarmName: `${props.endpointName}-backlog-without-capacity`,
      alarmDescription: `Adds an instance to ${props.endpointName} when requests wait and none runs`,
      namespace: "AWS/SageMaker",
      metricName: "HasBacklogWithoutCapacity",
      dimensions: { EndpointName: props.endpointName },
      statistic: "Average",
      period: 60,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      threshold: 1,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      treatMissingData: "missing",
      alarmActions: [this.wakePolicy.arn],
    });
  }
}
