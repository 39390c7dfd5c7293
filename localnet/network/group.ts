/**
 * `group <role> --home A --home B ...`: one process hosting several nodes of one role (the
 * `per-role` process model, for roles whose registry entry is `groupable`), each from its
 * own home and config exactly as `nymph <role> run` would run it, each holding its home's
 * lock. Saves the per-process start-up cost on small machines.
 * Prints {"event":"group_ready","role":…,"nodes":[<each node's ready fields>]}.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { pino } from 'pino';
import { nodeName, roleByCommand, runRole, type RunningRole } from '../../src/roles.js';
import { LocalnetOptionError } from './errors.js';

const collect = (v: string, acc: string[]) => [...acc, v];

/**
 * Nodes of a group starting at once. Each start is mostly CPU (replay filter, unwrap worker,
 * wallet) and ends with a chain connection and a bond under a deadline: 99 mix nodes started
 * together on two cores all reach that deadline starved by each other's start-up and time
 * out; a few at a time, each finishes well inside it.
 */
const GROUP_START_CONCURRENCY = 8;

/** `Promise.allSettled` over `n` tasks, at most `limit` running at once; results in task order. */
async function settleBounded<T>(
  n: number,
  limit: number,
  task: (i: number) => Promise<T>,
): Promise<PromiseSettledResult<T>[]> {
  const out: PromiseSettledResult<T>[] = new Array<PromiseSettledResult<T>>(n);
  let next = 0;
  let failed = false;
  const lane = async (): Promise<void> => {
    // after a failure the group stops: start no further nodes
    while (next < n && !failed) {
      const i = next++;
      try {
        out[i] = { status: 'fulfilled', value: await task(i) };
      } catch (reason) {
        failed = true;
        out[i] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, n) }, lane));
  return out.filter((r) => r !== undefined);
}

async function startGroup(command: string, homes: string[], level: string): Promise<void> {
  const spec = roleByCommand(command);
  if (!spec.groupable)
    throw new LocalnetOptionError('processes', `${spec.name} nodes cannot share a process`);
  const log = pino({ name: spec.logName, level }, pino.destination(2));
  const settled = await settleBounded(homes.length, GROUP_START_CONCURRENCY, (i) =>
    runRole(spec, {
      home: resolve(homes[i]),
      logLevel: level,
      logger: log.child({ node: nodeName(spec, i) }),
    }),
  );
  const started = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await Promise.allSettled(started.map((r) => r.stop()));
    throw failed.reason;
  }
  process.stdout.write(
    `${JSON.stringify({ event: 'group_ready', role: spec.name, nodes: started.map((r: RunningRole) => r.ready) })}\n`,
  );
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void Promise.allSettled(started.map((r) => r.stop())).then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

export function registerGroup(program: Command): void {
  program
    .command('group <role>')
    .description('several nodes of one role in this process')
    .requiredOption('--home <dir>', 'a node home (repeatable)', collect, [])
    .option('--log-level <level>', 'pino log level', 'info')
    .action((role: string, f: { home: string[]; logLevel: string }) => startGroup(role, f.home, f.logLevel));
}
