import { DEFAULT_INVOKE_MAX_ATTEMPTS, loadConfig } from "../../lambda/config";
import { DEFAULT_REQUEST_LIMITS } from "../../lambda/contract";
import { FakeSageMaker, loadHandler } from "./support";

describe("loadConfig", () => {
  it("applies the documented defaults when only ENDPOINT_NAME is set", () => {
    expect(loadConfig({ ENDPOINT_NAME: "finbert" })).toEqual({
      endpointName: "finbert",
      limits: DEFAULT_REQUEST_LIMITS,
      invokeMaxAttempts: DEFAULT_INVOKE_MAX_ATTEMPTS,
      logRequestText: false,
    });
  });

  it("reads every setting from the environment", () => {
    const config = loadConfig({
      ENDPOINT_NAME: "finbert-tone-prod",
      MAX_TEXTS: "8",
      MAX_TEXT_CHARS: "2000",
      MAX_TOTAL_CHARS: "4000",
      INVOKE_MAX_ATTEMPTS: "5",
      LOG_REQUEST_TEXT: "true",
    });

    expect(config).toEqual({
      endpointName: "finbert-tone-prod",
      limits: { maxTexts: 8, maxTextChars: 2000, maxTotalChars: 4000 },
      invokeMaxAttempts: 5,
      logRequestText: true,
    });
  });

  it("treats any LOG_REQUEST_TEXT other than true as off", () => {
    expect(loadConfig({ ENDPOINT_NAME: "finbert", LOG_REQUEST_TEXT: "1" }).logRequestText).toBe(false);
  });

  it("rejects a missing ENDPOINT_NAME", () => {
    expect(() => loadConfig({})).toThrow(/ENDPOINT_NAME must be a SageMaker endpoint name/);
  });

  it("rejects an ENDPOINT_NAME SageMaker would refuse", () => {
    expect(() => loadConfig({ ENDPOINT_NAME: "my_endpoint" })).toThrow(/ENDPOINT_NAME/);
  });

  it("names every variable that is not a positive integer", () => {
    expect(() => loadConfig({ ENDPOINT_NAME: "finbert", MAX_TEXTS: "0", MAX_TOTAL_CHARS: "1.5" })).toThrow(
      'MAX_TEXTS must be a positive integer, got "0"; MAX_TOTAL_CHARS must be a positive integer, got "1.5"',
    );
  });

  it("rejects limits whose worst-case request exceeds the 6 MB payload limit", () => {
    expect(() => loadConfig({ ENDPOINT_NAME: "finbert", MAX_TEXTS: "100", MAX_TEXT_CHARS: "10000", MAX_TOTAL_CHARS: "1000000" })).toThrow(/payload limit/);
  });

  it("counts the payload from the total-character limit when that is the tighter one", () => {
    expect(loadConfig({ ENDPOINT_NAME: "finbert", MAX_TEXTS: "100", MAX_TEXT_CHARS: "10000", MAX_TOTAL_CHARS: "100000" }).limits.maxTexts).toBe(100);
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
