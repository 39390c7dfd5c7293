/**
 * `npm run reliability`: fault scenarios on a real localnet (processes killed with SIGKILL,
 * frozen with SIGSTOP, attacked), then fuzz counts; progress on stderr, then ONE JSON line
 * on stdout with every scenario's numbers (`*_sent`, `*_delivered`, `*_lost`,
 * `*_duplicated`, `*_crashes`, `*_inputs`, `rss_slope_*`). Exits 1 when any target was
 * missed (anything lost or delivered twice, a crash, an attack that worked, RSS growing).
 *
 *   npm run reliability                 the short form (what `npm test` runs, a few minutes)
 *   npm run reliability -- --long       1,000-message transfers, 1,000,000 fuzz inputs,
 *                                       50 streams × 20 msg/s for 10 minutes
 *   NYMPH_RELIABILITY=long              the same as --long
 *   --only mixnode,chain                some scenarios only (no fuzz counts)
 *   --load-seconds N, --load-streams N, --load-rate N   the load's shape
 *   --inspect-roles                     run every role with an inspector (the long form's default):
 *                                       memory judged after full collections, heaps profiled
 *   NYMPH_RELIABILITY_INSPECT=0          the long form without inspectors (raw RSS slopes only)
 *   NYMPH_RELIABILITY_PROFILE_DIR=DIR    where the load writes each role's heap growth by site
 *   NYMPH_RELIABILITY_KEEP=1            keep the localnet's home (logs) afterwards
 */
import { parseArgs } from 'node:util';
import { LONG, SHORT } from './reliability/scenario.js';
import { runSuite, SCENARIOS } from './reliability/suite.js';

const { values } = parseArgs({
  options: {
    long: { type: 'boolean', default: process.env.NYMPH_RELIABILITY === 'long' },
    only: { type: 'string' },
    'load-seconds': { type: 'string' },
    'load-streams': { type: 'string' },
    'load-rate': { type: 'string' },
    'inspect-roles': { type: 'boolean', default: false },
  },
});

// The roles' inspectors: bound to loopback on a port each role picks (free), announced in
// its log, and only in this process's children (the suite's localnet): nothing else
// starts roles with this environment.
const inspect = values['inspect-roles'] || (values.long && process.env.NYMPH_RELIABILITY_INSPECT !== '0');
const roleArgs = (process.env.NYMPH_ROLE_NODE_ARGS ?? '').split(' ').filter(Boolean);
if (inspect && !roleArgs.some((a) => a.startsWith('--inspect')))
  process.env.NYMPH_ROLE_NODE_ARGS = [...roleArgs, '--inspect=127.0.0.1:0'].join(' ');

const base = values.long ? LONG : SHORT;
const num = (s: string | undefined, d: number) => (s === undefined ? d : Number(s));
const sizes = {
  ...base,
  load: {
    ...base.load,
    seconds: num(values['load-seconds'], base.load.seconds),
    streams: num(values['load-streams'], base.load.streams),
    perSecond: num(values['load-rate'], base.load.perSecond),
  },
};
const only = values.only?.split(',').map((s) => s.trim());
for (const name of only ?? [])
  if (!SCENARIOS[name]) {
    process.stderr.write(`reliability: no scenario ${name}; one of ${Object.keys(SCENARIOS).join(', ')}\n`);
    process.exit(2);
  }

const t0 = performance.now();
const report = await runSuite({ sizes, only, log: (m) => process.stderr.write(`${m}\n`) });
process.stderr.write(`\nseconds per scenario: ${JSON.stringify(report.seconds)}\n`);
for (const n of report.notes) process.stderr.write(`note: ${n}\n`);
if (report.failures.length) {
  process.stderr.write(`\n${report.failures.length} target(s) missed:\n`);
  for (const f of report.failures) process.stderr.write(`  - ${f}\n`);
} else process.stderr.write('\nevery target held\n');
process.stderr.write(
  `(${Math.round((performance.now() - t0) / 1000)} s, ${values.long ? 'long' : 'short'} form)\n`,
);
process.stdout.write(`${JSON.stringify({ form: values.long ? 'long' : 'short', ...report.numbers })}\n`);
process.exit(report.failures.length ? 1 : 0);
