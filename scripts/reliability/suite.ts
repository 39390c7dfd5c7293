/**
 * The reliability suite: one localnet (three native clients, no SOCKS roles), the fault
 * scenarios in turn on it, the fuzz counts after it is down. Each scenario's numbers go
 * into one flat record; a scenario that throws counts as failed, with its error, and the
 * suite goes on with the next (the network may be in any state by then: the scenarios
 * after it report what they see).
 */
import { randomBytes } from 'node:crypto';
import { Counter, CountingApp } from './apps.js';
import { attacks } from './attacks.js';
import { fuzzCounts } from './fuzz.js';
import { apiFrozenDuringIssuance } from './issuance.js';
import { load } from './load.js';
import { startNet, sleep } from './net.js';
import type { Ctx, Scenario, ScenarioResult, Sizes } from './scenario.js';
import {
  chainKill,
  clientRestart,
  gatewayKillMidDrain,
  gatewayKillStored,
  mixnodeKill,
} from './transfers.js';

/** In the order they run: the ones that restart roles first, load last (it measures the network after them). */
export const SCENARIOS: Record<string, Scenario> = {
  mixnode: mixnodeKill,
  'gateway-stored': gatewayKillStored,
  'gateway-drain': gatewayKillMidDrain,
  client: clientRestart,
  chain: chainKill,
  issuance: apiFrozenDuringIssuance,
  attacks,
  load,
};

export interface SuiteOptions {
  sizes: Sizes;
  /** Scenario names to run (default: all, and the fuzz counts). */
  only?: string[];
  fuzz?: boolean;
  log?: (msg: string) => void;
}

export interface SuiteReport {
  numbers: Record<string, number>;
  /** Every missed target, prefixed with its scenario. */
  failures: string[];
  notes: string[];
  /** Seconds each scenario took. */
  seconds: Record<string, number>;
}

export async function runSuite(opts: SuiteOptions): Promise<SuiteReport> {
  const log = opts.log ?? (() => undefined);
  const report: SuiteReport = { numbers: {}, failures: [], notes: [], seconds: {} };
  const names = opts.only ?? Object.keys(SCENARIOS);
  const record = (name: string, r: ScenarioResult, ms: number) => {
    Object.assign(report.numbers, r.numbers);
    report.failures.push(...r.failures.map((f) => `${name}: ${f}`));
    report.notes.push(...(r.notes ?? []));
    report.seconds[name] = Math.round(ms / 100) / 10;
  };

  if (names.length) {
    const t0 = performance.now();
    const net = await startNet({ clients: 3 });
    log(`localnet up in ${Math.round(performance.now() - t0)} ms at ${net.home}`);
    try {
      const [first, second] = net.info.clients;
      const sender = await CountingApp.connect(first.websocket);
      const receiverCounter = new Counter();
      const ctx: Ctx = {
        net,
        sizes: opts.sizes,
        run: randomBytes(4).toString('hex'),
        sender,
        senderAddress: await sender.selfAddress(),
        receiverName: second.name,
        receiverAddress: second.address,
        receiverCounter,
        receiver: undefined,
        async reconnectReceiver() {
          const deadline = Date.now() + 30_000;
          for (;;) {
            try {
              const app = await CountingApp.connect(second.websocket, receiverCounter);
              await app.selfAddress();
              ctx.receiver = app;
              return app;
            } catch (err) {
              if (Date.now() > deadline) throw err;
              await sleep(100);
            }
          }
        },
        log: (m) => log(`  ${m}`),
      };
      await ctx.reconnectReceiver();
      for (const name of names) {
        const scenario = SCENARIOS[name];
        if (!scenario)
          throw new Error(`reliability: no scenario ${name}; one of ${Object.keys(SCENARIOS).join(', ')}`);
        log(`${scenario.name} …`);
        const s0 = performance.now();
        let r: ScenarioResult;
        try {
          r = await scenario.run(ctx);
        } catch (err) {
          r = {
            numbers: { [`${name.replace(/-/g, '_')}_errors`]: 1 },
            failures: [`error: ${(err as Error).message}`],
          };
        }
        record(name, r, performance.now() - s0);
        log(
          `  ${JSON.stringify(r.numbers)}${r.failures.length ? `\n  FAILED: ${r.failures.join('; ')}` : ''}`,
        );
        // a role crashed in the scenario is a failure of that scenario
        const crashed = net.crashed();
        if (crashed.length) {
          report.numbers.role_crashes = (report.numbers.role_crashes ?? 0) + crashed.length;
          report.failures.push(`${name}: ${crashed.join(', ')} exited on their own`);
        }
        // whatever a scenario left stopped (it failed half-way) starts again for the next one
        const repaired = await net
          .repair()
          .catch((e: unknown) => [`(repair failed: ${(e as Error).message})`]);
        if (repaired.length) log(`  restarted ${repaired.join(', ')} for the next scenario`);
        if (!ctx.receiver || ctx.receiver.closed) await ctx.reconnectReceiver().catch(() => undefined);
        if (sender.closed) throw new Error('reliability: the sending app lost its client');
      }
      sender.close();
      ctx.receiver?.close();
      report.numbers.role_crashes ??= 0;
    } finally {
      await net.stop();
    }
  }
  if (opts.fuzz ?? !opts.only) {
    const f0 = performance.now();
    log('fuzz counts …');
    let r: ScenarioResult;
    try {
      r = fuzzCounts(opts.sizes.fuzzInputs);
    } catch (err) {
      r = { numbers: { fuzz_errors: 1 }, failures: [`error: ${(err as Error).message}`] };
    }
    record('fuzz', r, performance.now() - f0);
  }
  // the suite's totals: every transfer's losses and duplicates, every crash (each count
  // once: the fuzz runner's own totals are left out)
  const aggregates = new Set(['fuzz_inputs', 'fuzz_crashes']);
  const sum = (suffix: string) =>
    Object.entries(report.numbers)
      .filter(([k]) => k.endsWith(suffix) && !k.startsWith('total_') && !aggregates.has(k))
      .reduce((a, [, v]) => a + v, 0);
  report.numbers.total_lost = sum('_lost');
  report.numbers.total_duplicated = sum('_duplicated');
  report.numbers.total_crashes = sum('_crashes');
  report.numbers.failed_targets = report.failures.length;
  return report;
}
