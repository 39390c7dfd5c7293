/**
 * `nymph api init --home DIR [--chain-info chain.json] [flags]` writes DIR/config.toml;
 * `nymph api keygen --threshold t --count n --out DIR` deals Coconut key shares for n
 * instances (a trusted dealer: the localnet stand-in for Nym's DKG);
 * `nymph api run --home DIR [flags] [--set section.key=value]` runs nym-api until
 * SIGINT/SIGTERM, then shuts down gracefully. Every config key has a flag (see CONFIG_KEYS).
 * Ready lines go to stdout as JSON, logs to stderr.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { loadBackend, secureRandom } from '../coconut/index.js';
import {
  CONFIG_FILE,
  CONFIG_KEYS,
  defaultConfig,
  generateKeyShares,
  setConfigValue,
  writeConfig,
  writeKeyShares,
} from '../api/index.js';
import type { ApiConfig } from '../api/index.js';
import { roleByName } from '../roles.js';
import { addRunCommand } from './role-run.js';

const camel = (flag: string): string => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

function addConfigFlags(cmd: Command): Command {
  for (const k of CONFIG_KEYS) cmd.option(`--${k.flag} <value>`, `${k.help} [${k.path}]`);
  return cmd;
}

function applyFlags(config: ApiConfig, flags: Record<string, unknown>): void {
  for (const k of CONFIG_KEYS) {
    const v = flags[camel(k.flag)];
    if (v !== undefined) setConfigValue(config, k.path, v);
  }
}

function positiveInt(v: string, name: string): number {
  if (!/^[1-9][0-9]*$/.test(v)) throw new Error(`api: --${name} must be a positive integer, got ${v}`);
  return Number(v);
}

export function register(program: Command): void {
  const spec = roleByName('api');
  const api = program.command(spec.command).description(spec.description);

  addConfigFlags(
    api
      .command('init')
      .description(`write DIR/${CONFIG_FILE}`)
      .requiredOption('--home <dir>', 'home directory')
      .option('--chain-info <file>', "the chain's chain.json: fills rpc_url and contract addresses")
      .option('--force', 'overwrite an existing config'),
  ).action((flags: Record<string, unknown> & { home: string; chainInfo?: string; force?: boolean }) => {
    const home = resolve(flags.home);
    if (existsSync(join(home, CONFIG_FILE)) && !flags.force) {
      throw new Error(`api: ${join(home, CONFIG_FILE)} exists (use --force)`);
    }
    const config = defaultConfig(home);
    if (flags.chainInfo) {
      const info = JSON.parse(readFileSync(flags.chainInfo, 'utf8')) as {
        rpc?: string;
        contracts?: Record<string, string>;
      };
      if (info.rpc) config.chain.rpcUrl = info.rpc;
      if (info.contracts?.mixnet) config.chain.mixnetContract = info.contracts.mixnet;
      if (info.contracts?.bandwidth) config.chain.bandwidthContract = info.contracts.bandwidth;
    }
    applyFlags(config, flags);
    const file = writeConfig(config);
    process.stdout.write(`${JSON.stringify({ event: 'api_init', home, config: file })}\n`);
  });

  api
    .command('keygen')
    .description(
      'deal Coconut key shares for n nym-api instances (trusted dealer: the localnet stand-in for DKG)',
    )
    .requiredOption('--threshold <t>', 'shares needed to issue a credential')
    .requiredOption('--count <n>', 'number of nym-api instances')
    .requiredOption('--out <dir>', 'directory for coconut-key-<i>.json')
    .option('--backend <name>', 'BLS12-381 backend used to compute the keys (mcl or noble)', 'mcl')
    .action(async (flags: { threshold: string; count: string; out: string; backend: string }) => {
      const t = positiveInt(flags.threshold, 'threshold');
      const n = positiveInt(flags.count, 'count');
      if (t > n) throw new Error('api: --threshold must not exceed --count');
      if (flags.backend !== 'mcl' && flags.backend !== 'noble')
        throw new Error('api: --backend must be mcl or noble');
      const backend = await loadBackend(flags.backend);
      const files = writeKeyShares(
        backend,
        resolve(flags.out),
        generateKeyShares(backend, t, n, secureRandom),
      );
      process.stdout.write(`${JSON.stringify({ event: 'api_keygen', threshold: t, count: n, files })}\n`);
    });

  // flags and `--set section.key` both name nym-api's CONFIG_KEYS
  addRunCommand(api, roleByName('api'), { set: true, options: addConfigFlags });
}
