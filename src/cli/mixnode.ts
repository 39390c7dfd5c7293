/**
 * `nymph mixnode init --home DIR [...]` creates keys and config.toml;
 * `nymph mixnode run --home DIR [--set section.key=value ...]` runs the node until SIGINT/SIGTERM.
 * On start it prints one JSON line on stdout: {"event":"mixnode_ready", ...}; logs go to stderr.
 */
import fs from 'node:fs';
import type { Command } from 'commander';
import pino from 'pino';
import { base58 } from '@scure/base';
import {
  applyOverrides,
  configPath,
  createMixnode,
  defaultMixnodeToml,
  generateNodeKeys,
  hasNodeKeys,
  mixnodeConfigFromToml,
  readNodeKeys,
  readToml,
  writeNodeKeys,
  writeToml,
} from '../mixnode/index.js';

const collect = (v: string, acc: string[]) => [...acc, v];

function int(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  if (!/^-?[0-9]+$/.test(v)) throw new Error(`mixnode: --${name} must be an integer, got ${v}`);
  return Number(v);
}

export function register(program: Command): void {
  const cmd = program.command('mixnode').description('a Loopix mix node (Sphinx unwrap, delay, forward)');
  cmd
    .command('init')
    .description('create identity and sphinx keys and DIR/config.toml')
    .requiredOption('--home <dir>', 'home directory')
    .option('--host <ip>', 'listen address (default 127.0.0.1)')
    .option('--announce-host <ip>', 'address bonded on chain (default: host)')
    .option('--mix-port <port>', 'mix port (default 1789)')
    .option('--http-api-port <port>', 'metrics port (default 8000, -1 = off)')
    .option('--chain-rpc <url>', 'chain JSON-RPC URL; with it the node bonds itself at start')
    .option('--mnemonic <words>', 'owner account mnemonic')
    .option('--account-index <n>', 'which account of the mnemonic owns the bond (default 0)')
    .option('--mixnet-contract <addr>', 'mixnet contract address')
    .option('--force', 'overwrite an existing config (keys are kept)')
    .action(
      (f: {
        home: string;
        host?: string;
        announceHost?: string;
        mixPort?: string;
        httpApiPort?: string;
        chainRpc?: string;
        mnemonic?: string;
        accountIndex?: string;
        mixnetContract?: string;
        force?: boolean;
      }) => {
        const file = configPath(f.home);
        if (fs.existsSync(file) && !f.force) throw new Error(`mixnode: ${file} exists (use --force)`);
        if (!hasNodeKeys(f.home)) writeNodeKeys(f.home, generateNodeKeys());
        const keys = readNodeKeys(f.home);
        const table = defaultMixnodeToml({
          host: f.host,
          announceHost: f.announceHost,
          mixPort: int(f.mixPort, 'mix-port'),
          httpApiPort: int(f.httpApiPort, 'http-api-port'),
          chain: f.chainRpc
            ? {
                rpcUrl: f.chainRpc,
                mnemonic: f.mnemonic ?? '',
                accountIndex: int(f.accountIndex, 'account-index'),
                mixnetContract: f.mixnetContract ?? '',
              }
            : undefined,
        });
        writeToml(file, table, '# nymph mix node');
        process.stdout.write(
          `${JSON.stringify({
            event: 'mixnode_init',
            home: f.home,
            identityKey: base58.encode(keys.identityPublic),
            config: file,
          })}\n`,
        );
      },
    );
  cmd
    .command('run')
    .description('run the mix node from DIR/config.toml')
    .requiredOption('--home <dir>', 'home directory')
    .option('-s, --set <section.key=value>', 'override a config key (repeatable)', collect, [])
    .option('--log-level <level>', 'pino log level', 'info')
    .action(async (f: { home: string; set: string[]; logLevel: string }) => {
      const logger = pino({ name: 'mixnode', level: f.logLevel }, pino.destination(2));
      const table = applyOverrides(readToml(configPath(f.home)), f.set);
      const node = createMixnode(mixnodeConfigFromToml(f.home, table, readNodeKeys(f.home), logger));
      const abort = new AbortController();
      const stop = (): void => {
        abort.abort();
        void node.stop().then(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      await node.start(abort.signal);
      process.stdout.write(
        `${JSON.stringify({
          event: 'mixnode_ready',
          host: node.address.host,
          port: node.address.port,
          identityKey: node.identityKey,
          sphinxKey: node.sphinxKey,
          metrics: node.metricsUrl ?? null,
        })}\n`,
      );
    });
}
