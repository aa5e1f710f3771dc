import { ASYNC_DEFAULTS, defaultMaxConcurrentInvocations } from "../constructs/async-defaults";
import type { FieldName, RawConfig } from "./fields";

/** An asynchronous service's queue, scaling and notifications (endpointMode `async`). */
export interface ServiceAsync {
  /** 0 scales to zero. */
  readonly minInstances: number;
  readonly maxInstances: number;
  /** Target of `ApproximateBacklogSizePerInstance`. */
  readonly backlogPerInstance: number;
  readonly maxConcurrentInvocationsPerInstance: number;
  readonly scaleOutCooldownSeconds: number;
  readonly scaleInCooldownSeconds: number;
  /** SNS success and error topics. */
  readonly notifications: boolean;
}

type AsyncRaw = Pick<
  RawConfig,
  | "endpointMode"
  | "instanceType"
  | "instanceCount"
  | "minInstances"
  | "maxInstances"
  | "targetInvocationsPerInstance"
  | "scaleOutCooldownSeconds"
  | "scaleInCooldownSeconds"
  | "asyncBacklogPerInstance"
  | "asyncMaxConcurrentInvocations"
  | "asyncNotifications"
>;

const ASYNC_ONLY = ["asyncBacklogPerInstance", "asyncMaxConcurrentInvocations"] as const;

/**
 * What is wrong with the async settings: async-only fields elsewhere, min 0 elsewhere, and, on an
 * async service, the real-time scaling target or a fixed count, and max below min.
 */
export function asyncProblems(c: AsyncRaw, where: (name: FieldName) => string, instanceCountDefault: number): string[] {
  if (c.endpointMode !== "async") {
    const problems: string[] = ASYNC_ONLY.filter((n) => c[n] !== undefined).map(
      (n) => `${where(n)}: only used with endpointMode async; got endpointMode ${c.endpointMode}`,
    );
    if (c.asyncNotifications)
      problems.push(`${where("asyncNotifications")}: only used with endpointMode async; got endpointMode ${c.endpointMode}`);
    if (c.minInstances === 0)
      problems.push(`${where("minInstances")}: 0 (scale to zero) needs endpointMode async; got endpointMode ${c.endpointMode}`);
    return problems;
  }
  const problems: string[] = [];
  if (c.targetInvocationsPerInstance !== undefined) {
    problems.push(`${where("targetInvocationsPerInstance")}: async endpoints scale on their backlog; set asyncBacklogPerInstance instead`);
  }
  if (c.instanceCount !== instanceCountDefault) {
    problems.push(
      `${where("instanceCount")}: async endpoints scale between minInstances and maxInstances; leave instanceCount out; got ${c.instanceCount}`,
    );
  }
  const min = c.minInstances ?? ASYNC_DEFAULTS.minInstances;
  const max = c.maxInstances ?? Math.max(min, ASYNC_DEFAULTS.maxInstances);
  if (max < min) problems.push(`${where("maxInstances")}: must be at least minInstances (${min}); got ${max}`);
  if (max < 1) problems.push(`${where("maxInstances")}: must be at least 1 to serve anything; got ${max}`);
  return problems;
}

/** The async settings with defaults filled in; undefined for other modes. */
export function shapeAsync(c: AsyncRaw): ServiceAsync | undefined {
  if (c.endpointMode !== "async") return undefined;
  const minInstances = c.minInstances ?? ASYNC_DEFAULTS.minInstances;
  return {
    minInstances,
    maxInstances: c.maxInstances ?? Math.max(minInstances, ASYNC_DEFAULTS.maxInstances),
    backlogPerInstance: c.asyncBacklogPerInstance ?? ASYNC_DEFAULTS.backlogPerInstance,
    maxConcurrentInvocationsPerInstance: c.asyncMaxConcurrentInvocations ?? defaultMaxConcurrentInvocations(c.instanceType),
    scaleOutCooldownSeconds: c.scaleOutCooldownSeconds ?? ASYNC_DEFAULTS.scaleOutCooldownSeconds,
    scaleInCooldownSeconds: c.scaleInCooldownSeconds ?? ASYNC_DEFAULTS.scaleInCooldownSeconds,
    notifications: c.asyncNotifications,
  };
}
