/**
 * The `[socks5]` section of the SOCKS client's config.toml (the file's client sections
 * are the native client's: src/roles/socks5.ts), checked with valibot: a missing key takes
 * its default, an unknown one is an error. Nym's keys (common/socks5-client-core/src/
 * config/mod.rs) where they exist:
 *
 *   host, port                 where apps connect (Nym: bind_address 127.0.0.1:1080)
 *   provider                   the network requester's address (Nym: provider_mix_address)
 *   anonymous                  answers through reply SURBs (Nym: send_anonymously; Nymph's
 *                              default is true)
 *   provider_interface_version, socks5_protocol_version   3, or "legacy"
 *   connection_start_surbs     20, per_request_surbs 3 (Nym's Socks5Debug)
 *   surb_stock                 SURBs kept at the requester while answers flow (0: no top-up)
 *   optimistic_connect         answer the app's CONNECT at once, as Nym's client does (for
 *                              Nym's requesters, which never confirm a connect)
 *   connect_timeout_ms         how long the app waits for the requester's answer
 *   handshake_timeout_ms, keepalive_ms (Nym: 60 s), idle_timeout_ms (Nym's MIX_TTL: 5 min),
 *   half_close_ms, error_grace_ms
 *   chunk_bytes                largest Send payload
 *   window_bytes               unacknowledged bytes per connection before the app is paused
 *   max_buffered_bytes         out of order, or unread by a slow app, per connection
 *   packet_size                the client's packets (regular, extended8/16/32)
 *   max_connections
 */
import * as v from 'valibot';
import { Socks5ConfigError } from './errors.js';

const PACKET_SIZES = ['regular', 'extended8', 'extended16', 'extended32'] as const;
const int = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  v.pipe(v.number('expected a number'), v.integer('expected an integer'), v.minValue(min), v.maxValue(max));
const versionSchema = v.union([v.literal('legacy'), int(3, 255)], 'expected "legacy" or a version >= 3');

export const Socks5SectionSchema = v.strictObject({
  host: v.pipe(v.string(), v.minLength(1)),
  port: int(0, 65_535),
  provider: v.string(),
  anonymous: v.boolean('expected true or false'),
  provider_interface_version: versionSchema,
  socks5_protocol_version: versionSchema,
  connection_start_surbs: int(0, 1000),
  per_request_surbs: int(0, 1000),
  surb_stock: int(0, 10_000),
  optimistic_connect: v.boolean('expected true or false'),
  connect_timeout_ms: int(1),
  handshake_timeout_ms: int(1),
  keepalive_ms: int(100),
  idle_timeout_ms: int(100),
  half_close_ms: int(1),
  error_grace_ms: int(0),
  chunk_bytes: int(256, 16 * 1024 * 1024),
  window_bytes: int(1_024),
  max_buffered_bytes: int(1_024),
  packet_size: v.picklist(PACKET_SIZES, `one of ${PACKET_SIZES.join(', ')}`),
  max_connections: int(1, 1_000_000),
});

export type Socks5Section = v.InferOutput<typeof Socks5SectionSchema>;

export const DEFAULT_SOCKS5_PORT = 1080;

export function defaultSocks5Section(): Socks5Section {
  return {
    host: '127.0.0.1',
    port: DEFAULT_SOCKS5_PORT,
    provider: '',
    anonymous: true,
    provider_interface_version: 3,
    socks5_protocol_version: 3,
    connection_start_surbs: 20,
    per_request_surbs: 3,
    surb_stock: 200,
    optimistic_connect: false,
    connect_timeout_ms: 10_000,
    handshake_timeout_ms: 10_000,
    keepalive_ms: 15_000,
    idle_timeout_ms: 5 * 60_000,
    half_close_ms: 5_000,
    error_grace_ms: 250,
    chunk_bytes: 32 * 1024,
    window_bytes: 1024 * 1024,
    max_buffered_bytes: 16 * 1024 * 1024,
    packet_size: 'regular',
    max_connections: 1_024,
  };
}

export function socks5SectionFrom(raw: unknown): Socks5Section {
  const merged = { ...defaultSocks5Section(), ...((raw ?? {}) as Record<string, unknown>) };
  const r = v.safeParse(Socks5SectionSchema, merged);
  if (!r.success) {
    const issue = r.issues[0];
    const key = `socks5.${v.getDotPath(issue) ?? ''}`;
    throw new Socks5ConfigError(key, issue.type === 'strict_object' ? 'unknown key' : issue.message);
  }
  return r.output;
}
