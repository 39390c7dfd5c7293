/**
 * Node-to-node framing on TCP (Nym's NymCodec shape). Every frame is one whole Sphinx
 * packet behind a 4-byte header; the size tag is the length prefix, so only the fixed
 * packet sizes can be expressed and anything else is rejected at the header.
 *
 *   frame  = packet version (1) ‖ size tag (1) ‖ packet type (1) ‖ key rotation (1) ‖ packet
 *
 *   packet version  1 (Nymph's Sphinx packet format)
 *   size tag        1 regular 2413 | 2 ack 386 | 3 extended32 33133 | 4 extended8 8557 |
 *                   5 extended16 16749    (Nym's PacketSize numbering; payload + 365 bytes)
 *   packet type     0 Sphinx (Nym's PacketType::Mix); Outfox (2) is not supported
 *   key rotation    0 unknown, 1 odd, 2 even rotation of the key the packet was built for
 *                   (Nym's SphinxKeyRotation, common/nymsphinx/params/src/key_rotation.rs);
 *                   a marked packet is unwrapped with the held key of that parity only,
 *                   an unmarked one with the primary key, then the secondary; any other
 *                   value is a bad frame (Nym's InvalidSphinxKeyRotation)
 *
 * Pure: a streaming decoder over chunks, no sockets.
 */
import { packetLengthFor, type PacketSize } from '../sphinx/index.js';
import { BadFrameError } from './errors.js';

export const FRAME_VERSION = 1;
export const FRAME_HEADER_SIZE = 4;
export const PACKET_TYPE_SPHINX = 0;
/** Largest key-rotation marker (2, even rotation). */
export const MAX_KEY_ROTATION = 2;

/** Size tag -> Sphinx packet size (Nym's PacketSize numbering). */
export const SIZE_TAGS: ReadonlyMap<number, PacketSize> = new Map<number, PacketSize>([
  [1, 'regular'],
  [2, 'ack'],
  [3, 'extended32'],
  [4, 'extended8'],
  [5, 'extended16'],
]);

/** Size tag -> whole packet length in bytes (from the Sphinx geometry). */
export const PACKET_SIZES: ReadonlyMap<number, number> = new Map(
  [...SIZE_TAGS].map(([tag, size]) => [tag, packetLengthFor(size)]),
);
const TAG_BY_SIZE = new Map([...PACKET_SIZES].map(([tag, len]) => [len, tag]));
export const MAX_PACKET_SIZE = Math.max(...PACKET_SIZES.values());

export function sizeTagFor(packetLength: number): number | undefined {
  return TAG_BY_SIZE.get(packetLength);
}

export function isAllowedPacketSize(n: number): boolean {
  return TAG_BY_SIZE.has(n);
}

/** Header bytes for a packet of this length; undefined when the length is not allowed. */
export function frameHeader(packetLength: number, keyRotation = 0): Uint8Array | undefined {
  const tag = TAG_BY_SIZE.get(packetLength);
  if (tag === undefined) return undefined;
  return new Uint8Array([FRAME_VERSION, tag, PACKET_TYPE_SPHINX, keyRotation]);
}

/** One header per size, shared by every frame written (no per-packet allocation). */
const SHARED_HEADERS = new Map([...PACKET_SIZES.values()].map((len) => [len, frameHeader(len)!]));
export function sharedFrameHeader(packetLength: number): Uint8Array | undefined {
  return SHARED_HEADERS.get(packetLength);
}

export function encodeFrame(packet: Uint8Array, keyRotation = 0): Uint8Array {
  const h = frameHeader(packet.length, keyRotation);
  if (!h) throw new BadFrameError('size', packet.length);
  const out = new Uint8Array(FRAME_HEADER_SIZE + packet.length);
  out.set(h, 0);
  out.set(packet, FRAME_HEADER_SIZE);
  return out;
}

/**
 * Streaming decoder. `push(chunk)` calls `onPacket` for every complete packet: a view into
 * the chunk when the packet lies inside it (the common case for big reads), otherwise a
 * freshly assembled copy. The callee must copy what it keeps past the call. After a bad
 * header it throws BadFrameError and stays failed: the caller closes the connection,
 * since the stream has lost its alignment.
 */
export class FrameDecoder {
  private pending: Uint8Array | null = null; // partial frame bytes carried between chunks
  private failed: BadFrameError | null = null;

  constructor(private readonly onPacket: (packet: Uint8Array, keyRotation: number) => void) {}

  push(chunk: Uint8Array): void {
    if (this.failed) throw this.failed;
    let buf = chunk;
    if (this.pending) {
      const joined = new Uint8Array(this.pending.length + chunk.length);
      joined.set(this.pending, 0);
      joined.set(chunk, this.pending.length);
      buf = joined;
      this.pending = null;
    }
    let off = 0;
    while (buf.length - off >= FRAME_HEADER_SIZE) {
      const len = this.check(buf, off);
      if (buf.length - off - FRAME_HEADER_SIZE < len) break;
      const start = off + FRAME_HEADER_SIZE;
      this.onPacket(buf.subarray(start, start + len), buf[off + 3]);
      off = start + len;
    }
    if (off < buf.length) this.pending = buf.slice(off);
  }

  /** Bytes held waiting for the rest of a frame. */
  get buffered(): number {
    return this.pending?.length ?? 0;
  }

  private check(buf: Uint8Array, off: number): number {
    let err: BadFrameError | null = null;
    const len = PACKET_SIZES.get(buf[off + 1]);
    if (buf[off] !== FRAME_VERSION) err = new BadFrameError('version', buf[off]);
    else if (len === undefined) err = new BadFrameError('size', buf[off + 1]);
    else if (buf[off + 2] !== PACKET_TYPE_SPHINX) err = new BadFrameError('packetType', buf[off + 2]);
    else if (buf[off + 3] > MAX_KEY_ROTATION) err = new BadFrameError('keyRotation', buf[off + 3]);
    if (err) {
      this.failed = err;
      this.pending = null;
      throw err;
    }
    return len!;
  }
}
