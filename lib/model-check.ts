import * as fs from "node:fs";
import * as path from "node:path";
import { listModelDirectory, type ModelListing } from "./model-directory";

const TOKENIZER_FILES = ["tokenizer.json", "vocab.txt", "vocab.json", "spiece.model", "sentencepiece.bpe.model", "tokenizer.model"];
const HANDLERS = ["model_fn", "input_fn", "predict_fn", "output_fn"];

export interface ModelCheck {
  /** The walk the checks ran on, for the packer to reuse; absent when `dir` is not a directory. */
  readonly listing?: ModelListing;
  /** Block a deploy. */
  readonly problems: string[];
  /** Do not block a deploy. */
  readonly warnings: string[];
}

/** Pre-deploy checks for `model:check`, `npm start` and the stacks, on one walk of `dir`. */
export function checkModelDirectory(dir: string): ModelCheck {
  if (!fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) return { problems: [`${dir}: not a directory`], warnings: [] };
  const listing = listModelDirectory(dir);
  return { listing, ...inspectModelListing(listing) };
}

/** The checks on a walk already made: problems block a deploy, warnings do not. */
export function inspectModelListing(listing: ModelListing): { problems: string[]; warnings: string[] } {
  const { dir, entries, refused, partial } = listing;
  const problems: string[] = [];
  const warnings: string[] = [];
  const files = new Set(entries.filter((e) => e.kind === "file").map((e) => e.name));
  const rootFiles = [...files].filter((name) => !name.includes("/"));

  for (const item of refused) problems.push(`${item}: only regular files can be packed; copy the real file in`);
  for (const name of partial) problems.push(`${name}: incomplete download; rerun npm run model:fetch`);

  if (!files.has("config.json")) {
    const nested = [...files].find((name) => name.endsWith("/config.json"));
    problems.push(
      nested
        ? `config.json missing at the top level (found ${nested}): files must sit at the archive root, point at ${path.posix.dirname(nested)}/`
        : "config.json missing",
    );
  }
  if (!TOKENIZER_FILES.some((name) => files.has(name))) {
    problems.push(`no tokenizer files (expected one of ${TOKENIZER_FILES.join(", ")})`);
  }

  const safetensors = rootFiles.filter((name) => name.endsWith(".safetensors"));
  const pickled = rootFiles.filter((name) => /^pytorch_model(-[\w-]+)?\.bin$/.test(name));
  if (safetensors.length === 0 && pickled.length === 0) {
    problems.push("no weights (expected *.safetensors, or pytorch_model.bin)");
  } else if (safetensors.length === 0) {
    warnings.push(`weights are pickled (${pickled.join(", ")}) only; prefer *.safetensors, which load without running pickle code`);
  }
  for (const index of rootFiles.filter((name) => name.endsWith(".index.json"))) {
    const shards = shardsOf(path.join(dir, index));
    if (typeof shards === "string") {
      problems.push(`${index}: ${shards}; re-fetch it (transformers cannot load sharded weights without it)`);
      continue;
    }
    for (const shard of shards) {
      if (!files.has(shard)) problems.push(`${index} lists ${shard}, which is missing`);
    }
  }

  problems.push(...checkHandlers(dir, files));
  const requirements = path.join(dir, "code", "requirements.txt");
  if (files.has("code/requirements.txt") && /^\s*[^#\s]/m.test(fs.readFileSync(requirements, "utf8"))) {
    warnings.push("code/requirements.txt is pip-installed at endpoint start-up (needs internet from the endpoint)");
  }
  return { problems, warnings };
}

/** The shard files a weights index names, or what is wrong with the index. */
function shardsOf(indexFile: string): string[] | string {
  let index: unknown;
  try {
    index = JSON.parse(fs.readFileSync(indexFile, "utf8"));
  } catch (error) {
    return `not valid JSON (${(error as Error).message})`;
  }
  const weightMap = (index as { weight_map?: unknown } | null)?.weight_map;
  if (typeof weightMap !== "object" || weightMap === null || Array.isArray(weightMap)) return `has no "weight_map" object`;
  const shards = Object.values(weightMap);
  if (shards.length === 0) return `"weight_map" is empty`;
  if (!shards.every((shard) => typeof shard === "string")) return `"weight_map" values must be shard file names`;
  return [...new Set(shards as string[])].sort();
}

function checkHandlers(dir: string, files: Set<string>): string[] {
  if (!files.has("code/inference.py")) {
    return files.has("inference.py") ? ["inference.py is at the top level; it must be code/inference.py"] : ["code/inference.py missing"];
  }
  const source = fs.readFileSync(path.join(dir, "code", "inference.py"), "utf8");
  const defined = new Set([...source.matchAll(/^def\s+(\w+)\s*\(/gm)].map((match) => match[1]));
  if (defined.has("transform_fn")) {
    const mixed = HANDLERS.slice(1).filter((name) => defined.has(name));
    return mixed.length > 0 ? [`code/inference.py defines transform_fn together with ${mixed.join(", ")}; the toolkit refuses that`] : [];
  }
  const missing = HANDLERS.filter((name) => !defined.has(name));
  return missing.length > 0 ? [`code/inference.py does not define ${missing.join(", ")} (or transform_fn)`] : [];
}
