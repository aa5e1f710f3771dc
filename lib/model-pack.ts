import { createHash } from "node:crypto";
import * as fs from "node:fs";
import { availableParallelism } from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import * as zlib from "node:zlib";
import { Header } from "tar";
import { type ModelEntry, ModelDirectoryError, type ModelListing, packableEntries } from "./model-directory";

export interface PackResult {
  path: string;
  sha256: string;
  bytes: number;
  files: number;
}

export interface PackOptions {
  onProgress?: (doneBytes: number, totalBytes: number) => void;
}

const BLOCK = 512;
const MEMBER_BYTES = 4 * 1024 * 1024;
const FIXED_MTIME = new Date(0);
/** Bump when the archive layout changes, so cached archives of the old layout are not reused. */
export const ARCHIVE_FORMAT = "model-archive/1";

function tarHeader(entry: ModelEntry): Buffer {
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

function tarSize(entries: readonly ModelEntry[]): number {
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

  async appendFile(entry: ModelEntry): Promise<void> {
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
export async function packModelDirectory(listing: ModelListing, outFile: string, opts: PackOptions = {}): Promise<PackResult> {
  const entries = packableEntries(listing);
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
