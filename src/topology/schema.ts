/**
 * valibot schemas of the mixnet contract's bonds as nym-api serves them (the Coconut-era
 * `/v1/topology`, `/v1/mixnodes*`, `/v1/gateways` bodies; Nym's mixnet-contract
 * `mixnode.rs` and `gateway.rs` at nym-binaries-v1.1.x). The topology reads untrusted JSON
 * with them, one node at a time, and nym-api generates its OpenAPI document from them, so
 * what is documented is what is accepted.
 *
 * Lenient fields (`proxy`, `bonding_height`, `is_unbonding`, a missing pledge) fall back to
 * a neutral value instead of failing: clients never route by them.
 */
import { base58 } from '@scure/base';
import * as v from 'valibot';
import { isValidHost, MAX_HOST_LEN } from '../contracts/index.js';
import type { Coin, GatewayBond, Interval, MixNodeBond } from '../contracts/index.js';

/** Bytes of an ed25519 or x25519 public key. */
export const PUBLIC_KEY_BYTES = 32;
/** Longest base58 text of 32 bytes is 44 characters; anything past 64 is not a key. */
const MAX_KEY_CHARS = 64;

/** A u32, as Nym's ids and epoch counters. */
export const u32 = (what = 'a u32') =>
  v.pipe(
    v.number(`is not ${what}`),
    v.integer(`is not ${what}`),
    v.minValue(0, `is not ${what}`),
    v.maxValue(0xffff_ffff, `is not ${what}`),
  );

/** A TCP port, 1..65535. */
export const PortSchema = v.pipe(
  v.number('is not a port'),
  v.integer('is not a port'),
  v.minValue(1, 'is not a port'),
  v.maxValue(65535, 'is not a port'),
);

const text = (max: number) =>
  v.pipe(
    v.string(`is not a string of 1..${max} chars`),
    v.minLength(1, `is not a string of 1..${max} chars`),
    v.maxLength(max, `is not a string of 1..${max} chars`),
  );

// base58 decoding is quadratic in the length and the same keys come back at every
// refresh: remember recent decodes (bounded; copies are handed out, so nothing is shared).
const MEMO_LIMIT = 8192;
const decodedMemo = new Map<string, Uint8Array | null>();

/** The decoded bytes of a base58 string, or null when it is not base58. */
export function decodeBase58(s: string): Uint8Array | null {
  let bytes = decodedMemo.get(s);
  if (bytes === undefined) {
    try {
      bytes = base58.decode(s);
    } catch {
      bytes = null;
    }
    if (decodedMemo.size >= MEMO_LIMIT) decodedMemo.clear();
    decodedMemo.set(s, bytes);
  }
  return bytes && bytes.slice();
}

/** A base58 public key of exactly 32 bytes. */
export const PublicKeySchema = v.pipe(
  v.string('is not a string'),
  v.description('base58 of a 32-byte public key'),
  v.minLength(1, 'is empty'),
  v.maxLength(MAX_KEY_CHARS, `is longer than ${MAX_KEY_CHARS} chars`),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const bytes = decodeBase58(dataset.value);
    if (!bytes) addIssue({ message: 'is not base58' });
    else if (bytes.length !== PUBLIC_KEY_BYTES)
      addIssue({ message: `is ${bytes.length} bytes, expected ${PUBLIC_KEY_BYTES}` });
  }),
);

/** An IP address or a DNS name, as the contract accepts a node's host. */
export const HostSchema = v.pipe(
  v.string('is not a string'),
  v.description('IP address or DNS name'),
  v.minLength(1, 'is empty'),
  v.maxLength(MAX_HOST_LEN, `is longer than ${MAX_HOST_LEN} chars`),
  v.check(isValidHost, 'is not an IP address or host name'),
);

export const CoinSchema = v.object(
  {
    denom: v.string('is not a coin'),
    amount: v.pipe(v.string('is not a coin'), v.regex(/^\d{1,39}$/, 'is not a coin')),
  },
  'is not a coin',
);

const NO_COIN: Coin = { denom: 'unym', amount: '0' };
const lenientProxy = v.optional(v.fallback(v.nullable(v.string()), null), null);
const lenientHeight = v.optional(v.fallback(v.pipe(v.number(), v.integer(), v.minValue(0)), 0), 0);

export const MixNodeSchema = v.object(
  {
    host: HostSchema,
    mix_port: PortSchema,
    verloc_port: PortSchema,
    http_api_port: PortSchema,
    sphinx_key: v.pipe(PublicKeySchema, v.description('base58 x25519 Sphinx key')),
    identity_key: v.pipe(PublicKeySchema, v.description('base58 ed25519 identity key')),
    version: text(64),
  },
  'is not an object',
);

/** `MixNodeBond`: what the topology routes with. Keys are checked in this order. */
export const MixNodeBondSchema = v.object(
  {
    mix_id: u32(),
    layer: v.picklist([1, 2, 3], 'is not 1, 2 or 3'),
    owner: text(128),
    original_pledge: v.optional(CoinSchema, () => ({ ...NO_COIN })),
    mix_node: MixNodeSchema,
    proxy: lenientProxy,
    bonding_height: lenientHeight,
    is_unbonding: v.optional(v.fallback(v.boolean(), false), false),
  },
  'is not an object',
);

export const GatewaySchema = v.object(
  {
    host: HostSchema,
    mix_port: PortSchema,
    clients_port: PortSchema,
    location: text(128),
    sphinx_key: v.pipe(PublicKeySchema, v.description('base58 x25519 Sphinx key')),
    identity_key: v.pipe(PublicKeySchema, v.description('base58 ed25519 identity key')),
    version: text(64),
  },
  'is not an object',
);

export const GatewayBondSchema = v.object(
  {
    owner: text(128),
    gateway: GatewaySchema,
    pledge_amount: v.optional(CoinSchema, () => ({ ...NO_COIN })),
    block_height: lenientHeight,
    proxy: lenientProxy,
  },
  'is not an object',
);

/** RFC 3339 date-time (`time::OffsetDateTime` as the contract prints it). */
export const Rfc3339Schema = v.pipe(
  v.string('is not an RFC 3339 date-time'),
  v.description('RFC 3339 date-time'),
  v.regex(
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/,
    'is not an RFC 3339 date-time',
  ),
  v.check((s) => !Number.isNaN(Date.parse(s)), 'is not an RFC 3339 date-time'),
);

/** Nym's `Interval` (mixnet-contract `interval.rs`). */
export const IntervalSchema = v.object({
  id: u32(),
  epochs_in_interval: u32(),
  current_epoch_start: Rfc3339Schema,
  current_epoch_id: u32(),
  epoch_length: v.object({
    secs: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(Number.MAX_SAFE_INTEGER)),
    nanos: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(999_999_999)),
  }),
  total_elapsed_epochs: u32(),
});

/** The document shape `Topology.fromJson` reads; nodes are then checked one at a time. */
export const TopologyDocumentSchema = v.looseObject(
  {
    mixnodes: v.array(v.unknown(), 'is not an array'),
    gateways: v.array(v.unknown(), 'is not an array'),
  },
  'is not an object',
);

// The schemas produce exactly the contract types (checked at compile time).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameMixBond: Same<v.InferOutput<typeof MixNodeBondSchema>, MixNodeBond> = true;
const sameGatewayBond: Same<v.InferOutput<typeof GatewayBondSchema>, GatewayBond> = true;
const sameInterval: Same<v.InferOutput<typeof IntervalSchema>, Interval> = true;
void [sameMixBond, sameGatewayBond, sameInterval];
