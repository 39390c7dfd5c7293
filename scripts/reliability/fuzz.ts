/**
 * Fuzz counts from the reusable fuzz runner (scripts/fuzz/runner.ts: `runFuzz` feeds fuzzed
 * inputs to every untrusted-input decoder — Sphinx, node frames, gateway frames, native
 * API, SOCKS, requester, JSON-RPC, tx — and counts a crash for any exception but the
 * decoder's typed error, or a slow input; `fuzzReportKeys` names the counts
 * `fuzz_<decoder>_inputs` / `fuzz_<decoder>_crashes`). Loaded by path: until the runner is
 * on this branch the part is reported as pending (`fuzz_pending: 1`) and fails nothing.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ScenarioResult } from './scenario.js';

/** What the suite reads of the runner's report. */
interface FuzzReport {
  decoders: Record<string, { inputs: number; crashes: number }>;
  inputs: number;
  crashes: number;
  samples: { decoder: string; error: string; input: string }[];
  ms: number;
}
interface FuzzRunner {
  runFuzz(opts: { runs: number }): FuzzReport;
  fuzzReportKeys(r: FuzzReport): Record<string, number>;
}

const RUNNER = join(dirname(fileURLToPath(import.meta.url)), '..', 'fuzz', 'runner.ts');

async function loadRunner(): Promise<FuzzRunner | undefined> {
  if (!existsSync(RUNNER)) return undefined;
  const mod = (await import(pathToFileURL(RUNNER).href)) as Partial<FuzzRunner>;
  return typeof mod.runFuzz === 'function' && typeof mod.fuzzReportKeys === 'function'
    ? (mod as FuzzRunner)
    : undefined;
}

export async function fuzzCounts(inputs: number): Promise<ScenarioResult> {
  const runner = await loadRunner();
  if (!runner)
    return {
      numbers: { fuzz_pending: 1 },
      failures: [],
      notes: [`fuzz: no runner at ${RUNNER} exporting runFuzz and fuzzReportKeys yet; not run`],
    };
  const report = runner.runFuzz({ runs: inputs });
  const failures: string[] = [];
  for (const [decoder, c] of Object.entries(report.decoders)) {
    if (c.crashes) failures.push(`${decoder} crashed on ${c.crashes} of ${c.inputs} inputs`);
    if (c.inputs < inputs) failures.push(`${decoder} ran ${c.inputs} of ${inputs} inputs`);
  }
  if (Object.keys(report.decoders).length === 0) failures.push('the runner fed no decoder');
  return {
    numbers: { ...runner.fuzzReportKeys(report), fuzz_ms: report.ms },
    failures,
    notes: report.samples
      .slice(0, 5)
      .map((s) => `fuzz crash in ${s.decoder}: ${s.error} (input ${s.input.slice(0, 64)}…)`),
  };
}
