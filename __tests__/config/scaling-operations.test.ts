import { loadConfig } from "./sagemaker-config";
import { contextProblems as problemsOf } from "./problems";

const sentiment = { name: "sentiment", task: "text-classification", modelSource: "hub:yiyanghkust/finbert-tone@abc" };
const embed = { name: "embed", task: "feature-extraction", modelSource: "hub:org/embed@abc", endpointMode: "serverless" };

describe("off by default", () => {
  const config = loadConfig({});

  test("the default service has no autoscaling and no data capture", () => {
    expect(config.services[0].autoscaling).toBeUndefined();
    expect(config.services[0].dataCapturePercent).toBeUndefined();
  });

  test("the default app has no monitoring", () => {
    expect(config.monitoring).toBeUndefined();
  });
});

describe("autoscaling", () => {
  test("maxInstances turns it on, with minInstances falling back to instanceCount and unset details left to the construct", () => {
    const [service] = loadConfig({ env: { MAX_INSTANCES: "4", INSTANCE_COUNT: "2" } }).services;
    expect(service.autoscaling).toEqual({ minInstances: 2, maxInstances: 4 });
    expect(service.endpoint).toMatchObject({ instanceCount: 2 });
  });

  test("the endpoint configuration starts at minInstances", () => {
    const [service] = loadConfig({ context: { services: [{ ...sentiment, minInstances: 2, maxInstances: 5 }] } }).services;
    expect(service.endpoint).toEqual({ mode: "real-time", instanceType: "ml.m5.large", instanceCount: 2 });
  });

  test("a service entry sets its own target and cooldowns", () => {
    const [service] = loadConfig({
      context: {
        services: [
          { ...sentiment, maxInstances: 3, targetInvocationsPerInstance: 300, scaleOutCooldownSeconds: 30, scaleInCooldownSeconds: 600 },
        ],
      },
    }).services;
    expect(service.autoscaling).toEqual({
      minInstances: 1,
      maxInstances: 3,
      targetInvocationsPerInstance: 300,
      scaleOutCooldownSeconds: 30,
      scaleInCooldownSeconds: 600,
    });
  });

  test("a maximum below the minimum fails naming the service and maxInstances", () => {
    expect(problemsOf({ services: [{ ...sentiment, minInstances: 3, maxInstances: 2 }] })).toContain(
      'services[0] "sentiment": maxInstances: must be at least minInstances (3); got 2',
    );
  });

  test("a maximum below instanceCount fails naming maxInstances", () => {
    expect(problemsOf({}, { INSTANCE_COUNT: "3", MAX_INSTANCES: "2" })).toContain(
      'maxInstances (env MAX_INSTANCES, context "maxInstances"): must be at least minInstances (3); got 2',
    );
  });

  test("autoscaling on a serverless service fails naming the service and maxInstances", () => {
    expect(problemsOf({ services: [{ ...embed, maxInstances: 2 }] })).toContain(
      'services[0] "embed": maxInstances: autoscaling needs a real-time endpoint',
    );
  });

  test("an autoscaling detail without maxInstances fails naming the detail", () => {
    const problems = problemsOf({ services: [{ ...sentiment, minInstances: 2, targetInvocationsPerInstance: 100 }] });
    expect(problems).toContain('services[0] "sentiment": minInstances: is an autoscaling setting; set maxInstances to turn autoscaling on');
    expect(problems).toContain('services[0] "sentiment": targetInvocationsPerInstance: is an autoscaling setting');
  });

  test("an instanceCount that contradicts minInstances fails naming instanceCount", () => {
    expect(problemsOf({ services: [{ ...sentiment, instanceCount: 3, minInstances: 2, maxInstances: 4 }] })).toContain(
      'services[0] "sentiment": instanceCount: with autoscaling the endpoint starts at minInstances (2)',
    );
  });

  test.each([
    ["maxInstances", { maxInstances: 0 }, "must be at least 1"],
    ["maxInstances", { maxInstances: 101 }, "must be at most 100"],
    ["targetInvocationsPerInstance", { maxInstances: 2, targetInvocationsPerInstance: 0 }, "must be at least 1"],
    ["scaleInCooldownSeconds", { maxInstances: 2, scaleInCooldownSeconds: -1 }, "must be at least 0"],
    ["minInstances", { maxInstances: 2, minInstances: 1.5 }, "must be a whole number"],
  ])("a bad %s fails naming the service and the field", (field, values, message) => {
    expect(problemsOf({ services: [{ ...sentiment, ...values }] })).toContain(`services[0] "sentiment": ${field}: ${message}`);
  });
});

describe("data capture", () => {
  test("a percent turns it on for the service", () => {
    expect(loadConfig({ env: { DATA_CAPTURE_PERCENT: "25" } }).services[0].dataCapturePercent).toBe(25);
  });

  test("on a serverless service it fails naming the service and dataCapturePercent", () => {
    expect(problemsOf({ services: [{ ...embed, dataCapturePercent: 10 }] })).toContain(
      'services[0] "embed": dataCapturePercent: SageMaker has no data capture on serverless endpoints; got 10',
    );
  });

  test("with an s3:// model source it fails naming dataCapturePercent", () => {
    expect(problemsOf({ services: [{ ...sentiment, modelSource: "s3://bucket/model.tar.gz", dataCapturePercent: 10 }] })).toContain(
      'services[0] "sentiment": dataCapturePercent: captures go to this app\'s artifact bucket',
    );
  });

  test("above 100 percent fails naming the field", () => {
    expect(problemsOf({}, { DATA_CAPTURE_PERCENT: "101" })).toContain(
      'dataCapturePercent (env DATA_CAPTURE_PERCENT, context "dataCapturePercent"): must be at most 100',
    );
  });
});

describe("alarms", () => {
  test("alarms: true turns monitoring on without a subscription", () => {
    expect(loadConfig({ env: { ALARMS: "true" } }).monitoring).toEqual({ email: undefined });
  });

  test("an alarm e-mail turns monitoring on and subscribes the address", () => {
    expect(loadConfig({ context: { alarmEmail: "ops@example.com" } }).monitoring).toEqual({ email: "ops@example.com" });
  });

  test("an address that is not one fails naming alarmEmail", () => {
    expect(problemsOf({ alarmEmail: "ops at example" })).toContain(
      'alarmEmail (env ALARM_EMAIL, context "alarmEmail"): must be an e-mail address',
    );
  });

  test("alarmEmail is the app's, not a service's", () => {
    expect(problemsOf({ services: [{ ...sentiment, alarmEmail: "ops@example.com" }] })).toContain(
      'services[0] "sentiment": "alarmEmail": unknown setting',
    );
  });
});
