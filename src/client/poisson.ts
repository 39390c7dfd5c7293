/**
 * Samplers for Loopix timing: exponential inter-arrival times (a Poisson process) and
 * exponential per-hop delays. Randomness comes in as a parameter.
 */
import { randomUnit, type RandomBytes } from './crypto.js';

/** Exponential sample with the given mean (ms); mean 0 gives 0. */
export function sampleExponential(meanMs: number, rng: RandomBytes): number {
  if (!(meanMs > 0)) return 0;
  // 1 - u is in (0, 1], so the log is finite
  return -meanMs * Math.log(1 - randomUnit(rng));
}

/** Per-hop delays for a route of `hops` hops. */
export function sampleHopDelays(hops: number, meanMs: number, rng: RandomBytes): number[] {
  const out: number[] = [];
  for (let i = 0; i < hops; i++) out.push(sampleExponential(meanMs, rng));
  return out;
}
