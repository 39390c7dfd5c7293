/**
 * Nym's addresses (common/nymsphinx/addressing).
 *
 * Recipient (clients.rs, `Recipient::LEN` = 96):
 *   client identity (ed25519, 32) ‖ client encryption key (x25519, 32) ‖ gateway identity (ed25519, 32)
 *   string: base58(identity) "." base58(encryption key) "@" base58(gateway)
 *   Sphinx destination: address = the identity key's 32 bytes, SURB id = 16 zero bytes
 *   (`as_sphinx_destination`: Nym does not use the SURB id)
 *
 * Node routing address (nodes.rs, `NymNodeRoutingAddress`):
 *   IPv4: 0x04 ‖ port (u16 BE) ‖ ip (4)  =  7 bytes
 *   IPv6: 0x06 ‖ port (u16 BE) ‖ ip (16) = 19 bytes (`MAX_NODE_ADDRESS_UNPADDED_LEN`)
 *   zero padded to 32 in a Sphinx header (src/sphinx/address.ts) and to 19 as a SURB-ack's
 *   first hop; decoding reads the prefix and ignores what follows.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { base58 } from '@scure/base';
import {
  decodeNodeAddress,
  encodeNodeAddress,
  type DecodedNodeAddress,
  type NodeSocketAddress,
} from '../sphinx/address.js';
import { NODE_ADDRESS_LENGTH } from '../sphinx/geometry.js';
import { checkBytes } from './crypto.js';
import {
  InvalidNodeAddressError,
  InvalidRecipientKeyError,
  MalformedRecipientError,
  NymSphinxError,
} from './errors.js';
import { ED25519_KEY_LEN, X25519_KEY_LEN } from './params.js';

export const RECIPIENT_LEN = ED25519_KEY_LEN + X25519_KEY_LEN + ED25519_KEY_LEN; // 96

export interface Recipient {
  /** The client's ed25519 identity key; also its Sphinx destination address. */
  readonly identity: Uint8Array;
  /** The client's x25519 key that payloads are encrypted to. */
  readonly encryptionKey: Uint8Array;
  /** The identity key of the gateway the client receives through. */
  readonly gateway: Uint8Array;
}

function checkEd25519(which: 'identity' | 'gateway', key: Uint8Array): void {
  // ed25519-dalek `VerifyingKey::from_bytes` decompresses the point; non-canonical encodings
  // are accepted there too (zip215)
  try {
    ed25519.Point.fromBytes(key, true);
  } catch {
    throw new InvalidRecipientKeyError(which);
  }
}

/** A recipient from its three keys, checked as Nym's `Recipient::try_from_bytes` does. */
export function makeRecipient(
  identity: Uint8Array,
  encryptionKey: Uint8Array,
  gateway: Uint8Array,
): Recipient {
  checkBytes('identity', identity, ED25519_KEY_LEN);
  checkBytes('encryption key', encryptionKey, X25519_KEY_LEN);
  checkBytes('gateway', gateway, ED25519_KEY_LEN);
  checkEd25519('identity', identity);
  checkEd25519('gateway', gateway);
  return { identity: identity.slice(), encryptionKey: encryptionKey.slice(), gateway: gateway.slice() };
}

export function recipientToBytes(r: Recipient): Uint8Array {
  const out = new Uint8Array(RECIPIENT_LEN);
  checkBytes('identity', r.identity, ED25519_KEY_LEN);
  checkBytes('encryption key', r.encryptionKey, X25519_KEY_LEN);
  checkBytes('gateway', r.gateway, ED25519_KEY_LEN);
  out.set(r.identity, 0);
  out.set(r.encryptionKey, ED25519_KEY_LEN);
  out.set(r.gateway, ED25519_KEY_LEN + X25519_KEY_LEN);
  return out;
}

export function recipientFromBytes(b: Uint8Array): Recipient {
  if (!(b instanceof Uint8Array) || b.length !== RECIPIENT_LEN)
    throw new MalformedRecipientError(`binary recipient must be ${RECIPIENT_LEN} bytes`);
  return makeRecipient(
    b.subarray(0, ED25519_KEY_LEN),
    b.subarray(ED25519_KEY_LEN, ED25519_KEY_LEN + X25519_KEY_LEN),
    b.subarray(ED25519_KEY_LEN + X25519_KEY_LEN),
  );
}

export function recipientToString(r: Recipient): string {
  return `${base58.encode(r.identity)}.${base58.encode(r.encryptionKey)}@${base58.encode(r.gateway)}`;
}

function decodeKey(name: string, s: string): Uint8Array {
  let k: Uint8Array;
  try {
    k = base58.decode(s);
  } catch {
    throw new MalformedRecipientError(`${name} is not base58`);
  }
  if (k.length !== 32) throw new MalformedRecipientError(`${name} decodes to ${k.length} bytes`);
  return k;
}

/** Parse `id.enc@gateway` (clients.rs `try_from_base58_string`). */
export function parseRecipient(s: string): Recipient {
  if (typeof s !== 'string') throw new MalformedRecipientError('address must be a string');
  if (s.length > 200) throw new MalformedRecipientError('address too long');
  const at = s.split('@');
  if (at.length !== 2) throw new MalformedRecipientError("expected exactly one '@'");
  const dot = at[0].split('.');
  if (dot.length !== 2) throw new MalformedRecipientError("expected exactly one '.' before '@'");
  return makeRecipient(
    decodeKey('identity', dot[0]),
    decodeKey('encryption key', dot[1]),
    decodeKey('gateway', at[1]),
  );
}

/** Sphinx destination of a recipient: its identity key, SURB id zero. */
export function sphinxDestination(r: Recipient): { address: Uint8Array; surbId: Uint8Array } {
  checkBytes('identity', r.identity, ED25519_KEY_LEN);
  return { address: r.identity.slice(), surbId: new Uint8Array(16) };
}

// ---- node routing addresses -----------------------------------------------------------------

/** Bytes a node address uses unpadded: 7 for IPv4, 19 for IPv6. */
function usedLength(tag: number): number {
  if (tag === 4) return 7;
  if (tag === 6) return 19;
  throw new InvalidNodeAddressError(`unknown IP version tag ${tag}`);
}

/** Nym's node address zero padded to `length` (19 for a SURB-ack first hop, 32 in Sphinx). */
export function encodeNodeRoutingAddress(
  addr: NodeSocketAddress,
  length: number = NODE_ADDRESS_LENGTH,
): Uint8Array {
  let full: Uint8Array;
  try {
    full = encodeNodeAddress(addr);
  } catch (e) {
    throw new InvalidNodeAddressError(e instanceof Error ? e.message : String(e));
  }
  if (!Number.isInteger(length) || length < usedLength(full[0]) || length > NODE_ADDRESS_LENGTH)
    throw new InvalidNodeAddressError(`cannot fit the address in ${length} bytes`);
  return full.slice(0, length);
}

/**
 * Decode a node address from any byte string that starts with one (nodes.rs
 * `try_from_bytes`): padding after the used prefix is ignored.
 */
export function decodeNodeRoutingAddress(b: Uint8Array): DecodedNodeAddress {
  checkBytes('node address', b);
  if (b.length === 0) throw new InvalidNodeAddressError('no bytes');
  const used = usedLength(b[0]);
  if (b.length < used) throw new InvalidNodeAddressError(`IPv${b[0]} needs ${used} bytes, got ${b.length}`);
  const padded = new Uint8Array(NODE_ADDRESS_LENGTH);
  padded.set(b.subarray(0, used));
  try {
    return decodeNodeAddress(padded);
  } catch (e) {
    if (e instanceof NymSphinxError) throw e;
    throw new InvalidNodeAddressError(e instanceof Error ? e.message : String(e));
  }
}

/** Re-encode a node address to `length` bytes (Nym decodes then pads, dropping any junk). */
export function repadNodeAddress(b: Uint8Array, length: number): Uint8Array {
  decodeNodeRoutingAddress(b);
  const used = usedLength(b[0]);
  if (!Number.isInteger(length) || length < used || length > NODE_ADDRESS_LENGTH)
    throw new InvalidNodeAddressError(`cannot fit the address in ${length} bytes`);
  const out = new Uint8Array(length);
  out.set(b.subarray(0, used));
  return out;
}

export type { NodeSocketAddress, DecodedNodeAddress };
