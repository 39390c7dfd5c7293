/**
 * Late duplicates against fresh messages whose 31-bit set id happens to equal a remembered
 * one. A busy client remembers ~100,000 completed set ids (the dedup window), so about one
 * fresh message in 21,000 draws a remembered id: by id alone it was taken for a duplicate
 * and lost (the reliability suite's load lost 1 of 147,739 this way; ~1.7 expected).
 */
import { describe, expect, it } from 'vitest';
import { fragmentPrint, Reassembler, splitIntoFragments, type Fragment } from '../../src/nymsphinx/index.js';
import { seededRandom } from './helpers.js';

const bytes = (s: string) => new TextEncoder().encode(s);
const one = (setId: number, text: string): Fragment => ({ setId, total: 1, index: 1, payload: bytes(text) });

describe('completed set ids and late duplicates', () => {
  it('a fresh message that drew a remembered set id is delivered; a real retransmission is not', () => {
    const r = new Reassembler();
    expect(r.insert(one(42, 'first message'), 0).kind).toBe('complete');
    // the first message's fragment again (its ack was late, it was sent twice)
    expect(r.insert(one(42, 'first message'), 10).kind).toBe('duplicate');
    // another sender's message, same set id by chance
    const fresh = r.insert(one(42, 'another message'), 20);
    expect(fresh.kind).toBe('complete');
    if (fresh.kind === 'complete') expect(new TextDecoder().decode(fresh.data)).toBe('another message');
    expect(r.idCollisions).toBe(1);
    // both are still remembered: a late copy of either is a duplicate
    expect(r.insert(one(42, 'first message'), 30).kind).toBe('duplicate');
    expect(r.insert(one(42, 'another message'), 30).kind).toBe('duplicate');
    expect(r.rememberedSets).toBe(1);
  });

  it('multi-fragment sets: each position is checked against its own fragment', () => {
    const r = new Reassembler();
    const data = new Uint8Array(100).map((_, i) => i);
    const a = splitIntoFragments(data, 40, () => 7);
    const b = splitIntoFragments(
      data.map((x) => x ^ 0xff),
      40,
      () => 7,
    );
    const n = a.length;
    expect(n).toBeGreaterThan(2);
    for (const f of a.slice(0, -1)) expect(r.insert(f, 0).kind).toBe('incomplete');
    expect(r.insert(a[n - 1], 0).kind).toBe('complete');
    for (const f of a) expect(r.insert(f, 1).kind).toBe('duplicate');
    // the same set id and total, other content: a new message
    for (const f of b.slice(0, -1)) expect(r.insert(f, 2).kind).toBe('incomplete');
    expect(r.insert(b[n - 1], 2).kind).toBe('complete');
    // a remembered fragment's payload at another position is not taken for a duplicate
    expect(r.insert({ ...a[0], index: 2, total: n }, 3).kind).toBe('incomplete');
  });

  it('collision chains stay inside the dedup window', () => {
    const r = new Reassembler({ timeoutMs: 1000, dedupWindowMs: 5000 });
    for (let t = 0; t < 100; t++) expect(r.insert(one(9, `message ${t}`), t * 1000).kind).toBe('complete');
    // at t = 99 s only those of the last 5 s are remembered
    expect(r.insert(one(9, 'message 95'), 99_000).kind).toBe('duplicate');
    expect(r.insert(one(9, 'message 93'), 99_000).kind).toBe('complete');
  });

  it('fingerprints are small integers that tell position and content apart', () => {
    const p = bytes('payload');
    expect(Number.isSafeInteger(fragmentPrint(1, p))).toBe(true);
    expect(fragmentPrint(1, p)).toBeLessThan(2 ** 30);
    expect(fragmentPrint(1, p)).toBe(fragmentPrint(1, p.slice()));
    expect(fragmentPrint(2, p)).not.toBe(fragmentPrint(1, p));
    expect(fragmentPrint(1, bytes('payloae'))).not.toBe(fragmentPrint(1, p));
    // every single-bit change of a full fragment changes its print (the tail bytes too)
    const full = new Uint8Array(1603).map((_, i) => (i * 131) & 0xff);
    const base = fragmentPrint(3, full);
    for (let i = 0; i < full.length; i++)
      for (let b = 0; b < 8; b++) {
        full[i] ^= 1 << b;
        if (fragmentPrint(3, full) === base) throw new Error(`bit ${b} of byte ${i} not seen`);
        full[i] ^= 1 << b;
      }
    // and unrelated fragments almost never share one: 20,000 random ones, ~0.2 pairs expected
    const random = seededRandom(99);
    const seen = new Set<number>();
    for (let n = 0; n < 20_000; n++) seen.add(fragmentPrint(1, random(64)));
    expect(seen.size).toBeGreaterThanOrEqual(20_000 - 3);
  });
});

describe('remembered ids stay bounded under many messages', () => {
  it('expiry drops whole generations: after the window nothing is left, whatever the rate', () => {
    const r = new Reassembler({ timeoutMs: 1000, dedupWindowMs: 10_000, maxRemembered: 1_000_000 });
    for (let n = 0; n < 50_000; n++) r.insert(one(n + 1, 'x'), n / 10); // 50,000 in 5 s
    expect(r.rememberedSets).toBe(50_000);
    // remembered for the window at least, and at most one generation (a tenth of it) longer
    expect(r.insert(one(1, 'x'), 10_000).kind).toBe('duplicate');
    r.expire(12_500);
    expect(r.rememberedSets).toBeGreaterThan(0);
    expect(r.rememberedSets).toBeLessThan(50_000);
    r.expire(16_000);
    expect(r.rememberedSets).toBe(0);
    expect(r.rememberedEvicted).toBe(0);
    expect(r.insert(one(1, 'x'), 16_000).kind).toBe('complete');
  });

  it('100,000 one-fragment messages with random set ids: at most maxRemembered kept, none lost', () => {
    const maxRemembered = 10_000;
    const r = new Reassembler({ maxRemembered });
    const random = seededRandom(1234);
    const setId = () => 1 + (new DataView(random(4).buffer).getUint32(0) % 2_000_000);
    let complete = 0;
    for (let n = 0; n < 100_000; n++) {
      const res = r.insert(one(setId(), `m${n}`), n);
      if (res.kind === 'complete') complete++;
      if (r.rememberedSets > maxRemembered) throw new Error(`${r.rememberedSets} remembered at ${n}`);
    }
    // ids drawn from 2,000,000 with up to 10,000 remembered: ~475 collisions, all delivered
    expect(r.idCollisions).toBeGreaterThan(200);
    expect(complete).toBe(100_000);
    // the cap, not the window, forgot the others, and says how many
    expect(r.rememberedSets).toBe(maxRemembered);
    expect(r.rememberedEvicted).toBeGreaterThanOrEqual(100_000 - maxRemembered - r.idCollisions);
    expect(r.pendingSets).toBe(0);
    expect(r.bufferedBytes).toBe(0);
  });
});
