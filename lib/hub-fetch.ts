import { createHash, type Hash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import { downloadFile, HubApiError, listFiles, type ListFileEntry } from "@huggingface/hub";
import { UserError } from "./errors";

export const DEFAULT_HUB_URL = "https://huggingface.co";

/** The Hub refused, or sent something other than what its listing promised. */
export class HubFetchError extends UserError {}

export interface FetchOptions {
  repo: string;
  dir: string;
  revision?: string;
  hubUrl?: string;
  accessToken?: string;
  onStart?: (totalBytes: number, files: RemoteFile[]) => void;
  onProgress?: (doneBytes: number, file: string) => void;
}

export interface RemoteFile {
  path: string;
  size: number;
  /** LFS files carry the sha256 of their content; small files the git blob sha1. */
  digest?: { algorithm: "sha256" | "git-sha1"; hex: string };
}

export interface FetchSummary {
  downloaded: string[];
  upToDate: string[];
  ignored: string[];
}

/** Files of other frameworks, training state and repo metadata: not needed to serve with PyTorch. */
const IGNORED = [
  /(^|\/)tf_model\.h5$/,
  /\.h5$/,
  /\.msgpack$/,
  /\.ot$/,
  /\.onnx(_data)?$/,
  /\.tflite$/,
  /\.mlmodel$/,
  /\.gguf$/,
  /^(onnx|openvino|coreml|tflite)\//,
  /(^|\/)(training_args\.bin|optimizer\.pt|scheduler\.pt|rng_state\.pth)$/,
  /(^|\/)\.gitattributes$/,
];
/** These live in the repo's model/ folder and must never be overwritten by a download. */
const PROTECTED = [/^code\//, /^tests\//, /^README\.md$/];
const PICKLED_WEIGHTS = /^pytorch_model(-[\w-]+)?\.bin(\.index\.json)?$/;

/** Picks what to download: safetensors over pickled weights, PyTorch files only, nothing over code/. */
export function selectFiles(entries: ListFileEntry[]): { wanted: RemoteFile[]; ignored: string[] } {
  const files = entries.filter((entry) => entry.type === "file");
  const hasSafetensors = files.some((entry) => entry.path.endsWith(".safetensors"));
  const wanted: RemoteFile[] = [];
  const ignored: string[] = [];
  for (const entry of files) {
    const skip =
      IGNORED.some((pattern) => pattern.test(entry.path)) ||
      PROTECTED.some((pattern) => pattern.test(entry.path)) ||
      (hasSafetensors && PICKLED_WEIGHTS.test(entry.path));
    if (skip) {
      ignored.push(entry.path);
      continue;
    }
    if (path.posix.isAbsolute(entry.path) || entry.path.split("/").includes("..")) {
      throw new HubFetchError(`refusing unsafe path from the Hub listing: ${entry.path}`);
    }
    wanted.push({ path: entry.path, size: entry.lfs?.size ?? entry.size, digest: digestOf(entry) });
  }
  return { wanted, ignored };
}

function digestOf(entry: ListFileEntry): RemoteFile["digest"] {
  if (entry.lfs) return { algorithm: "sha256", hex: entry.lfs.oid };
  return entry.oid ? { algorithm: "git-sha1", hex: entry.oid } : undefined;
}

function newHash(file: RemoteFile): Hash | undefined {
  if (!file.digest) return undefined;
  if (file.digest.algorithm === "sha256") return createHash("sha256");
  return createHash("sha1").update(`blob ${file.size}\0`);
}

async function hashFile(hash: Hash, file: string): Promise<void> {
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
}

async function isComplete(file: RemoteFile, dest: string): Promise<boolean> {
  const stat = fs.lstatSync(dest, { throwIfNoEntry: false });
  if (!stat?.isFile() || stat.size !== file.size) return false;
  const hash = newHash(file);
  if (!hash) return true;
  await hashFile(hash, dest);
  return hash.digest("hex") === file.digest?.hex;
}

/**
 * Downloads a model repo into `dir` as regular files. Interrupted downloads stay as `<file>.part`
 * and continue with a Range request on the next run; complete files with the right size and
 * hash are not downloaded again.
 */
export async function fetchModel(options: FetchOptions): Promise<FetchSummary> {
  try {
    return await fetchAll(options);
  } catch (error) {
    throw withNetworkCause(error, options.hubUrl ?? DEFAULT_HUB_URL);
  }
}

type NetworkCause = Partial<NodeJS.ErrnoException> & { hostname?: string; address?: string; port?: number };

/**
 * Node's fetch rejects with a bare "fetch failed" and the real reason in `cause` (DNS, refused,
 * TLS ...): name the host and that reason. Read by shape: the error may come from another realm.
 */
export function withNetworkCause(error: unknown, hubUrl: string): unknown {
  if (!(typeof error === "object" && error !== null && (error as Error).message === "fetch failed")) return error;
  const cause = (error as Error & { cause?: NetworkCause }).cause;
  const where = cause?.hostname ?? (cause?.address ? `${cause.address}${cause.port ? `:${cause.port}` : ""}` : new URL(hubUrl).host);
  const why = cause?.message || cause?.code || "no reason given";
  const hint =
    cause?.code === "ENOTFOUND" || cause?.code === "EAI_AGAIN"
      ? "; offline? set HF_ENDPOINT for a mirror, or copy the model into the directory"
      : "";
  return new HubFetchError(`cannot reach ${where}: ${why}${hint}`, { cause: error });
}

async function fetchAll(options: FetchOptions): Promise<FetchSummary> {
  const hub = {
    repo: options.repo,
    revision: options.revision ?? "main",
    hubUrl: options.hubUrl ?? DEFAULT_HUB_URL,
    accessToken: options.accessToken,
  };
  const entries: ListFileEntry[] = [];
  try {
    for await (const entry of listFiles({ ...hub, recursive: true })) entries.push(entry);
  } catch (error) {
    if (!(error instanceof HubApiError)) throw error;
    throw new HubFetchError(`${options.repo}@${hub.revision}: the Hub refused the listing (HTTP ${error.statusCode}): ${error.message}`, {
      cause: error,
    });
  }
  const { wanted, ignored } = selectFiles(entries);
  if (wanted.length === 0) throw new HubFetchError(`${options.repo}@${hub.revision}: no files to download`);

  options.onStart?.(
    wanted.reduce((sum, file) => sum + file.size, 0),
    wanted,
  );
  const summary: FetchSummary = { downloaded: [], upToDate: [], ignored };
  let done = 0;
  for (const file of wanted) {
    const dest = path.join(options.dir, ...file.path.split("/"));
    if (await isComplete(file, dest)) {
      summary.upToDate.push(file.path);
    } else {
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      await downloadOne(file, dest, hub, (bytes) => options.onProgress?.(done + bytes, file.path));
      summary.downloaded.push(file.path);
    }
    done += file.size;
    options.onProgress?.(done, file.path);
  }
  return summary;
}

interface HubTarget {
  repo: string;
  revision: string;
  hubUrl: string;
  accessToken?: string;
}

async function downloadOne(file: RemoteFile, dest: string, hub: HubTarget, onBytes: (bytes: number) => void): Promise<void> {
  const part = `${dest}.part`;
  let offset = fs.statSync(part, { throwIfNoEntry: false })?.size ?? 0;
  if (offset > file.size) {
    fs.rmSync(part);
    offset = 0;
  }
  const hash = newHash(file);
  if (hash && offset > 0) await hashFile(hash, part);

  if (offset < file.size) {
    const blob = await downloadFile({ ...hub, path: file.path });
    if (!blob) throw new HubFetchError(`${file.path}: not found on the Hub`);
    if (blob.size !== file.size) {
      throw new HubFetchError(`${file.path}: size mismatch, the listing says ${file.size} bytes but the download has ${blob.size}`);
    }
    let received = offset;
    const count = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        hash?.update(chunk);
        received += chunk.length;
        onBytes(received);
        callback(null, chunk);
      },
    });
    const body = (offset > 0 ? blob.slice(offset) : blob).stream() as unknown as NodeReadableStream<Uint8Array>;
    await pipeline(Readable.fromWeb(body), count, fs.createWriteStream(part, { flags: "a" }));
  }

  const size = fs.statSync(part).size;
  if (size !== file.size) {
    if (size > file.size) fs.rmSync(part);
    throw new HubFetchError(`${file.path}: size mismatch, expected ${file.size} bytes, got ${size}`);
  }
  const actual = hash?.digest("hex");
  if (actual !== undefined && actual !== file.digest?.hex) {
    fs.rmSync(part);
    throw new HubFetchError(`${file.path}: ${file.digest?.algorithm} mismatch, expected ${file.digest?.hex}, got ${actual}`);
  }
  fs.renameSync(part, dest);
}
