import instanceData from "./sagemaker-instance-types.json";
import type { EndpointCapacity } from "../constructs/inference-endpoint";

export const QUANTIZATIONS = ["none", "dynamic-int8"] as const;
/** How model_fn prepares the model: `dynamic-int8` quantizes the Linear layers, on CPU only. */
export type Quantization = (typeof QUANTIZATIONS)[number];

export interface InstanceSpec {
  readonly vcpus: number;
  readonly memoryGiB: number;
  readonly gpus: number;
  /** Total memory of all the instance's GPUs. */
  readonly gpuMemoryGiB: number;
}

const INSTANCE_TYPES: Readonly<Record<string, InstanceSpec>> = instanceData.instanceTypes;

/** The published size of a SageMaker instance type, or undefined when the table lacks it. */
export function instanceSpec(instanceType: string): InstanceSpec | undefined {
  return Object.hasOwn(INSTANCE_TYPES, instanceType) ? INSTANCE_TYPES[instanceType] : undefined;
}

/**
 * Workers and torch threads per worker for an instance (see the README's "Model speed"); on CPU,
 * `idleThreads` is what a worker may use while the instance's other workers are idle.
 */
export function workersAndThreads(spec: InstanceSpec): { workers: number; threads: number; idleThreads?: number } {
  if (spec.gpus > 0) {
    // One worker per GPU (the model server spreads workers over the GPUs); the CPU only tokenizes.
    return { workers: spec.gpus, threads: Math.max(1, Math.floor(spec.vcpus / spec.gpus)) };
  }
  // One single-threaded worker per vCPU: measured on 2 vCPUs, 2 workers x 1 thread served the most
  // requests once requests overlap; the toolkit's default (a worker per vCPU, each with a thread per
  // vCPU) answered a lone client faster but fell to less than half that rate at 4 and 16 clients.
  // A request that finds the other workers idle takes every vCPU (model/code/inference.py ThreadShare).
  return { workers: spec.vcpus, threads: 1, idleThreads: spec.vcpus };
}

/**
 * The serving environment of the model container: model-server workers and torch threads from the
 * instance's size, and the quantization. Serverless endpoints run one request at a time per
 * container on a CPU of unpublished size, so they get one worker and torch's default threads.
 */
export function servingEnvironment(capacity: EndpointCapacity, quantization: Quantization): Record<string, string> {
  const env: Record<string, string> = { MODEL_QUANTIZATION: quantization };
  if (capacity.mode === "serverless") return { ...env, SAGEMAKER_MODEL_SERVER_WORKERS: "1" };
  const spec = instanceSpec(capacity.instanceType);
  if (!spec) throw new Error(`instance type ${capacity.instanceType} is not in lib/sagemaker-instance-types.json`);
  const { workers, threads, idleThreads } = workersAndThreads(spec);
  return {
    ...env,
    SAGEMAKER_MODEL_SERVER_WORKERS: String(workers),
    MODEL_TORCH_THREADS: String(threads),
    ...(idleThreads !== undefined && { MODEL_TORCH_IDLE_THREADS: String(idleThreads) }),
  };
}
