// The ServiceMonitoring construct's alarm thresholds, in a module without cdktf so that
// configuration and the README read them without loading the constructs.

/** When an alarm fires. Each alarm looks at 5-minute periods; "no data" (no traffic) is not breaching. */
export interface AlarmThresholds {
  /** 5XX answers (endpoint `Invocation5XXErrors`, API stage `5XXError`) in one 5-minute period. */
  readonly errors5xxPerPeriod: number;
  /** Endpoint `ModelLatency` p99, in milliseconds, over two 5-minute periods in a row. */
  readonly modelLatencyP99Ms: number;
  /** API stage `Latency` p99, in milliseconds, over two 5-minute periods in a row. */
  readonly apiLatencyP99Ms: number;
  /** Average CPU (or GPU) use in percent of the whole instance, over three 5-minute periods in a row. */
  readonly utilizationPercent: number;
}

export const ALARM_DEFAULTS: AlarmThresholds = {
  // A few per 5 minutes rather than one: a lone 5XX (a model error on one odd input) is not an outage.
  errors5xxPerPeriod: 5,
  // The largest request the default limits allow takes 4-7 s on the default instance ("Request
  // limits"); a p99 above 10 s means requests are queueing towards the handler's 27.5 s deadline.
  modelLatencyP99Ms: 10_000,
  // Gateway latency adds the Lambda to the model; API Gateway gives up at 29 s.
  apiLatencyP99Ms: 20_000,
  utilizationPercent: 80,
};

export const ALARM_PERIOD_SECONDS = 300;
