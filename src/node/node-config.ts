/**
 * The TOML tables every node shares: `[chain]` (where and as whom it bonds) and `[outbound]`
 * (its connection pool to next hops). The mix node's and gateway's own tables build on them.
 *
 *   [chain]     rpc_url, mnemonic, account_index, mixnet_contract, bandwidth_contract,
 *               pledge_amount, pledge_denom, timeout_ms (no rpc_url: the node does not bond)
 *   [outbound]  max_queued_packets, connect_timeout_ms, reconnect_initial_ms, reconnect_max_ms,
 *               max_failed_attempts, idle_close_ms
 *   [inbound]   max_connections, max_connections_per_host, first_frame_timeout_ms, idle_timeout_ms
 */
import type { ChainConfig } from './bond.js';
import type { ConnectionPoolOptions } from './connection-pool.js';
import type { InboundLimits } from './pipeline.js';
import { optNumber, optString, section, type TomlTable } from './config.js';
import { NodeConfigError } from './errors.js';

export interface NodeChainOptions {
  rpcUrl: string;
  mnemonic: string;
  /** Which account of the mnemonic owns the bond (m/44'/118'/0'/0/index). */
  accountIndex?: number;
  mixnetContract: string;
  bandwidthContract?: string;
}

export function chainToml(c: NodeChainOptions): TomlTable {
  return {
    rpc_url: c.rpcUrl,
    mnemonic: c.mnemonic,
    account_index: c.accountIndex ?? 0,
    mixnet_contract: c.mixnetContract,
    bandwidth_contract: c.bandwidthContract ?? '',
    pledge_amount: '100000000',
    pledge_denom: 'unym',
  };
}

export function outboundFromToml(t: TomlTable): ConnectionPoolOptions {
  const o = section(t, 'outbound');
  return {
    maxQueuedPackets: optNumber(o, 'max_queued_packets'),
    connectTimeoutMs: optNumber(o, 'connect_timeout_ms'),
    reconnectInitialMs: optNumber(o, 'reconnect_initial_ms'),
    reconnectMaxMs: optNumber(o, 'reconnect_max_ms'),
    maxFailedAttempts: optNumber(o, 'max_failed_attempts'),
    idleCloseMs: optNumber(o, 'idle_close_ms'),
  };
}

export function inboundFromToml(t: TomlTable): InboundLimits {
  const i = section(t, 'inbound');
  return {
    maxConnections: optNumber(i, 'max_connections'),
    maxConnectionsPerHost: optNumber(i, 'max_connections_per_host'),
    firstFrameTimeoutMs: optNumber(i, 'first_frame_timeout_ms'),
    idleTimeoutMs: optNumber(i, 'idle_timeout_ms'),
  };
}

export function chainFromToml(t: TomlTable): ChainConfig | undefined {
  const c = section(t, 'chain');
  const rpcUrl = optString(c, 'rpc_url', '');
  if (!rpcUrl) return undefined;
  const mnemonic = optString(c, 'mnemonic', '');
  const mixnet = optString(c, 'mixnet_contract', '');
  if (!mnemonic) throw new NodeConfigError('chain.mnemonic', 'required when chain.rpc_url is set');
  if (!mixnet) throw new NodeConfigError('chain.mixnet_contract', 'required when chain.rpc_url is set');
  return {
    rpcUrl,
    mnemonic,
    accountIndex: optNumber(c, 'account_index', 0),
    contracts: { mixnet, bandwidth: optString(c, 'bandwidth_contract', '') },
    pledge: {
      denom: optString(c, 'pledge_denom', 'unym'),
      amount: optString(c, 'pledge_amount', '100000000'),
    },
    timeoutMs: optNumber(c, 'timeout_ms'),
  };
}
