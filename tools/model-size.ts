/**
 * npm run model:size -- <model source> [--region R] [--quantization Q] [--max-hourly-usd N]
 * The size of the weights a source serves (a Hub source from the Hub's listing: HF_ENDPOINT,
 * HF_TOKEN), the `modelSizeMb` to give `instanceType: "auto"` for a Hub or S3 source, and the type
 * it would choose.
 */
import { parseArgs } from "node:util";
import { parseModelSource } from "../config/model-source";
import { QUANTIZATIONS, type Quantization } from "../lib/container-env";
import { describeError, UsageError } from "../lib/errors";
import { DEFAULT_HUB_URL } from "../lib/hub-fetch";
import { chooseInstance, describeChoice } from "../lib/instance-choice";
import { archiveModelSize, directoryModelSize, hubModelSize, type ModelSize } from "../lib/model-size";

async function sizeOf(text: string): Promise<ModelSize> {
  const source = parseModelSource(text);
  if (typeof source === "string") throw new UsageError(`${text}: ${source}`);
  switch (source.kind) {
    case "directory":
      return directoryModelSize(source.path);
    case "archive":
      return archiveModelSize(source.path);
    case "hub":
      return hubModelSize({
        modelId: source.modelId,
        revision: source.revision,
        hubUrl: process.env.HF_ENDPOINT || DEFAULT_HUB_URL,
        accessToken: process.env.HF_TOKEN || undefined,
      });
    case "s3":
      throw new UsageError(`${text}: an S3 object is not read here; size the directory or archive you uploaded`);
  }
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      region: { type: "string", default: process.env.AWS_REGION || "us-east-1" },
      quantization: { type: "string", default: "dynamic-int8" },
      "max-hourly-usd": { type: "string" },
    },
  });
  if (positionals.length !== 1)
    throw new UsageError("expected one model source: a directory, a .tar.gz archive or hub:<org>/<name>[@revision]");
  if (!(QUANTIZATIONS as readonly string[]).includes(values.quantization))
    throw new UsageError(`--quantization must be one of ${QUANTIZATIONS.join(", ")}`);
  const budget = values["max-hourly-usd"] === undefined ? undefined : Number(values["max-hourly-usd"]);
  if (budget !== undefined && !(budget > 0))
    throw new UsageError(`--max-hourly-usd must be a positive number; got ${values["max-hourly-usd"]}`);
  const size = await sizeOf(positionals[0]);
  console.log(`${positionals[0]}: ${(size.bytes / 1e6).toFixed(1)} MB of weights (${size.from})`);
  console.log(`"modelSizeMb": ${Math.ceil(size.bytes / 1e6)}`);
  const choice = chooseInstance({
    region: values.region,
    modelBytes: size.bytes,
    quantization: values.quantization as Quantization,
    maxHourlyUsd: budget,
  });
  console.log(`instanceType "auto" would choose ${describeChoice(choice, size.from)}`);
}

main().catch((error: unknown) => {
  console.error(`model:size: ${describeError(error)}`);
  process.exitCode = 1;
});
