import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  LINKED_HEADER_LEN,
  MAX_FRAGMENTS_PER_SET,
  Reassembler,
  UNLINKED_HEADER_LEN,
  decodeFragment,
  encodeFragment,
  fragmentCount,
  padMessage,
  splitMessage,
  unpadMessage,
  type Fragment,
} from '../../src/client/fragment.js';
import { MalformedFragmentError, MalformedMessageError } from '../../src/client/errors.js';

function counterIds(start = 1000) {
  let i = start;
  return () => i++;
}

function shuffle<T>(a: T[], seed: number): T[] {
  const out = a.slice();
  let s = seed >>> 0 || 1;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

function reassemble(frags: Fragment[]): Uint8Array | undefined {
  const r = new Reassembler({ timeoutMs: 1000 });
  let out: Uint8Array | undefined;
  for (const f of frags) {
    const res = r.insert(decodeFragment(encodeFragment(f)), 0);
    if (res.kind === 'complete') {
      expect(out).toBeUndefined();
      out = unpadMessage(res.data);
    }
  }
  expect(r.pendingSets).toBe(0);
  expect(r.bufferedBytes).toBe(0);
  return out;
}

describe('fragment header codec', () => {
  it("matches Nym's byte layout", () => {
    // unlinked: flag|id, total, index, 0x00
    const u = encodeFragment({ header: { setId: 12345, total: 10, index: 5 }, payload: Uint8Array.of(9) });
    expect([...u]).toEqual([0x80, 0x00, 0x30, 0x39, 10, 5, 0, 9]);
    // linked to previous set on fragment 1
    const l = encodeFragment({
      header: { setId: 1, total: 3, index: 1, previousSetId: 2 },
      payload: new Uint8Array(),
    });
    expect([...l]).toEqual([0x80, 0, 0, 1, 3, 1, 0x80, 0, 0, 2]);
    // linked to next set on fragment 255/255
    const n = encodeFragment({
      header: { setId: 7, total: 255, index: 255, nextSetId: 8 },
      payload: new Uint8Array(),
    });
    expect(decodeFragment(n).header).toEqual({
      setId: 7,
      total: 255,
      index: 255,
      previousSetId: undefined,
      nextSetId: 8,
    });
  });

  it('round-trips arbitrary valid headers', () => {
    const id = fc.integer({ min: 1, max: 0x7fffffff });
    const header = fc.oneof(
      fc.tuple(id, fc.integer({ min: 1, max: 255 })).chain(([setId, total]) =>
        fc.record({
          setId: fc.constant(setId),
          total: fc.constant(total),
          index: fc.integer({ min: 1, max: total }),
        }),
      ),
      fc
        .tuple(id, id, fc.integer({ min: 1, max: 255 }))
        .filter(([a, b]) => a !== b)
        .map(([setId, previousSetId, total]) => ({ setId, total, index: 1, previousSetId })),
      fc
        .tuple(id, id)
        .filter(([a, b]) => a !== b)
        .map(([setId, nextSetId]) => ({ setId, total: 255, index: 255, nextSetId })),
    );
    fc.assert(
      fc.property(header, fc.uint8Array({ maxLength: 64 }), (h, payload) => {
        const f = { header: h, payload };
        const d = decodeFragment(encodeFragment(f));
        expect(d.header.setId).toBe(h.setId);
        expect(d.header.total).toBe(h.total);
        expect(d.header.index).toBe(h.index);
        expect(d.header.previousSetId).toBe((h as { previousSetId?: number }).previousSetId);
        expect(d.header.nextSetId).toBe((h as { nextSetId?: number }).nextSetId);
        expect(d.payload).toEqual(payload);
      }),
    );
  });

  it.each([
    ['too short', [0x80, 0, 0, 1, 1, 1], 'shorter'],
    ['flag not set', [0x00, 0, 0, 1, 1, 1, 0], 'flag'],
    ['set id 0', [0x80, 0, 0, 0, 1, 1, 0], 'set id'],
    ['total 0', [0x80, 0, 0, 1, 0, 0, 0], 'total'],
    ['index 0', [0x80, 0, 0, 1, 2, 0, 0], 'index'],
    ['index > total', [0x80, 0, 0, 1, 2, 3, 0], 'index'],
    ['truncated link', [0x80, 0, 0, 1, 2, 1, 0x80, 0], 'truncated'],
    ['link without flag', [0x80, 0, 0, 1, 2, 1, 0x01, 0, 0, 2], 'linked flag'],
    ['link on middle fragment', [0x80, 0, 0, 1, 5, 3, 0x80, 0, 0, 2], 'cannot carry'],
    ['link to itself', [0x80, 0, 0, 1, 5, 1, 0x80, 0, 0, 1], 'previous set id'],
  ])('rejects %s', (_n, bytes, why) => {
    expect(() => decodeFragment(Uint8Array.from(bytes))).toThrow(MalformedFragmentError);
    expect(() => decodeFragment(Uint8Array.from(bytes))).toThrow(why);
  });

  it('never throws anything but MalformedFragmentError on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 32 }), (b) => {
        try {
          decodeFragment(b);
        } catch (e) {
          expect(e).toBeInstanceOf(MalformedFragmentError);
        }
      }),
    );
  });
});

describe('padding', () => {
  it('pads msg ‖ 0x01 ‖ 0… and strips it', () => {
    expect([...padMessage(Uint8Array.of(5, 0), 5)]).toEqual([5, 0, 1, 0, 0]);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), fc.nat(50), (m, extra) => {
        expect(unpadMessage(padMessage(m, m.length + 1 + extra))).toEqual(m);
      }),
    );
    expect(() => unpadMessage(Uint8Array.of(0, 0))).toThrow(MalformedMessageError);
    expect(() => unpadMessage(Uint8Array.of(3, 2))).toThrow(MalformedMessageError);
  });
});

describe('splitting and reassembly', () => {
  const L = 64; // small fragments so linked sets are cheap to test

  it('fills every fragment exactly', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 40_000 }), (len) => {
        const frags = splitMessage(new Uint8Array(len), L, counterIds());
        for (const f of frags) expect(encodeFragment(f).length).toBe(L);
        expect(frags.length).toBe(fragmentCount(len, L));
      }),
      { numRuns: 50 },
    );
  });

  it('uses one fragment for short messages and one set up to 255 fragments', () => {
    expect(splitMessage(new Uint8Array(L - UNLINKED_HEADER_LEN - 1), L, counterIds())).toHaveLength(1);
    expect(splitMessage(new Uint8Array(L - UNLINKED_HEADER_LEN), L, counterIds())).toHaveLength(2);
    const oneSet = splitMessage(new Uint8Array(255 * (L - 7) - 1), L, counterIds());
    expect(oneSet).toHaveLength(255);
    expect(new Set(oneSet.map((f) => f.header.setId)).size).toBe(1);
    const linked = splitMessage(new Uint8Array(255 * (L - 7)), L, counterIds());
    const sets = new Set(linked.map((f) => f.header.setId));
    expect(sets.size).toBe(2);
    expect(linked[254].header.nextSetId).toBe(linked[255].header.setId);
    expect(linked[255].header.previousSetId).toBe(linked[254].header.setId);
    expect(encodeFragment(linked[254]).length).toBe(L);
    expect(linked[254].payload.length).toBe(L - LINKED_HEADER_LEN);
  });

  it('reassembles any message from fragments in any order', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 50_000 }), fc.integer(), (msg, seed) => {
        const frags = splitMessage(msg, L, counterIds());
        for (const f of frags) expect(f.header.total).toBeLessThanOrEqual(MAX_FRAGMENTS_PER_SET);
        expect(reassemble(shuffle(frags, seed))).toEqual(msg);
      }),
      { numRuns: 40 },
    );
  });

  it('suppresses duplicates, also after completion', () => {
    const msg = new Uint8Array(1000).map((_, i) => i);
    const frags = splitMessage(msg, L, counterIds());
    const r = new Reassembler({ timeoutMs: 1000 });
    let completions = 0;
    for (const f of [...frags, ...frags]) {
      const res = r.insert(f, 0);
      if (res.kind === 'complete') completions++;
    }
    expect(completions).toBe(1);
    expect(r.insert(frags[0], 10).kind).toBe('duplicate');
  });

  it('remembers a bounded number of completed sets', () => {
    const r = new Reassembler({ timeoutMs: 1000, maxCompleted: 5 });
    const ids = counterIds();
    for (let i = 0; i < 20; i++) for (const f of splitMessage(Uint8Array.of(i), L, ids)) r.insert(f, 0);
    expect(r.rememberedSets).toBe(5);
  });

  it('expires incomplete sets and frees their memory', () => {
    const frags = splitMessage(new Uint8Array(20_000), L, counterIds());
    const r = new Reassembler({ timeoutMs: 1000 });
    for (const f of frags.slice(0, -1)) r.insert(f, 0);
    expect(r.bufferedBytes).toBeGreaterThan(19_000);
    expect(r.expire(999)).toBe(0);
    expect(r.expire(1000)).toBeGreaterThan(0);
    expect(r.pendingSets).toBe(0);
    expect(r.bufferedBytes).toBe(0);
    // the late last fragment alone cannot complete anything
    expect(r.insert(frags[frags.length - 1], 1001).kind).toBe('incomplete');
  });

  it('keeps a linked chain alive while any of its sets receives', () => {
    const frags = splitMessage(new Uint8Array(40_000), L, counterIds());
    const r = new Reassembler({ timeoutMs: 100 });
    let t = 0;
    let done = false;
    for (const f of frags) {
      t += 1; // the whole transfer takes far longer than the timeout
      r.expire(t);
      if (r.insert(f, t).kind === 'complete') done = true;
    }
    expect(done).toBe(true);
  });

  it('bounds buffered bytes by evicting the stalest sets', () => {
    const r = new Reassembler({ timeoutMs: 1e9, maxBufferedBytes: 5000 });
    const ids = counterIds();
    for (let m = 0; m < 10; m++) {
      const frags = splitMessage(new Uint8Array(3000), L, ids);
      for (const f of frags.slice(0, -1)) r.insert(f, m);
    }
    expect(r.bufferedBytes).toBeLessThanOrEqual(5000 + L);
  });

  it('rejects a fragment whose total disagrees with its set', () => {
    const r = new Reassembler({ timeoutMs: 1000 });
    r.insert({ header: { setId: 5, total: 3, index: 1 }, payload: new Uint8Array(3) }, 0);
    expect(() =>
      r.insert({ header: { setId: 5, total: 4, index: 2 }, payload: new Uint8Array(3) }, 0),
    ).toThrow(MalformedFragmentError);
  });
});
