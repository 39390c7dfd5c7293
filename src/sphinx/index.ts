/**
 * Nymph's Sphinx packet codec, wire-compatible with nymtech/sphinx (sphinx-packet) as Nym uses
 * it. Pure: no I/O, no timers, no globals; randomness is a parameter. Works in worker threads
 * and, with the pure crypto backend, in browsers.
 *
 * Construction: X25519 with per-hop blinding; HKDF-SHA256 (empty salt, Nym's info string)
 * expands each hop's shared secret into stream key, MAC key, payload key material, blinding
 * factor and replay tag; AES-128-CTR header stream; HMAC-SHA256/16 header MAC; Lioness
 * (ChaCha20 + keyed BLAKE2b) payload; up to 5 hops; 348-byte header.
 *
 * Typical use:
 * ```ts
 * const packet = createPacket({ route, delaysNs, destination, payload, size: 'regular', random });
 * // at each hop
 * const r = unwrapPacket(nodeKey, packet);
 * if (r.kind === 'forward') send(r.nextAddress, r.packet, r.delayNs); else deliver(r.payload);
 * ```
 *
 * Exports:
 * - Geometry: `Geometry`, `PacketSize`, `PACKET_SIZES`, `geometryFor(size)`,
 *   `packetLengthFor(size)`, `packetSizeForLength(length)` (throws `UnknownPacketSizeError`),
 *   and the byte-layout constants (`HEADER_LENGTH` = 348, `MAX_PATH_LENGTH` = 5, ...).
 * - Packets: `createPacket(opts): Uint8Array`, `SphinxNodeKey.fromSecret(secret)` /
 *   `SphinxNodeKey.generate(random)`, `unwrapPacket(nodeKey, bytes): UnwrapResult`.
 * - SURBs: `createSurb(opts): {surb, replyKey}`, `surbToBytes(surb)`, `surbFromBytes(bytes)`,
 *   `useSurb(surb, payload, {size?}): {packet, firstHopAddress}`,
 *   `decryptSurbReply(replyKey, payload)`.
 * - Addresses: `encodeNodeAddress({host, port})`, `decodeNodeAddress(bytes)`.
 * - Errors: every rejection is a `SphinxError` subclass (see `./errors.ts`).
 *
 * @module
 */
export {
  Geometry,
  PACKET_SIZES,
  geometryFor,
  packetLengthFor,
  packetSizeForLength,
  type PacketSize,
  SECURITY_PARAMETER,
  MAX_PATH_LENGTH,
  NODE_ADDRESS_LENGTH,
  DESTINATION_ADDRESS_LENGTH,
  SURB_ID_LENGTH,
  GROUP_ELEMENT_LENGTH,
  MAC_LENGTH,
  ROUTING_INFO_LENGTH,
  HEADER_LENGTH,
  PAYLOAD_OVERHEAD_LENGTH,
} from './geometry.js';
export {
  createPacket,
  unwrapPacket,
  SphinxNodeKey,
  type CreatePacketOptions,
  type RouteNode,
  type Destination,
  type RandomSource,
  type UnwrapResult,
  type ForwardHop,
  type FinalHop,
} from './packet.js';
export {
  createSurb,
  surbToBytes,
  surbFromBytes,
  useSurb,
  decryptSurbReply,
  SURB_ENCRYPTION_KEY_LENGTH,
  type Surb,
  type SurbReplyKey,
  type CreateSurbOptions,
  type UseSurbOptions,
} from './surb.js';
export {
  encodeNodeAddress,
  decodeNodeAddress,
  type NodeSocketAddress,
  type DecodedNodeAddress,
} from './address.js';
export {
  CURRENT_VERSION,
  VERSION_EXPLICIT_PAYLOAD_KEYS,
  VERSION_PAYLOAD_KEY_SEEDS,
  REPLAY_TAG_LENGTH,
  type SphinxVersion,
} from './keys.js';
export * from './errors.js';
