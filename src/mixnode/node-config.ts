/**
 * The mix node's TOML config (`<home>/config.toml`) and its mapping onto MixnodeConfig.
 *
 *   [mixnode]   host, announce_host, mix_port, http_api_host, http_api_port (0 = free, -1 = off),
 *               workers (0 = one per core, -1 = none: unwrap on the main thread), batch_size, max_delay_ms
 *   [outbound]  max_queued_packets, connect_timeout_ms, reconnect_initial_ms, reconnect_max_ms,
 *               max_failed_attempts
 *   [sphinx]    key rotation and replay filter sizing (src/node/node-config.ts)
 *   [chain]     rpc_url, mnemonic, account_index, mixnet_contract, bandwidth_contract, pledge_amount, pledge_denom
 *               (no rpc_url: the node does not bond)
 */
import type { Logger } from 'pino';
import { ChainUnavailableError } from '../chain/errors.js';
import { ensureMixnodeBonded } from '../node/bond.js';
import { optNumber, optString, section, type TomlTable } from '../node/config.js';
import {
  chainFromToml,
  chainToml,
  inboundFromToml,
  outboundFromToml,
  sphinxFromToml,
  sphinxToml,
  type NodeChainOptions,
} from '../node/node-config.js';
import type { NodeKeys } from '../node/keys.js';
import type { MixnodeConfig } from './node.js';

/** Bond attempts when the chain cannot be reached (see the bond callback). */
const BOND_ATTEMPTS = 3;

export interface MixnodeInitOptions {
  host?: string;
  announceHost?: string;
  mixPort?: number;
  httpApiPort?: number;
  chain?: NodeChainOptions;
  /** nym-apis for the key rotation schedule and key announcements (`[sphinx] api_urls`). */
  sphinxApiUrls?: string[];
}

export function defaultMixnodeToml(o: MixnodeInitOptions = {}): TomlTable {
  const t: TomlTable = {
    mixnode: {
      host: o.host ?? '127.0.0.1',
      announce_host: o.announceHost ?? o.host ?? '127.0.0.1',
      mix_port: o.mixPort ?? 1789,
      http_api_host: '127.0.0.1',
      http_api_port: o.httpApiPort ?? 8000,
      workers: 0,
      batch_size: 32,
      max_delay_ms: 60_000,
    },
    sphinx: sphinxToml({ apiUrls: o.sphinxApiUrls }),
    outbound: {
      max_queued_packets: 20_000,
      connect_timeout_ms: 3_000,
      reconnect_initial_ms: 100,
      reconnect_max_ms: 5_000,
      max_failed_attempts: 5,
      idle_close_ms: 300_000,
    },
    inbound: {
      max_connections: 4096,
      max_connections_per_host: 64,
      first_frame_timeout_ms: 10_000,
      idle_timeout_ms: 600_000,
    },
  };
  if (o.chain) t.chain = chainToml(o.chain);
  return t;
}

export function mixnodeConfigFromToml(
  home: string,
  t: TomlTable,
  keys: NodeKeys,
  logger: Logger,
): MixnodeConfig {
  const m = section(t, 'mixnode');
  const host = optString(m, 'host', '127.0.0.1');
  const httpPort = optNumber(m, 'http_api_port', 8000);
  const chain = chainFromToml(t);
  return {
    home,
    host,
    port: optNumber(m, 'mix_port', 1789),
    announceHost: optString(m, 'announce_host', host),
    metrics: httpPort < 0 ? null : { host: optString(m, 'http_api_host', '127.0.0.1'), port: httpPort },
    keys,
    workers: optNumber(m, 'workers', 0),
    batchSize: optNumber(m, 'batch_size', 32),
    maxDelayMs: optNumber(m, 'max_delay_ms', 60_000),
    sphinx: sphinxFromToml(t, keys),
    outbound: outboundFromToml(t),
    inbound: inboundFromToml(t),
    bond: chain
      ? async (node, signal) => {
          // a chain busy with many nodes bonding at once may drop a connection: bonding is
          // idempotent (an owner already bonding this node is accepted), so try again
          for (let attempt = 1; ; attempt++) {
            try {
              await ensureMixnodeBonded({ chain, keys, node, logger, signal });
              return;
            } catch (e) {
              if (!(e instanceof ChainUnavailableError) || attempt >= BOND_ATTEMPTS || signal?.aborted)
                throw e;
              logger.warn({ err: e.message, attempt }, 'bonding: chain unreachable, retrying');
              await new Promise((r) => setTimeout(r, 500 * attempt));
            }
          }
        }
      : undefined,
    logger,
  };
}
