import priceData from "../../lib/sagemaker-prices.json";
import instanceData from "../../lib/sagemaker-instance-types.json";
import { chooseInstance, describeChoice, InstanceChoiceError, MEMORY_MODEL, weigh } from "../../lib/instance-choice";
import { instanceSpec } from "../../lib/container-env";

const MiB = 2 ** 20;
const GiB = 2 ** 30;
const FINBERT_BYTES = 439_039_996; // model.safetensors of a BERT-base with FinBERT tone's vocabulary

function choiceError(run: () => unknown): string {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(InstanceChoiceError);
    return (e as Error).message;
  }
  throw new Error("expected an InstanceChoiceError");
}

describe("price table", () => {
  test("says where its prices come from, that they were written from memory, and when", () => {
    expect(priceData.source).toMatch(/from memory/);
    expect(priceData.source).toMatch(/aws\.amazon\.com\/sagemaker\/pricing/);
    expect(priceData.date).toBe("2026-11-23");
  });

  test("prices the regions the documentation and tests deploy to", () => {
    expect(Object.keys(priceData.regions)).toEqual(
      expect.arrayContaining(["us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-northeast-1"]),
    );
  });

  test("prices only types whose size the instance table knows, each at a positive price", () => {
    for (const [region, prices] of Object.entries(priceData.regions)) {
      for (const [type, price] of Object.entries(prices)) {
        expect([region, type, Object.hasOwn(instanceData.instanceTypes, type), price > 0]).toEqual([region, type, true, true]);
      }
    }
  });
});

describe("chooseInstance", () => {
  test("takes the cheapest type that fits, not the first listed one that fits", () => {
    const { chosen, candidates } = chooseInstance({ region: "us-east-1", modelBytes: 50 * MiB, quantization: "none" });
    const fits = new Set(candidates.filter((c) => c.misfit === undefined).map((c) => c.instanceType));
    const firstListedFit = Object.keys(priceData.regions["us-east-1"]).find((type) => fits.has(type));
    expect(firstListedFit).toBe("ml.m5.large");
    expect([chosen.instanceType, chosen.hourlyUsd]).toEqual(["ml.c5.large", 0.102]);
  });

  test("never chooses a burstable type, however cheap", () => {
    const { chosen, candidates } = chooseInstance({ region: "us-east-1", modelBytes: 50 * MiB, quantization: "none" });
    expect(candidates.some((c) => c.instanceType.startsWith("ml.t"))).toBe(false);
    expect(chosen.hourlyUsd).toBeGreaterThan(priceData.regions["us-east-1"]["ml.t3.medium"]);
  });

  test("returns the instance type's exact name, as the instance table spells it", () => {
    const { chosen, candidates } = chooseInstance({ region: "eu-west-1", modelBytes: 3 * GiB, quantization: "dynamic-int8" });
    expect(instanceSpec(chosen.instanceType)).toEqual(chosen.spec);
    expect(candidates.every((c) => /^ml\.[a-z0-9]+\.[a-z0-9]+$/.test(c.instanceType) && instanceSpec(c.instanceType) !== undefined)).toBe(
      true,
    );
  });

  test("gives each candidate the workers its own vCPUs bring, so more vCPUs need more memory", () => {
    const request = { region: "us-east-1", modelBytes: FINBERT_BYTES, quantization: "dynamic-int8" as const };
    const large = weigh("ml.c5.large", 0.102, { vcpus: 2, memoryGiB: 4, gpus: 0, gpuMemoryGiB: 0 }, request);
    const xlarge = weigh("ml.c5.xlarge", 0.204, { vcpus: 4, memoryGiB: 8, gpus: 0, gpuMemoryGiB: 0 }, request);
    const perWorker = MEMORY_MODEL.workerRuntimeGiB + (FINBERT_BYTES / GiB) * MEMORY_MODEL.weightsFactor["dynamic-int8"];
    expect([large.workers, xlarge.workers]).toEqual([2, 4]);
    const tenthUp = (gib: number) => Math.ceil(gib * 10) / 10;
    expect(large.memoryNeededGiB).toBe(tenthUp(MEMORY_MODEL.instanceBaseGiB + 2 * perWorker));
    expect(xlarge.memoryNeededGiB).toBe(tenthUp(MEMORY_MODEL.instanceBaseGiB + 4 * perWorker));
  });

  test("sizes FinBERT with int8 to a 4 GiB type and a 1 GiB model to an 8 GiB one", () => {
    expect(chooseInstance({ region: "us-east-1", modelBytes: FINBERT_BYTES, quantization: "dynamic-int8" }).chosen.instanceType).toBe(
      "ml.c5.large",
    );
    expect(chooseInstance({ region: "us-east-1", modelBytes: 990 * 10 ** 6, quantization: "dynamic-int8" }).chosen.instanceType).toBe(
      "ml.m5.large",
    );
  });

  test("stays within maxHourlyUsd, taking the cheapest fit under it", () => {
    const { chosen } = chooseInstance({ region: "us-east-1", modelBytes: FINBERT_BYTES, quantization: "dynamic-int8", maxHourlyUsd: 0.2 });
    expect(chosen.hourlyUsd).toBeLessThanOrEqual(0.2);
    expect(chosen.instanceType).toBe("ml.c5.large");
  });

  test("fails under a budget no fitting type meets, naming the cheapest type that would fit and its price", () => {
    const message = choiceError(() =>
      chooseInstance({ region: "us-east-1", modelBytes: 990 * 10 ** 6, quantization: "dynamic-int8", maxHourlyUsd: 0.06 }),
    );
    expect(message).toBe(
      "no instance type in us-east-1 holds a model of 944 MiB within maxHourlyUsd 0.06; the cheapest that would fit is ml.m5.large at $0.115/h",
    );
  });

  test("puts a model too large for any CPU worker set on the cheapest GPU whose memory holds it", () => {
    const { chosen, candidates } = chooseInstance({ region: "us-east-1", modelBytes: 8 * GiB, quantization: "dynamic-int8" });
    expect(chosen.instanceType).toBe("ml.g6.xlarge");
    expect(chosen.gpuMemoryNeededGiB).toBe(MEMORY_MODEL.cudaContextGiB + 8 * MEMORY_MODEL.weightsFactor.none);
    // The cheaper g4dn's 16 GiB GPU is too small; the weights factor on GPU is float32's (no int8 there).
    expect(candidates.find((c) => c.instanceType === "ml.g4dn.xlarge")?.misfit).toBe("needs 20.5 GiB per GPU, has 16");
  });

  test("refuses a GPU type whose GPU memory is too small even where its host memory would do", () => {
    const request = { region: "us-east-1", modelBytes: 12 * GiB, quantization: "none" as const };
    const g5 = weigh("ml.g5.48xlarge", 20.36, { vcpus: 192, memoryGiB: 768, gpus: 8, gpuMemoryGiB: 192 }, request);
    expect(g5.misfit).toBe("needs 30.5 GiB per GPU, has 24");
  });

  test("fails for a region without prices, naming the region and the price file", () => {
    const message = choiceError(() => chooseInstance({ region: "af-south-1", modelBytes: FINBERT_BYTES, quantization: "none" }));
    expect(message).toMatch(/^no prices for region af-south-1 in lib\/sagemaker-prices\.json \(priced: us-east-1, /);
  });

  test("fails for a model no priced type holds, naming the roomiest type and what it lacks", () => {
    const message = choiceError(() => chooseInstance({ region: "us-east-1", modelBytes: 100 * GiB, quantization: "none" }));
    expect(message).toMatch(
      /^no instance type priced for us-east-1 in lib\/sagemaker-prices\.json holds a model of 102400 MiB \(the one with the most memory, ml\.\w+\.\w+, needs /,
    );
  });
});

describe("describeChoice", () => {
  test("names the choice, its price, the size and where it was measured, and the cheaper types that were too small", () => {
    const choice = chooseInstance({ region: "us-east-1", modelBytes: 990 * 10 ** 6, quantization: "dynamic-int8" });
    const text = describeChoice(choice, "model.safetensors in model/");
    expect(text.split("\n")).toEqual([
      "ml.m5.large at $0.115/h in us-east-1 (prices: lib/sagemaker-prices.json, 2026-11-23, from memory: check them)",
      "  model: 944 MiB of weights (model.safetensors in model/), quantization dynamic-int8",
      "  needs 7.1 GiB for 2 workers; has 8 GiB, 2 vCPUs",
      `  ${choice.candidates.length} types priced here (burstable ml.t* left out); cheaper ones too small: ml.c5.large $0.102/h (needs 7.1 GiB for 2 workers, has 4), ml.c6i.large $0.102/h (needs 7.1 GiB for 2 workers, has 4), ml.c7i.large $0.107/h (needs 7.1 GiB for 2 workers, has 4)`,
    ]);
  });
});
