/**
 * Binary websocket frames between client and gateway, after the handshake.
 *
 *   frame   = kind (1) ‖ encrypted flag (1) ‖ nonce (12) ‖ ciphertext (plaintext + 16 tag)
 *   AAD     = kind ‖ encrypted flag     (binds the kind to the ciphertext)
 *
 * The flag is always 1 here: Nymph never sends a session frame in clear. It stays in the
 * layout to keep Nym's shape.
 *
 * Plaintexts by kind:
 *   0x01 FORWARD  (client -> gateway): mix packet = packet type (1) ‖ first hop (32) ‖ sphinx packet
 *   0x02 RECEIVED (gateway -> client): one message delivered to the client: the final
 *                 Sphinx payload with its SURB-ack removed (see surb-ack.ts)
 */
import { AEAD_NONCE_SIZE, AEAD_TAG_SIZE, nobleAead, type Aead } from './aead.js';
import { MalformedMessageError } from './errors.js';

export const FRAME_KIND_FORWARD = 0x01;
export const FRAME_KIND_RECEIVED = 0x02;
export type FrameKind = typeof FRAME_KIND_FORWARD | typeof FRAME_KIND_RECEIVED;

export const FRAME_HEADER_SIZE = 2 + AEAD_NONCE_SIZE; // kind ‖ flag ‖ nonce
export const FRAME_OVERHEAD = FRAME_HEADER_SIZE + AEAD_TAG_SIZE;

/** Packet type byte of a mix packet: Nym's `PacketType::Mix` (Sphinx). */
export const PACKET_TYPE_SPHINX = 0x00;
/** Node addresses are the Sphinx 32-byte encoding (ip version ‖ port ‖ ip, zero padded). */
export const NODE_ADDRESS_SIZE = 32;
export const MIX_PACKET_HEADER_SIZE = 1 + NODE_ADDRESS_SIZE;

export interface MixPacket {
  packetType: number;
  /** 32-byte Sphinx node address of the first mix hop (layer 1). */
  nextHop: Uint8Array;
  /** The whole Sphinx packet, one of the allowed sizes. */
  packet: Uint8Array;
}

export function encodeMixPacket(p: MixPacket): Uint8Array {
  if (p.nextHop.length !== NODE_ADDRESS_SIZE)
    throw new MalformedMessageError('next hop must be 32 bytes', 'nextHop');
  const out = new Uint8Array(MIX_PACKET_HEADER_SIZE + p.packet.length);
  out[0] = p.packetType;
  out.set(p.nextHop, 1);
  out.set(p.packet, MIX_PACKET_HEADER_SIZE);
  return out;
}

/** Splits a mix packet; views into `bytes`, no copies. Size checks are the gateway's. */
export function decodeMixPacket(bytes: Uint8Array): MixPacket {
  if (bytes.length <= MIX_PACKET_HEADER_SIZE) throw new MalformedMessageError('mix packet too short');
  return {
    packetType: bytes[0],
    nextHop: bytes.subarray(1, MIX_PACKET_HEADER_SIZE),
    packet: bytes.subarray(MIX_PACKET_HEADER_SIZE),
  };
}

export function encodeFrame(
  kind: FrameKind,
  key: Uint8Array,
  nonce: Uint8Array,
  plaintext: Uint8Array,
  aead: Aead = nobleAead,
): Uint8Array {
  if (nonce.length !== AEAD_NONCE_SIZE) throw new MalformedMessageError('nonce must be 12 bytes', 'nonce');
  const header = new Uint8Array([kind, 1]);
  const ct = aead.seal(key, nonce, plaintext, header);
  const out = new Uint8Array(FRAME_HEADER_SIZE + ct.length);
  out.set(header, 0);
  out.set(nonce, 2);
  out.set(ct, FRAME_HEADER_SIZE);
  return out;
}

export interface DecodedFrame {
  kind: FrameKind;
  plaintext: Uint8Array;
}

export function decodeFrame(bytes: Uint8Array, key: Uint8Array, aead: Aead = nobleAead): DecodedFrame {
  if (bytes.length < FRAME_OVERHEAD)
    throw new MalformedMessageError(`frame of ${bytes.length} bytes is too short`);
  const kind = bytes[0];
  if (kind !== FRAME_KIND_FORWARD && kind !== FRAME_KIND_RECEIVED)
    throw new MalformedMessageError(`unknown frame kind ${kind}`, 'kind');
  if (bytes[1] !== 1) throw new MalformedMessageError('unencrypted frames are not accepted', 'encrypted');
  const plaintext = aead.open(
    key,
    bytes.subarray(2, FRAME_HEADER_SIZE),
    bytes.subarray(FRAME_HEADER_SIZE),
    bytes.subarray(0, 2),
    'binary frame',
  );
  return { kind, plaintext };
}
