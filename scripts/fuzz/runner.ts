/**
 * Runs fuzzed inputs through every decoder (./targets.ts) and counts: an input whose decoder
 * returns, or throws the module's typed error, is fine; any other exception, or an input
 * that takes longer than `slowMs` twice in a row, is a crash. Deterministic for a given seed.
 *
 * `npm test` runs 10,000 inputs per decoder (test/fuzz); `npm run fuzz` and the reliability
 * suite run 1,000,000 (NYMPH_FUZZ_RUNS overrides). `fuzzReportKeys` gives the suite's
 * `fuzz_<decoder>_inputs` / `fuzz_<decoder>_crashes` keys.
 */
import fc from 'fast-check';
import { inputs } from './inputs.js';
import { fuzzTargets, type FuzzTarget } from './targets.js';

export const DEFAULT_RUNS = 10_000;
export const FULL_RUNS = 1_000_000;

export interface FuzzCrash {
  readonly decoder: string;
  /** Hex of the input (first 512 bytes). */
  readonly input: string;
  readonly error: string;
}

export interface DecoderCounts {
  readonly inputs: number;
  readonly crashes: number;
  /** Inputs that decoded (at least one entry point accepted them). */
  readonly decoded: number;
  /** Inputs refused with the typed error. */
  readonly refused: number;
}

export interface FuzzReport {
  readonly decoders: Record<string, DecoderCounts>;
  readonly inputs: number;
  readonly crashes: number;
  /** The first few crashes, to reproduce. */
  readonly samples: FuzzCrash[];
  readonly ms: number;
}

export interface FuzzOptions {
  /** Inputs per decoder. */
  readonly runs?: number;
  readonly seed?: number;
  /** Only these decoders (by name). */
  readonly only?: readonly string[];
  /** An input taking longer than this counts as a crash (a hang). */
  readonly slowMs?: number;
  /** The decoders to run (default: every one of ./targets.ts). */
  readonly targets?: readonly FuzzTarget[];
  readonly onProgress?: (decoder: string, done: number) => void;
}

/** Inputs per decoder from NYMPH_FUZZ_RUNS, else `fallback`. */
export function fuzzRunsFromEnv(fallback = DEFAULT_RUNS): number {
  const v = process.env.NYMPH_FUZZ_RUNS;
  if (!v) return fallback;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 1)
    throw new RangeError(`NYMPH_FUZZ_RUNS must be a positive integer, got ${v}`);
  return n;
}

const hex = (b: Uint8Array) => Buffer.from(b.subarray(0, 512)).toString('hex');
const BATCH = 5_000;

function runOne(
  t: FuzzTarget,
  runs: number,
  seed: number,
  slowMs: number,
  samples: FuzzCrash[],
  onProgress?: (d: string, n: number) => void,
): DecoderCounts {
  let crashes = 0;
  let decoded = 0;
  let refused = 0;
  const crash = (input: Uint8Array, error: string) => {
    crashes++;
    if (samples.length < 20) samples.push({ decoder: t.name, input: hex(input), error });
  };
  const feed = (input: Uint8Array) => {
    const t0 = performance.now();
    let accepted = false;
    let crashed = false;
    for (const entry of t.entries) {
      try {
        entry(input);
        accepted = true;
      } catch (e) {
        if (t.isTyped(e)) continue;
        if (!crashed)
          crash(
            input,
            `${(e as Error)?.constructor?.name ?? typeof e}: ${(e as Error)?.message ?? String(e)}`,
          );
        crashed = true;
      }
    }
    if (!crashed) {
      if (accepted) decoded++;
      else refused++;
    }
    const took = performance.now() - t0;
    if (took > slowMs && retimed(input) > slowMs) crash(input, `slow: ${took.toFixed(0)} ms`);
  };
  // a slow input is timed again: on a shared machine one pause (GC, another process) is not a hang
  const retimed = (input: Uint8Array) => {
    const t0 = performance.now();
    for (const entry of t.entries) {
      try {
        entry(input);
      } catch {
        // counted on the first pass
      }
    }
    return performance.now() - t0;
  };
  // the seeds first: each must decode, or the harness is not reaching the decoder
  let n = 0;
  for (const s of t.seeds.slice(0, runs)) {
    feed(s);
    n++;
  }
  const arb = inputs(t);
  for (let batch = 0; n < runs; batch++) {
    const size = Math.min(BATCH, runs - n);
    for (const input of fc.sample(arb, { numRuns: size, seed: seed + batch })) feed(input);
    n += size;
    onProgress?.(t.name, n);
  }
  return { inputs: n, crashes, decoded, refused };
}

export function runFuzz(opts: FuzzOptions = {}): FuzzReport {
  const runs = opts.runs ?? DEFAULT_RUNS;
  const seed = opts.seed ?? 0x6e796d;
  const slowMs = opts.slowMs ?? 1_000;
  const t0 = performance.now();
  const all = (opts.targets ?? fuzzTargets()).filter((t) => !opts.only || opts.only.includes(t.name));
  const decoders: Record<string, DecoderCounts> = {};
  const samples: FuzzCrash[] = [];
  for (const t of all) decoders[t.name] = runOne(t, runs, seed, slowMs, samples, opts.onProgress);
  const counts = Object.values(decoders);
  return {
    decoders,
    inputs: counts.reduce((a, c) => a + c.inputs, 0),
    crashes: counts.reduce((a, c) => a + c.crashes, 0),
    samples,
    ms: Math.round(performance.now() - t0),
  };
}

/** `{fuzz_<decoder>_inputs, fuzz_<decoder>_crashes, ..., fuzz_inputs, fuzz_crashes}`. */
export function fuzzReportKeys(r: FuzzReport): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, c] of Object.entries(r.decoders)) {
    out[`fuzz_${name}_inputs`] = c.inputs;
    out[`fuzz_${name}_crashes`] = c.crashes;
  }
  out.fuzz_inputs = r.inputs;
  out.fuzz_crashes = r.crashes;
  return out;
}
