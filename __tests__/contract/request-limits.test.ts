import { MAX_ENDPOINT_PAYLOAD_BYTES } from "../../contract/limits";
import { chargedChars, DEFAULT_REQUEST_LIMITS, MODEL_WINDOW_CHARS, worstCaseEndpointPayloadBytes } from "../../contract/request-limits";
import { endpointRequest } from "../../lambda/sentiment";

const limits = { maxTexts: 3, maxTextChars: 5, maxTotalChars: 15 };

describe("request limits", () => {
  it("defaults to 32 texts of at most 10,000 characters, 4,000 in all", () => {
    expect(DEFAULT_REQUEST_LIMITS).toEqual({ maxTexts: 32, maxTextChars: 10_000, maxTotalChars: 4_000 });
  });

  it("bounds the endpoint body of a maximal request by the total-character limit", () => {
    const tight = { maxTexts: 2, maxTextChars: 50, maxTotalChars: 60 };
    const texts = ["\u0001".repeat(50), "\u0001".repeat(10)];

    const bytes = Buffer.byteLength(JSON.stringify(endpointRequest(texts)));

    expect(bytes).toBeLessThanOrEqual(worstCaseEndpointPayloadBytes(tight));
    expect(worstCaseEndpointPayloadBytes(tight)).toBeLessThan(worstCaseEndpointPayloadBytes({ ...tight, maxTotalChars: 100 }));
  });

  it("keeps the worst-case default request under SageMaker's 6 MB payload limit", () => {
    expect(worstCaseEndpointPayloadBytes(DEFAULT_REQUEST_LIMITS)).toBeLessThan(MAX_ENDPOINT_PAYLOAD_BYTES / 3);
  });

  it("bounds the real endpoint body of a maximal request of escaped characters", () => {
    const texts = Array.from({ length: limits.maxTexts }, () => "\u0001".repeat(limits.maxTextChars));

    const bytes = Buffer.byteLength(JSON.stringify(endpointRequest(texts)));

    expect(bytes).toBeLessThanOrEqual(worstCaseEndpointPayloadBytes(limits));
  });

  it("counts each text whole, or up to the characters the model reads when it truncates", () => {
    expect(chargedChars(["abc", "x".repeat(1_000)])).toBe(1_003);
    expect(chargedChars(["abc", "x".repeat(1_000)], MODEL_WINDOW_CHARS)).toBe(3 + 512);
  });

  it("bounds the endpoint body of a maximal request whose long texts count only up to the window", () => {
    const capped = { maxTexts: 6, maxTextChars: 100, maxTotalChars: 50 };
    // floor(50 / 20) = 2 texts may be longer than the cap; the rest fill the budget whole.
    const texts = ["\u0001".repeat(100), "\u0001".repeat(100), "\u0001".repeat(5), "\u0001".repeat(5)];
    expect(chargedChars(texts, 20)).toBe(50);

    const bytes = Buffer.byteLength(JSON.stringify(endpointRequest(texts)));

    expect(bytes).toBeLessThanOrEqual(worstCaseEndpointPayloadBytes(capped, 20));
    expect(worstCaseEndpointPayloadBytes(capped, 20)).toBeLessThan(worstCaseEndpointPayloadBytes({ ...capped, maxTotalChars: 600 }, 20));
  });

  it("keeps the worst-case default request, long texts counted up to the window, under SageMaker's 6 MB payload limit", () => {
    expect(worstCaseEndpointPayloadBytes(DEFAULT_REQUEST_LIMITS, MODEL_WINDOW_CHARS)).toBeLessThan(MAX_ENDPOINT_PAYLOAD_BYTES / 3);
  });
});
