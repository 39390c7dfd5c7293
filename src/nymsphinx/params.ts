/**
 * Nym's message-layer constants and algorithm choices (common/nymsphinx/params, Nym release
 * b4046a89, the one `@nymproject/nym-client-wasm-node` 1.4.1 was built from).
 *
 * Algorithms (params/src/lib.rs):
 *   PacketHkdfAlgorithm          = blake3      HKDF<blake3, SimpleHmac<blake3>>, salt none, info none
 *   PacketEncryptionAlgorithm    = Aes128Ctr   ctr::Ctr64BE<Aes128>, zero IV (one key per packet)
 *   ReplySurbEncryptionAlgorithm = Aes128Ctr   same cipher, zero IV, the SURB's 16-byte key
 *   ReplySurbKeyDigestAlgorithm  = blake3      32-byte digest of the reply key
 *   AckEncryptionAlgorithm       = Aes128Ctr   random 16-byte IV sent in front of the ciphertext
 */
import { Geometry, type PacketSize as SphinxPacketSize } from '../sphinx/geometry.js';
import { InvalidArgumentError, InvalidKeyRotationError } from './errors.js';

/** params/src/lib.rs `FRAG_ID_LEN`: set id (i32 BE) ‖ position (u8). */
export const FRAG_ID_LEN = 5;
/** packet_sizes.rs `ACK_IV_SIZE`: the ack cipher's IV, sent in clear. */
export const ACK_IV_LEN = 16;
/** AES-128 keys: the ack key, the per-packet key, a reply SURB's encryption key. */
export const AES_KEY_LEN = 16;
export const ACK_KEY_LEN = AES_KEY_LEN;
export const PACKET_KEY_LEN = AES_KEY_LEN;
export const SURB_ENCRYPTION_KEY_LEN = AES_KEY_LEN;
/** ReplySurbKeyDigestAlgorithm output (blake3). */
export const REPLY_KEY_DIGEST_LEN = 32;
/** x25519 public keys (the ephemeral key in a regular payload, a recipient's encryption key). */
export const X25519_KEY_LEN = 32;
/** ed25519 public keys (a client's identity, a gateway's identity). */
export const ED25519_KEY_LEN = 32;
/** anonymous-replies requests/mod.rs `SENDER_TAG_SIZE`. */
export const SENDER_TAG_LEN = 16;
/** addressing/src/nodes.rs `MAX_NODE_ADDRESS_UNPADDED_LEN`: `6 ‖ port (2) ‖ ipv6 (16)`. */
export const MAX_NODE_ADDRESS_UNPADDED_LEN = 19;
/** Ack payload: IV (16) ‖ AES-CTR(ack key, IV, fragment id (5)) = 21 = ack packet plaintext. */
export const ACK_PAYLOAD_LEN = ACK_IV_LEN + FRAG_ID_LEN;
/** The Sphinx ack packet: header (348) ‖ payload (21 + 17) = 386 bytes. */
export const ACK_PACKET_LEN = Geometry.of('ack').packetLength;
/**
 * acknowledgements/src/surb_ack.rs `SurbAck::len`: first hop (19, zero padded) ‖ ack packet
 * (386) = 405 bytes, at the front of every regular, reply and cover payload.
 */
export const SURB_ACK_LEN = MAX_NODE_ADDRESS_UNPADDED_LEN + ACK_PACKET_LEN;
/**
 * message.rs `available_sphinx_plaintext_per_packet`: every packet carries the SURB-ack and a
 * 32-byte key slot (the ephemeral x25519 key, or the reply key's blake3 digest).
 */
export const PAYLOAD_OVERHEAD_LEN = SURB_ACK_LEN + 32;
/** chunking/src/lib.rs `MIN_PADDING_OVERHEAD`: the `0x01` marker after every message. */
export const MIN_PADDING_OVERHEAD = 1;

/**
 * Packet sizes and their one-byte wire tags (packet_sizes.rs, `#[repr(u8)] PacketSize`). The
 * sizes are Sphinx's: header 348 ‖ payload (plaintext + 17).
 */
export type PacketSize = SphinxPacketSize;
export const PACKET_SIZE_TAGS: Readonly<Record<PacketSize, number>> = {
  regular: 1,
  ack: 2,
  extended32: 3,
  extended8: 4,
  extended16: 5,
};

/** The packet size of a wire tag (1..5). */
export function packetSizeFromTag(tag: number): PacketSize {
  for (const [size, t] of Object.entries(PACKET_SIZE_TAGS)) if (t === tag) return size as PacketSize;
  throw new InvalidArgumentError(`${tag} is not a packet size tag`);
}

/** Sphinx plaintext of a packet size: regular 2048, ack 21, extended8/16/32 8/16/32 KiB. */
export function plaintextSize(size: PacketSize): number {
  return Geometry.of(size).plaintextLength;
}

/** Whole Sphinx packet length of a packet size: regular 2413, ack 386, ... */
export function packetLength(size: PacketSize): number {
  return Geometry.of(size).packetLength;
}

/**
 * Fragment bytes one packet carries (message.rs `available_sphinx_plaintext_per_packet`):
 * plaintext - SURB-ack (405) - key slot (32). Regular: 1611. Same for plain, repliable and
 * reply messages (the ephemeral key and the reply-key digest are both 32 bytes).
 */
export function fragmentCapacity(size: PacketSize): number {
  if (size === 'ack') throw new InvalidArgumentError('ack packets carry no fragments');
  return plaintextSize(size) - PAYLOAD_OVERHEAD_LEN;
}

/**
 * The packet size whose plaintext is exactly `payloadLength` bytes (packet_sizes.rs
 * `get_type_from_plaintext`); Nym picks a fragment's packet size this way.
 */
export function packetSizeForPlaintext(payloadLength: number): PacketSize | undefined {
  for (const size of ['regular', 'ack', 'extended8', 'extended16', 'extended32'] as const) {
    if (plaintextSize(size) === payloadLength) return size;
  }
  return undefined;
}

/**
 * params/src/key_rotation.rs `SphinxKeyRotation` (u8): which of a node's two Sphinx keys a
 * packet (or a reply SURB) was built for. Carried in v2 SURB lists and in packet framing.
 */
export const SphinxKeyRotation = { Unknown: 0, Odd: 1, Even: 2 } as const;
export type SphinxKeyRotation = (typeof SphinxKeyRotation)[keyof typeof SphinxKeyRotation];

/** Decode the rotation byte; anything but 0, 1, 2 is `InvalidKeyRotationError`. */
export function keyRotationFromByte(b: number): SphinxKeyRotation {
  if (b === 0 || b === 1 || b === 2) return b;
  throw new InvalidKeyRotationError(b);
}

/** From a topology's rotation id (u32): 0 and u32::MAX are unknown, then by parity. */
export function keyRotationFromId(rotationId: number): SphinxKeyRotation {
  if (!Number.isInteger(rotationId) || rotationId < 0 || rotationId > 0xffffffff)
    throw new InvalidArgumentError(`rotation id ${rotationId} is not a u32`);
  if (rotationId === 0 || rotationId === 0xffffffff) return SphinxKeyRotation.Unknown;
  return rotationId % 2 === 0 ? SphinxKeyRotation.Even : SphinxKeyRotation.Odd;
}

/**
 * Nym's client default (client-core config-types `Traffic::default`): build Sphinx packets,
 * acks and reply SURBs in the legacy format (version 258, explicit 192-byte payload keys) and
 * attach reply SURBs as v1 lists (4 hops, 1164 bytes each).
 */
export const DEFAULT_USE_LEGACY_SPHINX_FORMAT = true;

/** The Sphinx version a client builds with, from Nym's legacy-format switch. */
export function sphinxVersionFor(useLegacyFormat: boolean): 258 | 259 {
  return useLegacyFormat ? 258 : 259;
}

/**
 * Nym's client defaults that shape its traffic (client-core config-types/src/lib.rs
 * `Traffic`, `CoverTraffic`, `Acknowledgements`, `ReplySurbs` defaults; the wasm client
 * reports the same from `default_debug()`). Durations in milliseconds.
 */
export const NYM_CLIENT_DEFAULTS = Object.freeze({
  averagePacketDelayMs: 15,
  messageSendingAverageDelayMs: 20,
  loopCoverAverageDelayMs: 200,
  averageAckDelayMs: 15,
  ackWaitMultiplier: 1.5,
  ackWaitAdditionMs: 1500,
  minimumReplySurbStorageThreshold: 10,
  maximumReplySurbStorageThreshold: 200,
  minimumReplySurbRequestSize: 10,
  maximumReplySurbRequestSize: 50,
  maximumAllowedReplySurbRequestSize: 500,
  maximumReplySurbRerequestWaitingPeriodMs: 10_000,
  maximumReplySurbDropWaitingPeriodMs: 300_000,
  maximumReplySurbRerequests: 5,
  maximumReplyKeyAgeMs: 86_400_000,
});
