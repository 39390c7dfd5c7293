/**
 * `nymph gateway init --home DIR [...]` creates keys and config.toml;
 * `nymph gateway run --home DIR [--set section.key=value ...]` runs the gateway until SIGINT/SIGTERM.
 * On start it prints one JSON line on stdout: {"event":"gateway_ready", ...}; logs go to stderr.
 */
import fs from 'node:fs';
import type { Command } from 'commander';
import { addRunCommand, collect, intFlag } from './role-run.js';
import { defaultGatewayToml, initGatewayTls } from '../gateway/index.js';
import { roleByName } from '../roles.js';
import { configPath, generateNodeKeys, hasNodeKeys, writeNodeKeys, writeToml } from '../node/index.js';

interface InitFlags {
  home: string;
  host?: string;
  announceHost?: string;
  mixPort?: string;
  clientsPort?: string;
  httpApiPort?: string;
  freeBandwidth?: boolean;
  apiUrl: string[];
  verificationKey?: string;
  chainRpc?: string;
  mnemonic?: string;
  accountIndex?: string;
  mixnetContract?: string;
  bandwidthContract?: string;
  force?: boolean;
}

export function register(program: Command): void {
  const spec = roleByName('gateway');
  const cmd = program.command(spec.command).description(spec.description);
  cmd
    .command('init')
    .description('create identity and sphinx keys and DIR/config.toml')
    .requiredOption('--home <dir>', 'home directory')
    .option('--host <ip>', 'listen address (default 127.0.0.1)')
    .option('--announce-host <ip>', 'address bonded on chain (default: host)')
    .option('--mix-port <port>', 'mix port (default 1789)')
    .option('--clients-port <port>', 'client websocket port (default 9000)')
    .option('--http-api-port <port>', 'metrics port (default 8080, -1 = off)')
    .option('--free-bandwidth', 'localnet only: no credentials needed')
    .option('--api-url <url>', 'nym-api URL for the verification key (repeatable)', collect, [])
    .option('--verification-key <base58>', 'aggregated verification key, instead of --api-url')
    .option('--chain-rpc <url>', 'chain JSON-RPC URL; with it the gateway bonds itself and spends on chain')
    .option('--mnemonic <words>', 'owner account mnemonic')
    .option('--account-index <n>', 'which account of the mnemonic owns the bond (default 0)')
    .option('--mixnet-contract <addr>', 'mixnet contract address')
    .option('--bandwidth-contract <addr>', 'bandwidth contract address')
    .option('--force', 'overwrite an existing config (keys are kept)')
    .action((f: InitFlags) => {
      const file = configPath(f.home);
      if (fs.existsSync(file) && !f.force) throw new Error(`gateway: ${file} exists (use --force)`);
      if (!hasNodeKeys(f.home)) writeNodeKeys(f.home, generateNodeKeys());
      const table = defaultGatewayToml({
        host: f.host,
        announceHost: f.announceHost,
        mixPort: intFlag('gateway', f.mixPort, 'mix-port'),
        clientsPort: intFlag('gateway', f.clientsPort, 'clients-port'),
        httpApiPort: intFlag('gateway', f.httpApiPort, 'http-api-port'),
        freeBandwidth: f.freeBandwidth,
        apiUrls: f.apiUrl,
        verificationKey: f.verificationKey,
        chain: f.chainRpc
          ? {
              rpcUrl: f.chainRpc,
              mnemonic: f.mnemonic ?? '',
              accountIndex: intFlag('gateway', f.accountIndex, 'account-index'),
              mixnetContract: f.mixnetContract ?? '',
              bandwidthContract: f.bandwidthContract,
            }
          : undefined,
      });
      writeToml(file, table, '# nymph gateway');
      initGatewayTls(f.home, table);
      process.stdout.write(`${JSON.stringify({ event: 'gateway_init', home: f.home, config: file })}\n`);
    });
  addRunCommand(cmd, spec, { set: true });
}
