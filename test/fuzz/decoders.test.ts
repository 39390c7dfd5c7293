/**
 * Every decoder that reads untrusted bytes either decodes a fuzzed input or refuses it with
 * its module's typed error (a class with a `code`): never another exception, never a hang
 * (issue 16, "the suite"). 10,000 inputs per decoder here (NYMPH_FUZZ_RUNS for more;
 * `npm run fuzz` runs 1,000,000), mostly mutations of valid inputs made by Nymph's own
 * encoders. The harness itself is checked to catch an untyped throw and a slow input.
 */
import { describe, expect, it } from 'vitest';
import { filler, mutate } from '../../scripts/fuzz/inputs.js';
import { fuzzReportKeys, fuzzRunsFromEnv, runFuzz } from '../../scripts/fuzz/runner.js';
import { fuzzTargets, type FuzzTarget } from '../../scripts/fuzz/targets.js';

const RUNS = fuzzRunsFromEnv(10_000);
const targets = fuzzTargets();

describe('fuzzed decoders', () => {
  it('covers the decoders of the suite', () => {
    expect(targets.map((t) => t.name)).toEqual([
      'sphinx',
      'node_frame',
      'gateway_frame',
      'gateway_text',
      'native_api',
      'socks',
      'requester',
      'jsonrpc',
      'tx',
    ]);
  });

  it.each(targets.map((t) => [t.name, t] as const))(
    `%s: ${RUNS} inputs decode or are refused with the typed error`,
    (_name, target) => {
      const r = runFuzz({ runs: RUNS, targets: [target] });
      const c = r.decoders[target.name];
      expect(r.samples).toEqual([]);
      expect(c).toMatchObject({ inputs: RUNS, crashes: 0 });
      // both paths are reached: valid inputs decode, broken ones are refused
      expect(c.decoded).toBeGreaterThan(0);
      expect(c.refused).toBeGreaterThan(0);
      expect(c.decoded + c.refused).toBe(RUNS);
    },
    120_000,
  );
});

class TypedError extends Error {
  readonly code = 'typed';
}

describe('the fuzz harness', () => {
  const probe = (entry: (b: Uint8Array) => unknown): FuzzTarget => ({
    name: 'probe',
    seeds: [Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8)],
    maxRandomLength: 16,
    entries: [entry],
    isTyped: (e) => e instanceof TypedError,
  });

  it('counts an untyped exception as a crash, with the input to reproduce it', () => {
    const r = runFuzz({
      runs: 500,
      targets: [
        probe((b) => {
          if (b.length === 0) throw new TypedError('empty');
          if (b.includes(0xff)) throw new TypeError('cannot read 0xff');
          return b;
        }),
      ],
    });
    expect(r.crashes).toBeGreaterThan(0);
    expect(r.decoders.probe.crashes).toBe(r.crashes);
    expect(r.samples[0]).toMatchObject({ decoder: 'probe', error: 'TypeError: cannot read 0xff' });
    expect(Buffer.from(r.samples[0].input, 'hex').includes(0xff)).toBe(true);
    expect(r.decoders.probe.refused).toBeGreaterThan(0);
  });

  it('counts an input slower than slowMs as a crash (a hang)', () => {
    const r = runFuzz({
      runs: 20,
      slowMs: 5,
      targets: [
        probe((b) => {
          if (b.length > 4) {
            const until = performance.now() + 10;
            while (performance.now() < until);
          }
        }),
      ],
    });
    expect(r.samples.some((s) => /^slow: \d+ ms$/.test(s.error))).toBe(true);
  });

  it('gives the suite its keys', () => {
    const r = runFuzz({ runs: 10, targets: [probe(() => undefined)] });
    expect(fuzzReportKeys(r)).toEqual({
      fuzz_probe_inputs: 10,
      fuzz_probe_crashes: 0,
      fuzz_inputs: 10,
      fuzz_crashes: 0,
    });
  });

  it('mutates as told', () => {
    const s = Uint8Array.of(10, 20, 30, 40);
    expect([...mutate(s, [{ k: 'flip', at: 5, bit: 0 }])]).toEqual([10, 21, 30, 40]);
    expect([...mutate(s, [{ k: 'truncate', at: 2 }])]).toEqual([10, 20]);
    expect([...mutate(s, [{ k: 'insert', at: 1, bytes: Uint8Array.of(9) }])]).toEqual([10, 9, 20, 30, 40]);
    expect([...mutate(s, [{ k: 'delete', at: 1, n: 2 }])]).toEqual([10, 40]);
    expect([...mutate(s, [{ k: 'duplicate', at: 2, n: 2 }])]).toEqual([10, 20, 30, 40, 30, 40]);
    expect([...mutate(new Uint8Array(0), [{ k: 'set', at: 3, v: 1 }])]).toEqual([]);
    expect(filler(7, 5)).toEqual(filler(7, 5));
  });

  it('reads NYMPH_FUZZ_RUNS', () => {
    const before = process.env.NYMPH_FUZZ_RUNS;
    try {
      process.env.NYMPH_FUZZ_RUNS = '1000000';
      expect(fuzzRunsFromEnv()).toBe(1_000_000);
      process.env.NYMPH_FUZZ_RUNS = 'lots';
      expect(() => fuzzRunsFromEnv()).toThrow(RangeError);
    } finally {
      if (before === undefined) delete process.env.NYMPH_FUZZ_RUNS;
      else process.env.NYMPH_FUZZ_RUNS = before;
    }
  });
});
