/**
 * Chain configuration: DIR/config.toml (written with defaults on first run), overridden by
 * options or CLI flags. Keys are snake_case in the file.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import { parse, stringify } from 'smol-toml';
import { ChainConfigError } from './errors.js';
import { parseCorsOrigins } from './cors.js';

/**
 * The documented test mnemonic of the localnet (never use it for real funds). Account i is
 * derived at m/44'/118'/0'/0/i with prefix "n".
 */
export const LOCALNET_MNEMONIC =
  'receive carpet recycle card render firm word oppose now silly chuckle lecture rate chronic eye result file moral trip similar permit critic deal doctor';

export interface ChainConfig {
  chain_id: string;
  /** host:port of the JSON-RPC listener. */
  rpc: string;
  /**
   * How often the node looks for work between txs: an empty block when empty blocks are on,
   * a contract's scheduled work (the epoch advance). With `create_empty_blocks` on and no
   * interval, the gap between empty blocks.
   */
  block_interval_ms: number;
  /**
   * CometBFT's `create_empty_blocks`: make blocks without txs. Off by default, so an idle
   * chain does not grow; blocks still come for txs and for contracts' scheduled work.
   */
  create_empty_blocks: boolean;
  /**
   * CometBFT's `create_empty_blocks_interval` in ms: when > 0, an empty block once this long
   * has passed without a block (whatever `create_empty_blocks` says), so block time still
   * advances for contracts that read it. 0: no such block.
   */
  create_empty_blocks_interval_ms: number;
  /** Delay between the first pending tx and its block, so parallel broadcasts share a block. */
  tx_batch_ms: number;
  /** Funded genesis accounts derived from the mnemonic. */
  accounts: number;
  /** Genesis balance of each account, in unym (and the same in unyx). */
  account_balance: string;
  mnemonic: string;
  /** Minimum gas price in unym, enforced at CheckTx. */
  min_gas_price: number;
  max_mempool_txs: number;
  /** Worker threads verifying CheckTx signatures; 0 verifies on the main thread. */
  verify_workers: number;
  commit_timeout_ms: number;
  log_level: string;
  /**
   * CometBFT's `rpc.cors_allowed_origins`: browser origins (exact `scheme://host[:port]`)
   * allowed to call the RPC; `*` any. Default none.
   */
  rpc_cors_allowed_origins: string[];
}

export const DEFAULT_CONFIG: ChainConfig = {
  chain_id: 'nymph-localnet',
  rpc: '127.0.0.1:26657',
  block_interval_ms: 1000,
  create_empty_blocks: false,
  create_empty_blocks_interval_ms: 0,
  tx_batch_ms: 10,
  accounts: 10,
  account_balance: '100000000000000',
  mnemonic: LOCALNET_MNEMONIC,
  min_gas_price: 0.025,
  max_mempool_txs: 20_000,
  verify_workers: availableParallelism() > 1 ? 1 : 0,
  commit_timeout_ms: 10_000,
  log_level: 'info',
  rpc_cors_allowed_origins: [],
};

const NUMERIC: (keyof ChainConfig)[] = [
  'block_interval_ms',
  'create_empty_blocks_interval_ms',
  'tx_batch_ms',
  'accounts',
  'min_gas_price',
  'max_mempool_txs',
  'verify_workers',
  'commit_timeout_ms',
];

/** Check types and ranges; throws ChainConfigError naming the field. */
export function validateConfig(c: ChainConfig): ChainConfig {
  for (const k of NUMERIC) {
    const v = c[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
      throw new ChainConfigError(`${k} must be a non-negative number`, k);
  }
  if (c.accounts < 1 || c.accounts > 1000 || !Number.isInteger(c.accounts)) {
    throw new ChainConfigError('accounts must be an integer in [1, 1000]', 'accounts');
  }
  if (c.block_interval_ms < 10)
    throw new ChainConfigError('block_interval_ms must be >= 10', 'block_interval_ms');
  if (typeof c.create_empty_blocks !== 'boolean')
    throw new ChainConfigError('create_empty_blocks must be true or false', 'create_empty_blocks');
  if (!/^[a-zA-Z0-9][a-zA-Z0-9._-]{0,49}$/.test(c.chain_id))
    throw new ChainConfigError('invalid chain_id', 'chain_id');
  if (!/^[0-9]{1,30}$/.test(c.account_balance))
    throw new ChainConfigError('account_balance must be digits', 'account_balance');
  parseHostPort(c.rpc);
  c.rpc_cors_allowed_origins = parseCorsOrigins(c.rpc_cors_allowed_origins);
  return c;
}

export function parseHostPort(s: string): { host: string; port: number } {
  const m = /^(.*):([0-9]{1,5})$/.exec(s);
  if (!m) throw new ChainConfigError(`rpc must be host:port, got ${s}`, 'rpc');
  const port = Number(m[2]);
  if (port > 65535) throw new ChainConfigError(`port out of range: ${port}`, 'rpc');
  return { host: m[1].replace(/^\[(.*)\]$/, '$1') || '127.0.0.1', port };
}

/** Read DIR/config.toml (creating it with defaults when absent) and apply overrides. */
export function loadConfig(home: string, overrides: Partial<ChainConfig> = {}): ChainConfig {
  const path = join(home, 'config.toml');
  let fromFile: Partial<ChainConfig> = {};
  if (existsSync(path)) {
    try {
      fromFile = parse(readFileSync(path, 'utf8')) as Partial<ChainConfig>;
    } catch (e) {
      throw new ChainConfigError(`cannot parse ${path}: ${(e as Error).message}`);
    }
  } else {
    writeFileSync(path, `# nymph localnet chain\n${stringify(DEFAULT_CONFIG)}\n`);
  }
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  return validateConfig({ ...DEFAULT_CONFIG, ...fromFile, ...defined } as ChainConfig);
}
