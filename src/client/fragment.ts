/**
 * Nym's fragment codec: a message is split into fragments that each fill one packet, grouped
 * into sets of at most 255; longer messages chain sets through "linked" ids.
 *
 * Header layouts (all integers big-endian):
 *   unlinked (7 bytes):  1 bit flag=1 ‖ 31-bit set id ‖ total (1) ‖ index (1, 1-based) ‖ 0x00
 *   linked  (10 bytes):  1 bit flag=1 ‖ 31-bit set id ‖ total (1) ‖ index (1) ‖ 1 bit=1 ‖ 31-bit linked id
 * A linked id is the previous set's id on fragment 1, or the next set's id on fragment
 * 255 of 255; no other fragment may carry one.
 *
 * Set ids are in [1, 2^31 - 1]; 0 is reserved (cover traffic in Nym).
 * The message is padded `msg ‖ 0x01 ‖ 0...` so that every fragment is full.
 */
import { MalformedFragmentError, MalformedMessageError } from './errors.js';

export const UNLINKED_HEADER_LEN = 7;
export const LINKED_HEADER_LEN = 10;
export const MAX_FRAGMENTS_PER_SET = 255;
export const MAX_SET_ID = 0x7fffffff;
const FLAG = 0x80000000;

export interface FragmentHeader {
  readonly setId: number;
  readonly total: number;
  readonly index: number;
  readonly previousSetId?: number;
  readonly nextSetId?: number;
}

export interface Fragment {
  readonly header: FragmentHeader;
  readonly payload: Uint8Array;
}

function validSetId(id: number): boolean {
  return Number.isInteger(id) && id >= 1 && id <= MAX_SET_ID;
}

export function checkHeader(h: FragmentHeader): void {
  if (!validSetId(h.setId)) throw new MalformedFragmentError(`set id ${h.setId} out of range`);
  if (!Number.isInteger(h.total) || h.total < 1 || h.total > MAX_FRAGMENTS_PER_SET)
    throw new MalformedFragmentError(`total ${h.total} out of range`);
  if (!Number.isInteger(h.index) || h.index < 1 || h.index > h.total)
    throw new MalformedFragmentError(`index ${h.index} not in 1..${h.total}`);
  if (h.previousSetId !== undefined && h.nextSetId !== undefined)
    throw new MalformedFragmentError('a fragment cannot link both ways');
  if (h.previousSetId !== undefined) {
    if (!validSetId(h.previousSetId) || h.previousSetId === h.setId)
      throw new MalformedFragmentError('invalid previous set id');
    if (h.index !== 1) throw new MalformedFragmentError('only fragment 1 may link to a previous set');
  }
  if (h.nextSetId !== undefined) {
    if (!validSetId(h.nextSetId) || h.nextSetId === h.setId)
      throw new MalformedFragmentError('invalid next set id');
    if (h.index !== MAX_FRAGMENTS_PER_SET || h.total !== MAX_FRAGMENTS_PER_SET)
      throw new MalformedFragmentError('only fragment 255 of 255 may link to a next set');
  }
}

export function headerLength(h: FragmentHeader): number {
  return h.previousSetId !== undefined || h.nextSetId !== undefined ? LINKED_HEADER_LEN : UNLINKED_HEADER_LEN;
}

export function encodeFragment(f: Fragment): Uint8Array {
  const h = f.header;
  checkHeader(h);
  const hl = headerLength(h);
  const out = new Uint8Array(hl + f.payload.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, (h.setId | FLAG) >>> 0);
  out[4] = h.total;
  out[5] = h.index;
  const link = h.previousSetId ?? h.nextSetId;
  if (link !== undefined) dv.setUint32(6, (link | FLAG) >>> 0);
  else out[6] = 0;
  out.set(f.payload, hl);
  return out;
}

export function decodeFragment(b: Uint8Array): Fragment {
  if (b.length < UNLINKED_HEADER_LEN)
    throw new MalformedFragmentError(`${b.length} bytes is shorter than a fragment header`);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const raw = dv.getUint32(0);
  if ((raw & FLAG) === 0) throw new MalformedFragmentError('fragmentation flag not set');
  const setId = raw & MAX_SET_ID;
  const total = b[4];
  const index = b[5];
  let previousSetId: number | undefined;
  let nextSetId: number | undefined;
  let hl = UNLINKED_HEADER_LEN;
  if (b[6] !== 0) {
    if (b.length < LINKED_HEADER_LEN) throw new MalformedFragmentError('truncated linked header');
    const rawLink = dv.getUint32(6);
    if ((rawLink & FLAG) === 0) throw new MalformedFragmentError('linked flag not set');
    const link = rawLink & MAX_SET_ID;
    if (index === 1) previousSetId = link;
    else if (index === MAX_FRAGMENTS_PER_SET && total === MAX_FRAGMENTS_PER_SET) nextSetId = link;
    else throw new MalformedFragmentError(`fragment ${index}/${total} cannot carry a linked id`);
    hl = LINKED_HEADER_LEN;
  }
  const header: FragmentHeader = { setId, total, index, previousSetId, nextSetId };
  checkHeader(header);
  return { header, payload: b.subarray(hl) };
}

/** `msg ‖ 0x01 ‖ 0...` to exactly `paddedLen` bytes. */
export function padMessage(msg: Uint8Array, paddedLen: number): Uint8Array {
  if (paddedLen < msg.length + 1) throw new MalformedMessageError('padded length too small');
  const out = new Uint8Array(paddedLen);
  out.set(msg, 0);
  out[msg.length] = 1;
  return out;
}

/** Strip `0x01 ‖ 0...` padding. */
export function unpadMessage(padded: Uint8Array): Uint8Array {
  let i = padded.length - 1;
  while (i >= 0 && padded[i] === 0) i--;
  if (i < 0 || padded[i] !== 1) throw new MalformedMessageError('missing 0x01 padding marker');
  return padded.subarray(0, i);
}

interface SetPlan {
  linkedPrev: boolean;
  linkedNext: boolean;
  sizes: number[];
}

/**
 * The set layout for `dataLen` bytes (message plus padding marker) when each fragment
 * (header + payload) may take `maxFragmentLen` bytes.
 */
function planSets(dataLen: number, maxFragmentLen: number): SetPlan[] {
  const U = maxFragmentLen - UNLINKED_HEADER_LEN;
  const K = maxFragmentLen - LINKED_HEADER_LEN;
  const plans: SetPlan[] = [];
  let remaining = dataLen;
  if (remaining <= MAX_FRAGMENTS_PER_SET * U) {
    const n = Math.max(1, Math.ceil(remaining / U));
    return [{ linkedPrev: false, linkedNext: false, sizes: new Array<number>(n).fill(U) }];
  }
  for (;;) {
    const hasPrev = plans.length > 0;
    const lastCapacity = hasPrev ? K + (MAX_FRAGMENTS_PER_SET - 1) * U : MAX_FRAGMENTS_PER_SET * U;
    if (remaining <= lastCapacity) {
      const sizes: number[] = [];
      if (hasPrev) {
        sizes.push(K);
        const rest = Math.max(0, remaining - K);
        for (let i = 0; i < Math.ceil(rest / U); i++) sizes.push(U);
      } else {
        for (let i = 0; i < Math.ceil(remaining / U); i++) sizes.push(U);
      }
      plans.push({ linkedPrev: hasPrev, linkedNext: false, sizes });
      return plans;
    }
    const sizes = new Array<number>(MAX_FRAGMENTS_PER_SET).fill(U);
    if (hasPrev) sizes[0] = K;
    sizes[MAX_FRAGMENTS_PER_SET - 1] = K;
    plans.push({ linkedPrev: hasPrev, linkedNext: true, sizes });
    remaining -= sizes.reduce((a, b) => a + b, 0);
  }
}

/** Bytes of padded message data that `splitMessage` produces for a message of `len` bytes. */
export function paddedLength(len: number, maxFragmentLen: number): number {
  return planSets(len + 1, maxFragmentLen).reduce((a, p) => a + p.sizes.reduce((x, y) => x + y, 0), 0);
}

/** Number of fragments (packets) a message of `len` bytes needs. */
export function fragmentCount(len: number, maxFragmentLen: number): number {
  return planSets(len + 1, maxFragmentLen).reduce((a, p) => a + p.sizes.length, 0);
}

/**
 * Split `message` into fragments of exactly `maxFragmentLen` bytes each once encoded.
 * `randomSetId` returns a fresh id in [1, 2^31 - 1]; ids of one message are distinct.
 */
export function splitMessage(
  message: Uint8Array,
  maxFragmentLen: number,
  randomSetId: () => number,
): Fragment[] {
  if (!Number.isInteger(maxFragmentLen) || maxFragmentLen <= LINKED_HEADER_LEN)
    throw new MalformedFragmentError(`fragment length ${maxFragmentLen} too small`);
  const plans = planSets(message.length + 1, maxFragmentLen);
  const total = plans.reduce((a, p) => a + p.sizes.reduce((x, y) => x + y, 0), 0);
  const data = padMessage(message, total);
  const ids: number[] = [];
  while (ids.length < plans.length) {
    const id = randomSetId();
    if (!validSetId(id)) throw new MalformedFragmentError(`random set id ${id} out of range`);
    if (!ids.includes(id)) ids.push(id);
  }
  const out: Fragment[] = [];
  let off = 0;
  plans.forEach((plan, s) => {
    const n = plan.sizes.length;
    plan.sizes.forEach((size, i) => {
      const index = i + 1;
      const header: FragmentHeader = {
        setId: ids[s],
        total: n,
        index,
        previousSetId: plan.linkedPrev && index === 1 ? ids[s - 1] : undefined,
        nextSetId: plan.linkedNext && index === n ? ids[s + 1] : undefined,
      };
      out.push({ header, payload: data.subarray(off, off + size) });
      off += size;
    });
  });
  return out;
}

export interface ReassemblerOptions {
  /** An incomplete set not updated for this long is dropped. */
  readonly timeoutMs: number;
  /** Set ids of completed messages are remembered this long to drop late duplicates. */
  readonly dedupWindowMs?: number;
  /** Upper bound on buffered payload bytes; the stalest sets are dropped beyond it. */
  readonly maxBufferedBytes?: number;
  /** Most completed set ids remembered for duplicate suppression. */
  readonly maxCompleted?: number;
}

interface PartialSet {
  readonly total: number;
  readonly parts: (Uint8Array | undefined)[];
  received: number;
  bytes: number;
  previous?: number;
  next?: number;
  updated: number;
}

export type InsertResult =
  | { readonly kind: 'incomplete' }
  | { readonly kind: 'duplicate' }
  | { readonly kind: 'complete'; readonly data: Uint8Array; readonly setIds: number[] };

/**
 * Reassembles fragments (in any order, with duplicates) into the padded message data.
 * Time is passed in, so the structure has no timers; the owner calls `expire(now)`.
 */
export class Reassembler {
  private readonly sets = new Map<number, PartialSet>();
  private readonly completed = new Map<number, number>();
  private buffered = 0;
  readonly timeoutMs: number;
  readonly dedupWindowMs: number;
  readonly maxBufferedBytes: number;
  readonly maxCompleted: number;

  constructor(opts: ReassemblerOptions) {
    this.timeoutMs = opts.timeoutMs;
    this.dedupWindowMs = opts.dedupWindowMs ?? Math.max(opts.timeoutMs * 2, 60_000);
    this.maxBufferedBytes = opts.maxBufferedBytes ?? 256 * 1024 * 1024;
    this.maxCompleted = opts.maxCompleted ?? 1_000_000;
  }

  get pendingSets(): number {
    return this.sets.size;
  }

  get rememberedSets(): number {
    return this.completed.size;
  }

  get bufferedBytes(): number {
    return this.buffered;
  }

  insert(f: Fragment, now: number): InsertResult {
    const h = f.header;
    if (this.completed.has(h.setId)) return { kind: 'duplicate' };
    let set = this.sets.get(h.setId);
    if (!set) {
      set = { total: h.total, parts: new Array(h.total), received: 0, bytes: 0, updated: now };
      this.sets.set(h.setId, set);
    } else if (set.total !== h.total) {
      throw new MalformedFragmentError(`set ${h.setId}: total ${h.total} disagrees with ${set.total}`);
    }
    if (set.parts[h.index - 1] !== undefined) return { kind: 'duplicate' };
    set.parts[h.index - 1] = f.payload.slice();
    set.received++;
    set.bytes += f.payload.length;
    this.buffered += f.payload.length;
    if (h.previousSetId !== undefined) set.previous = h.previousSetId;
    if (h.nextSetId !== undefined) set.next = h.nextSetId;
    this.touchChain(h.setId, now);
    const done = this.tryComplete(h.setId, now);
    if (done) return done;
    if (this.buffered > this.maxBufferedBytes) this.evictStalest(h.setId);
    return { kind: 'incomplete' };
  }

  /** Drop stale incomplete sets and old dedup entries; returns how many sets were dropped. */
  expire(now: number): number {
    let dropped = 0;
    for (const [id, s] of this.sets) {
      if (now - s.updated >= this.timeoutMs) {
        this.drop(id);
        dropped++;
      }
    }
    for (const [id, t] of this.completed) if (now - t >= this.dedupWindowMs) this.completed.delete(id);
    return dropped;
  }

  private drop(id: number): void {
    const s = this.sets.get(id);
    if (!s) return;
    this.buffered -= s.bytes;
    this.sets.delete(id);
  }

  private evictStalest(keep: number): void {
    const order = [...this.sets.entries()].sort((a, b) => a[1].updated - b[1].updated);
    for (const [id] of order) {
      if (this.buffered <= this.maxBufferedBytes) break;
      if (id !== keep) this.drop(id);
    }
  }

  /** Keep every known set of a linked chain alive while any of them receives data. */
  private touchChain(id: number, now: number): void {
    const seen = new Set<number>();
    for (let cur: number | undefined = id; cur !== undefined && !seen.has(cur);) {
      seen.add(cur);
      const s = this.sets.get(cur);
      if (!s) break;
      s.updated = now;
      cur = s.previous;
    }
    for (let cur: number | undefined = this.sets.get(id)?.next; cur !== undefined && !seen.has(cur);) {
      seen.add(cur);
      const s = this.sets.get(cur);
      if (!s) break;
      s.updated = now;
      cur = s.next;
    }
  }

  private tryComplete(id: number, now: number): InsertResult | undefined {
    const s = this.sets.get(id);
    if (!s || s.received !== s.total) return undefined;
    // walk back to the head of the chain
    let head = id;
    const seen = new Set<number>([id]);
    for (;;) {
      const cur = this.sets.get(head)!;
      if (cur.previous === undefined) break;
      const prev = this.sets.get(cur.previous);
      if (!prev || prev.received !== prev.total || seen.has(cur.previous)) return undefined;
      if (prev.next !== head) return undefined;
      seen.add(cur.previous);
      head = cur.previous;
    }
    const chain: number[] = [head];
    for (;;) {
      const cur = this.sets.get(chain[chain.length - 1])!;
      if (cur.received !== cur.total) return undefined;
      if (cur.next === undefined) break;
      const next = this.sets.get(cur.next);
      if (!next || chain.includes(cur.next) || next.previous !== chain[chain.length - 1]) return undefined;
      chain.push(cur.next);
    }
    let len = 0;
    for (const cid of chain) len += this.sets.get(cid)!.bytes;
    const data = new Uint8Array(len);
    let off = 0;
    for (const cid of chain) {
      for (const p of this.sets.get(cid)!.parts) {
        data.set(p!, off);
        off += p!.length;
      }
      this.drop(cid);
      this.completed.set(cid, now);
    }
    // bounded memory for the duplicate filter: the oldest ids go first (Map keeps order)
    for (const id of this.completed.keys()) {
      if (this.completed.size <= this.maxCompleted) break;
      this.completed.delete(id);
    }
    return { kind: 'complete', data, setIds: chain };
  }
}
