/**
 * Replay protection: every Sphinx replay tag a node has seen under its current key epoch.
 *
 * In memory a Bloom filter (Nym does the same since 2025): the tags are HKDF output, so
 * their own bytes serve as the k independent hash values (k 32-bit words of the tag, mod
 * m); no hashing, no allocation per packet. A false positive drops a fresh packet with
 * probability ~(1 - e^(-kn/m))^k: with the default 2^27 bits and k = 8 that is about 1e-6
 * at one million tags and 2e-3 at ten million.
 *
 * On disk an append-only file of raw 32-byte tags per epoch (`<dir>/epoch-<n>.tags`),
 * written with one write per batch of packets before any of them is forwarded; a restart
 * replays the file into the filter. A torn last record (crash mid-write) is ignored.
 * Files of other epochs are deleted when an epoch is opened: tags only matter while the
 * key that produced them is in use.
 */
import fs from 'node:fs';
import path from 'node:path';

export const REPLAY_TAG_SIZE = 32;

export interface ReplayStoreOptions {
  dir: string;
  epoch: number;
  /** Bloom filter size in bits, a power of two (default 2^27 = 16 MiB). */
  bits?: number;
  /** Number of hash values, 1..8 (default 8). */
  hashes?: number;
}

export class BloomFilter {
  private readonly words: Uint32Array;
  private readonly mask: number;

  constructor(
    bits: number,
    private readonly hashes: number,
  ) {
    if (!Number.isInteger(Math.log2(bits)) || bits < 1024 || bits > 2 ** 32)
      throw new RangeError('mixnode: bloom bits must be a power of two in [2^10, 2^32]');
    if (!Number.isInteger(hashes) || hashes < 1 || hashes > 8)
      throw new RangeError('mixnode: bloom hashes must be 1..8');
    this.words = new Uint32Array(bits / 32);
    this.mask = bits - 1;
  }

  /** Adds the tag at `buf[off..off+32]`; returns true when it was (probably) present. */
  testAndSet(buf: Uint8Array, off: number): boolean {
    let present = true;
    for (let i = 0; i < this.hashes; i++) {
      const o = off + i * 4;
      const h = ((buf[o] << 24) | (buf[o + 1] << 16) | (buf[o + 2] << 8) | buf[o + 3]) >>> 0;
      const bit = h & this.mask;
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

export class ReplayStore {
  private bloom: BloomFilter;
  private fd: number;
  private epochValue: number;
  private pending: Buffer;
  private pendingLen = 0;
  private countValue = 0;

  constructor(private readonly opts: ReplayStoreOptions) {
    fs.mkdirSync(opts.dir, { recursive: true });
    this.pending = Buffer.allocUnsafe(REPLAY_TAG_SIZE * 256);
    this.epochValue = opts.epoch;
    this.bloom = this.newBloom();
    this.fd = this.open(opts.epoch);
  }

  get epoch(): number {
    return this.epochValue;
  }

  /** Tags recorded in this epoch (loaded + new). */
  get count(): number {
    return this.countValue;
  }

  /**
   * Records the tag at `buf[off..off+32]`. Returns true if it is new; false for a replay.
   * New tags are buffered; call `flush()` once per batch before forwarding the batch.
   */
  check(buf: Uint8Array, off = 0): boolean {
    if (this.bloom.testAndSet(buf, off)) return false;
    if (this.pendingLen + REPLAY_TAG_SIZE > this.pending.length) {
      const bigger = Buffer.allocUnsafe(this.pending.length * 2);
      this.pending.copy(bigger, 0, 0, this.pendingLen);
      this.pending = bigger;
    }
    this.pending.set(buf.subarray(off, off + REPLAY_TAG_SIZE), this.pendingLen);
    this.pendingLen += REPLAY_TAG_SIZE;
    this.countValue++;
    return true;
  }

  /** Appends the buffered tags to the epoch file (one write). */
  flush(): void {
    if (this.pendingLen === 0) return;
    let written = 0;
    while (written < this.pendingLen)
      written += fs.writeSync(this.fd, this.pending, written, this.pendingLen - written);
    this.pendingLen = 0;
  }

  /** Switches to a new key epoch: a fresh filter and file; older files are removed. */
  rotate(epoch: number): void {
    this.flush();
    fs.closeSync(this.fd);
    this.epochValue = epoch;
    this.bloom = this.newBloom();
    this.countValue = 0;
    this.fd = this.open(epoch);
  }

  close(): void {
    this.flush();
    fs.closeSync(this.fd);
    this.fd = -1;
  }

  private newBloom(): BloomFilter {
    return new BloomFilter(this.opts.bits ?? 2 ** 27, this.opts.hashes ?? 8);
  }

  private open(epoch: number): number {
    const name = `epoch-${epoch}.tags`;
    for (const f of fs.readdirSync(this.opts.dir))
      if (/^epoch-\d+\.tags$/.test(f) && f !== name) fs.rmSync(path.join(this.opts.dir, f), { force: true });
    const file = path.join(this.opts.dir, name);
    if (fs.existsSync(file)) {
      const data = fs.readFileSync(file);
      const whole = data.length - (data.length % REPLAY_TAG_SIZE);
      for (let o = 0; o < whole; o += REPLAY_TAG_SIZE) if (!this.bloom.testAndSet(data, o)) this.countValue++;
      // drop a torn tail so later appends stay aligned
      if (whole !== data.length) fs.truncateSync(file, whole);
    }
    return fs.openSync(file, 'a');
  }
}
