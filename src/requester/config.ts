/**
 * The `[requester]` section of the network requester's config.toml (the file's client
 * sections are the native client's: src/roles/requester.ts). Checked with valibot: a
 * missing key takes its default, an unknown one is an error.
 *
 *   open_proxy                 connect to any public host (Nym's `open_proxy`); private and
 *                              loopback addresses still need an allow-list entry
 *   allowed_list, unknown_list files, relative to the home (Nym's `allowed.list`, `unknown.list`)
 *   reload_ms                  how often allowed.list is checked for changes
 *   standard_list_url          a list to fetch and merge ("" for none; Nym's was
 *                              https://nymtech.net/.wellknown/network-requester/standard-allowed-list.txt)
 *   standard_list_refresh_ms   Nym: 30 minutes
 *   max_connections_per_sender, max_connections
 *   connect_timeout_ms, idle_timeout_ms (Nym's MIX_TTL: 5 minutes), half_close_ms,
 *   unknown_grace_ms           how long a Send waits for its Connect
 *   window_bytes               read from a remote and not yet acknowledged, per connection
 *   max_buffered_bytes         out of order from a client, or unwritten to a slow remote
 *   chunk_bytes                largest NetworkData payload (0: one packet of packet_size)
 *   packet_size                the requester's client packets (regular, extended8/16/32)
 *   max_resends, description, max_unknown_entries
 */
import * as v from 'valibot';
import { RequesterConfigError } from './errors.js';

const PACKET_SIZES = ['regular', 'extended8', 'extended16', 'extended32'] as const;
const int = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  v.pipe(v.number('expected a number'), v.integer('expected an integer'), v.minValue(min), v.maxValue(max));

export const RequesterSectionSchema = v.strictObject({
  open_proxy: v.boolean('expected true or false'),
  allowed_list: v.pipe(v.string(), v.minLength(1)),
  unknown_list: v.pipe(v.string(), v.minLength(1)),
  reload_ms: int(50, 3_600_000),
  standard_list_url: v.union([v.literal(''), v.pipe(v.string(), v.url('expected a URL'))]),
  standard_list_refresh_ms: int(1_000),
  max_connections_per_sender: int(1, 100_000),
  max_connections: int(1, 1_000_000),
  connect_timeout_ms: int(1),
  idle_timeout_ms: int(1),
  half_close_ms: int(1),
  unknown_grace_ms: int(0),
  window_bytes: int(1_024),
  max_buffered_bytes: int(1_024),
  chunk_bytes: int(0, 16 * 1024 * 1024),
  packet_size: v.picklist(PACKET_SIZES, `one of ${PACKET_SIZES.join(', ')}`),
  max_resends: int(0, 100),
  description: v.string(),
  max_unknown_entries: int(0),
});

export type RequesterSection = v.InferOutput<typeof RequesterSectionSchema>;

export function defaultRequesterSection(): RequesterSection {
  return {
    open_proxy: false,
    allowed_list: 'allowed.list',
    unknown_list: 'unknown.list',
    reload_ms: 1_000,
    standard_list_url: '',
    standard_list_refresh_ms: 30 * 60_000,
    max_connections_per_sender: 64,
    max_connections: 1_024,
    connect_timeout_ms: 10_000,
    idle_timeout_ms: 5 * 60_000,
    half_close_ms: 5_000,
    unknown_grace_ms: 2_000,
    window_bytes: 2 * 1024 * 1024,
    max_buffered_bytes: 4 * 1024 * 1024,
    chunk_bytes: 0,
    packet_size: 'regular',
    max_resends: 3,
    description: 'Nymph network requester',
    max_unknown_entries: 10_000,
  };
}

/** The section from a parsed TOML table (defaults for missing keys; unknown keys refused). */
export function requesterSectionFrom(raw: unknown): RequesterSection {
  const merged = { ...defaultRequesterSection(), ...((raw ?? {}) as Record<string, unknown>) };
  const r = v.safeParse(RequesterSectionSchema, merged);
  if (!r.success) {
    const issue = r.issues[0];
    const key = `requester.${v.getDotPath(issue) ?? ''}`;
    throw new RequesterConfigError(key, issue.type === 'strict_object' ? 'unknown key' : issue.message);
  }
  return r.output;
}
