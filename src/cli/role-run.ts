/**
 * What every role's CLI shares: `nymph <role> run --home DIR`, built from the role's
 * registry entry (../roles.ts). It takes the home's lock, starts the role, prints one JSON
 * line on stdout (`{"event": "<role>_ready", …}`) while logs go to stderr, and stops
 * gracefully on SIGINT/SIGTERM, releasing the lock.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
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
