/**
 * Nym's chunking (common/nymsphinx/chunking): a padded message is cut into fragments that each
 * fill one packet, grouped in sets of at most 255; longer messages chain sets by id.
 *
 * Fragment header (fragment.rs `FragmentHeader::to_bytes`, integers big-endian):
 *   unlinked (7):  1 ‖ set id (31 bits) ‖ total (u8) ‖ position (u8, 1-based) ‖ 0x00
 *   linked  (10):  1 ‖ set id (31 bits) ‖ total (u8) ‖ position (u8) ‖ 1 ‖ linked set id (31 bits)
 *   set ids are in 1..2^31-1. A link is the previous set's id on position 1, or the next set's
 *   id on position 255 of 255; no other fragment carries one. A header whose 7th byte is 0 is
 *   unlinked (Nym reads only that byte to decide).
 *
 * Payload sizes for `p` bytes of fragment space per packet (fragment.rs, set.rs):
 *   unlinked payload U = p - 7, linked payload K = p - 10
 *   one set:    up to 255 fragments of U (the last one may be shorter)
 *   many sets:  first  = 254 x U + K (next link on 255)         = 255U - 3
 *               middle = K + 253 x U + K                        = 255U - 6
 *               last   = K (previous link on 1) + n x U, last fragment may be shorter
 * `message.ts` pads every message so that all fragments are full.
 */
import { checkBytes, type RandomBytes } from './crypto.js';
import {
  FragmentFlagError,
  FragmentPayloadLengthError,
  FragmentTooShortError,
  InvalidArgumentError,
  InvalidFragmentPositionError,
  InvalidSetIdError,
  MisplacedFragmentLinkError,
  SetTotalMismatchError,
} from './errors.js';
import type { FragmentIdentifier } from './acknowledgements.js';
import { fragmentPrint, RememberedSets } from './remembered-sets.js';

export const UNLINKED_HEADER_LEN = 7;
export const LINKED_HEADER_LEN = 10;
export const MAX_FRAGMENTS_PER_SET = 255;
export const MAX_SET_ID = 0x7fffffff;
const FLAG = 0x80000000;

export interface Fragment {
  readonly setId: number;
  readonly total: number;
  /** 1-based position in the set. */
  readonly index: number;
  /** On position 1 of a set that continues an earlier one. */
  readonly previousSetId?: number;
  /** On position 255 of 255 of a set that continues in a later one. */
  readonly nextSetId?: number;
  readonly payload: Uint8Array;
}

export function unlinkedPayloadLen(capacity: number): number {
  return capacity - UNLINKED_HEADER_LEN;
}

export function linkedPayloadLen(capacity: number): number {
  return capacity - LINKED_HEADER_LEN;
}

function validSetId(id: number | undefined): id is number {
  return Number.isInteger(id) && (id as number) >= 1 && (id as number) <= MAX_SET_ID;
}

/** fragment.rs `FragmentHeader::try_new`: the checks every header passes. */
function checkHeader(
  setId: number,
  total: number,
  index: number,
  previousSetId: number | undefined,
  nextSetId: number | undefined,
): void {
  if (!validSetId(setId)) throw new InvalidSetIdError(setId);
  if (
    !Number.isInteger(total) ||
    !Number.isInteger(index) ||
    total < 1 ||
    total > 255 ||
    index < 1 ||
    index > total
  )
    throw new InvalidFragmentPositionError(index, total);
  if (previousSetId !== undefined) {
    if (!validSetId(previousSetId) || previousSetId === setId) throw new InvalidSetIdError(previousSetId);
    if (index !== 1) throw new MisplacedFragmentLinkError(index, total);
  }
  if (nextSetId !== undefined) {
    if (!validSetId(nextSetId) || nextSetId === setId) throw new InvalidSetIdError(nextSetId);
    if (index !== total) throw new MisplacedFragmentLinkError(index, total);
  }
  if (previousSetId !== undefined && nextSetId !== undefined)
    throw new MisplacedFragmentLinkError(index, total);
}

export function headerLength(f: Pick<Fragment, 'previousSetId' | 'nextSetId'>): number {
  return f.previousSetId !== undefined || f.nextSetId !== undefined ? LINKED_HEADER_LEN : UNLINKED_HEADER_LEN;
}

/** The bytes a fragment occupies in a packet: header ‖ payload. */
export function encodeFragment(f: Fragment): Uint8Array {
  checkHeader(f.setId, f.total, f.index, f.previousSetId, f.nextSetId);
  checkBytes('fragment payload', f.payload);
  const hl = headerLength(f);
  const out = new Uint8Array(hl + f.payload.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, (f.setId | FLAG) >>> 0);
  out[4] = f.total;
  out[5] = f.index;
  const link = f.previousSetId ?? f.nextSetId;
  if (link !== undefined) dv.setUint32(6, (link | FLAG) >>> 0);
  out.set(f.payload, hl);
  return out;
}

/** fragment.rs `Fragment::try_from_bytes`; the payload is a view into `b`. */
export function decodeFragment(b: Uint8Array): Fragment {
  checkBytes('fragment', b);
  if (b.length < UNLINKED_HEADER_LEN) throw new FragmentTooShortError(b.length, UNLINKED_HEADER_LEN);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const raw = dv.getUint32(0);
  if ((raw & FLAG) === 0) throw new FragmentFlagError('fragmented');
  const setId = raw & MAX_SET_ID;
  const total = b[4];
  const index = b[5];
  if (total === 0 || index === 0 || index > total) throw new InvalidFragmentPositionError(index, total);
  let previousSetId: number | undefined;
  let nextSetId: number | undefined;
  let hl = UNLINKED_HEADER_LEN;
  if (b[6] !== 0) {
    if (b.length < LINKED_HEADER_LEN) throw new FragmentTooShortError(b.length, LINKED_HEADER_LEN);
    const rawLink = dv.getUint32(6);
    if ((rawLink & FLAG) === 0) throw new FragmentFlagError('linked');
    const link = rawLink & MAX_SET_ID;
    if (index === 1) previousSetId = link;
    else if (index === MAX_FRAGMENTS_PER_SET && total === MAX_FRAGMENTS_PER_SET) nextSetId = link;
    else throw new MisplacedFragmentLinkError(index, total);
    hl = LINKED_HEADER_LEN;
  }
  checkHeader(setId, total, index, previousSetId, nextSetId);
  const f: Fragment = { setId, total, index, payload: b.subarray(hl) };
  if (previousSetId !== undefined) return { ...f, previousSetId };
  if (nextSetId !== undefined) return { ...f, nextSetId };
  return f;
}

export function fragmentIdentifier(f: Fragment): FragmentIdentifier {
  return { setId: f.setId, position: f.index };
}

// ---- set layout -------------------------------------------------------------------------

/** set.rs `max_one_way_linked_set_payload_length`: 255U - 3. */
function oneWayLinkedSetLen(capacity: number): number {
  return MAX_FRAGMENTS_PER_SET * unlinkedPayloadLen(capacity) - 3;
}

/** set.rs `two_way_linked_set_payload_length`: 255U - 6. */
function twoWayLinkedSetLen(capacity: number): number {
  return MAX_FRAGMENTS_PER_SET * unlinkedPayloadLen(capacity) - 6;
}

function checkCapacity(capacity: number): void {
  if (!Number.isInteger(capacity) || capacity <= LINKED_HEADER_LEN)
    throw new InvalidArgumentError(`fragment capacity ${capacity} is too small`);
}

/** set.rs `total_number_of_sets`. */
export function numberOfSets(messageLen: number, capacity: number): number {
  checkCapacity(capacity);
  if (messageLen <= MAX_FRAGMENTS_PER_SET * unlinkedPayloadLen(capacity)) return 1;
  if (messageLen <= 2 * oneWayLinkedSetLen(capacity)) return 2;
  return Math.ceil((messageLen - 2 * oneWayLinkedSetLen(capacity)) / twoWayLinkedSetLen(capacity)) + 2;
}

/**
 * chunking/src/lib.rs `number_of_required_fragments`: how many fragments a message of
 * `messageLen` bytes needs with `capacity` bytes of fragment space per packet, and how many
 * bytes the last one has left.
 */
export function numberOfRequiredFragments(messageLen: number, capacity: number): [number, number] {
  if (!Number.isInteger(messageLen) || messageLen < 0) throw new InvalidArgumentError(`length ${messageLen}`);
  const u = unlinkedPayloadLen(capacity);
  const k = linkedPayloadLen(capacity);
  const sets = numberOfSets(messageLen, capacity);
  if (sets === 1) {
    if (messageLen < u) return [1, u - messageLen];
    const quot = Math.floor(messageLen / u);
    const rem = messageLen % u;
    return rem === 0 ? [quot, 0] : [quot + 1, u - rem];
  }
  // every set but the last is full; the first and last carry one linked fragment, the
  // middle ones two
  const withoutLast = (sets - 1) * MAX_FRAGMENTS_PER_SET;
  const linkedWithoutLast = 2 * sets - 3;
  const unlinkedWithoutLast = withoutLast - linkedWithoutLast;
  const finalLen = messageLen - linkedWithoutLast * k - unlinkedWithoutLast * u;
  if (finalLen < k) return [withoutLast + 1, k - finalLen];
  if (finalLen === k) return [withoutLast + 1, 0];
  const rest = finalLen - k;
  const quot = Math.floor(rest / u);
  const rem = rest % u;
  return rem === 0 ? [withoutLast + quot + 1, 0] : [withoutLast + quot + 2, u - rem];
}

/**
 * set.rs `generate_set_id`: four random bytes as an i32 (little-endian, as rand reads them),
 * drawn again on 0 and i32::MIN, then made positive.
 */
export function randomSetId(random: RandomBytes): number {
  for (;;) {
    const r = random(4);
    checkBytes('random output', r, 4);
    const v = new DataView(r.buffer, r.byteOffset, 4).getInt32(0, true);
    if (v !== 0 && v !== -0x80000000) return Math.abs(v);
  }
}

function fragmentsOfSet(
  data: Uint8Array,
  setId: number,
  previous: number | undefined,
  next: number | undefined,
  capacity: number,
  out: Fragment[],
): void {
  const u = unlinkedPayloadLen(capacity);
  const k = linkedPayloadLen(capacity);
  let count: number;
  if (previous === undefined && next === undefined) count = Math.ceil(data.length / u);
  else if (next !== undefined) count = MAX_FRAGMENTS_PER_SET;
  else count = 1 + Math.ceil(Math.max(0, data.length - k) / u);
  if (count > MAX_FRAGMENTS_PER_SET) throw new InvalidArgumentError('set would exceed 255 fragments');
  let lo = 0;
  let hi = previous !== undefined ? Math.min(data.length, k) : Math.min(data.length, u);
  for (let i = 1; i <= count; i++) {
    const f: Fragment = {
      setId,
      total: count,
      index: i,
      payload: data.subarray(lo, hi),
      ...(i === 1 && previous !== undefined ? { previousSetId: previous } : {}),
      ...(i === count && next !== undefined ? { nextSetId: next } : {}),
    };
    checkPayloadLength(f, capacity);
    out.push(f);
    lo = hi;
    hi = Math.min(data.length, hi + u);
  }
}

/** fragment.rs `Fragment::try_new`'s length rule: only a set's last fragment may be short. */
export function checkPayloadLength(f: Fragment, capacity: number): void {
  const k = linkedPayloadLen(capacity);
  const u = unlinkedPayloadLen(capacity);
  const n = f.payload.length;
  if (f.previousSetId !== undefined) {
    if (f.total > 1 ? n !== k : n > k)
      throw new FragmentPayloadLengthError(n, f.total > 1 ? `${k}` : `<= ${k}`);
  } else if (f.nextSetId !== undefined) {
    if (n !== k) throw new FragmentPayloadLengthError(n, `${k}`);
  } else if (f.total !== f.index) {
    if (n !== u) throw new FragmentPayloadLengthError(n, `${u}`);
  } else if (n > u) throw new FragmentPayloadLengthError(n, `<= ${u}`);
}

/**
 * set.rs `split_into_sets`, flattened: the fragments of `data` (the padded message) in order.
 * `nextSetId` is called once per set (`randomSetId` draws them as Nym does); ids repeated
 * within one message are drawn again.
 */
export function splitIntoFragments(data: Uint8Array, capacity: number, nextSetId: () => number): Fragment[] {
  checkBytes('message', data);
  checkCapacity(capacity);
  if (data.length === 0) throw new InvalidArgumentError('cannot split an empty message');
  const sets = numberOfSets(data.length, capacity);
  const ids: number[] = [];
  while (ids.length < sets) {
    const id = nextSetId();
    if (!validSetId(id)) throw new InvalidSetIdError(id);
    if (!ids.includes(id)) ids.push(id);
  }
  const out: Fragment[] = [];
  if (sets === 1) {
    fragmentsOfSet(data, ids[0], undefined, undefined, capacity, out);
    return out;
  }
  let lo = 0;
  let hi = oneWayLinkedSetLen(capacity);
  for (let i = 0; i < sets; i++) {
    fragmentsOfSet(
      data.subarray(lo, hi),
      ids[i],
      i === 0 ? undefined : ids[i - 1],
      i === sets - 1 ? undefined : ids[i + 1],
      capacity,
      out,
    );
    lo = hi;
    hi = Math.min(
      data.length,
      hi + (i === sets - 2 ? oneWayLinkedSetLen(capacity) : twoWayLinkedSetLen(capacity)),
    );
  }
  return out;
}

// ---- reassembly ----------------------------------------------------------------------------

export interface ReassemblerOptions {
  /**
   * An incomplete set that received nothing for this long is dropped (reconstruction.rs
   * `INCOMPLETE_MESSAGE_TIMEOUT`: 30 minutes).
   */
  readonly timeoutMs?: number;
  /** Ids of completed sets are remembered this long, to drop late duplicates. */
  readonly dedupWindowMs?: number;
  /** Most payload bytes buffered; beyond it the stalest other sets are dropped. */
  readonly maxBufferedBytes?: number;
  /** Most incomplete sets buffered; beyond it the stalest other sets are dropped. */
  readonly maxPendingSets?: number;
  /** Most completed set ids remembered. */
  readonly maxRemembered?: number;
}

export type InsertResult =
  | { readonly kind: 'incomplete' }
  | { readonly kind: 'duplicate' }
  | { readonly kind: 'complete'; readonly data: Uint8Array; readonly setIds: number[] };

interface PendingSet {
  readonly total: number;
  readonly parts: (Uint8Array | undefined)[];
  received: number;
  bytes: number;
  previous?: number;
  next?: number;
  updated: number;
}

/** Per-set bookkeeping counted against the byte budget, so empty fragments cost memory too. */
const SET_OVERHEAD_BYTES = 64 + 8 * MAX_FRAGMENTS_PER_SET;

/**
 * Reassembles fragments, in any order and with duplicates, into padded message data (Nym's
 * `MessageReconstructor` plus the client's `recently_reconstructed`). Memory is bounded
 * (bytes, sets, remembered ids); time is passed in, so the owner calls `expire(now)`.
 * A fragment whose total contradicts its set throws `SetTotalMismatchError` and changes
 * nothing; sets whose links disagree never complete and expire.
 */
export class Reassembler {
  private readonly sets = new Map<number, PendingSet>();
  private readonly completed: RememberedSets;
  private buffered = 0;
  /** Fresh fragments whose set id was remembered from another, completed set (not duplicates). */
  idCollisions = 0;
  readonly timeoutMs: number;
  readonly dedupWindowMs: number;
  readonly maxBufferedBytes: number;
  readonly maxPendingSets: number;
  readonly maxRemembered: number;

  constructor(opts: ReassemblerOptions = {}) {
    this.timeoutMs = opts.timeoutMs ?? 30 * 60 * 1000;
    this.dedupWindowMs = opts.dedupWindowMs ?? 2 * this.timeoutMs;
    this.maxBufferedBytes = opts.maxBufferedBytes ?? 256 * 1024 * 1024;
    this.maxPendingSets = opts.maxPendingSets ?? 10_000;
    this.maxRemembered = opts.maxRemembered ?? 100_000;
    this.completed = new RememberedSets(this.dedupWindowMs, this.maxRemembered);
  }

  get pendingSets(): number {
    return this.sets.size;
  }

  get rememberedSets(): number {
    return this.completed.size;
  }

  /** Completed set ids forgotten before their dedup window ended (`maxRemembered` reached). */
  get rememberedEvicted(): number {
    return this.completed.evicted;
  }

  /** Bytes held: buffered payloads plus a fixed cost per pending set. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  insert(f: Fragment, now: number): InsertResult {
    checkHeader(f.setId, f.total, f.index, f.previousSetId, f.nextSetId);
    const recalled = this.completed.recall(f.setId, () => fragmentPrint(f.index, f.payload), now);
    if (recalled === 'duplicate') return { kind: 'duplicate' };
    if (recalled === 'collision') this.idCollisions++;
    let set = this.sets.get(f.setId);
    if (set) {
      if (set.total !== f.total) throw new SetTotalMismatchError(f.setId, f.total, set.total);
      // links sit on one position each (1, or 255 of 255), so a second link is a duplicate
      if (set.parts[f.index - 1] !== undefined) return { kind: 'duplicate' };
    } else {
      set = {
        total: f.total,
        parts: new Array(f.total),
        received: 0,
        bytes: SET_OVERHEAD_BYTES,
        updated: now,
      };
      this.sets.set(f.setId, set);
      this.buffered += SET_OVERHEAD_BYTES;
    }
    set.parts[f.index - 1] = f.payload.slice();
    set.received++;
    set.bytes += f.payload.length;
    this.buffered += f.payload.length;
    if (f.previousSetId !== undefined) set.previous = f.previousSetId;
    if (f.nextSetId !== undefined) set.next = f.nextSetId;
    this.touchChain(f.setId, now);
    const done = this.tryComplete(f.setId, now);
    if (done) return done;
    if (this.buffered > this.maxBufferedBytes || this.sets.size > this.maxPendingSets)
      this.evictStalest(f.setId);
    return { kind: 'incomplete' };
  }

  /** Drop stale incomplete sets and old remembered ids; returns how many sets were dropped. */
  expire(now: number): number {
    let dropped = 0;
    for (const [id, s] of this.sets) {
      if (now - s.updated >= this.timeoutMs) {
        this.drop(id);
        dropped++;
      }
    }
    this.completed.expire(now);
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
      if (this.buffered <= this.maxBufferedBytes && this.sets.size <= this.maxPendingSets) break;
      if (id !== keep) this.drop(id);
    }
  }

  /** Keep every known set of a chain alive while any of them receives data. */
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

  private complete(id: number): PendingSet | undefined {
    const s = this.sets.get(id);
    return s && s.received === s.total ? s : undefined;
  }

  private tryComplete(id: number, now: number): InsertResult | undefined {
    if (!this.complete(id)) return undefined;
    // back to the head of the chain; every set on the way must be complete and agree
    let head = id;
    const seen = new Set<number>([id]);
    for (;;) {
      const prevId = this.sets.get(head)!.previous;
      if (prevId === undefined) break;
      const prev = this.complete(prevId);
      if (!prev || seen.has(prevId) || prev.next !== head) return undefined;
      seen.add(prevId);
      head = prevId;
    }
    const chain = [head];
    for (;;) {
      const cur = this.sets.get(chain[chain.length - 1])!;
      if (cur.next === undefined) break;
      const next = this.complete(cur.next);
      if (!next || chain.includes(cur.next) || next.previous !== chain[chain.length - 1]) return undefined;
      chain.push(cur.next);
    }
    let len = 0;
    for (const cid of chain) len += this.sets.get(cid)!.bytes - SET_OVERHEAD_BYTES;
    const data = new Uint8Array(len);
    let off = 0;
    for (const cid of chain) {
      const parts = this.sets.get(cid)!.parts as Uint8Array[];
      for (const p of parts) {
        data.set(p, off);
        off += p.length;
      }
      this.drop(cid);
      const prints =
        parts.length === 1 ? fragmentPrint(1, parts[0]) : parts.map((p, i) => fragmentPrint(i + 1, p));
      this.completed.add(cid, prints, now);
    }
    return { kind: 'complete', data, setIds: chain };
  }
}
