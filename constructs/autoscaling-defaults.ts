// The EndpointAutoscaling construct's defaults, in a module without cdktf so that configuration and
// the README read them without loading the constructs.
import { type Quantization, instanceSpec, workersAndThreads } from "../lib/container-env";

/**
 * Texts per second one single-threaded model-server worker served on the mixed batch (32 texts of
 * 5-400 words, BERT-base of FinBERT's shape, 2 shared vCPUs), int8 on fbgemm as on CPUs without
 * AMX such as the default ml.m5 (AMX CPUs run int8 on oneDNN, faster): the README's "Model speed".
 * GPUs run float32 (quantization is CPU-only) and are not measured: a GPU worker is taken to be at
 * least as fast as a float32 CPU worker, so the derived target is a lower bound there.
 */
export const MEASURED_TEXTS_PER_SECOND_PER_WORKER: Readonly<Record<Quantization, number>> = { "dynamic-int8": 13.89, none: 6.34 };

/** Scale out at half the measured capacity: AWS's recommended safety factor for this metric. */
export const TARGET_SAFETY_FACTOR = 0.5;

export const AUTOSCALING_DEFAULTS = {
  variantName: "AllTraffic",
  /** Instances take minutes to start; Application Auto Scaling counts capacity still starting. */
  scaleOutCooldownSeconds: 60,
  /** Slow to give capacity back, so a short lull does not drop an instance that is needed again. */
  scaleInCooldownSeconds: 300,
} as const;

/**
 * The default target of `SageMakerVariantInvocationsPerInstance` (invocations per instance per
 * minute): measured texts/s per worker x workers on the instance (one per vCPU on CPU, one per
 * GPU) x 60 s x the safety factor, one text per invocation. ml.m5.large with dynamic int8:
 * 13.89 x 2 x 60 x 0.5 = 833. Batch requests (up to `maxTexts` texts each) count as one
 * invocation: services that mostly receive batches need a lower target.
 */
export function defaultTargetInvocationsPerInstance(instanceType: string, quantization: Quantization): number {
  const spec = instanceSpec(instanceType);
  if (!spec) throw new Error(`instance type ${instanceType} is not in lib/sagemaker-instance-types.json`);
  const { workers } = workersAndThreads(spec);
  const perWorker = MEASURED_TEXTS_PER_SECOND_PER_WORKER[spec.gpus > 0 ? "none" : quantization];
  return Math.floor(perWorker * workers * 60 * TARGET_SAFETY_FACTOR);
}
