/**
 * `npm run fuzz`: 1,000,000 inputs per decoder (NYMPH_FUZZ_RUNS overrides; arguments name
 * the decoders to run), progress on stderr, one JSON line on stdout; exit 1 on any crash.
 */
import { FULL_RUNS, fuzzReportKeys, fuzzRunsFromEnv, runFuzz } from './runner.js';

const only = process.argv.slice(2);
const report = runFuzz({
  runs: fuzzRunsFromEnv(FULL_RUNS),
  only: only.length ? only : undefined,
  onProgress: (d, n) => {
    if (n % 100_000 === 0) process.stderr.write(`${d}: ${n}\n`);
  },
});
for (const s of report.samples)
  process.stderr.write(`crash in ${s.decoder}: ${s.error}\n  input ${s.input}\n`);
process.stdout.write(`${JSON.stringify({ ...fuzzReportKeys(report), fuzz_ms: report.ms })}\n`);
process.exitCode = report.crashes ? 1 : 0;
