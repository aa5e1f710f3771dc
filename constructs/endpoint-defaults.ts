// The InferenceEndpoint construct's defaults, in a module without cdktf so that configuration
// reads them without loading the constructs.

export const ENDPOINT_DEFAULTS = {
  task: "text-classification",
  /** Python's INFO. */
  containerLogLevel: 20,
  realTime: { instanceType: "ml.m5.large", instanceCount: 1 },
  serverless: { memorySizeMb: 3072, maxConcurrency: 5, provisionedConcurrency: 0 },
} as const;
