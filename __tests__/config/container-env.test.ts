import instanceData from "../../lib/sagemaker-instance-types.json";
import { instanceSpec, servingEnvironment, workersAndThreads } from "../../lib/container-env";
import { ConfigError } from "../../config";
import { loadConfig } from "./sagemaker-config";

const realTime = (instanceType: string) => ({ mode: "real-time" as const, instanceType, instanceCount: 1 });

describe("instance type table", () => {
  test("says where its figures come from and when they were written", () => {
    expect(instanceData.source).toMatch(/from memory/);
    expect(instanceData.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  test("gives every type positive vCPUs and memory, and GPU memory exactly where there are GPUs", () => {
    for (const [type, spec] of Object.entries(instanceData.instanceTypes)) {
      expect([type, spec.vcpus > 0 && spec.memoryGiB > 0, spec.gpus > 0 === spec.gpuMemoryGiB > 0]).toEqual([type, true, true]);
    }
  });

  test("knows the default ml.m5.large as 2 vCPUs and 8 GiB without a GPU", () => {
    expect(instanceSpec("ml.m5.large")).toEqual({ vcpus: 2, memoryGiB: 8, gpus: 0, gpuMemoryGiB: 0 });
  });

  test("does not answer for an unknown type or an inherited property name", () => {
    expect(instanceSpec("ml.m5.huge")).toBeUndefined();
    expect(instanceSpec("constructor")).toBeUndefined();
  });
});

describe("workers and threads", () => {
  test("a CPU instance runs one single-threaded worker per vCPU that may take every vCPU while the others are idle", () => {
    expect(workersAndThreads({ vcpus: 8, memoryGiB: 32, gpus: 0, gpuMemoryGiB: 0 })).toEqual({ workers: 8, threads: 1, idleThreads: 8 });
  });

  test("a GPU instance runs one worker per GPU and shares the vCPUs among them", () => {
    expect(workersAndThreads({ vcpus: 48, memoryGiB: 192, gpus: 4, gpuMemoryGiB: 96 })).toEqual({ workers: 4, threads: 12 });
  });
});

describe("serving environment", () => {
  test("sets workers, threads and quantization for ml.m5.large", () => {
    expect(servingEnvironment(realTime("ml.m5.large"), "dynamic-int8")).toEqual({
      MODEL_QUANTIZATION: "dynamic-int8",
      SAGEMAKER_MODEL_SERVER_WORKERS: "2",
      MODEL_TORCH_THREADS: "1",
      MODEL_TORCH_IDLE_THREADS: "2",
    });
  });

  test("runs one worker per GPU on ml.g5.12xlarge, without idle threads (the GPU does the work)", () => {
    expect(servingEnvironment(realTime("ml.g5.12xlarge"), "none")).toEqual({
      MODEL_QUANTIZATION: "none",
      SAGEMAKER_MODEL_SERVER_WORKERS: "4",
      MODEL_TORCH_THREADS: "12",
    });
  });

  test("gives a serverless container one worker and torch's default threads", () => {
    const env = servingEnvironment({ mode: "serverless", memorySizeMb: 3072, maxConcurrency: 5, provisionedConcurrency: 0 }, "none");
    expect(env).toEqual({ MODEL_QUANTIZATION: "none", SAGEMAKER_MODEL_SERVER_WORKERS: "1" });
  });
});

describe("configuration", () => {
  test("quantization defaults to dynamic int8", () => {
    expect(loadConfig({}).services[0].model.quantization).toBe("dynamic-int8");
  });

  test("quantization is read from MODEL_QUANTIZATION", () => {
    expect(loadConfig({ env: { MODEL_QUANTIZATION: "none" } }).services[0].model.quantization).toBe("none");
  });

  test("an unknown quantization fails naming the field and the allowed values", () => {
    expect(() => loadConfig({ env: { MODEL_QUANTIZATION: "int4" } })).toThrow(
      /quantization \(env MODEL_QUANTIZATION, context "quantization"\): must be one of none, dynamic-int8/,
    );
  });

  test("a real-time instance type missing from the table fails naming the field", () => {
    expect(() => loadConfig({ env: { INSTANCE_TYPE: "ml.m5.huge" } })).toThrow(ConfigError);
    expect(() => loadConfig({ env: { INSTANCE_TYPE: "ml.m5.huge" } })).toThrow(/instanceType .*unknown instance type.*ml\.m5\.huge/);
  });
});
