/**
 * Binary websocket frames after registration (Nym's common/gateway-requests/src/types/
 * {helpers,binary_request,binary_response}.rs; mix packets: common/nymsphinx/forwarding/src/packet.rs).
 *
 *   frame = kind (1) ‖ encrypted flag (1) ‖ nonce (12) ‖ SIV(K, nonce, plaintext) (plaintext + 16)
 *
 * No associated data: the kind travels in clear. Nym also accepts flag 0 (plaintext after
 * the nonce bytes); Nymph seals every frame and refuses flag 0 as an unexpected flag.
 *
 * Client -> gateway (BinaryRequestKind):
 *   1 ForwardSphinx    plaintext = packet type (1) ‖ next hop (Nym address, 7|19) ‖ Sphinx packet
 *   2 ForwardSphinxV2  plaintext = packet type (1) ‖ key rotation (1) ‖ next hop (7|19) ‖ Sphinx packet
 * Gateway -> client (BinaryResponseKind):
 *   1 PushedMixMessage plaintext = one delivered message (final payload minus its SURB-ack)
 *
 * Packet type: 0 Sphinx (Nym's PacketType::Mix); 2 Outfox is Nym's and not supported here.
 * Key rotation: 0 unknown, 1 odd, 2 even rotation of the first hop's Sphinx key
 * (Nym's SphinxKeyRotation). The Sphinx packet must have one of the allowed sizes.
 */
import { packetLengthFor, PACKET_SIZES } from '../../sphinx/index.js';
import { AEAD_NONCE_SIZE, AEAD_TAG_SIZE, nobleAead, type Aead } from './aead.js';
import { concatBytes } from './bytes.js';
import {
  BadEncryptionFlagError,
  BadPacketError,
  DecryptionError,
  MalformedFrameError,
  UnknownFrameKindError,
} from './errors.js';
import { nymAddressOf, readNymAddress } from './node-address.js';

export const FRAME_KIND_FORWARD_SPHINX = 1;
export const FRAME_KIND_FORWARD_SPHINX_V2 = 2;
export const FRAME_KIND_PUSHED_MIX_MESSAGE = 1;
export type RequestFrameKind = typeof FRAME_KIND_FORWARD_SPHINX | typeof FRAME_KIND_FORWARD_SPHINX_V2;

export const FRAME_HEADER_SIZE = 2 + AEAD_NONCE_SIZE; // kind ‖ flag ‖ nonce
export const FRAME_OVERHEAD = FRAME_HEADER_SIZE + AEAD_TAG_SIZE;

/** Nym's PacketType::Mix. */
export const PACKET_TYPE_SPHINX = 0;
/** Nym's PacketType::Outfox (refused). */
export const PACKET_TYPE_OUTFOX = 2;
export const KEY_ROTATION_UNKNOWN = 0;
export const KEY_ROTATION_ODD = 1;
export const KEY_ROTATION_EVEN = 2;

const ALLOWED_PACKET_LENGTHS: ReadonlySet<number> = new Set(PACKET_SIZES.map((s) => packetLengthFor(s)));

export interface MixPacket {
  packetType: number;
  /** Which of the first hop's Sphinx keys the packet uses (0 in ForwardSphinx). */
  keyRotation: number;
  /** 32-byte Sphinx node address of the first mix hop (its short Nym form on the wire). */
  nextHop: Uint8Array;
  /** The whole Sphinx packet. */
  packet: Uint8Array;
}

/** Nym's SphinxKeyRotation of a rotation id: 0 and u32::MAX unknown, else odd or even. */
export function keyRotationOf(rotationId: number): number {
  if (rotationId === 0 || rotationId === 0xffffffff) return KEY_ROTATION_UNKNOWN;
  return rotationId % 2 === 0 ? KEY_ROTATION_EVEN : KEY_ROTATION_ODD;
}

/** `into_v2_bytes`: packet type ‖ key rotation ‖ next hop (short) ‖ packet. */
export function encodeMixPacket(p: {
  packetType: number;
  nextHop: Uint8Array;
  packet: Uint8Array;
  keyRotation?: number;
}): Uint8Array {
  return concatBytes(
    Uint8Array.of(p.packetType, p.keyRotation ?? KEY_ROTATION_UNKNOWN),
    nymAddressOf(p.nextHop),
    p.packet,
  );
}

/** `into_v1_bytes` (ForwardSphinx, no key rotation): what pre-v5 clients send. */
export function encodeMixPacketV1(p: {
  packetType: number;
  nextHop: Uint8Array;
  packet: Uint8Array;
}): Uint8Array {
  return concatBytes(Uint8Array.of(p.packetType), nymAddressOf(p.nextHop), p.packet);
}

/** Length of the Sphinx packet inside encoded v2 mix packet bytes (what the gateway charges). */
export function sphinxLengthOf(mixPacketV2: Uint8Array): number {
  return mixPacketV2.length - 2 - readNymAddress(mixPacketV2.subarray(2)).length;
}

/** `try_from_v1_bytes` / `try_from_v2_bytes`; `packet` is a view into `bytes`. */
export function decodeMixPacket(bytes: Uint8Array, version: 1 | 2): MixPacket {
  const head = version === 2 ? 2 : 1;
  if (bytes.length < head + 1) throw new BadPacketError('too few bytes provided to recover from bytes');
  const packetType = bytes[0];
  if (packetType === PACKET_TYPE_OUTFOX)
    throw new BadPacketError(
      'provided packet mode is invalid: outfox packets are not supported by this gateway',
    );
  if (packetType !== PACKET_TYPE_SPHINX)
    throw new BadPacketError(`provided packet mode is invalid: ${packetType} is not a valid packet type tag`);
  const keyRotation = version === 2 ? bytes[1] : KEY_ROTATION_UNKNOWN;
  if (keyRotation > KEY_ROTATION_EVEN)
    throw new BadPacketError(
      `provided key rotation is invalid: ${keyRotation} is not a valid encoding of a sphinx key rotation`,
    );
  const hop = readNymAddress(bytes.subarray(head));
  const packet = bytes.subarray(head + hop.length);
  if (!ALLOWED_PACKET_LENGTHS.has(packet.length))
    throw new BadPacketError(
      `received request had an invalid packet size: ${packet.length} does not correspond with any known packet size`,
    );
  return { packetType, keyRotation, nextHop: hop.nodeAddress, packet };
}

function seal(
  kind: number,
  key: Uint8Array,
  nonce: Uint8Array,
  plaintext: Uint8Array,
  aead: Aead,
): Uint8Array {
  if (nonce.length !== AEAD_NONCE_SIZE) throw new RangeError('nonce must be 12 bytes');
  return concatBytes(Uint8Array.of(kind, 1), nonce, aead.seal(key, nonce, plaintext));
}

/** Nym's `BinaryData::from_raw` then decryption: kind and plaintext of a sealed frame. */
function open(bytes: Uint8Array, key: Uint8Array, aead: Aead, knownKind: (k: number) => boolean) {
  if (bytes.length < 2) throw new MalformedFrameError(bytes.length);
  if (bytes[1] !== 1) throw new BadEncryptionFlagError(bytes[1]);
  if (bytes.length < FRAME_HEADER_SIZE) throw new MalformedFrameError(bytes.length);
  const kind = bytes[0];
  if (!knownKind(kind)) throw new UnknownFrameKindError(kind);
  const plaintext = aead.open(key, bytes.subarray(2, FRAME_HEADER_SIZE), bytes.subarray(FRAME_HEADER_SIZE));
  if (!plaintext) throw new DecryptionError('binary frame');
  return { kind, plaintext };
}

/** Client side: a ForwardSphinxV2 frame carrying encoded v2 mix packet bytes. */
export function encodeForwardFrame(
  key: Uint8Array,
  nonce: Uint8Array,
  mixPacketV2: Uint8Array,
  aead: Aead = nobleAead,
): Uint8Array {
  return seal(FRAME_KIND_FORWARD_SPHINX_V2, key, nonce, mixPacketV2, aead);
}

/** A ForwardSphinx (kind 1, v1 mix packet) frame: what a client that negotiated < 5 sends. */
export function encodeForwardFrameV1(
  key: Uint8Array,
  nonce: Uint8Array,
  mixPacketV1: Uint8Array,
  aead: Aead = nobleAead,
): Uint8Array {
  return seal(FRAME_KIND_FORWARD_SPHINX, key, nonce, mixPacketV1, aead);
}

/** Gateway side: the mix packet of a client's ForwardSphinx or ForwardSphinxV2 frame. */
export function decodeForwardFrame(bytes: Uint8Array, key: Uint8Array, aead: Aead = nobleAead): MixPacket {
  const f = open(
    bytes,
    key,
    aead,
    (k) => k === FRAME_KIND_FORWARD_SPHINX || k === FRAME_KIND_FORWARD_SPHINX_V2,
  );
  return decodeMixPacket(f.plaintext, f.kind === FRAME_KIND_FORWARD_SPHINX_V2 ? 2 : 1);
}

/** Gateway side: one delivered message as a PushedMixMessage frame. */
export function encodePushedFrame(
  key: Uint8Array,
  nonce: Uint8Array,
  message: Uint8Array,
  aead: Aead = nobleAead,
): Uint8Array {
  return seal(FRAME_KIND_PUSHED_MIX_MESSAGE, key, nonce, message, aead);
}

/** Client side: the message of a PushedMixMessage frame. */
export function decodePushedFrame(bytes: Uint8Array, key: Uint8Array, aead: Aead = nobleAead): Uint8Array {
  return open(bytes, key, aead, (k) => k === FRAME_KIND_PUSHED_MIX_MESSAGE).plaintext;
}
