import priceData from "./sagemaker-prices.json";
import { type InstanceSpec, instanceSpec, type Quantization, workersAndThreads } from "./container-env";
import { UserError } from "./errors";

export const PRICES_FILE = "lib/sagemaker-prices.json";
const PRICES: Readonly<Record<string, Readonly<Record<string, number>>>> = priceData.regions;
const GIB = 2 ** 30;

/**
 * The memory model (README "Instance choice"). Every model-server worker is its own Python process
 * holding a copy of the model. Measured with bench/model_memory.py on a BERT-base of 419 MiB of
 * safetensors weights, torch on CPU, serving 32 texts of 512 tokens, five runs: 242 MiB after
 * importing torch and transformers, then at the peak 2.04-2.48x the weights more in float32 and
 * 2.46-2.93x with dynamic int8 (the float model is loaded, then quantized in place); the factors
 * below are the largest, rounded up.
 */
export const MEMORY_MODEL = {
  /** Python, torch and transformers in one worker, before the model. */
  workerRuntimeGiB: 0.25,
  /** Peak resident memory of a worker per byte of weights, by quantization (CPU). */
  weightsFactor: { none: 2.5, "dynamic-int8": 3.0 } satisfies Record<Quantization, number>,
  /** Operating system, the model server's frontend and SageMaker's agents: an estimate, not measured. */
  instanceBaseGiB: 1,
  /** GPU memory per worker beyond the model: the CUDA context and allocator slack; an estimate. */
  cudaContextGiB: 0.5,
} as const;

/**
 * Burstable types are never chosen: once their CPU credits are spent they run at a baseline of
 * 20-40% of each vCPU, which a model server under steady traffic reaches (set one explicitly for a
 * trickle of requests).
 */
const BURSTABLE = /^ml\.t\d+\./;

export class InstanceChoiceError extends UserError {}

export interface InstanceChoiceRequest {
  readonly region: string;
  /** Size of the weights the model server loads. */
  readonly modelBytes: number;
  /** Ignored on GPU types, as by the container. */
  readonly quantization: Quantization;
  /** Most an instance may cost per hour; unset: no limit. */
  readonly maxHourlyUsd?: number;
}

/** One priced instance type weighed for the model. */
export interface Candidate {
  readonly instanceType: string;
  readonly hourlyUsd: number;
  readonly spec: InstanceSpec;
  /** Model-server workers the type gets (lib/container-env.ts), each with its own copy of the model. */
  readonly workers: number;
  readonly memoryNeededGiB: number;
  /** Per GPU; undefined on CPU types. */
  readonly gpuMemoryNeededGiB?: number;
  /** Why the model does not fit; undefined when it does. */
  readonly misfit?: string;
}

export interface InstanceChoice {
  readonly chosen: Candidate;
  /** Every non-burstable type priced in the region, cheapest first. */
  readonly candidates: readonly Candidate[];
  readonly request: InstanceChoiceRequest;
}

const round1 = (n: number): number => Math.ceil(n * 10) / 10;

/** Memory the model needs on one instance type, per the memory model above. */
export function weigh(instanceType: string, hourlyUsd: number, spec: InstanceSpec, request: InstanceChoiceRequest): Candidate {
  const { workers } = workersAndThreads(spec);
  const weightsGiB = request.modelBytes / GIB;
  const onGpu = spec.gpus > 0;
  // On a GPU the weights and activations sit in GPU memory; the host holds each worker's runtime and
  // its copy of the weights while it loads them.
  const perWorkerGiB = MEMORY_MODEL.workerRuntimeGiB + weightsGiB * (onGpu ? 1 : MEMORY_MODEL.weightsFactor[request.quantization]);
  const memoryNeededGiB = round1(MEMORY_MODEL.instanceBaseGiB + workers * perWorkerGiB);
  const gpuMemoryNeededGiB = onGpu ? round1(MEMORY_MODEL.cudaContextGiB + weightsGiB * MEMORY_MODEL.weightsFactor.none) : undefined;
  const gpuEach = spec.gpus > 0 ? spec.gpuMemoryGiB / spec.gpus : 0;
  const misfit =
    memoryNeededGiB > spec.memoryGiB
      ? `needs ${memoryNeededGiB} GiB for ${workers} worker${workers === 1 ? "" : "s"}, has ${spec.memoryGiB}`
      : gpuMemoryNeededGiB !== undefined && gpuMemoryNeededGiB > gpuEach
        ? `needs ${gpuMemoryNeededGiB} GiB per GPU, has ${gpuEach}`
        : undefined;
  return { instanceType, hourlyUsd, spec, workers, memoryNeededGiB, gpuMemoryNeededGiB, misfit };
}

/** Cheapest first; at one price the type with more memory, then by name, so the order never varies. */
function byPrice(a: Candidate, b: Candidate): number {
  return a.hourlyUsd - b.hourlyUsd || b.spec.memoryGiB - a.spec.memoryGiB || a.instanceType.localeCompare(b.instanceType);
}

const SHOWN_MISFITS = 4;
export const usd = (n: number): string => `$${n.toFixed(n < 1 ? 3 : 2)}/h`;
const mib = (bytes: number): string => `${Math.round(bytes / 2 ** 20)} MiB`;

/**
 * The cheapest non-burstable instance type priced in the region whose memory holds the model for all its workers
 * and whose GPUs (if any) each hold a copy, at most `maxHourlyUsd` an hour.
 * Throws naming the region and the price file when the region is not priced, and the cheapest type
 * that would fit when none fits under the budget.
 */
export function chooseInstance(request: InstanceChoiceRequest): InstanceChoice {
  if (!Object.hasOwn(PRICES, request.region)) {
    throw new InstanceChoiceError(
      `no prices for region ${request.region} in ${PRICES_FILE} (priced: ${Object.keys(PRICES).join(", ")}); add the region's prices there, or set instanceType to a type`,
    );
  }
  const candidates = Object.entries(PRICES[request.region])
    .flatMap(([type, price]) => {
      const spec = instanceSpec(type);
      return spec && !BURSTABLE.test(type) ? [weigh(type, price, spec, request)] : [];
    })
    .sort(byPrice);
  const fitting = candidates.filter((c) => c.misfit === undefined);
  const chosen = fitting.find((c) => request.maxHourlyUsd === undefined || c.hourlyUsd <= request.maxHourlyUsd);
  if (chosen) return { chosen, candidates, request };
  const size = `a model of ${mib(request.modelBytes)}`;
  if (fitting.length === 0) {
    const roomiest = [...candidates].sort((a, b) => b.spec.memoryGiB - a.spec.memoryGiB)[0];
    throw new InstanceChoiceError(
      `no instance type priced for ${request.region} in ${PRICES_FILE} holds ${size}` +
        (roomiest ? ` (the one with the most memory, ${roomiest.instanceType}, ${roomiest.misfit})` : ""),
    );
  }
  throw new InstanceChoiceError(
    `no instance type in ${request.region} holds ${size} within maxHourlyUsd ${request.maxHourlyUsd}; the cheapest that would fit is ${fitting[0].instanceType} at ${usd(fitting[0].hourlyUsd)}`,
  );
}

/** What synth prints: the choice, the size it rests on, and the cheaper types that did not fit. */
export function describeChoice(choice: InstanceChoice, sizeFrom: string): string {
  const { chosen, candidates, request } = choice;
  const cheaper = candidates.filter((c) => byPrice(c, chosen) < 0);
  // The nearest in price say most about the choice; the rest are counted.
  const shown = cheaper.slice(-SHOWN_MISFITS);
  const gpu = chosen.gpuMemoryNeededGiB !== undefined ? `, ${chosen.gpuMemoryNeededGiB} GiB per GPU` : "";
  const lines = [
    `${chosen.instanceType} at ${usd(chosen.hourlyUsd)} in ${request.region} (prices: ${PRICES_FILE}, ${priceData.date}, from memory: check them)`,
    `  model: ${mib(request.modelBytes)} of weights (${sizeFrom}), quantization ${chosen.spec.gpus > 0 ? "none on GPU" : request.quantization}`,
    `  needs ${chosen.memoryNeededGiB} GiB for ${chosen.workers} worker${chosen.workers === 1 ? "" : "s"}${gpu}; has ${chosen.spec.memoryGiB} GiB, ${chosen.spec.vcpus} vCPUs${chosen.spec.gpus > 0 ? `, ${chosen.spec.gpus} GPU of ${chosen.spec.gpuMemoryGiB / chosen.spec.gpus} GiB` : ""}`,
    `  ${candidates.length} types priced here (burstable ml.t* left out)${request.maxHourlyUsd === undefined ? "" : `, budget ${usd(request.maxHourlyUsd)}`}; cheaper ones too small: ${
      cheaper.length === 0 ? "none" : shown.map((c) => `${c.instanceType} ${usd(c.hourlyUsd)} (${c.misfit})`).join(", ")
    }${cheaper.length > shown.length ? ` and ${cheaper.length - shown.length} cheaper still` : ""}`,
  ];
  return lines.join("\n");
}
