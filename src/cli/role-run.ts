/**
 * What every role's CLI shares: `nymph <role> run --home DIR`, built from the role's
 * registry entry (../roles.ts). It takes the home's lock, starts the role, prints one JSON
 * line on stdout (`{"event": "<role>_ready", …}`) while logs go to stderr, and stops
 * gracefully on SIGINT/SIGTERM, releasing the lock.
 */
import fs from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { pino, type Logger } from 'pino';
import { TRAFFIC_MODES } from '../client/config.js';
import { configPath } from '../node/config.js';
import { runRole, type RoleSpec } from '../roles.js';

export const collect = (v: string, acc: string[]): string[] => [...acc, v];

/** Parses an optional integer flag, naming the role and flag when it is not one. */
export function intFlag(role: string, v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  if (!/^-?[0-9]+$/.test(v)) throw new Error(`${role}: --${name} must be an integer, got ${v}`);
  return Number(v);
}

export interface RunCommandOptions {
  /** Offer `--set section.key=value` (repeatable). */
  set?: boolean;
  /** The role's own flags. */
  options?: (run: Command) => Command;
}

export function addRunCommand(cmd: Command, spec: RoleSpec, o: RunCommandOptions = {}): Command {
  let run = cmd
    .command('run')
    .description(`run the ${spec.logName} from DIR/config.toml until SIGINT/SIGTERM; flags override the file`)
    .requiredOption('--home <dir>', 'home directory');
  if (o.set)
    run = run.option('-s, --set <section.key=value>', 'override a config key (repeatable)', collect, []);
  if (o.options) run = o.options(run);
  if (!run.options.some((opt) => opt.long === '--log-level'))
    run = run.option('--log-level <level>', 'pino log level (default info)');
  return run.action(
    async (f: Record<string, unknown> & { home: string; set?: string[]; logLevel?: string }) => {
      const { home, set, logLevel, ...flags } = f;
      const abort = new AbortController();
      // until the role is up, a signal aborts its start; then it stops the role
      const role: { stop?: () => Promise<void> } = {};
      let stopping = false;
      const stop = (): void => {
        if (stopping) return;
        stopping = true;
        abort.abort();
        void (role.stop ? role.stop() : Promise.resolve()).then(
          () => process.exit(0),
          (err: unknown) => {
            process.stderr.write(`${spec.logName}: shutdown failed: ${(err as Error).message}\n`);
            process.exit(1);
          },
        );
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      const running = await runRole(spec, {
        home: resolve(home),
        set,
        logLevel,
        flags,
        signal: abort.signal,
      });
      role.stop = running.stop;
      process.stdout.write(`${JSON.stringify({ event: spec.readyEvent, ...running.ready })}\n`);
    },
  );
}

/** The flags every client-based role's `init` takes (native client, SOCKS client, requester). */
export interface ClientInitFlags {
  home: string;
  nymApi: string[];
  gateway?: string;
  mode?: string;
  set: string[];
  offline?: boolean;
  force?: boolean;
  [roleFlag: string]: unknown;
}

export interface ClientInit {
  home: string;
  /** DIR/config.toml */
  file: string;
  flags: ClientInitFlags;
  /** `section.key=value` overrides from the shared flags, before the role's own and `--set`'s. */
  sets: string[];
  /** A stderr logger for the registration `init` does unless `--offline`. */
  logger: () => Logger;
}

export interface ClientInitOptions {
  description: string;
  /** What `--force` keeps, for its help line (default: keys). */
  keeps?: string;
  /** The role's own flags. */
  options?: (init: Command) => Command;
  /** Writes the config (and registers unless offline); returns the fields of the printed JSON line. */
  action: (init: ClientInit) => Promise<Record<string, unknown>>;
}

/**
 * `nymph <role> init --home DIR [--nym-api URL ...] [--gateway ID] [--mode M] [--set k=v ...]
 * [--offline] [--force]` for the roles that run a mixnet client. It refuses to overwrite a
 * config without `--force` and prints one JSON line (`{"event": "<role>_init", home, config, …}`).
 */
export function addClientInitCommand(cmd: Command, role: string, o: ClientInitOptions): Command {
  let init = cmd
    .command('init')
    .description(o.description)
    .requiredOption('--home <dir>', 'home directory')
    .option('--nym-api <url>', 'nym-api base URL (repeatable)', collect, [])
    .option('--gateway <identity>', 'gateway identity (default: lowest latency)')
    .option('--mode <mode>', `traffic mode: ${Object.keys(TRAFFIC_MODES).join(', ')}`);
  if (o.options) init = o.options(init);
  init = init
    .option('-s, --set <section.key=value>', 'set any config key (repeatable)', collect, [])
    .option('--offline', 'do not register now (the first run will)')
    .option('--force', `overwrite an existing config (${o.keeps ?? 'keys are'} kept)`);
  return init.action(async (flags: ClientInitFlags) => {
    const home = resolve(flags.home);
    const file = configPath(home);
    if (fs.existsSync(file) && !flags.force) throw new Error(`${role}: ${file} exists (use --force)`);
    const sets: string[] = [];
    if (flags.nymApi.length) sets.push(`client.nym_api_urls=${JSON.stringify(flags.nymApi)}`);
    if (flags.gateway) sets.push(`client.gateway=${JSON.stringify(flags.gateway)}`);
    if (flags.mode) sets.push(`client.mode=${JSON.stringify(flags.mode)}`);
    const logger = (): Logger =>
      pino({ name: role, level: process.env.LOG_LEVEL ?? 'warn' }, pino.destination(2));
    const fields = await o.action({ home, file, flags, sets, logger });
    process.stdout.write(`${JSON.stringify({ event: `${role}_init`, home, config: file, ...fields })}\n`);
  });
}
