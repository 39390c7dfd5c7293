/**
 * Fuzz counts from the reusable fuzz runner (scripts/fuzz/runner.ts: `runFuzz` feeds fuzzed
 * inputs to every untrusted-input decoder — Sphinx, node frames, gateway frames, native
 * API, SOCKS, requester, JSON-RPC, tx — and counts a crash for any exception but the
 * decoder's typed error, or a slow input; `fuzzReportKeys` names the counts
 * `fuzz_<decoder>_inputs` / `fuzz_<decoder>_crashes`).
 */
import { fuzzReportKeys, runFuzz } from '../fuzz/runner.js';
import type { ScenarioResult } from './scenario.js';

export function fuzzCounts(inputs: number): ScenarioResult {
  const report = runFuzz({ runs: inputs });
  const failures: string[] = [];
  for (const [decoder, c] of Object.entries(report.decoders)) {
    if (c.crashes) failures.push(`${decoder} crashed on ${c.crashes} of ${c.inputs} inputs`);
    if (c.inputs < inputs) failures.push(`${decoder} ran ${c.inputs} of ${inputs} inputs`);
  }
  if (Object.keys(report.decoders).length === 0) failures.push('the runner fed no decoder');
  return {
    numbers: { ...fuzzReportKeys(report), fuzz_ms: report.ms },
    failures,
    notes: report.samples
      .slice(0, 5)
      .map((s) => `fuzz crash in ${s.decoder}: ${s.error} (input ${s.input.slice(0, 64)}…)`),
  };
}
