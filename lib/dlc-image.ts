import dlcData from "./hf-dlc-images.json";
import { UserError } from "./errors";

export type Processor = "cpu" | "gpu";

export interface DlcImage {
  /** AWS account that publishes the Hugging Face images in this region. */
  readonly account: string;
  readonly region: string;
  readonly partition: string;
  readonly repository: string;
  readonly tag: string;
  readonly uri: string;
  /** ARN of the ECR repository, for a least-privilege pull statement. */
  readonly repositoryArn: string;
}

/** A request no published image satisfies; `field` names the configuration field at fault. */
export class DlcImageError extends UserError {
  constructor(
    readonly field: "region" | "transformersVersion",
    message: string,
  ) {
    super(message);
  }
}

export interface DlcImageRequest {
  readonly region: string;
  readonly transformersVersion: string;
  readonly pytorchVersion: string;
  readonly processor: Processor;
}

const PARTITIONS: ReadonlyArray<{ prefix: string; partition: string; dnsSuffix: string }> = [
  { prefix: "cn-", partition: "aws-cn", dnsSuffix: "amazonaws.com.cn" },
  { prefix: "us-gov-", partition: "aws-us-gov", dnsSuffix: "amazonaws.com" },
  { prefix: "us-isob-", partition: "aws-iso-b", dnsSuffix: "sc2s.sgov.gov" },
  { prefix: "us-iso-", partition: "aws-iso", dnsSuffix: "c2s.ic.gov" },
];

export const DLC_REGIONS: readonly string[] = Object.keys(dlcData.registries).sort();
const DLC_IMAGES = dlcData.images;

export function partitionOf(region: string): { partition: string; dnsSuffix: string } {
  return PARTITIONS.find((p) => region.startsWith(p.prefix)) ?? { partition: "aws", dnsSuffix: "amazonaws.com" };
}

/** GPU instance families the Hugging Face GPU image runs on; everything else gets the CPU image. */
export function processorFor(instanceType: string): Processor {
  return /^ml\.(g\d|p\d)/.test(instanceType) ? "gpu" : "cpu";
}

/** Combinations published for a processor, newest last, as "pytorch/transformers" strings. */
function publishedVersions(processor: Processor): string[] {
  return DLC_IMAGES.filter((i) => i.processor === processor).map((i) => `${i.pytorch}/${i.transformers}`);
}

/** Resolves the Hugging Face PyTorch inference image; throws naming what has no published image. */
export function resolveDlcImage(req: DlcImageRequest): DlcImage {
  const registries: Record<string, string> = dlcData.registries;
  const account = registries[req.region];
  if (!account) {
    throw new DlcImageError(
      "region",
      `no Hugging Face inference image is published in '${req.region}'; allowed: ${DLC_REGIONS.join(", ")}`,
    );
  }
  const image = DLC_IMAGES.find(
    (i) => i.processor === req.processor && i.transformers === req.transformersVersion && i.pytorch === req.pytorchVersion,
  );
  if (!image) {
    throw new DlcImageError(
      "transformersVersion",
      `no ${req.processor.toUpperCase()} image for pytorch ${req.pytorchVersion} with transformers ${req.transformersVersion}; published (pytorch/transformers): ${publishedVersions(req.processor).join(", ")}`,
    );
  }
  const { partition, dnsSuffix } = partitionOf(req.region);
  const repository = dlcData.repository;
  return {
    account,
    region: req.region,
    partition,
    repository,
    tag: image.tag,
    uri: `${account}.dkr.ecr.${req.region}.${dnsSuffix}/${repository}:${image.tag}`,
    repositoryArn: `arn:${partition}:ecr:${req.region}:${account}:repository/${repository}`,
  };
}
