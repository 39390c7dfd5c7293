/**
 * startChain: open (or create) a chain home, run genesis on first start, serve CometBFT
 * JSON-RPC, produce blocks. Used by `nymph chain run`, by tests and by the one-command
 * network.
 */
import { mkdirSync, writeFileSync, renameSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { accountAddresses } from '../../src/chain/wallet.js';
import pino, { type Logger } from 'pino';
import {
  builtinContracts,
  genesisContracts,
  MIXNET_CODE_ID,
  BANDWIDTH_CODE_ID,
  COCONUT_DKG_CODE_ID,
} from '../../contracts-mock/index.js';
import type { Contract } from '../../contracts-mock/types.js';
import { loadConfig, parseHostPort, type ChainConfig } from './config.js';
import { parseCorsOrigins } from './cors.js';
import { ChainNode, type GenesisContract } from './node.js';
import { RpcServer } from './rpc.js';
import { rfc3339Nanos } from './crypto.js';
import { ChainStore } from './store.js';

export const BECH32_PREFIX = 'n';
export const DENOM = 'unym';
export const STAKE_DENOM = 'unyx';

/** The contracts a chain can instantiate, and what it instantiates at genesis. */
export interface ContractSet {
  codes: ReadonlyMap<number, Contract>;
  /** Genesis instantiations, in order, with `admin` = account 0. */
  genesis: (admin: string) => GenesisContract[];
  /** Name in chain.json `contracts` for a code id (default: the label). */
  names?: ReadonlyMap<number, string>;
}

/** Nym's mixnet (code 1), bandwidth (code 2) and coconut-dkg (code 3) contracts. */
export function defaultContracts(): ContractSet {
  return {
    codes: builtinContracts,
    genesis: (admin) => genesisContracts(admin),
    names: new Map([
      [MIXNET_CODE_ID, 'mixnet'],
      [BANDWIDTH_CODE_ID, 'bandwidth'],
      [COCONUT_DKG_CODE_ID, 'coconut_dkg'],
    ]),
  };
}

/** DIR/chain.json: what a client needs to use the chain. */
export interface ChainInfo {
  chain_id: string;
  /** http://host:port of the JSON-RPC endpoint. */
  rpc: string;
  mnemonic: string;
  /** Funded accounts, account i at m/44'/118'/0'/0/i. */
  accounts: string[];
  /** Genesis contract addresses by name: `mixnet`, `bandwidth` with the default set. */
  contracts: Record<string, string>;
  prefix: string;
  denom: string;
  gas_price: string;
}

export interface StartChainOptions {
  home: string;
  rpcHost?: string;
  /** 0 picks a free port. */
  rpcPort?: number;
  blockIntervalMs?: number;
  /** CometBFT's `create_empty_blocks` (default false: no empty blocks). */
  createEmptyBlocks?: boolean;
  /** CometBFT's `create_empty_blocks_interval`, in ms (default 0: none). */
  createEmptyBlocksIntervalMs?: number;
  txBatchMs?: number;
  chainId?: string;
  accounts?: number;
  mnemonic?: string;
  minGasPrice?: number;
  /** Worker threads for CheckTx signatures (default 1 on multi-core machines). */
  verifyWorkers?: number;
  /** Contract registry; defaults to Nym's built-in contracts. */
  contracts?: ContractSet;
  logger?: Logger;
  logLevel?: string;
  /** Browser origins allowed to call the RPC (CORS); default: the config file's, none. */
  rpcCorsAllowedOrigins?: string[] | string;
  /** Aborting closes the chain. */
  signal?: AbortSignal;
}

export interface RunningChain {
  rpcUrl: string;
  chainInfo: ChainInfo;
  /** The node, for in-process inspection (height, world state). */
  node: ChainNode;
  /** Move the chain clock forward by `seconds` and commit a block at the new time. */
  advanceTime(seconds: number): { height: number; time: string };
  /** Commit a block now, with any pending txs. */
  mineBlock(): number;
  close(): Promise<void>;
}

/** Derive the first `n` accounts of a mnemonic at m/44'/118'/0'/0/i, prefix "n". */
export async function deriveAccounts(mnemonic: string, n: number): Promise<string[]> {
  return accountAddresses(mnemonic, n, BECH32_PREFIX);
}

export async function startChain(options: StartChainOptions): Promise<RunningChain> {
  const home = resolve(options.home);
  mkdirSync(home, { recursive: true });
  const overrides: Partial<ChainConfig> = {
    chain_id: options.chainId,
    block_interval_ms: options.blockIntervalMs,
    create_empty_blocks: options.createEmptyBlocks,
    create_empty_blocks_interval_ms: options.createEmptyBlocksIntervalMs,
    tx_batch_ms: options.txBatchMs,
    accounts: options.accounts,
    mnemonic: options.mnemonic,
    min_gas_price: options.minGasPrice,
    verify_workers: options.verifyWorkers,
    log_level: options.logLevel,
    rpc_cors_allowed_origins:
      options.rpcCorsAllowedOrigins === undefined
        ? undefined
        : parseCorsOrigins(options.rpcCorsAllowedOrigins),
  };
  if (options.rpcHost !== undefined || options.rpcPort !== undefined) {
    overrides.rpc = `${options.rpcHost ?? '127.0.0.1'}:${options.rpcPort ?? 26657}`;
  }
  const config = loadConfig(home, overrides);
  const log = options.logger ?? pino({ name: 'chain', level: config.log_level }, pino.destination(2));
  const contracts = options.contracts ?? defaultContracts();

  const store = new ChainStore(join(home, 'chain.sqlite'));
  let node: ChainNode | undefined;
  let rpc: RpcServer | undefined;
  try {
    node = new ChainNode(store, {
      chainId: config.chain_id,
      prefix: BECH32_PREFIX,
      denom: DENOM,
      minGasPrice: config.min_gas_price,
      blockIntervalMs: config.block_interval_ms,
      createEmptyBlocks: config.create_empty_blocks,
      createEmptyBlocksIntervalMs: config.create_empty_blocks_interval_ms,
      txBatchMs: config.tx_batch_ms,
      maxMempoolTxs: config.max_mempool_txs,
      verifyWorkers: config.verify_workers,
      codes: contracts.codes,
      log,
    });

    let accounts: string[];
    let contractAddrs: Record<string, string>;
    if (node.initialized) {
      node.load();
      const migrated = node.app.migrateContracts();
      if (migrated.length > 0) log.info({ contracts: migrated }, 'localnet: contract state migrated');
      accounts = JSON.parse(store.getMeta('genesis_accounts') ?? '[]') as string[];
      contractAddrs = JSON.parse(store.getMeta('contract_names') ?? '{}') as Record<string, string>;
      log.info({ height: node.height, chainId: config.chain_id }, 'localnet: chain state loaded');
    } else {
      accounts = await deriveAccounts(config.mnemonic, config.accounts);
      const genesis = contracts.genesis(accounts[0]);
      const byLabel = node.initGenesis(
        accounts.map((address) => ({
          address,
          coins: [
            { denom: DENOM, amount: config.account_balance },
            { denom: STAKE_DENOM, amount: config.account_balance },
          ],
        })),
        genesis,
        accounts[0],
      );
      contractAddrs = {};
      for (const g of genesis) contractAddrs[contracts.names?.get(g.codeId) ?? g.label] = byLabel[g.label];
      store.putMeta('genesis_accounts', JSON.stringify(accounts));
      store.putMeta('contract_names', JSON.stringify(contractAddrs));
      log.info(
        { chainId: config.chain_id, accounts: accounts.length, contracts: contractAddrs },
        'localnet: genesis',
      );
    }
    node.start();

    const { host, port } = parseHostPort(config.rpc);
    rpc = new RpcServer(node, {
      host,
      port,
      log,
      commitTimeoutMs: config.commit_timeout_ms,
      maxBodyBytes: 5 * 1024 * 1024,
      corsAllowedOrigins: config.rpc_cors_allowed_origins,
    });
    const bound = await rpc.listen();
    const urlHost = bound.host.includes(':') ? `[${bound.host}]` : bound.host;
    const rpcUrl = `http://${urlHost}:${bound.port}`;
    const chainInfo: ChainInfo = {
      chain_id: config.chain_id,
      rpc: rpcUrl,
      mnemonic: config.mnemonic,
      accounts,
      contracts: contractAddrs,
      prefix: BECH32_PREFIX,
      denom: DENOM,
      gas_price: `${config.min_gas_price}${DENOM}`,
    };
    const infoPath = join(home, 'chain.json');
    writeFileSync(`${infoPath}.tmp`, JSON.stringify(chainInfo, null, 2) + '\n');
    renameSync(`${infoPath}.tmp`, infoPath);
    log.info({ rpc: rpcUrl, height: node.height }, 'localnet: chain running');

    let closing: Promise<void> | undefined;
    const theNode = node;
    const running: RunningChain = {
      rpcUrl,
      chainInfo,
      node: theNode,
      advanceTime: (seconds) => {
        const r = theNode.advanceTime(seconds);
        return { height: r.height, time: rfc3339Nanos(r.timeNanos) };
      },
      mineBlock: () => {
        theNode.mineBlock();
        return theNode.height;
      },
      close: () => {
        closing ??= (async () => {
          theNode.close();
          await rpc?.close();
          store.close();
          log.info('localnet: chain stopped');
        })();
        return closing;
      },
    };
    options.signal?.addEventListener('abort', () => void running.close(), { once: true });
    return running;
  } catch (e) {
    node?.close();
    await rpc?.close().catch(() => undefined);
    store.close();
    throw e;
  }
}
