/**
 * The ids of completed fragment sets, remembered for a while so that a late copy of one of
 * their fragments (a retransmission whose first copy arrived after all) is dropped rather
 * than delivered twice (Nym's `recently_reconstructed` in client-core's received_buffer.rs,
 * which keeps every id for the life of the client).
 *
 * A set id is 31 random bits, so an id alone cannot tell a late copy from a fresh message of
 * another sender that drew a remembered id: with 100,000 ids remembered, one fresh message
 * in ~21,000 does, and was lost as a "duplicate". So each set is remembered with a 30-bit
 * fingerprint of each of its fragments (position and payload), and only a fragment that
 * matches one is a duplicate.
 *
 * Memory: ids live in generations (one Map each, a tenth of the window long), so expiry
 * drops whole generations instead of visiting every id each time, and a one-fragment set
 * costs one map entry holding a small integer (no object per set). At most `max` ids are
 * kept; beyond it the oldest go first and are counted in `evicted`. Time is passed in.
 */

/** The fingerprints of one remembered set id: one, or several (fragments of a set, or sets that drew the same id). */
type Prints = number | number[];

/**
 * A 30-bit fingerprint of a fragment's position and payload: FNV-1a over 32-bit words, then
 * murmur3's finaliser so that every input bit reaches every output bit. A small integer (a
 * V8 Smi, stored in the map entry itself); a few hundred multiplications for a 1.6 KB
 * fragment, next to the X25519 and AES a received packet costs anyway.
 */
export function fragmentPrint(index: number, payload: Uint8Array): number {
  let h = Math.imul(0x811c9dc5 ^ index, 0x01000193) ^ payload.length;
  const words = payload.length >>> 2;
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  for (let i = 0; i < words; i++) h = Math.imul(h ^ view.getInt32(i << 2, true), 0x01000193);
  for (let i = words << 2; i < payload.length; i++) h = Math.imul(h ^ payload[i], 0x01000193);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) & 0x3fffffff;
}

function holds(p: Prints, print: number): boolean {
  return typeof p === 'number' ? p === print : p.includes(print);
}

function merge(a: Prints, b: Prints): number[] {
  return [...(typeof a === 'number' ? [a] : a), ...(typeof b === 'number' ? [b] : b)];
}

export type Recall = 'unknown' | 'duplicate' | 'collision';

export class RememberedSets {
  /** Oldest first; each generation's ids in the order their sets completed. */
  private readonly generations: { start: number; ids: Map<number, Prints> }[] = [];
  private count = 0;
  /** Ids forgotten before the end of their window because `max` were remembered. */
  evicted = 0;
  readonly generationMs: number;

  constructor(
    readonly windowMs: number,
    readonly max: number,
  ) {
    this.generationMs = Math.max(1, windowMs / 10);
  }

  /** Entries remembered (an id remembered in two generations counts twice). */
  get size(): number {
    return this.count;
  }

  /**
   * Whether a fragment is a late copy of a remembered set, of a set that drew the same id,
   * or new; `print` (its `fragmentPrint`) is computed only when its set id is remembered.
   */
  recall(setId: number, print: () => number, now: number): Recall {
    this.expire(now);
    let mine: number | undefined;
    let known = false;
    for (const g of this.generations) {
      const p = g.ids.get(setId);
      if (p === undefined) continue;
      mine ??= print();
      if (holds(p, mine)) return 'duplicate';
      known = true;
    }
    return known ? 'collision' : 'unknown';
  }

  /** A set completed now: its id and the fingerprints of its fragments. */
  add(setId: number, prints: Prints, now: number): void {
    this.expire(now);
    let g = this.generations[this.generations.length - 1];
    if (!g || now - g.start >= this.generationMs) {
      g = { start: now, ids: new Map() };
      this.generations.push(g);
    }
    const had = g.ids.get(setId);
    if (had === undefined) this.count++;
    g.ids.set(setId, had === undefined ? prints : merge(had, prints));
    while (this.count > this.max) this.evictOldest();
  }

  /** Forgets the generations that ended a window ago or more. */
  expire(now: number): void {
    for (;;) {
      const g = this.generations[0];
      if (!g || now - (g.start + this.generationMs) < this.windowMs) return;
      this.count -= g.ids.size;
      this.generations.shift();
    }
  }

  private evictOldest(): void {
    const g = this.generations[0];
    const first = g.ids.keys().next();
    if (!first.done) {
      g.ids.delete(first.value);
      this.count--;
      this.evicted++;
    }
    if (g.ids.size === 0) this.generations.shift();
  }
}
