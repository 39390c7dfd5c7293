/**
 * The native client's config: `<home>/config.toml`, the one schema of `nymph client init`,
 * `nymph client run` and the clients of a local network, checked with valibot: a missing
 * key takes its default, an unknown one is an error. The file is read and written with the
 * nodes' TOML helpers (`readToml`, `applyOverrides`: every key overridable as
 * `--set section.key=value`) by the client's role entry (src/roles/client.ts), since the
 * client room does not import src/node.
 *
 *   [client]     nym_api_urls, gateway (identity; "" = lowest latency), mode (traffic mode)
 *   [socket]     host, port: Nym's native websocket API (port 1977 as Nym's client);
 *                allowed_origins (browser origins let in; none by default, "*" any; apps
 *                that send no Origin are always let in); max_connections,
 *                max_connections_per_host, handshake_timeout_ms, idle_timeout_ms (the
 *                names of the nodes' [inbound] caps); max_held_messages (received while no
 *                app is connected, handed to the next one)
 *   [metrics]    host, port: Prometheus /metrics (-1 = off, 0 = a free port)
 *   [chain]      rpc_url, mixnet_contract, bandwidth_contract: the topology fallback and,
 *                with a mnemonic, where bandwidth deposits are made
 *   [bandwidth]  mnemonic (empty: no credentials, free-bandwidth gateways only),
 *                account_index, amount (unym deposited per credential), threshold (0 = the
 *                2/3 + 1 of nym_api_urls), backend ("mcl" | "noble"), share_retries and
 *                share_retry_ms (nym-apis starting with the client may not answer yet),
 *                prefetch (obtain the first credential at start, before the gateway asks)
 *   [startup]    wait_mixnodes, wait_gateways: before starting, wait until every nym-api
 *                shows that many nodes and they listen (a client started with its network);
 *                timeout_ms: the whole start
 *   [debug]      max_retransmissions, ack_wait_addition_ms, topology_refresh_ms,
 *                reassembly_timeout_ms
 *
 * Nym's native client keeps its settings in the same kind of file
 * (clients/native/src/client/config/template.rs); these are the keys Nymph's client reads.
 */
import * as v from 'valibot';
import { TRAFFIC_MODES, type ClientConfigInput, type TrafficMode } from './config.js';
import { ClientError } from './errors.js';

/** A native client config file or override that is missing, malformed or out of range. */
export class NativeConfigError extends ClientError {
  override readonly code = 'native_config' as const;
  constructor(
    /** `section.key`, or `config` for the file as a whole. */
    readonly key: string,
    readonly detail: string,
  ) {
    super(`config ${key}: ${detail}`);
  }
}

const int = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  v.pipe(v.number('expected a number'), v.integer('expected an integer'), v.minValue(min), v.maxValue(max));
const nonEmpty = v.pipe(v.string('expected a string'), v.minLength(1, 'must not be empty'));
const httpUrl = v.pipe(v.string('expected a string'), v.url('expected a URL'));

const Schema = v.strictObject({
  client: v.strictObject({
    nym_api_urls: v.array(httpUrl, 'expected a list of URLs'),
    gateway: v.string('expected a string'),
    mode: v.picklist(
      Object.keys(TRAFFIC_MODES) as TrafficMode[],
      `one of ${Object.keys(TRAFFIC_MODES).join(', ')}`,
    ),
  }),
  socket: v.strictObject({
    host: nonEmpty,
    port: int(0, 65_535),
    allowed_origins: v.array(nonEmpty, 'expected a list of origins'),
    max_connections: int(1),
    max_connections_per_host: int(1),
    handshake_timeout_ms: int(1),
    idle_timeout_ms: int(1),
    max_held_messages: int(0),
  }),
  metrics: v.strictObject({ host: nonEmpty, port: int(-1, 65_535) }),
  chain: v.strictObject({
    rpc_url: v.union([v.literal(''), httpUrl], 'expected a URL or ""'),
    mixnet_contract: v.string('expected a string'),
    bandwidth_contract: v.string('expected a string'),
  }),
  bandwidth: v.strictObject({
    mnemonic: v.string('expected a string'),
    account_index: int(0, 2 ** 31 - 1),
    amount: int(1),
    threshold: int(0, 1_000),
    backend: v.picklist(['mcl', 'noble'], 'mcl or noble'),
    share_retries: int(0, 100_000),
    share_retry_ms: int(0, 60_000),
    prefetch: v.boolean('expected true or false'),
  }),
  startup: v.strictObject({
    wait_mixnodes: int(0),
    wait_gateways: int(0),
    timeout_ms: int(1),
  }),
  debug: v.strictObject({
    max_retransmissions: int(0),
    ack_wait_addition_ms: int(0),
    topology_refresh_ms: int(1),
    reassembly_timeout_ms: int(1),
  }),
});

export type NativeClientConfig = v.InferOutput<typeof Schema>;

export function defaultNativeConfig(): NativeClientConfig {
  return {
    client: { nym_api_urls: [], gateway: '', mode: 'nym' },
    // limits: src/client/ws-api/server.ts (DEFAULT_WS_API_LIMITS, DEFAULT_MAX_HELD_MESSAGES)
    socket: {
      host: '127.0.0.1',
      port: 1977,
      allowed_origins: [],
      max_connections: 64,
      max_connections_per_host: 64,
      handshake_timeout_ms: 5_000,
      idle_timeout_ms: 60_000,
      max_held_messages: 10_000,
    },
    metrics: { host: '127.0.0.1', port: -1 },
    chain: { rpc_url: '', mixnet_contract: '', bandwidth_contract: '' },
    // 1 unym buys 1 KiB at the gateway: 1,000,000 unym is about 1 GB of packets
    bandwidth: {
      mnemonic: '',
      account_index: 0,
      amount: 1_000_000,
      threshold: 0,
      backend: 'mcl',
      share_retries: 0,
      share_retry_ms: 50,
      prefetch: false,
    },
    startup: { wait_mixnodes: 0, wait_gateways: 0, timeout_ms: 60_000 },
    // Nym's defaults: topology refresh every 5 minutes
    debug: {
      max_retransmissions: 10,
      ack_wait_addition_ms: 1500,
      topology_refresh_ms: 300_000,
      reassembly_timeout_ms: 300_000,
    },
  };
}

/** A parsed TOML table (smol-toml's output). */
export type TomlTable = Record<string, unknown>;

/** Keys whose value is a list: an override may give them as `a,b,c`. */
export function isListKey(section: string, key: string): boolean {
  const d = defaultNativeConfig() as unknown as Record<string, Record<string, unknown> | undefined>;
  return Array.isArray(d[section]?.[key]);
}

/** Defaults, then the file's sections, checked against the schema (unknown keys refused). */
export function nativeConfigFromToml(table: TomlTable): NativeClientConfig {
  const merged: Record<string, unknown> = {};
  const defaults = defaultNativeConfig() as unknown as Record<string, Record<string, unknown>>;
  for (const [k, d] of Object.entries(defaults)) merged[k] = { ...d };
  for (const [k, val] of Object.entries(table)) {
    const isTable = typeof val === 'object' && val !== null && !Array.isArray(val);
    merged[k] = k in defaults && isTable ? { ...defaults[k], ...(val as TomlTable) } : val;
  }
  const r = v.safeParse(Schema, merged);
  if (!r.success) {
    const issue = r.issues[0];
    const key = v.getDotPath(issue) ?? 'config';
    const detail = issue.type === 'strict_object' ? 'unknown key' : issue.message;
    throw new NativeConfigError(key, detail);
  }
  return r.output;
}

/** The client core's settings from the file. */
export function coreConfigOf(c: NativeClientConfig): ClientConfigInput {
  return {
    mode: c.client.mode,
    topologyRefreshMs: c.debug.topology_refresh_ms,
    reassemblyTimeoutMs: c.debug.reassembly_timeout_ms,
    retransmit: {
      maxRetransmissions: c.debug.max_retransmissions,
      ackWaitAdditionMs: c.debug.ack_wait_addition_ms,
    },
  };
}
