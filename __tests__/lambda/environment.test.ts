import { DEFAULT_INVOKE_MAX_ATTEMPTS, fromEnvironment, toEnvironment } from "../../lambda/environment";
import { DEFAULT_REQUEST_LIMITS } from "../../contract/request-limits";
import { FakeSageMaker, loadHandler } from "./support";

describe("fromEnvironment", () => {
  it("applies the documented defaults when only ENDPOINT_NAME is set", () => {
    expect(fromEnvironment({ ENDPOINT_NAME: "finbert" })).toEqual({
      endpointName: "finbert",
      task: "text-classification",
      modelId: "",
      limits: DEFAULT_REQUEST_LIMITS,
      invokeMaxAttempts: DEFAULT_INVOKE_MAX_ATTEMPTS,
      logRequestText: false,
    });
  });

  it("reads every setting from the environment", () => {
    const config = fromEnvironment({
      ENDPOINT_NAME: "finbert-tone-prod",
      MAX_TEXTS: "8",
      MAX_TEXT_CHARS: "2000",
      MAX_TOTAL_CHARS: "4000",
      INVOKE_MAX_ATTEMPTS: "5",
      LOG_REQUEST_TEXT: "true",
      TASK: "feature-extraction",
      MODEL_ID: "org/encoder",
    });

    expect(config).toEqual({
      endpointName: "finbert-tone-prod",
      task: "feature-extraction",
      modelId: "org/encoder",
      limits: { maxTexts: 8, maxTextChars: 2000, maxTotalChars: 4000 },
      invokeMaxAttempts: 5,
      logRequestText: true,
    });
  });

  it("treats any LOG_REQUEST_TEXT other than true as off", () => {
    expect(fromEnvironment({ ENDPOINT_NAME: "finbert", LOG_REQUEST_TEXT: "1" }).logRequestText).toBe(false);
  });

  it("rejects a missing ENDPOINT_NAME", () => {
    expect(() => fromEnvironment({})).toThrow(/ENDPOINT_NAME must be a SageMaker endpoint name/);
  });

  it("rejects an ENDPOINT_NAME SageMaker would refuse", () => {
    expect(() => fromEnvironment({ ENDPOINT_NAME: "my_endpoint" })).toThrow(/ENDPOINT_NAME/);
  });

  it("names every variable that is not a positive integer", () => {
    expect(() => fromEnvironment({ ENDPOINT_NAME: "finbert", MAX_TEXTS: "0", MAX_TOTAL_CHARS: "1.5" })).toThrow(
      'MAX_TEXTS must be a positive integer, got "0"; MAX_TOTAL_CHARS must be a positive integer, got "1.5"',
    );
  });

  it("rejects limits whose worst-case request exceeds the 6 MB payload limit", () => {
    expect(() =>
      fromEnvironment({ ENDPOINT_NAME: "finbert", MAX_TEXTS: "100", MAX_TEXT_CHARS: "10000", MAX_TOTAL_CHARS: "1000000" }),
    ).toThrow(/payload limit/);
  });

  it("counts the payload from the total-character limit when that is the tighter one", () => {
    expect(
      fromEnvironment({ ENDPOINT_NAME: "finbert", MAX_TEXTS: "100", MAX_TEXT_CHARS: "10000", MAX_TOTAL_CHARS: "20000" }).limits.maxTexts,
    ).toBe(100);
  });
});

describe("handler module", () => {
  it("fails at init, not per request, when ENDPOINT_NAME is missing", async () => {
    const fake = await FakeSageMaker.start();
    try {
      await expect(loadHandler(fake.url, { ENDPOINT_NAME: "" })).rejects.toThrow(/ENDPOINT_NAME/);
    } finally {
      await fake.close();
    }
  });
});

test("what toEnvironment writes, fromEnvironment reads back", () => {
  const settings = {
    endpointName: "svc-endpoint",
    task: "feature-extraction",
    modelId: "org/encoder",
    limits: { maxTexts: 4, maxTextChars: 100, maxTotalChars: 300 },
    logRequestText: true,
    serviceName: "svc",
  } as const;
  expect(fromEnvironment(toEnvironment(settings))).toMatchObject({
    endpointName: "svc-endpoint",
    task: "feature-extraction",
    modelId: "org/encoder",
    limits: settings.limits,
    logRequestText: true,
  });
});

test("a handler without TASK serves text classification, the one task it had before routes had tasks", () => {
  expect(fromEnvironment({ ENDPOINT_NAME: "svc-endpoint" }).task).toBe("text-classification");
});

test("an unknown TASK is refused by name", () => {
  expect(() => fromEnvironment({ ENDPOINT_NAME: "svc-endpoint", TASK: "summarization" })).toThrow(/TASK must be one of/);
});

test("the payload bound is the task's: pairs of long texts are refused where single texts fit", () => {
  const env = { ENDPOINT_NAME: "svc-endpoint", MAX_TEXTS: "32", MAX_TEXT_CHARS: "20000", MAX_TOTAL_CHARS: "1000000" };
  expect(fromEnvironment(env).task).toBe("text-classification");
  expect(() => fromEnvironment({ ...env, TASK: "sentence-pair-classification" })).toThrow(
    /payload limit for sentence-pair-classification requests/,
  );
});
