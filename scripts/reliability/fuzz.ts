/**
 * Fuzz counts, from the reusable fuzz runner under scripts/fuzz/ (built alongside this
 * suite): HOOK — until that runner is on this branch, the suite reports the fuzz part as
 * pending (`fuzz_pending: 1`) and fails nothing for it.
 *
 * The runner is expected at scripts/fuzz/index.ts, exporting
 *   runFuzz({ inputs, seed? }): Promise<Record<decoder, { inputs: number; crashes: number }>>
 * (one entry per decoder: Sphinx, node frame, gateway frame, native API, SOCKS, requester,
 * JSON-RPC, tx). A crash is an input a decoder answered with anything but its typed error.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ScenarioResult } from './scenario.js';

export interface FuzzCount {
  inputs: number;
  crashes: number;
}
type RunFuzz = (opts: { inputs: number; seed?: number }) => Promise<Record<string, FuzzCount>>;

const RUNNER = join(dirname(fileURLToPath(import.meta.url)), '..', 'fuzz', 'index.ts');

async function loadRunner(): Promise<RunFuzz | undefined> {
  if (!existsSync(RUNNER)) return undefined;
  const mod = (await import(pathToFileURL(RUNNER).href)) as Record<string, unknown>;
  const f = mod.runFuzz ?? mod.default;
  return typeof f === 'function' ? (f as RunFuzz) : undefined;
}

export async function fuzzCounts(inputs: number): Promise<ScenarioResult> {
  const run = await loadRunner();
  if (!run)
    return {
      numbers: { fuzz_pending: 1 },
      failures: [],
      notes: [`fuzz: no runner at ${RUNNER} exporting runFuzz yet; not run`],
    };
  const counts = await run({ inputs });
  const numbers: Record<string, number> = {};
  const failures: string[] = [];
  let total = 0;
  let crashes = 0;
  for (const [decoder, c] of Object.entries(counts)) {
    const key = decoder.replace(/[^a-z0-9]+/gi, '_').toLowerCase();
    numbers[`fuzz_${key}_inputs`] = c.inputs;
    numbers[`fuzz_${key}_crashes`] = c.crashes;
    total += c.inputs;
    crashes += c.crashes;
    if (c.crashes) failures.push(`fuzz: ${decoder} crashed on ${c.crashes} of ${c.inputs} inputs`);
    if (c.inputs < inputs) failures.push(`fuzz: ${decoder} ran ${c.inputs} of ${inputs} inputs`);
  }
  numbers.fuzz_total_inputs = total;
  numbers.fuzz_total_crashes = crashes;
  return { numbers, failures };
}
