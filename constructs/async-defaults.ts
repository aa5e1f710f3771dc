// The asynchronous endpoint's defaults, in a module without cdktf so that configuration and the
// README read them without loading the constructs.
import { instanceSpec, workersAndThreads } from "../lib/container-env";

export const ASYNC_DEFAULTS = {
  /** Scale to zero: no instance runs (and bills) while nothing is queued. */
  minInstances: 0,
  /** One instance at most unless configured: the cheapest setting that still serves. */
  maxInstances: 1,
  /**
   * Queued requests per instance that target tracking holds (`ApproximateBacklogSizePerInstance`).
   * AWS's documented example value; at the measured ~28 single-text requests/s of one ml.m5.large
   * (2 workers x 13.89 texts/s, dynamic int8, see "Model speed") a backlog of 5 drains in well under
   * a second, so a backlog that stays above it means requests arrive faster than one instance serves.
   */
  backlogPerInstance: 5,
  /** Scaling out from a backlog waits for the new instance (minutes); a second one soon after is rarely needed. */
  scaleOutCooldownSeconds: 300,
  /** Give capacity back slowly: a cold start from zero costs minutes. */
  scaleInCooldownSeconds: 600,
  /** Key prefix in the artifact bucket; a service's objects live below `async/<service>/`. */
  keyPrefix: "async",
} as const;

/**
 * Requests SageMaker hands one instance at a time: one per model-server worker (a worker per vCPU
 * on CPU, per GPU on GPU instances), so none waits inside the container, where the backlog metric
 * that drives scaling cannot see it.
 */
export function defaultMaxConcurrentInvocations(instanceType: string): number {
  const spec = instanceSpec(instanceType);
  if (!spec) throw new Error(`instance type ${instanceType} is not in lib/sagemaker-instance-types.json`);
  return workersAndThreads(spec).workers;
}
