import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeFragment,
  encodeFragment,
  FragmentFlagError,
  FragmentTooShortError,
  InvalidFragmentPositionError,
  InvalidSetIdError,
  MisplacedFragmentLinkError,
  numberOfRequiredFragments,
  NymSphinxError,
  padToFullPacketLengths,
  randomSetId,
  Reassembler,
  removePadding,
  SetTotalMismatchError,
  splitIntoFragments,
  type Fragment,
} from '../../src/nymsphinx/index.js';
import { countingSetIds, seededRandom } from './helpers.js';

/** Small capacities make multi-set messages (255+ fragments) cheap to test. */
const capacity = fc.integer({ min: 11, max: 40 });

function shuffle<T>(xs: T[], random: (n: number) => Uint8Array): T[] {
  const out = xs.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = new DataView(random(4).buffer).getUint32(0) % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

describe('split and reassemble', () => {
  it('any message, any order, with duplicates, reassembles exactly once (property)', () => {
    fc.assert(
      fc.property(capacity, fc.integer({ min: 1, max: 12_000 }), fc.integer(), (cap, len, seed) => {
        const rnd = seededRandom(seed);
        const data = rnd(len);
        const frags = splitIntoFragments(data, cap, () => randomSetId(rnd)).map(encodeFragment);
        expect(Math.max(...frags.map((f) => f.length))).toBeLessThanOrEqual(cap);
        const dups = frags.filter((_, i) => i % 7 === 0);
        const r = new Reassembler();
        const results = shuffle([...frags, ...dups], rnd).map((f) => r.insert(decodeFragment(f), 0));
        const complete = results.filter((x) => x.kind === 'complete');
        expect(complete.length).toBe(1);
        expect(complete[0].kind === 'complete' && complete[0].data).toEqual(data);
        expect(r.pendingSets).toBe(0);
        expect(r.bufferedBytes).toBe(0);
        // anything arriving after completion is a duplicate, not a new message
        expect(r.insert(decodeFragment(frags[0]), 1).kind).toBe('duplicate');
      }),
      { numRuns: 40 },
    );
  });

  it('padded messages fill every fragment, in the number of fragments Nym computes (property)', () => {
    fc.assert(
      fc.property(capacity, fc.integer({ min: 0, max: 20_000 }), (cap, len) => {
        const padded = padToFullPacketLengths(new Uint8Array(len).fill(9), cap);
        const frags = splitIntoFragments(padded, cap, countingSetIds()).map(encodeFragment);
        expect(frags.length).toBe(numberOfRequiredFragments(len + 1, cap)[0]);
        expect(frags.every((f) => f.length === cap)).toBe(true);
        expect(removePadding(padded).length).toBe(len);
      }),
      { numRuns: 100 },
    );
  });

  it("links sets as Nym: next id on 255 of 255, previous id on the next set's first fragment", () => {
    const cap = 20;
    const data = new Uint8Array(255 * 13 * 2 + 5);
    const frags = splitIntoFragments(data, cap, countingSetIds(100));
    const sets = [...new Set(frags.map((f) => f.setId))];
    expect(sets).toEqual([100, 101, 102]);
    expect(frags[254]).toMatchObject({ setId: 100, index: 255, total: 255, nextSetId: 101 });
    expect(frags[255]).toMatchObject({ setId: 101, index: 1, previousSetId: 100 });
    expect(frags[509]).toMatchObject({ setId: 101, index: 255, nextSetId: 102 });
    expect(frags[510]).toMatchObject({ setId: 102, index: 1, previousSetId: 101 });
    expect(frags.filter((f) => f.previousSetId !== undefined || f.nextSetId !== undefined).length).toBe(4);
  });

  it('draws set ids as Nym: never 0, never above 2^31-1', () => {
    const zeros = [new Uint8Array(4), new Uint8Array([0, 0, 0, 0x80]), new Uint8Array([1, 0, 0, 0x80])];
    let i = 0;
    const id = randomSetId(() => zeros[i++]);
    expect(id).toBe(0x7fffffff);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 4, maxLength: 4 }), (b) => {
        const v = randomSetId(() => (b.some((x) => x !== 0) ? b.slice() : new Uint8Array([1, 0, 0, 0])));
        expect(v).toBeGreaterThanOrEqual(1);
        expect(v).toBeLessThanOrEqual(0x7fffffff);
      }),
      { numRuns: 200 },
    );
  });
});

describe('bad fragments are rejected with typed errors', () => {
  const good = encodeFragment({ setId: 77, total: 3, index: 2, payload: new Uint8Array(20) });

  it('short, unflagged, zero or out-of-range positions, zero set ids, misplaced links', () => {
    expect(() => decodeFragment(good.subarray(0, 6))).toThrow(FragmentTooShortError);
    const noFlag = good.slice();
    noFlag[0] &= 0x7f;
    expect(() => decodeFragment(noFlag)).toThrow(FragmentFlagError);
    const beyond = good.slice();
    beyond[5] = 4;
    expect(() => decodeFragment(beyond)).toThrow(InvalidFragmentPositionError);
    const zeroTotal = good.slice();
    zeroTotal[4] = 0;
    expect(() => decodeFragment(zeroTotal)).toThrow(InvalidFragmentPositionError);
    const zeroId = good.slice();
    zeroId.set([0x80, 0, 0, 0]);
    expect(() => decodeFragment(zeroId)).toThrow(InvalidSetIdError);
    const linkedMiddle = good.slice();
    linkedMiddle.set([0x80, 0, 0, 5], 6);
    expect(() => decodeFragment(linkedMiddle)).toThrow(MisplacedFragmentLinkError);
    const linkNoFlag = encodeFragment({
      setId: 77,
      total: 3,
      index: 1,
      previousSetId: 5,
      payload: new Uint8Array(3),
    });
    linkNoFlag[6] = 0x01;
    expect(() => decodeFragment(linkNoFlag)).toThrow(FragmentFlagError);
    expect(() => decodeFragment(linkNoFlag.subarray(0, 9))).toThrow(FragmentTooShortError);
    const selfLink = encodeFragment({
      setId: 77,
      total: 3,
      index: 1,
      previousSetId: 5,
      payload: new Uint8Array(3),
    });
    selfLink.set([0x80, 0, 0, 77], 6);
    expect(() => decodeFragment(selfLink)).toThrow(InvalidSetIdError);
  });

  it('a fragment whose total disagrees with its set is refused and changes nothing', () => {
    const r = new Reassembler();
    r.insert(decodeFragment(good), 0);
    const before = r.bufferedBytes;
    const other = encodeFragment({ setId: 77, total: 4, index: 1, payload: new Uint8Array(20) });
    expect(() => r.insert(decodeFragment(other), 0)).toThrow(SetTotalMismatchError);
    expect(r.bufferedBytes).toBe(before);
    expect(r.pendingSets).toBe(1);
    // the same position again is a duplicate, dropped
    expect(r.insert(decodeFragment(good), 0).kind).toBe('duplicate');
    expect(r.bufferedBytes).toBe(before);
  });

  it('sets whose links disagree never complete (and expire)', () => {
    const r = new Reassembler({ timeoutMs: 10 });
    r.insert({ setId: 5, total: 1, index: 1, previousSetId: 4, payload: new Uint8Array(1) }, 0);
    // set 3 claims to continue in 5, but 5 says it continues 4
    const full: Fragment[] = Array.from({ length: 255 }, (_, i) => ({
      setId: 3,
      total: 255,
      index: i + 1,
      payload: new Uint8Array(1),
      ...(i === 254 ? { nextSetId: 5 } : {}),
    }));
    for (const f of full) expect(r.insert(f, 0).kind).toBe('incomplete');
    expect(r.pendingSets).toBe(2);
    expect(r.expire(10)).toBe(2);
  });

  it('random bytes never crash the decoder (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
        try {
          const f = decodeFragment(b);
          expect(encodeFragment(f)).toEqual(b.subarray(0, f.payload.length + (b[6] !== 0 ? 10 : 7)));
        } catch (e) {
          expect(e).toBeInstanceOf(NymSphinxError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('bounded memory', () => {
  it('keeps buffered bytes under the bound by dropping the stalest sets', () => {
    const r = new Reassembler({ maxBufferedBytes: 50_000 });
    for (let s = 1; s <= 200; s++) {
      r.insert({ setId: s, total: 2, index: 1, payload: new Uint8Array(1000) }, s);
      expect(r.bufferedBytes).toBeLessThanOrEqual(50_000 + 1000 + 64 + 8 * 255);
    }
    expect(r.pendingSets).toBeLessThan(200);
    // the newest sets survive and still complete
    const done = r.insert({ setId: 200, total: 2, index: 2, payload: new Uint8Array(3) }, 201);
    expect(done.kind).toBe('complete');
  });

  it('caps the number of pending sets, and empty fragments still cost', () => {
    const r = new Reassembler({ maxPendingSets: 100 });
    for (let s = 1; s <= 1000; s++)
      r.insert({ setId: s, total: 255, index: 3, payload: new Uint8Array(0) }, s);
    expect(r.pendingSets).toBeLessThanOrEqual(100);
    expect(r.bufferedBytes).toBeGreaterThan(0);
  });

  it('expires sets idle for the timeout, but not a chain that is still receiving', () => {
    const r = new Reassembler({ timeoutMs: 1000, dedupWindowMs: 5000 });
    r.insert({ setId: 1, total: 2, index: 1, payload: new Uint8Array(1) }, 0);
    r.insert({ setId: 5, total: 255, index: 255, nextSetId: 6, payload: new Uint8Array(1) }, 0);
    r.insert({ setId: 6, total: 2, index: 2, payload: new Uint8Array(1) }, 900);
    r.insert({ setId: 6, total: 2, index: 1, previousSetId: 5, payload: new Uint8Array(1) }, 1500);
    expect(r.expire(1600)).toBe(1); // set 1; set 5 was touched through its chain
    expect(r.pendingSets).toBe(2);
    // completed ids are forgotten after the dedup window
    const q = new Reassembler({ timeoutMs: 1000, dedupWindowMs: 5000, maxRemembered: 2 });
    for (let s = 1; s <= 3; s++) q.insert({ setId: s, total: 1, index: 1, payload: new Uint8Array(1) }, 0);
    expect(q.rememberedSets).toBe(2);
    q.expire(6000);
    expect(q.rememberedSets).toBe(0);
  });
});
