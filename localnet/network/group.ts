/**
 * `<role>-group <role> --home A --home B ...` (role: mixnode, gateway, api): one process
 * hosting several nodes of one role (the `per-role` process model), each from its own
 * home and config exactly as `nymph <role> run` would run it. Saves the per-process
 * start-up cost on small machines. Prints {"event":"group_ready","nodes":[...]}.
 */
import type { Command } from 'commander';
import { pino } from 'pino';
import type { NodePlan } from './plan.js';
import { startApi, startGateway, startMixnode } from './in-process.js';

const collect = (v: string, acc: string[]) => [...acc, v];

async function startGroup(role: string, homes: string[], level: string): Promise<void> {
  const log = pino({ name: role === 'api' ? 'nym-api' : role, level }, pino.destination(2));
  const plans = homes.map((home, i): NodePlan => ({
    name: `${role}-${i + 1}`,
    home,
    port: 0,
    metricsPort: -1,
    account: 0,
  }));
  let nodes: Record<string, unknown>[];
  let stops: (() => Promise<void>)[];
  if (role === 'api') {
    const apis = await Promise.all(plans.map((p) => startApi(p, log)));
    nodes = apis.map(() => ({}));
    stops = apis.map((a) => a.stop);
  } else if (role === 'mixnode') {
    const started = await Promise.all(plans.map((p) => startMixnode(p, log)));
    nodes = started.map(({ info }) => ({
      identityKey: info.identity_key,
      host: info.host,
      port: info.mix_port,
      metrics: info.metrics,
    }));
    stops = started.map(({ handle }) => handle.stop);
  } else if (role === 'gateway') {
    const started = await Promise.all(plans.map((p) => startGateway(p, log)));
    nodes = started.map(({ info }) => ({
      identityKey: info.identity_key,
      host: info.host,
      mixPort: info.mix_port,
      clientsUrl: info.clients_url,
      metrics: info.metrics,
    }));
    stops = started.map(({ handle }) => handle.stop);
  } else throw new Error(`localnet: unknown group role ${role}`);
  process.stdout.write(`${JSON.stringify({ event: 'group_ready', role, nodes })}\n`);
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void Promise.allSettled(stops.map((s) => s())).then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

export function registerGroups(program: Command): void {
  for (const group of ['mixnode-group', 'gateway-group', 'api-group']) {
    program
      .command(`${group} <role>`)
      .requiredOption('--home <dir>', 'a node home (repeatable)', collect, [])
      .option('--log-level <level>', 'pino log level', 'info')
      .action((role: string, f: { home: string[]; logLevel: string }) =>
        startGroup(role, f.home, f.logLevel),
      );
  }
}
