import { Construct } from "constructs";
import { CloudwatchDashboard } from "@cdktf/provider-aws/lib/cloudwatch-dashboard";
import { CloudwatchMetricAlarm, type CloudwatchMetricAlarmConfig } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import type { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { instanceSpec } from "../lib/container-env";
import { ALARM_DEFAULTS, ALARM_PERIOD_SECONDS, type AlarmThresholds } from "./monitoring-defaults";
import { AUTOSCALING_DEFAULTS } from "./autoscaling-defaults";
import type { AwsTarget } from "./names";
import { topicKey } from "./topic-key";

/** One SageMaker endpoint to watch. */
export interface MonitoredEndpoint {
  /** Unique among the endpoints; in alarm names and the dashboard (characters other than letters, digits, _ and - become -). @default - none, required */
  readonly label: string;
  /** @default - none, required */
  readonly endpointName: string;
  /** @default `AllTraffic` */
  readonly variantName?: string;
  /** Real-time instance type: CPU or GPU use is watched, scaled by its vCPU or GPU count. @default - none: serverless, no utilisation alarm */
  readonly instanceType?: string;
}

export interface ServiceMonitoringProps {
  /** Base of the topic, key, alarm and dashboard names. @default - none, required */
  readonly name: string;
  /** @default - none, required */
  readonly target: AwsTarget;
  /** May be empty where `api` is given (an API of Bedrock routes only). @default - none, required */
  readonly endpoints: readonly MonitoredEndpoint[];
  /** The API stage in front of the endpoints. @default - none: no API alarms */
  readonly api?: { readonly apiName: string; readonly stageName: string };
  /** Address subscribed to the alarm topic (AWS mails a confirmation link first). @default - none: no subscription */
  readonly email?: string;
  /** @default ALARM_DEFAULTS: 5 5XX per 5 minutes, model p99 10 s, API p99 20 s, 80% CPU/GPU */
  readonly thresholds?: Partial<AlarmThresholds>;
}

type MetricId = readonly [namespace: string, metricName: string, ...dimensions: string[]];

/**
 * CloudWatch alarms on each endpoint (`Invocation5XXErrors`, `ModelLatency` p99, CPU or GPU use on
 * real-time instances) and on the API stage (`5XXError`, `Latency` p99), sent to an SNS topic on
 * alarm and on recovery, with an optional e-mail subscription, and one dashboard of those metrics.
 *
 * The topic is encrypted with a key of its own, not `alias/aws/sns`: CloudWatch must be allowed
 * kms:GenerateDataKey* and kms:Decrypt on the key to publish to an encrypted topic, and the AWS
 * managed key's policy cannot grant that, so alarms sent to it would never arrive.
 */
export class ServiceMonitoring extends Construct {
  readonly topic: SnsTopic;
  readonly key: KmsKey;
  readonly alarms: CloudwatchMetricAlarm[] = [];
  readonly dashboard: CloudwatchDashboard;

  constructor(scope: Construct, id: string, props: ServiceMonitoringProps) {
    super(scope, id);
    if (props.endpoints.length === 0 && !props.api) throw new Error(`${this.node.path}: give at least one endpoint or the API`);
    const labels = props.endpoints.map((e) => safe(e.label));
    const repeated = labels.find((l, i) => labels.indexOf(l) !== i);
    if (repeated !== undefined) throw new Error(`${this.node.path}: endpoint label '${repeated}' is given twice`);
    const thresholds = { ...ALARM_DEFAULTS, ...props.thresholds };
    const { region, accountId } = props.target;

    this.key = topicKey(this, {
      description: `Encrypts the ${props.name} alarm topic`,
      target: props.target,
      publisher: {
        sid: "CloudWatchAlarmsPublish",
        principals: [{ type: "Service", identifiers: ["cloudwatch.amazonaws.com"] }],
        condition: [{ test: "StringEquals", variable: "aws:SourceAccount", values: [accountId] }],
      },
    });
    this.topic = new SnsTopic(this, "topic", { name: `${props.name}-alarms`, kmsMasterKeyId: this.key.arn });
    if (props.email !== undefined) {
      new SnsTopicSubscription(this, "email", { topicArn: this.topic.arn, protocol: "email", endpoint: props.email });
    }

    const widgets: object[] = [];
    for (const [i, endpoint] of props.endpoints.entries()) {
      const label = labels[i];
      const dims = ["EndpointName", endpoint.endpointName, "VariantName", endpoint.variantName ?? AUTOSCALING_DEFAULTS.variantName];
      const errors: MetricId = ["AWS/SageMaker", "Invocation5XXErrors", ...dims];
      const latency: MetricId = ["AWS/SageMaker", "ModelLatency", ...dims];
      this.alarm(`${label}-5xx`, props.name, errors, { statistic: "Sum", threshold: thresholds.errors5xxPerPeriod, evaluationPeriods: 1 });
      // ModelLatency is in microseconds.
      this.alarm(`${label}-latency`, props.name, latency, {
        extendedStatistic: "p99",
        threshold: thresholds.modelLatencyP99Ms * 1000,
        evaluationPeriods: 2,
      });
      const row: object[] = [
        widget(`${label}: invocations and 5XX`, region, "Sum", [["AWS/SageMaker", "Invocations", ...dims], errors]),
        widget(`${label}: model latency p99 (µs)`, region, "p99", [latency]),
      ];
      const utilization = endpoint.instanceType === undefined ? undefined : utilizationMetric(endpoint.instanceType);
      if (utilization) {
        const metric: MetricId = ["/aws/sagemaker/Endpoints", utilization.metricName, ...dims];
        // CloudWatch sums these over the instance's vCPUs (or GPUs): 100% per unit.
        const threshold = thresholds.utilizationPercent * utilization.units;
        this.alarm(`${label}-${utilization.metricName === "GPUUtilization" ? "gpu" : "cpu"}`, props.name, metric, {
          statistic: "Average",
          threshold,
          evaluationPeriods: 3,
        });
        row.push(
          widget(
            `${label}: ${utilization.metricName} (100% per ${utilization.metricName === "GPUUtilization" ? "GPU" : "vCPU"})`,
            region,
            "Average",
            [metric],
          ),
        );
      }
      widgets.push(...row);
    }
    if (props.api) {
      const dims = ["ApiName", props.api.apiName, "Stage", props.api.stageName];
      const errors: MetricId = ["AWS/ApiGateway", "5XXError", ...dims];
      const latency: MetricId = ["AWS/ApiGateway", "Latency", ...dims];
      this.alarm("api-5xx", props.name, errors, { statistic: "Sum", threshold: thresholds.errors5xxPerPeriod, evaluationPeriods: 1 });
      this.alarm("api-latency", props.name, latency, {
        extendedStatistic: "p99",
        threshold: thresholds.apiLatencyP99Ms,
        evaluationPeriods: 2,
      });
      widgets.push(
        widget("API: requests, 4XX and 5XX", region, "Sum", [
          ["AWS/ApiGateway", "Count", ...dims],
          ["AWS/ApiGateway", "4XXError", ...dims],
          errors,
        ]),
        widget("API: latency p99 (ms)", region, "p99", [latency]),
      );
    }
    this.dashboard = new CloudwatchDashboard(this, "dashboard", {
      dashboardName: `${props.name}-operations`,
      dashboardBody: JSON.stringify({ widgets: layout(widgets) }),
    });
  }

  private alarm(
    what: string,
    name: string,
    [namespace, metricName, ...dims]: MetricId,
    rule: Pick<CloudwatchMetricAlarmConfig, "statistic" | "extendedStatistic" | "threshold" | "evaluationPeriods">,
  ): void {
    const dimensions: Record<string, string> = {};
    for (let i = 0; i < dims.length; i += 2) dimensions[dims[i]] = dims[i + 1];
    const alarm = new CloudwatchMetricAlarm(this, `alarm-${what}`, {
      alarmName: `${name}-${what}`,
      alarmDescription: `${metricName} of ${Object.values(dimensions).join(" ")}`,
      namespace,
      metricName,
      dimensions,
      period: ALARM_PERIOD_SECONDS,
      comparisonOperator: "GreaterThanThreshold",
      treatMissingData: "notBreaching",
      alarmActions: [this.topic.arn],
      okActions: [this.topic.arn],
      ...rule,
    });
    this.alarms.push(alarm);
  }
}

const safe = (label: string) => label.replace(/[^A-Za-z0-9_-]+/g, "-");

function utilizationMetric(instanceType: string): { metricName: "CPUUtilization" | "GPUUtilization"; units: number } {
  const spec = instanceSpec(instanceType);
  if (!spec) throw new Error(`instance type ${instanceType} is not in lib/sagemaker-instance-types.json`);
  return spec.gpus > 0 ? { metricName: "GPUUtilization", units: spec.gpus } : { metricName: "CPUUtilization", units: spec.vcpus };
}

function widget(title: string, region: string, stat: string, metrics: MetricId[]): object {
  return { type: "metric", properties: { title, region, stat, period: ALARM_PERIOD_SECONDS, view: "timeSeries", metrics } };
}

/** Three widgets per row, 8 columns wide each (the grid is 24 wide). */
function layout(widgets: object[]): object[] {
  return widgets.map((w, i) => ({ ...w, x: (i % 3) * 8, y: Math.floor(i / 3) * 6, width: 8, height: 6 }));
}
