// The InferenceApi construct's defaults, in a module without cdktf so that configuration reads
// them without loading the constructs.

export const API_DEFAULTS = {
  stageName: "v1",
  authMode: "api-key",
  /** Small on purpose: raise it for real traffic. */
  throttle: { burstLimit: 20, rateLimit: 10 },
  quotaPerDay: 10_000,
  executionLogging: true,
} as const;
