/**
 * Nym's node routing address (common/nymsphinx/addressing/src/nodes.rs, NymNodeRoutingAddress):
 *
 *   IPv4: 4 ‖ port (u16 BE) ‖ ip (4)     = 7 bytes
 *   IPv6: 6 ‖ port (u16 BE) ‖ ip (16)    = 19 bytes   (MAX_NODE_ADDRESS_UNPADDED_LEN)
 *
 * The 32-byte Sphinx node address of src/sphinx is the same bytes zero-padded to 32
 * (NodeAddressBytes), so converting is cutting or padding. Mix packets carry the short
 * form; SURB-acks carry it zero-padded to 19 bytes.
 */
import { BadPacketError } from './errors.js';

export const SPHINX_NODE_ADDRESS_SIZE = 32;
export const MAX_NYM_ADDRESS_SIZE = 19;
const IPV4 = 4;
const IPV6 = 6;

/** Bytes the short form of an address with this version tag takes (undefined: unknown tag). */
function shortLength(tag: number): number | undefined {
  return tag === IPV4 ? 7 : tag === IPV6 ? 19 : undefined;
}

/** Nym's `as_bytes`: the short form of a 32-byte Sphinx node address. */
export function nymAddressOf(nodeAddress: Uint8Array): Uint8Array {
  if (nodeAddress.length !== SPHINX_NODE_ADDRESS_SIZE)
    throw new BadPacketError(`node address must be ${SPHINX_NODE_ADDRESS_SIZE} bytes`);
  const n = shortLength(nodeAddress[0]);
  if (n === undefined) throw new BadPacketError('address field was incorrectly encoded');
  return nodeAddress.slice(0, n);
}

/**
 * Nym's `try_from_bytes`: reads an address at the front of `bytes` (padding after it is
 * ignored). Returns the 32-byte Sphinx node address and how many bytes the short form took.
 */
export function readNymAddress(bytes: Uint8Array): { nodeAddress: Uint8Array; length: number } {
  const n = bytes.length > 0 ? shortLength(bytes[0]) : undefined;
  if (n === undefined || bytes.length < n) throw new BadPacketError('address field was incorrectly encoded');
  const nodeAddress = new Uint8Array(SPHINX_NODE_ADDRESS_SIZE);
  nodeAddress.set(bytes.subarray(0, n));
  return { nodeAddress, length: n };
}
