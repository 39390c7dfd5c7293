/**
 * `mixnode-group mixnode|gateway --home A --home B ...`: one process hosting several nodes
 * of one role (the `per-role` process model), each from its own home and config exactly
 * as `nymph mixnode run` / `nymph gateway run` would run it. Saves the per-process
 * start-up cost on small machines. Prints {"event":"group_ready","nodes":[...]}.
 */
import type { Command } from 'commander';
import { pino } from 'pino';
import type { NodePlan } from './plan.js';
import { startGateway, startMixnode } from './in-process.js';

const collect = (v: string, acc: string[]) => [...acc, v];

export function registerGroups(program: Command): void {
  for (const group of ['mixnode-group', 'gateway-group']) {
    program
      .command(`${group} <role>`)
      .requiredOption('--home <dir>', 'a node home (repeatable)', collect, [])
      .option('--log-level <level>', 'pino log level', 'info')
      .action(async (role: string, f: { home: string[]; logLevel: string }) => {
        if (role !== 'mixnode' && role !== 'gateway') throw new Error(`localnet: unknown group role ${role}`);
        const log = pino({ name: role, level: f.logLevel }, pino.destination(2));
        const plans = f.home.map((home, i): NodePlan => ({
          name: `${role}-${i + 1}`,
          home,
          port: 0,
          metricsPort: -1,
          account: 0,
        }));
        const started = await Promise.all(
          plans.map((p) => (role === 'mixnode' ? startMixnode(p, log) : startGateway(p, log))),
        );
        const nodes = started.map(({ info }) =>
          'clients_url' in info
            ? {
                identityKey: info.identity_key,
                host: info.host,
                mixPort: info.mix_port,
                clientsUrl: info.clients_url,
                metrics: info.metrics,
              }
            : { identityKey: info.identity_key, host: info.host, port: info.mix_port, metrics: info.metrics },
        );
        process.stdout.write(`${JSON.stringify({ event: 'group_ready', role, nodes })}\n`);
        let stopping = false;
        const stop = (): void => {
          if (stopping) return;
          stopping = true;
          void Promise.allSettled(started.map(({ handle }) => handle.stop())).then(() => process.exit(0));
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
  }
}
