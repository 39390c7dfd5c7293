/**
 * Replay protection: one Bloom filter of Sphinx replay tags per key rotation (Nym's
 * `ReplayProtectionBloomfilters`, nym-node `src/node/replay_protection/`). A tag only
 * means something under the key that produced it, so each rotation's filter lives and
 * dies with its key: made when the key is (pre-announced), dropped with its files when
 * the key is purged after the overlap epoch. Nothing grows beyond one rotation.
 *
 * Hashing: the tags are HKDF output, so their own bytes serve as the k independent hash
 * values (k 32-bit words of the tag, mod m, m a power of two); no hashing, no allocation
 * per packet. Hence k <= 8 (a tag is 32 bytes) and m <= 2^32.
 *
 * Sizing (`bloomSizing`): n = packets per second × rotation lifetime (validity + 1 epochs)
 * × a margin (Nym: 1.12), at a target false-positive rate (Nym: 1e-5); m is the smallest
 * power of two with (1 - e^(-kn/m))^k <= p for the best k <= 8. The rate is the larger of
 * the configured one and the rate the current filter saw (Nym's `allocate_pre_announced`).
 *
 * On disk, per rotation, under the replay directory:
 *   rot-<id>.bloom   snapshot: magic "NYRB" (4) ‖ version 1 (1) ‖ k (1) ‖ reserved (2) ‖
 *                    rotation id (u32 BE) ‖ bits (u32 BE, 0 = 2^32) ‖ created at (u64 BE ms) ‖
 *                    tags counted (u64 BE) ‖ bitmap (bits / 8 bytes, little-endian words)
 *   rot-<id>.tags    journal: raw 32-byte tags added since the snapshot, appended in one
 *                    write per batch before any packet of the batch is forwarded
 * A restart loads the snapshot and replays the journal (a torn last record is dropped).
 * A snapshot is written (temporary file, rename, then the journal truncated, so a crash at
 * any point loses no tag) once the journal reaches a quarter of the bitmap's size: a
 * lightly used filter costs only its journal on disk, a busy one at most 1.25 × its bitmap.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ReplayFilterFileError } from './errors.js';

export const REPLAY_TAG_SIZE = 32;
const MAGIC = [0x4e, 0x59, 0x52, 0x42]; // "NYRB"
const SNAPSHOT_HEADER = 32;
const MAX_HASHES = 8;
const MIN_BITS = 2 ** 10;
const MAX_BITS = 2 ** 32;

export class BloomFilter {
  readonly words: Uint32Array;
  private readonly mask: number;

  constructor(
    readonly bits: number,
    readonly hashes: number,
    words?: Uint32Array,
  ) {
    if (!Number.isInteger(Math.log2(bits)) || bits < MIN_BITS || bits > MAX_BITS)
      throw new RangeError('node: bloom bits must be a power of two in [2^10, 2^32]');
    if (!Number.isInteger(hashes) || hashes < 1 || hashes > MAX_HASHES)
      throw new RangeError('node: bloom hashes must be 1..8');
    this.words = words ?? new Uint32Array(bits / 32);
    // 2^32 - 1 does not fit a signed 32-bit mask: `>>> 0` keeps the arithmetic unsigned
    this.mask = (bits - 1) >>> 0;
  }

  /** Adds the tag at `buf[off..off+32]`; returns true when it was (probably) present. */
  testAndSet(buf: Uint8Array, off: number): boolean {
    let present = true;
    for (let i = 0; i < this.hashes; i++) {
      const o = off + i * 4;
      const h = ((buf[o] << 24) | (buf[o + 1] << 16) | (buf[o + 2] << 8) | buf[o + 3]) >>> 0;
      const bit = (h & this.mask) >>> 0;
      const w = bit >>> 5;
      const m = 1 << (bit & 31);
      if ((this.words[w] & m) === 0) {
        present = false;
        this.words[w] |= m;
      }
    }
    return present;
  }
}

export interface BloomSizingInput {
  packetsPerSecond: number;
  lifetimeMs: number;
  falsePositiveRate: number;
  /** Head room for growing traffic (Nym's `bloomfilter_size_multiplier`, 1.12). */
  multiplier?: number;
}

export interface BloomSizing {
  items: number;
  bits: number;
  hashes: number;
  bytes: number;
  /** False-positive rate at `items` tags with these bits and hashes. */
  expectedFalsePositiveRate: number;
}

/** Probability that a fresh tag is taken for a replay after `n` tags. */
export function falsePositiveRate(bits: number, hashes: number, n: number): number {
  return (1 - Math.exp((-hashes * n) / bits)) ** hashes;
}

/** Nym's `bitmap_size` and `num_of_hash_functions`, under this filter's limits (see top). */
export function bloomSizing(o: BloomSizingInput): BloomSizing {
  if (!(o.falsePositiveRate > 0 && o.falsePositiveRate < 1))
    throw new RangeError('node: false positive rate must be in (0, 1)');
  const exact = Math.max(0, o.packetsPerSecond) * (o.lifetimeMs / 1000) * (o.multiplier ?? 1.12);
  // rounded to 6 places first, so 200 × 90000 × 1.12 is 20160000, not one more
  const items = Math.max(1, Math.ceil(Math.round(exact * 1e6) / 1e6));
  for (let bits = MIN_BITS; bits <= MAX_BITS; bits *= 2) {
    const k = Math.min(MAX_HASHES, Math.max(1, Math.round((bits / items) * Math.LN2)));
    const p = falsePositiveRate(bits, k, items);
    if (p <= o.falsePositiveRate || bits === MAX_BITS)
      return { items, bits, hashes: k, bytes: bits / 8, expectedFalsePositiveRate: p };
  }
  throw new RangeError('node: unreachable bloom sizing');
}

interface RotationFilter {
  rotationId: number;
  bloom: BloomFilter;
  createdAtMs: number;
  count: number;
  fd: number;
  journalBytes: number;
  pending: Buffer;
  pendingLen: number;
}

export interface ReplayFiltersOptions {
  dir: string;
  now?: () => number;
}

export class ReplayFilters {
  private readonly filters = new Map<number, RotationFilter>();
  private readonly now: () => number;

  constructor(private readonly opts: ReplayFiltersOptions) {
    fs.mkdirSync(opts.dir, { recursive: true });
    this.now = opts.now ?? Date.now;
  }

  /** Rotations with a filter. */
  get rotations(): number[] {
    return [...this.filters.keys()].sort((a, b) => a - b);
  }

  has(rotationId: number): boolean {
    return this.filters.has(rotationId);
  }

  /** Tags recorded under one rotation (loaded + new). */
  count(rotationId: number): number {
    return this.filters.get(rotationId)?.count ?? 0;
  }

  /** Tags per second the rotation's filter has seen since it was made (0 if none). */
  rate(rotationId: number): number {
    const f = this.filters.get(rotationId);
    if (!f) return 0;
    const secs = (this.now() - f.createdAtMs) / 1000;
    return secs > 0 ? f.count / secs : 0;
  }

  sizeOf(rotationId: number): { bits: number; hashes: number } | undefined {
    const f = this.filters.get(rotationId);
    return f && { bits: f.bloom.bits, hashes: f.bloom.hashes };
  }

  fileOf(rotationId: number, kind: 'bloom' | 'tags'): string {
    return path.join(this.opts.dir, `rot-${rotationId}.${kind}`);
  }

  /**
   * The filter of a rotation: loaded from its files when there are any (a restart), made
   * with `size` otherwise. A snapshot that does not read is an error, not a fresh filter:
   * a fresh filter would let every recorded packet be replayed.
   */
  open(rotationId: number, size: { bits: number; hashes: number }): void {
    if (this.filters.has(rotationId)) return;
    const snapFile = this.fileOf(rotationId, 'bloom');
    let bloom: BloomFilter;
    let createdAtMs = this.now();
    let count = 0;
    if (fs.existsSync(snapFile)) {
      const s = this.readSnapshot(snapFile, rotationId);
      bloom = s.bloom;
      createdAtMs = s.createdAtMs;
      count = s.count;
    } else bloom = new BloomFilter(size.bits, size.hashes);
    const tagsFile = this.fileOf(rotationId, 'tags');
    let journalBytes = 0;
    if (fs.existsSync(tagsFile)) {
      const data = fs.readFileSync(tagsFile);
      const whole = data.length - (data.length % REPLAY_TAG_SIZE);
      for (let o = 0; o < whole; o += REPLAY_TAG_SIZE) if (!bloom.testAndSet(data, o)) count++;
      // drop a torn tail so later appends stay aligned
      if (whole !== data.length) fs.truncateSync(tagsFile, whole);
      journalBytes = whole;
    }
    this.filters.set(rotationId, {
      rotationId,
      bloom,
      createdAtMs,
      count,
      fd: fs.openSync(tagsFile, 'a'),
      journalBytes,
      pending: Buffer.allocUnsafe(REPLAY_TAG_SIZE * 256),
      pendingLen: 0,
    });
  }

  /**
   * Records the tag at `buf[off..off+32]` under a rotation. True if it is new; false for
   * a replay, or when the rotation has no filter (its key is gone). New tags are buffered:
   * call `flush()` once per batch before forwarding the batch.
   */
  check(rotationId: number, buf: Uint8Array, off = 0): boolean {
    const f = this.filters.get(rotationId);
    if (!f) return false;
    if (f.bloom.testAndSet(buf, off)) return false;
    if (f.pendingLen + REPLAY_TAG_SIZE > f.pending.length) {
      const bigger = Buffer.allocUnsafe(f.pending.length * 2);
      f.pending.copy(bigger, 0, 0, f.pendingLen);
      f.pending = bigger;
    }
    f.pending.set(buf.subarray(off, off + REPLAY_TAG_SIZE), f.pendingLen);
    f.pendingLen += REPLAY_TAG_SIZE;
    f.count++;
    return true;
  }

  /** Appends each rotation's buffered tags to its journal (one write per rotation). */
  flush(): void {
    for (const f of this.filters.values()) {
      let written = 0;
      while (written < f.pendingLen)
        written += fs.writeSync(f.fd, f.pending, written, f.pendingLen - written);
      f.journalBytes += f.pendingLen;
      f.pendingLen = 0;
    }
  }

  /** Writes the bitmap of every filter whose journal has grown past a quarter of it (all with `force`). */
  snapshot(force = false): void {
    this.flush();
    for (const f of this.filters.values())
      if (force || f.journalBytes * 4 >= f.bloom.bits / 8) this.writeSnapshot(f);
  }

  /** Bytes on disk per rotation (snapshot + journal). */
  diskBytes(rotationId: number): number {
    let n = 0;
    for (const kind of ['bloom', 'tags'] as const) {
      const file = this.fileOf(rotationId, kind);
      if (fs.existsSync(file)) n += fs.statSync(file).size;
    }
    return n;
  }

  /** Drops a rotation's filter and deletes its files. */
  purge(rotationId: number): void {
    const f = this.filters.get(rotationId);
    if (f) {
      fs.closeSync(f.fd);
      this.filters.delete(rotationId);
    }
    fs.rmSync(this.fileOf(rotationId, 'bloom'), { force: true });
    fs.rmSync(this.fileOf(rotationId, 'tags'), { force: true });
  }

  /** Deletes the files of every rotation not in `keep` (and earlier formats' `epoch-*.tags`). */
  removeOthers(keep: readonly number[]): void {
    for (const name of fs.readdirSync(this.opts.dir)) {
      const m = /^rot-(\d+)\.(bloom|tags)(\.new)?$/.exec(name);
      const stale = m ? m[3] !== undefined || !keep.includes(Number(m[1])) : /^epoch-\d+\.tags$/.test(name);
      if (stale) fs.rmSync(path.join(this.opts.dir, name), { force: true });
    }
    for (const id of [...this.filters.keys()]) if (!keep.includes(id)) this.purge(id);
  }

  close(): void {
    this.snapshot();
    for (const f of this.filters.values()) fs.closeSync(f.fd);
    this.filters.clear();
  }

  private writeSnapshot(f: RotationFilter): void {
    const file = this.fileOf(f.rotationId, 'bloom');
    const tmp = `${file}.new`;
    const header = Buffer.alloc(SNAPSHOT_HEADER);
    header.set(MAGIC, 0);
    header[4] = 1;
    header[5] = f.bloom.hashes;
    header.writeUInt32BE(f.rotationId, 8);
    header.writeUInt32BE(f.bloom.bits === MAX_BITS ? 0 : f.bloom.bits, 12);
    header.writeBigUInt64BE(BigInt(Math.round(f.createdAtMs)), 16);
    header.writeBigUInt64BE(BigInt(f.count), 24);
    const fd = fs.openSync(tmp, 'w');
    try {
      fs.writeSync(fd, header);
      const w = f.bloom.words;
      fs.writeSync(fd, new Uint8Array(w.buffer, w.byteOffset, w.byteLength));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
    fs.ftruncateSync(f.fd, 0);
    f.journalBytes = 0;
  }

  private readSnapshot(
    file: string,
    rotationId: number,
  ): { bloom: BloomFilter; createdAtMs: number; count: number } {
    const data = fs.readFileSync(file);
    if (data.length < SNAPSHOT_HEADER || MAGIC.some((b, i) => data[i] !== b) || data[4] !== 1)
      throw new ReplayFilterFileError(file, 'not a replay filter snapshot');
    const id = data.readUInt32BE(8);
    if (id !== rotationId) throw new ReplayFilterFileError(file, `holds rotation ${id}`);
    const rawBits = data.readUInt32BE(12);
    const bits = rawBits === 0 ? MAX_BITS : rawBits;
    if (data.length !== SNAPSHOT_HEADER + bits / 8)
      throw new ReplayFilterFileError(file, `is ${data.length} bytes, not ${SNAPSHOT_HEADER + bits / 8}`);
    const words = new Uint32Array(bits / 32);
    new Uint8Array(words.buffer).set(data.subarray(SNAPSHOT_HEADER));
    let bloom: BloomFilter;
    try {
      bloom = new BloomFilter(bits, data[5], words);
    } catch (e) {
      throw new ReplayFilterFileError(file, (e as Error).message);
    }
    return {
      bloom,
      createdAtMs: Number(data.readBigUInt64BE(16)),
      count: Number(data.readBigUInt64BE(24)),
    };
  }
}
