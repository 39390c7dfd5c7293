/**
 * `nymph mixnode init --home DIR [...]` creates keys and config.toml;
 * `nymph mixnode run --home DIR [--set section.key=value ...]` runs the node until SIGINT/SIGTERM.
 * On start it prints one JSON line on stdout: {"event":"mixnode_ready", ...}; logs go to stderr.
 */
import fs from 'node:fs';
import type { Command } from 'commander';
import { addRunCommand, intFlag } from './role-run.js';
import { base58 } from '@scure/base';
import { defaultMixnodeToml } from '../mixnode/index.js';
import { roleByName } from '../roles.js';
import {
  configPath,
  generateNodeKeys,
  hasNodeKeys,
  readNodeKeys,
  writeNodeKeys,
  writeToml,
} from '../node/index.js';

export function register(program: Command): void {
  const spec = roleByName('mixnode');
  const cmd = program.command(spec.command).description(spec.description);
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
          mixPort: intFlag('mixnode', f.mixPort, 'mix-port'),
          httpApiPort: intFlag('mixnode', f.httpApiPort, 'http-api-port'),
          chain: f.chainRpc
            ? {
                rpcUrl: f.chainRpc,
                mnemonic: f.mnemonic ?? '',
                accountIndex: intFlag('mixnode', f.accountIndex, 'account-index'),
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
  addRunCommand(cmd, spec, { set: true });
}
