import { createHash } from "node:crypto";
import * as fs from "node:fs";
import { availableParallelism } from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import * as zlib from "node:zlib";
import { Header } from "tar";

export interface PackResult {
  path: string;
  sha256: string;
  bytes: number;
  files: number;
}

export interface PackOptions {
  onProgress?: (doneBytes: number, totalBytes: number) => void;
}

export class ModelDirectoryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ModelDirectoryError";
  }
}

/** Never packed: build/test leftovers and partial downloads that would make the archive unstable. */
const EXCLUDED_NAMES = new Set(["__pycache__", ".git", ".cache", ".DS_Store", ".gitattributes", ".ipynb_checkpoints"]);
const EXCLUDED_SUFFIXES = [".pyc", ".part"];
/** The repo's model/ folder also holds the Python tests and this folder's README. */
const EXCLUDED_AT_ROOT = new Set(["tests", "README.md"]);

const BLOCK = 512;
const MEMBER_BYTES = 4 * 1024 * 1024;
const FIXED_MTIME = new Date(0);
const FORMAT_VERSION = "model-archive/1";

interface WalkEntry {
  /** POSIX path inside the archive, no leading "./"; directories end with "/". */
  name: string;
  absolute: string;
  kind: "file" | "directory";
  size: number;
  mtimeMs: number;
}

interface Walk {
  entries: WalkEntry[];
  /** Paths (relative) that are neither regular files nor directories. */
  refused: string[];
}

function isExcluded(name: string, atRoot: boolean): boolean {
  return (
    EXCLUDED_NAMES.has(name) ||
    EXCLUDED_SUFFIXES.some((suffix) => name.endsWith(suffix)) ||
    (atRoot && EXCLUDED_AT_ROOT.has(name))
  );
}

/** Depth-first walk with names sorted at every level, so the order never depends on the file system. */
function walkModelDirectory(dir: string): Walk {
  const walk: Walk = { entries: [], refused: [] };
  const visit = (absoluteDir: string, prefix: string): void => {
    const names = fs.readdirSync(absoluteDir).sort();
    for (const name of names) {
      if (isExcluded(name, prefix === "")) continue;
      const absolute = path.join(absoluteDir, name);
      const relative = prefix + name;
      const stat = fs.lstatSync(absolute);
      if (stat.isDirectory()) {
        walk.entries.push({ name: `${relative}/`, absolute, kind: "directory", size: 0, mtimeMs: stat.mtimeMs });
        visit(absolute, `${relative}/`);
      } else if (stat.isFile()) {
        walk.entries.push({ name: relative, absolute, kind: "file", size: stat.size, mtimeMs: stat.mtimeMs });
      } else {
        walk.refused.push(`${relative} (${stat.isSymbolicLink() ? "symlink" : "not a regular file"})`);
      }
    }
  };
  visit(dir, "");
  return walk;
}

function packableEntries(dir: string): WalkEntry[] {
  if (!fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) {
    throw new ModelDirectoryError(`${dir}: not a directory`);
  }
  const { entries, refused } = walkModelDirectory(dir);
  if (refused.length > 0) {
    throw new ModelDirectoryError(
      `${dir}: only regular files can be packed (SageMaker needs real files, e.g. not a Hub cache): ${refused.join(", ")}`,
    );
  }
  return entries;
}

function tarHeader(entry: WalkEntry): Buffer {
  const header = new Header({
    path: entry.name,
    type: entry.kind === "file" ? "File" : "Directory",
    mode: entry.kind === "file" ? 0o644 : 0o755,
    size: entry.size,
    mtime: FIXED_MTIME,
    uid: 0,
    gid: 0,
    uname: "root",
    gname: "root",
  });
  const block = Buffer.alloc(BLOCK);
  if (header.encode(block, 0)) {
    throw new ModelDirectoryError(`${entry.name}: path does not fit a ustar header (keep paths ASCII and short)`);
  }
  return block;
}

function paddedSize(size: number): number {
  return Math.ceil(size / BLOCK) * BLOCK;
}

function tarSize(entries: WalkEntry[]): number {
  return entries.reduce((sum, entry) => sum + BLOCK + paddedSize(entry.size), 2 * BLOCK);
}

const gzip = promisify<zlib.InputType, zlib.ZlibOptions, Buffer>(zlib.gzip);
/** FLG 0, mtime 0, XFL 0, OS 255 (unknown): nothing that depends on the platform or the time. */
const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255]);
const STORED_BLOCK_MAX = 0xffff;
const SAMPLE_WINDOW = 64 * 1024;
const SAMPLE_STRIDE = 1024 * 1024;
/** Above this order-0 entropy (bits per byte) Huffman coding saves under ~1%: store instead. */
const STORE_ABOVE_BITS = 7.9;

/** Order-0 entropy of 64 KiB windows taken every MiB: cheap, and a pure function of the bytes. */
function sampledEntropy(data: Buffer): number {
  const counts = new Uint32Array(256);
  let n = 0;
  for (let start = 0; start < data.length; start += SAMPLE_STRIDE) {
    const end = Math.min(start + SAMPLE_WINDOW, data.length);
    for (let i = start; i < end; i++) counts[data[i]]++;
    n += end - start;
  }
  let bits = 0;
  for (const count of counts) if (count > 0) bits -= (count / n) * Math.log2(count / n);
  return bits;
}

/** A gzip member of stored deflate blocks, written here so its layout never depends on zlib. */
function storedMember(data: Buffer): Buffer {
  const blocks = Math.max(1, Math.ceil(data.length / STORED_BLOCK_MAX));
  const out = Buffer.allocUnsafe(GZIP_HEADER.length + blocks * 5 + data.length + 8);
  let offset = GZIP_HEADER.copy(out, 0);
  for (let block = 0; block < blocks; block++) {
    const start = block * STORED_BLOCK_MAX;
    const length = Math.min(STORED_BLOCK_MAX, data.length - start);
    out[offset] = block === blocks - 1 ? 1 : 0; // BFINAL on the last block, BTYPE 00 (stored)
    out.writeUInt16LE(length, offset + 1);
    out.writeUInt16LE(~length & 0xffff, offset + 3);
    offset += 5 + data.copy(out, offset + 5, start, start + length);
  }
  out.writeUInt32LE(zlib.crc32(data), offset);
  out.writeUInt32LE(data.length >>> 0, offset + 4);
  return out;
}

/**
 * Weights are near-incompressible, so LZ77 match search costs ~3x the time for no gain (synthetic
 * float32 weights: ratio 0.927 Huffman-only, 0.928 at levels 1 and 6). Members are stored when
 * a sample shows Huffman coding cannot help (random-like bytes), else Huffman-only deflated.
 * Neither depends on the CPU-specific match finding of Node's bundled zlib, so the sha256 (which
 * names the SageMaker model) is stable across machines.
 */
async function gzipMember(data: Buffer): Promise<Buffer> {
  if (sampledEntropy(data) > STORE_ABOVE_BITS) return storedMember(data);
  const member = await gzip(data, { level: 1, strategy: zlib.constants.Z_HUFFMAN_ONLY, memLevel: 8, windowBits: 15 });
  // Header bytes 8 (XFL) and 9 (OS) differ by level and platform; FLG is 0, so no header CRC covers them.
  GZIP_HEADER.copy(member, 0);
  return member;
}

/** Writes gzip members in submission order while up to `limit` are compressed on the libuv pool. */
class OrderedMemberWriter {
  private readonly pending: Array<{ member: Promise<Buffer>; rawBytes: number }> = [];
  private readonly hash = createHash("sha256");
  bytes = 0;
  private rawDone = 0;

  constructor(
    private readonly out: fs.promises.FileHandle,
    private readonly limit: number,
    private readonly onWritten: (rawDone: number) => void,
  ) {}

  async submit(data: Buffer): Promise<void> {
    const member = gzipMember(data);
    member.catch(() => undefined); // awaited (and rethrown) in order by flushOne
    this.pending.push({ member, rawBytes: data.length });
    while (this.pending.length >= this.limit) await this.flushOne();
  }

  async finish(): Promise<string> {
    while (this.pending.length > 0) await this.flushOne();
    return this.hash.digest("hex");
  }

  private async flushOne(): Promise<void> {
    const next = this.pending.shift();
    if (!next) return;
    const member = await next.member;
    this.hash.update(member);
    await this.out.write(member);
    this.bytes += member.length;
    this.rawDone += next.rawBytes;
    this.onWritten(this.rawDone);
  }
}

/** Cuts the tar stream into fixed-size members, so boundaries depend only on the content. */
class MemberBuffer {
  private buffer = Buffer.allocUnsafe(MEMBER_BYTES);
  private used = 0;

  constructor(private readonly writer: OrderedMemberWriter) {}

  async append(bytes: Buffer): Promise<void> {
    let offset = 0;
    while (offset < bytes.length) {
      const n = Math.min(bytes.length - offset, MEMBER_BYTES - this.used);
      bytes.copy(this.buffer, this.used, offset, offset + n);
      offset += n;
      await this.advance(n);
    }
  }

  async appendFile(entry: WalkEntry): Promise<void> {
    const file = await fs.promises.open(entry.absolute, "r");
    try {
      let position = 0;
      while (position < entry.size) {
        const want = Math.min(entry.size - position, MEMBER_BYTES - this.used);
        const { bytesRead } = await file.read(this.buffer, this.used, want, position);
        if (bytesRead === 0) throw new ModelDirectoryError(`${entry.name}: file shrank while packing`);
        position += bytesRead;
        await this.advance(bytesRead);
      }
      if ((await file.stat()).size !== entry.size) {
        throw new ModelDirectoryError(`${entry.name}: file changed size while packing`);
      }
    } finally {
      await file.close();
    }
  }

  async flush(): Promise<void> {
    if (this.used > 0) await this.writer.submit(this.buffer.subarray(0, this.used));
    this.used = 0;
  }

  private async advance(n: number): Promise<void> {
    this.used += n;
    if (this.used === MEMBER_BYTES) {
      await this.writer.submit(this.buffer);
      this.buffer = Buffer.allocUnsafe(MEMBER_BYTES);
      this.used = 0;
    }
  }
}

/**
 * Packs `dir` into a deterministic model.tar.gz for SageMaker: files at the archive root, sorted,
 * ustar headers with fixed mtime/owner and 0644/0755 modes, written as a multi-member gzip
 * (one member per 4 MiB of tar stream, compressed in parallel), which gzip, GNU tar and Python's
 * tarfile read as one stream.
 */
export async function packModelDirectory(dir: string, outFile: string, opts: PackOptions = {}): Promise<PackResult> {
  const entries = packableEntries(dir);
  const totalBytes = tarSize(entries);
  const temporary = `${outFile}.${process.pid}.tmp`;
  await fs.promises.mkdir(path.dirname(path.resolve(outFile)), { recursive: true });
  const out = await fs.promises.open(temporary, "w");
  try {
    const parallel = Math.min(availableParallelism(), 4) + 1; // libuv's pool has 4 threads by default
    const writer = new OrderedMemberWriter(out, parallel, (done) => opts.onProgress?.(done, totalBytes));
    const stream = new MemberBuffer(writer);
    for (const entry of entries) {
      await stream.append(tarHeader(entry));
      if (entry.kind === "file") {
        await stream.appendFile(entry);
        await stream.append(Buffer.alloc(paddedSize(entry.size) - entry.size));
      }
    }
    await stream.append(Buffer.alloc(2 * BLOCK));
    await stream.flush();
    const sha256 = await writer.finish();
    await out.close();
    await fs.promises.rename(temporary, outFile);
    return { path: outFile, sha256, bytes: writer.bytes, files: entries.filter((e) => e.kind === "file").length };
  } catch (error) {
    await out.close().catch(() => undefined);
    await fs.promises.rm(temporary, { force: true });
    throw error;
  }
}

interface CacheRecord {
  format: string;
  source: string;
  sha256: string;
  bytes: number;
  files: number;
}

/**
 * packModelDirectory with a cache keyed by the sorted (path, size, mtime) list of files, so an
 * unchanged directory is not re-packed on every synth. Directories count by path only: the
 * archive stores no mtimes, and what changes a directory's mtime (an entry added, removed or
 * renamed) already changes the list. Older archives of the same source are removed.
 */
export async function packModelDirectoryCached(dir: string, cacheDir: string, opts: PackOptions = {}): Promise<PackResult> {
  const entries = packableEntries(dir);
  const source = path.resolve(dir);
  const fingerprint = createHash("sha256").update(FORMAT_VERSION);
  for (const entry of entries) fingerprint.update(JSON.stringify(entry.kind === "file" ? [entry.name, entry.size, entry.mtimeMs] : [entry.name]));
  const key = fingerprint.digest("hex").slice(0, 32);
  const archive = path.join(cacheDir, `${key}.tar.gz`);
  const recordFile = path.join(cacheDir, `${key}.json`);

  const cached = readCacheRecord(recordFile);
  if (cached && fs.statSync(archive, { throwIfNoEntry: false })?.size === cached.bytes) {
    return { path: archive, sha256: cached.sha256, bytes: cached.bytes, files: cached.files };
  }
  const result = await packModelDirectory(dir, archive, opts);
  for (const name of fs.readdirSync(cacheDir)) {
    const stale = name.endsWith(".json") && name !== `${key}.json` ? readCacheRecord(path.join(cacheDir, name)) : undefined;
    if (stale?.source === source) {
      fs.rmSync(path.join(cacheDir, name), { force: true });
      fs.rmSync(path.join(cacheDir, name.replace(/\.json$/, ".tar.gz")), { force: true });
    }
  }
  const record: CacheRecord = { format: FORMAT_VERSION, source, sha256: result.sha256, bytes: result.bytes, files: result.files };
  fs.writeFileSync(recordFile, JSON.stringify(record));
  return result;
}

function readCacheRecord(file: string): CacheRecord | undefined {
  try {
    const record = JSON.parse(fs.readFileSync(file, "utf8")) as Partial<CacheRecord>;
    const valid =
      record.format === FORMAT_VERSION &&
      typeof record.source === "string" &&
      typeof record.sha256 === "string" &&
      typeof record.bytes === "number" &&
      typeof record.files === "number";
    return valid ? (record as CacheRecord) : undefined;
  } catch {
    return undefined;
  }
}

const TOKENIZER_FILES = ["tokenizer.json", "vocab.txt", "vocab.json", "spiece.model", "sentencepiece.bpe.model", "tokenizer.model"];
const HANDLERS = ["model_fn", "input_fn", "predict_fn", "output_fn"];

/** Pre-deploy checks for `model:check` and the stacks: problems block a deploy, warnings do not. */
export function inspectModelDirectory(dir: string): { problems: string[]; warnings: string[] } {
  const problems: string[] = [];
  const warnings: string[] = [];
  if (!fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) {
    return { problems: [`${dir}: not a directory`], warnings };
  }
  const { entries, refused } = walkModelDirectory(dir);
  const files = new Set(entries.filter((e) => e.kind === "file").map((e) => e.name));
  const rootFiles = [...files].filter((name) => !name.includes("/"));

  for (const item of refused) problems.push(`${item}: only regular files can be packed; copy the real file in`);
  for (const name of fs.readdirSync(dir).filter((n) => n.endsWith(".part"))) {
    problems.push(`${name}: incomplete download; rerun npm run model:fetch`);
  }

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
    return files.has("inference.py")
      ? ["inference.py is at the top level; it must be code/inference.py"]
      : ["code/inference.py missing"];
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
