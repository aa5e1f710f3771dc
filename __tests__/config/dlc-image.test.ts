import { DLC_REGIONS, processorFor, resolveDlcImage } from "../../lib/dlc-image";

const request = { transformersVersion: "4.51.3", pytorchVersion: "2.6.0", processor: "cpu" as const };

test.each([
  ["us-east-1", "763104351884"],
  ["af-south-1", "626614931356"],
  ["ap-east-1", "871362719292"],
  ["ap-northeast-3", "364406365360"],
  ["ap-south-2", "772153158452"],
  ["ap-southeast-3", "907027046896"],
  ["ap-southeast-4", "457447274322"],
  ["ca-west-1", "204538143572"],
  ["eu-central-2", "380420809688"],
  ["eu-south-1", "692866216735"],
  ["eu-south-2", "503227376785"],
  ["il-central-1", "780543022126"],
  ["me-central-1", "914824155844"],
  ["me-south-1", "217643126080"],
  ["cn-north-1", "727897471807"],
  ["cn-northwest-1", "727897471807"],
  ["us-gov-east-1", "446045086412"],
  ["us-gov-west-1", "442386744353"],
])("%s pulls from account %s", (region, account) => {
  expect(resolveDlcImage({ ...request, region }).account).toBe(account);
});

test("China regions use the aws-cn partition and the .com.cn registry", () => {
  expect(resolveDlcImage({ ...request, region: "cn-northwest-1" })).toMatchObject({
    uri: "727897471807.dkr.ecr.cn-northwest-1.amazonaws.com.cn/huggingface-pytorch-inference:2.6.0-transformers4.51.3-cpu-py312-ubuntu22.04",
    repositoryArn: "arn:aws-cn:ecr:cn-northwest-1:727897471807:repository/huggingface-pytorch-inference",
  });
});

test("GovCloud regions use the aws-us-gov partition", () => {
  expect(resolveDlcImage({ ...request, region: "us-gov-west-1" }).repositoryArn).toMatch(/^arn:aws-us-gov:ecr:/);
});

test("GPU and CPU tags differ by their published suffix", () => {
  expect(resolveDlcImage({ ...request, region: "us-east-1", processor: "gpu" }).tag).toBe(
    "2.6.0-transformers4.51.3-gpu-py312-cu124-ubuntu22.04",
  );
  expect(resolveDlcImage({ ...request, region: "us-east-1", transformersVersion: "4.37.0", pytorchVersion: "2.1.0" }).tag).toBe(
    "2.1.0-transformers4.37.0-cpu-py310-ubuntu22.04",
  );
});

test.each([
  ["ml.g5.xlarge", "gpu"],
  ["ml.g4dn.xlarge", "gpu"],
  ["ml.p3.2xlarge", "gpu"],
  ["ml.m5.large", "cpu"],
  ["ml.c7i.xlarge", "cpu"],
  ["ml.t2.medium", "cpu"],
])("%s runs the %s image", (instanceType, processor) => {
  expect(processorFor(instanceType)).toBe(processor);
});

test("every listed region resolves", () => {
  for (const region of DLC_REGIONS) expect(() => resolveDlcImage({ ...request, region })).not.toThrow();
});
