/**
 * Every Sphinx length, derived in one place (Katzenpost-style geometry object).
 *
 * Constants follow nymtech/sphinx (src/constants.rs), sphinx-packet as used by Nym.
 */
import { InvalidArgumentError, UnknownPacketSizeError } from './errors.js';

/** k in the Sphinx paper, bytes (128 bits). */
export const SECURITY_PARAMETER = 16;
/** r in the Sphinx paper: most hops a packet can have. */
export const MAX_PATH_LENGTH = 5;
/** Node and destination addresses are 2k = 32 bytes. */
export const NODE_ADDRESS_LENGTH = 32;
export const DESTINATION_ADDRESS_LENGTH = 32;
/** SURB identifier carried to the final hop, k = 16 bytes. */
export const SURB_ID_LENGTH = 16;
/** X25519 group element (alpha) and keys. */
export const GROUP_ELEMENT_LENGTH = 32;
/** Header MAC gamma: HMAC-SHA256 truncated to k = 16 bytes. */
export const MAC_LENGTH = 16;
export const FLAG_LENGTH = 1;
/** Version: 3 bytes, `0x00 || u16 big-endian`. */
export const VERSION_LENGTH = 3;
/** Per-hop delay: u64 big-endian nanoseconds. */
export const DELAY_LENGTH = 8;

/** Per-hop routing block: flag(1) || version(3) || next address(32) || delay(8) = 44 bytes. */
export const NODE_META_INFO_LENGTH = FLAG_LENGTH + VERSION_LENGTH + NODE_ADDRESS_LENGTH + DELAY_LENGTH;
/** One hop's share of beta: meta info (44) || next MAC (16) = 60 bytes. */
export const ROUTING_STEP_LENGTH = NODE_META_INFO_LENGTH + MAC_LENGTH;
/** Final hop block: flag(1) || version(3) || destination(32) || SURB id(16) = 52 bytes. */
export const FINAL_META_INFO_LENGTH =
  FLAG_LENGTH + VERSION_LENGTH + DESTINATION_ADDRESS_LENGTH + SURB_ID_LENGTH;
/** beta: 5 x 60 = 300 bytes. */
export const ROUTING_INFO_LENGTH = ROUTING_STEP_LENGTH * MAX_PATH_LENGTH;
/** AES-128-CTR keystream per hop: 6 x 60 = 360 bytes (beta plus one step of zero padding). */
export const STREAM_CIPHER_OUTPUT_LENGTH = ROUTING_STEP_LENGTH * (MAX_PATH_LENGTH + 1);
/** Header: alpha(32) || gamma(16) || beta(300) = 348 bytes. */
export const HEADER_LENGTH = GROUP_ELEMENT_LENGTH + MAC_LENGTH + ROUTING_INFO_LENGTH;

/** Payload plaintext overhead: 16 leading zero bytes and one 0x01 marker = 17 bytes. */
export const PAYLOAD_OVERHEAD_LENGTH = SECURITY_PARAMETER + 1;
/** Lioness needs a block longer than its 32-byte left half. */
export const MIN_PAYLOAD_LENGTH = 33;

/** The five packet sizes Nym uses; all other lengths are rejected by nodes. */
export type PacketSize = 'regular' | 'ack' | 'extended8' | 'extended16' | 'extended32';

/** Message capacity (plaintext bytes) of each packet size. */
const PLAINTEXT_LENGTHS: Record<PacketSize, number> = {
  regular: 2 * 1024,
  // SURB-ack: 16-byte IV || 5-byte fragment id
  ack: 21,
  extended8: 8 * 1024,
  extended16: 16 * 1024,
  extended32: 32 * 1024,
};

/** Every packet size, in a stable order. */
export const PACKET_SIZES: readonly PacketSize[] = [
  'regular',
  'ack',
  'extended8',
  'extended16',
  'extended32',
];

/**
 * The lengths of one packet size. On the wire a packet is `header (348) || payload`, and the
 * payload is `plaintextLength + 17` bytes: regular 2048 -> 2413, ack 21 -> 386,
 * extended8 -> 8557, extended16 -> 16749, extended32 -> 33133.
 */
export class Geometry {
  readonly headerLength = HEADER_LENGTH;
  /** Longest message this size carries. */
  readonly plaintextLength: number;
  /** Sphinx payload length (Lioness block). */
  readonly payloadLength: number;
  /** Whole packet on the wire: header || payload. */
  readonly packetLength: number;

  private constructor(readonly size: PacketSize) {
    this.plaintextLength = PLAINTEXT_LENGTHS[size];
    this.payloadLength = this.plaintextLength + PAYLOAD_OVERHEAD_LENGTH;
    this.packetLength = HEADER_LENGTH + this.payloadLength;
  }

  private static readonly all = new Map<PacketSize, Geometry>(PACKET_SIZES.map((s) => [s, new Geometry(s)]));
  private static readonly byLength = new Map<number, Geometry>(
    [...Geometry.all.values()].map((g) => [g.packetLength, g]),
  );

  /** The geometry of a packet size; throws `InvalidArgumentError` for an unknown name. */
  static of(size: PacketSize): Geometry {
    const g = Geometry.all.get(size);
    if (!g) throw new InvalidArgumentError(`unknown packet size ${JSON.stringify(size)}`);
    return g;
  }

  /** The geometry whose packet length is `length`, or undefined. */
  static forPacketLength(length: number): Geometry | undefined {
    return Geometry.byLength.get(length);
  }
}

/** The geometry of a packet size. */
export function geometryFor(size: PacketSize): Geometry {
  return Geometry.of(size);
}

/** Whole-packet length of a packet size (e.g. 'regular' -> 2413). */
export function packetLengthFor(size: PacketSize): number {
  return Geometry.of(size).packetLength;
}

/** The packet size of a packet length; throws `UnknownPacketSizeError` for any other length. */
export function packetSizeForLength(length: number): PacketSize {
  const g = Geometry.forPacketLength(length);
  if (!g) throw new UnknownPacketSizeError(length);
  return g.size;
}
