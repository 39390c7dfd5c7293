/**
 * The gateway's TOML config (`<home>/config.toml`) and its mapping onto GatewayConfig.
 *
 *   [gateway]      host, announce_host, mix_port, clients_port, http_api_host,
 *                  http_api_port (-1 = off), workers (0 = one per core, -1 = none: unwrap
 *                  on the main thread), batch_size,
 *                  max_message_bytes, inbox_batch, max_message_age_ms, purge_interval_ms,
 *                  initial_message_timeout_ms, handshake_timeout_ms, auth_max_skew_ms,
 *                  ping_timeout_ms, location,
 *                  free_bandwidth: grant Nym's `claimFreeTestnetBandwidth` (64 GiB a claim);
 *                  the opposite of Nym's `enforce_zk_nyms` (nym-node/src/config/gateway_tasks.rs):
 *                  off by default, so clients need Coconut credentials; localnet turns it on.
 *                  (`localnet_free_bandwidth`, its old name, is still read.)
 *                  clients_wss_port (-1 = no wss; Nym's clients_wss_port), tls_cert, tls_key
 *                  (PEM files, relative to the home; `init` writes a self-signed pair there),
 *                  allowed_origins (browser origins let in; none by default, "*" = any),
 *                  max_connections (Nym's maximum_open_connections, 8192),
 *                  max_connections_per_ip (64), upgrade_timeout_ms (Nym's websocket
 *                  handshake timeout, 1500), idle_timeout_ms (60000)
 *   [credentials]  backend ("mcl" | "noble"), verification_key (base58, aggregated) or
 *                  api_urls + threshold (fetched and aggregated at start)
 *   [sphinx]       key rotation and replay filter sizing (src/node/node-config.ts)
 *   [outbound]     as the mix node's
 *   [chain]        as the mix node's, plus bandwidth_contract for credential spends
 */
import path from 'node:path';
import type { Logger } from 'pino';
import { optBool, optNumber, optString, optStringArray, section, type TomlTable } from '../node/config.js';
import type { NodeKeys } from '../node/keys.js';
import {
  chainFromToml,
  chainToml,
  outboundFromToml,
  sphinxFromToml,
  sphinxToml,
  type NodeChainOptions,
} from '../node/node-config.js';
import type { BackendName } from '../coconut/index.js';
import { GatewayConfigError } from './errors.js';
import type { GatewayConfig } from './gateway.js';
import { ensureSelfSignedFiles } from './tls.js';

/** Nym's conventional `wss` port (next to `ws` on 9000). */
export const DEFAULT_CLIENTS_WSS_PORT = 9001;
const DEFAULT_TLS_CERT = 'tls/cert.pem';
const DEFAULT_TLS_KEY = 'tls/key.pem';

export interface GatewayInitOptions {
  host?: string;
  announceHost?: string;
  mixPort?: number;
  clientsPort?: number;
  /** -1: no wss. Default 9001, or 0 (pick one) when `clientsPort` is 0. */
  clientsWssPort?: number;
  httpApiPort?: number;
  freeBandwidth?: boolean;
  allowedOrigins?: string[];
  maxConnectionsPerIp?: number;
  apiUrls?: string[];
  /** nym-apis for the key rotation schedule and key announcements (`[sphinx] api_urls`). */
  sphinxApiUrls?: string[];
  verificationKey?: string;
  chain?: NodeChainOptions;
}

export function defaultGatewayToml(o: GatewayInitOptions = {}): TomlTable {
  const t: TomlTable = {
    gateway: {
      host: o.host ?? '127.0.0.1',
      announce_host: o.announceHost ?? o.host ?? '127.0.0.1',
      mix_port: o.mixPort ?? 1789,
      clients_port: o.clientsPort ?? 9000,
      clients_wss_port: o.clientsWssPort ?? (o.clientsPort === 0 ? 0 : DEFAULT_CLIENTS_WSS_PORT),
      tls_cert: DEFAULT_TLS_CERT,
      tls_key: DEFAULT_TLS_KEY,
      allowed_origins: o.allowedOrigins ?? [],
      max_connections: 8192,
      max_connections_per_ip: o.maxConnectionsPerIp ?? 64,
      upgrade_timeout_ms: 1_500,
      idle_timeout_ms: 60_000,
      http_api_host: '127.0.0.1',
      http_api_port: o.httpApiPort ?? 8080,
      workers: 0,
      batch_size: 32,
      max_message_bytes: 64 * 1024,
      inbox_batch: 100,
      max_message_age_ms: 24 * 3600_000,
      purge_interval_ms: 3600_000,
      initial_message_timeout_ms: 10_000,
      handshake_timeout_ms: 5_000,
      auth_max_skew_ms: 120_000,
      ping_timeout_ms: 1_000,
      location: 'localnet',
      free_bandwidth: o.freeBandwidth ?? false,
    },
    credentials: {
      backend: 'mcl',
      verification_key: o.verificationKey ?? '',
      api_urls: o.apiUrls ?? [],
    },
    sphinx: sphinxToml({ apiUrls: o.sphinxApiUrls }),
    outbound: {
      max_queued_packets: 20_000,
      connect_timeout_ms: 3_000,
      reconnect_initial_ms: 100,
      reconnect_max_ms: 5_000,
      max_failed_attempts: 5,
    },
  };
  if (o.chain) t.chain = chainToml(o.chain);
  return t;
}

/**
 * What `init` writes beside the config: a self-signed certificate and key for `wss` at the
 * configured paths, for the announced host, unless both files are there (or wss is off).
 * Returns the certificate file it wrote, if any.
 */
export function initGatewayTls(home: string, t: TomlTable): string | undefined {
  const g = section(t, 'gateway');
  if (optNumber(g, 'clients_wss_port', -1) < 0) return undefined;
  const certFile = path.resolve(home, optString(g, 'tls_cert', DEFAULT_TLS_CERT));
  const keyFile = path.resolve(home, optString(g, 'tls_key', DEFAULT_TLS_KEY));
  const host = optString(g, 'announce_host', optString(g, 'host', '127.0.0.1'));
  return ensureSelfSignedFiles(certFile, keyFile, [host]) ? certFile : undefined;
}

export function gatewayConfigFromToml(
  home: string,
  t: TomlTable,
  keys: NodeKeys,
  logger: Logger,
): GatewayConfig {
  const g = section(t, 'gateway');
  const c = section(t, 'credentials');
  const host = optString(g, 'host', '127.0.0.1');
  const httpPort = optNumber(g, 'http_api_port', 8080);
  const backend = optString(c, 'backend', 'mcl');
  if (backend !== 'mcl' && backend !== 'noble')
    throw new GatewayConfigError('credentials.backend', 'mcl or noble');
  const vk = optString(c, 'verification_key', '');
  const wssPort = optNumber(g, 'clients_wss_port', -1);
  const tlsCert = optString(g, 'tls_cert', '');
  const tlsKey = optString(g, 'tls_key', '');
  if (wssPort >= 0 && (!tlsCert || !tlsKey))
    throw new GatewayConfigError('tls_cert', 'clients_wss_port needs tls_cert and tls_key (PEM files)');
  const apiUrls = optStringArray(c, 'api_urls');
  return {
    home,
    host,
    announceHost: optString(g, 'announce_host', host),
    mixPort: optNumber(g, 'mix_port', 1789),
    clientsPort: optNumber(g, 'clients_port', 9000),
    tls:
      wssPort >= 0
        ? { port: wssPort, certFile: path.resolve(home, tlsCert), keyFile: path.resolve(home, tlsKey) }
        : undefined,
    allowedOrigins: optStringArray(g, 'allowed_origins'),
    maxConnections: optNumber(g, 'max_connections', 8192),
    maxConnectionsPerIp: optNumber(g, 'max_connections_per_ip', 64),
    upgradeTimeoutMs: optNumber(g, 'upgrade_timeout_ms', 1_500),
    idleTimeoutMs: optNumber(g, 'idle_timeout_ms', 60_000),
    metrics: httpPort < 0 ? null : { host: optString(g, 'http_api_host', '127.0.0.1'), port: httpPort },
    keys,
    workers: optNumber(g, 'workers', 0),
    batchSize: optNumber(g, 'batch_size', 32),
    sphinx: sphinxFromToml(t, keys),
    maxMessageBytes: optNumber(g, 'max_message_bytes', 64 * 1024),
    inboxBatch: optNumber(g, 'inbox_batch', 100),
    maxMessageAgeMs: optNumber(g, 'max_message_age_ms', 24 * 3600_000),
    purgeIntervalMs: optNumber(g, 'purge_interval_ms', 3600_000),
    initialMessageTimeoutMs: optNumber(g, 'initial_message_timeout_ms', 10_000),
    handshakeTimeoutMs: optNumber(g, 'handshake_timeout_ms', 5_000),
    authMaxSkewMs: optNumber(g, 'auth_max_skew_ms', 120_000),
    pingTimeoutMs: optNumber(g, 'ping_timeout_ms', 1_000),
    location: optString(g, 'location', 'localnet'),
    freeBandwidth: optBool(g, 'free_bandwidth', optBool(g, 'localnet_free_bandwidth', false)),
    credentials:
      vk || apiUrls.length
        ? {
            backend: backend as BackendName,
            verificationKey: vk || undefined,
            apiUrls,
            threshold: optNumber(c, 'threshold'),
          }
        : undefined,
    outbound: outboundFromToml(t),
    chain: chainFromToml(t),
    logger,
  };
}
