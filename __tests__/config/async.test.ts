import { loadConfig } from "./sagemaker-config";
import { contextProblems as problemsOf } from "./problems";

const sentiment = { name: "sentiment", task: "text-classification", modelSource: "hub:yiyanghkust/finbert-tone@abc" };
const queued = { ...sentiment, endpointMode: "async" };

const only = (service: Record<string, unknown>) => loadConfig({ context: { services: [service] } }).services[0];

describe("an async service", () => {
  test("scales between 0 and 1 instances on a backlog of 5, one request per worker, without notifications by default", () => {
    expect(only(queued).async).toEqual({
      minInstances: 0,
      maxInstances: 1,
      backlogPerInstance: 5,
      maxConcurrentInvocationsPerInstance: 2,
      scaleOutCooldownSeconds: 300,
      scaleInCooldownSeconds: 600,
      notifications: false,
    });
  });

  test("keeps its instances on the endpoint, created with one instance, and has no real-time autoscaling", () => {
    const service = only(queued);
    expect(service.endpoint).toEqual({ mode: "real-time", instanceType: "ml.m5.large", instanceCount: 1 });
    expect(service.autoscaling).toBeUndefined();
  });

  test("takes every async setting from its entry", () => {
    const service = only({
      ...queued,
      instanceType: "ml.m5.xlarge",
      minInstances: 1,
      maxInstances: 5,
      asyncBacklogPerInstance: 2.5,
      asyncMaxConcurrentInvocations: 3,
      asyncNotifications: true,
      scaleOutCooldownSeconds: 120,
      scaleInCooldownSeconds: 900,
    });
    expect(service.async).toEqual({
      minInstances: 1,
      maxInstances: 5,
      backlogPerInstance: 2.5,
      maxConcurrentInvocationsPerInstance: 3,
      scaleOutCooldownSeconds: 120,
      scaleInCooldownSeconds: 900,
      notifications: true,
    });
    expect(service.endpoint).toMatchObject({ instanceType: "ml.m5.xlarge", instanceCount: 1 });
  });

  test("is set from the environment for the single default service", () => {
    const [service] = loadConfig({ env: { ENDPOINT_MODE: "async", MAX_INSTANCES: "3", ASYNC_NOTIFICATIONS: "true" } }).services;
    expect(service.async).toMatchObject({ minInstances: 0, maxInstances: 3, notifications: true });
  });

  test("lets instanceType auto choose its instances", () => {
    const service = only({ ...queued, instanceType: "auto", modelSizeMb: 440 });
    expect(service.endpoint).toMatchObject({ instanceType: expect.stringMatching(/^ml\./) });
    expect(service.instanceChoice).toBeDefined();
  });

  test("is off for real-time and serverless services", () => {
    expect(only(sentiment).async).toBeUndefined();
  });
});

describe("bad combinations are refused naming the field", () => {
  test.each([
    [
      "asyncBacklogPerInstance",
      { asyncBacklogPerInstance: 3 },
      "asyncBacklogPerInstance: only used with endpointMode async; got endpointMode real-time",
    ],
    [
      "asyncMaxConcurrentInvocations",
      { asyncMaxConcurrentInvocations: 3 },
      "asyncMaxConcurrentInvocations: only used with endpointMode async; got endpointMode real-time",
    ],
    [
      "asyncNotifications",
      { asyncNotifications: true },
      "asyncNotifications: only used with endpointMode async; got endpointMode real-time",
    ],
    [
      "minInstances 0",
      { minInstances: 0, maxInstances: 2 },
      "minInstances: 0 (scale to zero) needs endpointMode async; got endpointMode real-time",
    ],
  ])("%s on a real-time service", (_name, fields, message) => {
    expect(problemsOf({ services: [{ ...sentiment, ...fields }] })).toContain(`services[0] "sentiment": ${message}`);
  });

  test("an async setting on a serverless service", () => {
    expect(problemsOf({ services: [{ ...sentiment, endpointMode: "serverless", asyncNotifications: true }] })).toContain(
      'services[0] "sentiment": asyncNotifications: only used with endpointMode async; got endpointMode serverless',
    );
  });

  test.each([
    [
      "targetInvocationsPerInstance",
      { targetInvocationsPerInstance: 100 },
      "targetInvocationsPerInstance: async endpoints scale on their backlog; set asyncBacklogPerInstance instead",
    ],
    [
      "instanceCount",
      { instanceCount: 3 },
      "instanceCount: async endpoints scale between minInstances and maxInstances; leave instanceCount out; got 3",
    ],
    ["maxInstances below minInstances", { minInstances: 3, maxInstances: 2 }, "maxInstances: must be at least minInstances (3); got 2"],
    ["maxInstances 0", { maxInstances: 0 }, "maxInstances: must be at least 1"],
  ])("%s on an async service", (_name, fields, message) => {
    expect(problemsOf({ services: [{ ...queued, ...fields }] })).toContain(`services[0] "sentiment": ${message}`);
  });

  test("an async service with an s3:// model source, whose bucket is not this app's", () => {
    expect(problemsOf({ services: [{ ...queued, modelSource: "s3://models/finbert/model.tar.gz" }] })).toContain(
      `services[0] "sentiment": endpointMode: async requests and results go to this app's artifact bucket, which an s3:// model source does not use`,
    );
  });

  test.each([
    ["a backlog target of 0", { asyncBacklogPerInstance: 0 }, "asyncBacklogPerInstance: must be more than 0"],
    ["a concurrency of 0", { asyncMaxConcurrentInvocations: 0 }, "asyncMaxConcurrentInvocations: must be at least 1"],
    ["notifications that are not a boolean", { asyncNotifications: "yes" }, "asyncNotifications: must be true or false"],
  ])("%s", (_name, fields, message) => {
    expect(problemsOf({ services: [{ ...queued, ...fields }] })).toContain(`services[0] "sentiment": ${message}`);
  });

  test("the environment variable is named for the default service", () => {
    expect(problemsOf({}, { ASYNC_BACKLOG_PER_INSTANCE: "3" })).toContain(
      'asyncBacklogPerInstance (env ASYNC_BACKLOG_PER_INSTANCE, context "asyncBacklogPerInstance"): only used with endpointMode async; got endpointMode real-time',
    );
  });
});
