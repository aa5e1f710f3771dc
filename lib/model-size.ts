import * as path from "node:path";
import { HubApiError, type ListFileEntry, listFiles } from "@huggingface/hub";
import { list } from "tar";
import { UserError } from "./errors";
import { HubFetchError, selectFiles, withNetworkCause } from "./hub-fetch";
import { listModelDirectory } from "./model-directory";

export class ModelSizeError extends UserError {}

/** The weights the model server loads, and where that was read. */
export interface ModelSize {
  readonly bytes: number;
  /** The weights files counted. */
  readonly files: readonly string[];
  /** e.g. "2 weights files in ./model". */
  readonly from: string;
}

export interface SizedFile {
  readonly name: string;
  readonly size: number;
}

const WEIGHTS = /\.(safetensors|bin|pt|pth)$/;
const TRAINING_STATE = /(^|\/)(training_args\.bin|optimizer\.pt|scheduler\.pt|rng_state\.pth)$/;

/**
 * The files transformers loads: the safetensors files where there are any (it prefers them), else
 * the pickled ones; never training state or the inference code's folder.
 */
export function weightsFiles(files: readonly SizedFile[]): SizedFile[] {
  const weights = files.filter((f) => WEIGHTS.test(f.name) && !TRAINING_STATE.test(f.name) && !f.name.startsWith("code/"));
  const safetensors = weights.filter((f) => f.name.endsWith(".safetensors"));
  return safetensors.length > 0 ? safetensors : weights;
}

function sized(files: readonly SizedFile[], where: string): ModelSize {
  const weights = weightsFiles(files);
  if (weights.length === 0) {
    throw new ModelSizeError(
      `${where}: no weights files (*.safetensors, *.bin, *.pt, *.pth) to size the instance by; set modelSizeMb, or a fixed instanceType`,
    );
  }
  const names = weights.map((f) => f.name);
  return {
    bytes: weights.reduce((sum, f) => sum + f.size, 0),
    files: names,
    from: `${names.length === 1 ? names[0] : `${names.length} weights files`} in ${where}`,
  };
}

/** The weights in a model directory, from the same walk the packer makes. */
export function directoryModelSize(dir: string): ModelSize {
  const files = listModelDirectory(dir).entries.filter((e) => e.kind === "file");
  return sized(files, dir);
}

/** The weights in a packed `.tar.gz`, from its listing (nothing is unpacked). */
export function archiveModelSize(file: string): ModelSize {
  const files: SizedFile[] = [];
  try {
    list({
      file,
      sync: true,
      onReadEntry: (entry) => {
        if (entry.type === "File") files.push({ name: path.posix.normalize(entry.path), size: entry.size ?? 0 });
      },
    });
  } catch (e) {
    throw new ModelSizeError(`${file}: cannot list the archive: ${(e as Error).message}`, { cause: e });
  }
  return sized(files, file);
}

export interface HubSizeOptions {
  readonly modelId: string;
  readonly revision: string;
  readonly hubUrl: string;
  readonly accessToken?: string;
}

/** The weights a Hub model's container would download, from the Hub's file listing (sizes only). */
export async function hubModelSize(options: HubSizeOptions): Promise<ModelSize> {
  const entries: ListFileEntry[] = [];
  try {
    for await (const entry of listFiles({
      repo: options.modelId,
      revision: options.revision,
      hubUrl: options.hubUrl,
      accessToken: options.accessToken,
      recursive: true,
    })) {
      entries.push(entry);
    }
  } catch (error) {
    if (error instanceof HubApiError) {
      throw new HubFetchError(
        `${options.modelId}@${options.revision}: the Hub refused the listing (HTTP ${error.statusCode}): ${error.message}`,
        { cause: error },
      );
    }
    throw withNetworkCause(error, options.hubUrl);
  }
  const files = selectFiles(entries).wanted.map((f) => ({ name: f.path, size: f.size }));
  return sized(files, `hub:${options.modelId}@${options.revision}`);
}
