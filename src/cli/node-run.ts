/**
 * What `nymph mixnode` and `nymph gateway` share: integer flags, repeatable `--set`, and
 * the `run` command (config plus overrides, logger on stderr, start, one ready line on
 * stdout, graceful stop on SIGINT/SIGTERM).
 */
import type { Command } from 'commander';
import pino, { type Logger } from 'pino';
import {
  applyOverrides,
  configPath,
  readNodeKeys,
  readToml,
  type NodeKeys,
  type TomlTable,
} from '../node/index.js';

export const collect = (v: string, acc: string[]): string[] => [...acc, v];

/** Parses an optional integer flag, naming the role and flag when it is not one. */
export function intFlag(role: string, v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  if (!/^-?[0-9]+$/.test(v)) throw new Error(`${role}: --${name} must be an integer, got ${v}`);
  return Number(v);
}

interface RunnableNode {
  start(signal?: AbortSignal): Promise<void>;
  stop(): Promise<void>;
}

export function addRunCommand<N extends RunnableNode>(
  cmd: Command,
  role: 'mixnode' | 'gateway',
  create: (home: string, table: TomlTable, keys: NodeKeys, logger: Logger) => N,
  readyFields: (node: N) => Record<string, unknown>,
): void {
  cmd
    .command('run')
    .description(`run the ${role} from DIR/config.toml`)
    .requiredOption('--home <dir>', 'home directory')
    .option('-s, --set <section.key=value>', 'override a config key (repeatable)', collect, [])
    .option('--log-level <level>', 'pino log level', 'info')
    .action(async (f: { home: string; set: string[]; logLevel: string }) => {
      const logger = pino({ name: role, level: f.logLevel }, pino.destination(2));
      const table = applyOverrides(readToml(configPath(f.home)), f.set);
      const node = create(f.home, table, readNodeKeys(f.home), logger);
      const abort = new AbortController();
      const stop = (): void => {
        abort.abort();
        void node.stop().then(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      await node.start(abort.signal);
      process.stdout.write(`${JSON.stringify({ event: `${role}_ready`, ...readyFields(node) })}\n`);
    });
}
