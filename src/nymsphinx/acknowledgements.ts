/**
 * Acknowledgements (common/nymsphinx/acknowledgements).
 *
 * Fragment identifier (chunking/src/fragment.rs `FragmentIdentifier::to_bytes`, 5 bytes):
 *   set id (i32 BE) ‖ position in the set (u8)
 *   loop cover uses `COVER_FRAG_ID` = set 0, position 0; a negative set id is malformed.
 *
 * Ack payload (identifier.rs `prepare_identifier`, 21 bytes = the ack packet's plaintext):
 *   IV (16, random) ‖ AES-128-CTR(ack key, IV, fragment id (5))
 *
 * SURB-ack (surb_ack.rs `prepare_for_sending`, 405 bytes, the front of every payload):
 *   first hop node address, zero padded to 19 ‖ Sphinx ack packet (386)
 *   the ack packet is routed to the SENDER (destination = its identity key), so the
 *   recipient's gateway only has to split it off and forward it to the first hop.
 */
import type { CryptoBackend } from '../crypto/index.js';
import { defaultBackend } from '../crypto/index.js';
import { createPacket, type RouteNode } from '../sphinx/packet.js';
import type { SphinxVersion } from '../sphinx/keys.js';
import {
  decodeNodeRoutingAddress,
  repadNodeAddress,
  sphinxDestination,
  type Recipient,
} from './addressing.js';
import { aesCtr64Be, checkBytes, concat, randomBytes, type RandomBytes } from './crypto.js';
import {
  AckLengthError,
  InvalidArgumentError,
  InvalidFragmentIdError,
  SurbAckLengthError,
} from './errors.js';
import {
  ACK_IV_LEN,
  ACK_KEY_LEN,
  ACK_PACKET_LEN,
  ACK_PAYLOAD_LEN,
  FRAG_ID_LEN,
  MAX_NODE_ADDRESS_UNPADDED_LEN,
  SURB_ACK_LEN,
} from './params.js';

export interface FragmentIdentifier {
  /** The fragment's set id: 1..2^31-1 for real fragments, 0 for cover. */
  readonly setId: number;
  /** The fragment's 1-based position in its set; 0 for cover. */
  readonly position: number;
}

/** chunking/src/fragment.rs `COVER_FRAG_ID`. */
export const COVER_FRAGMENT_ID: FragmentIdentifier = Object.freeze({ setId: 0, position: 0 });

export function isCoverFragmentId(id: FragmentIdentifier): boolean {
  return id.setId === 0 && id.position === 0;
}

/** A stable map key for an identifier. */
export function fragmentIdKey(id: FragmentIdentifier): string {
  return `${id.setId}:${id.position}`;
}

export function encodeFragmentId(id: FragmentIdentifier): Uint8Array {
  if (!Number.isInteger(id.setId) || id.setId < 0 || id.setId > 0x7fffffff)
    throw new InvalidArgumentError(`set id ${id.setId} is not in 0..2^31-1`);
  if (!Number.isInteger(id.position) || id.position < 0 || id.position > 255)
    throw new InvalidArgumentError(`position ${id.position} is not a byte`);
  const out = new Uint8Array(FRAG_ID_LEN);
  new DataView(out.buffer).setInt32(0, id.setId);
  out[4] = id.position;
  return out;
}

/** `FragmentIdentifier::try_from_bytes`: a negative set id is `InvalidFragmentIdError`. */
export function decodeFragmentId(b: Uint8Array): FragmentIdentifier {
  checkBytes('fragment id', b, FRAG_ID_LEN);
  const setId = new DataView(b.buffer, b.byteOffset, 4).getInt32(0);
  if (setId < 0) throw new InvalidFragmentIdError(setId);
  return { setId, position: b[4] };
}

/** A fresh 16-byte ack key (key.rs `AckKey::new`). */
export function generateAckKey(random: RandomBytes): Uint8Array {
  return randomBytes(random, ACK_KEY_LEN).slice();
}

/** The 21-byte ack payload for a fragment: IV ‖ AES-CTR(ack key, IV, id). */
export function prepareAckPayload(
  ackKey: Uint8Array,
  id: FragmentIdentifier,
  random: RandomBytes,
): Uint8Array {
  checkBytes('ack key', ackKey, ACK_KEY_LEN);
  const iv = randomBytes(random, ACK_IV_LEN);
  return concat(iv, aesCtr64Be(ackKey, iv, encodeFragmentId(id)));
}

/**
 * Recover the fragment id from a received ack (identifier.rs `recover_identifier`). Nym's
 * client only treats 21-byte deliveries as acks; anything else is `AckLengthError`.
 */
export function recoverAckPayload(ackKey: Uint8Array, ack: Uint8Array): FragmentIdentifier {
  checkBytes('ack key', ackKey, ACK_KEY_LEN);
  checkBytes('ack', ack);
  if (ack.length !== ACK_PAYLOAD_LEN) throw new AckLengthError(ack.length);
  const iv = ack.subarray(0, ACK_IV_LEN);
  return decodeFragmentId(aesCtr64Be(ackKey, iv, ack.subarray(ACK_IV_LEN)));
}

export interface SurbAckOptions {
  /** Route of the ack: mix nodes then the SENDER's gateway (Nym: `random_route_to_egress`). */
  route: RouteNode[];
  /** Per-hop delays in ns, as for `createPacket` (Nym draws them around the ack delay). */
  delaysNs: bigint[];
  /** The sender: acks come back to its own address. */
  sender: Recipient;
  ackKey: Uint8Array;
  fragmentId: FragmentIdentifier;
  random: RandomBytes;
  /** 258 (Nym's legacy default) or 259. */
  version: SphinxVersion;
  backend?: CryptoBackend;
}

export interface SurbAck {
  /** first hop (19) ‖ ack packet (386): goes at the front of the payload. */
  readonly bytes: Uint8Array;
  /** Sum of the delays before the last hop (the gateway does not delay), in ns. */
  readonly expectedDelayNs: bigint;
}

/** Build a SURB-ack (surb_ack.rs `SurbAck::construct` + `prepare_for_sending`). */
export function buildSurbAck(opts: SurbAckOptions): SurbAck {
  if (opts === null || typeof opts !== 'object') throw new InvalidArgumentError('options missing');
  if (!Array.isArray(opts.route) || opts.route.length < 1)
    throw new InvalidArgumentError('ack route is empty');
  const payload = prepareAckPayload(opts.ackKey, opts.fragmentId, opts.random);
  const packet = createPacket({
    route: opts.route,
    delaysNs: opts.delaysNs,
    destination: sphinxDestination(opts.sender),
    payload,
    size: 'ack',
    random: opts.random,
    version: opts.version,
    backend: opts.backend ?? defaultBackend,
  });
  const firstHop = repadNodeAddress(opts.route[0].address, MAX_NODE_ADDRESS_UNPADDED_LEN);
  const delays = opts.delaysNs.length === opts.route.length ? opts.delaysNs.slice(0, -1) : opts.delaysNs;
  return { bytes: concat(firstHop, packet), expectedDelayNs: delays.reduce((a, d) => a + d, 0n) };
}

export interface RecoveredSurbAck {
  /** The first hop as a 32-byte Sphinx node address. */
  readonly firstHopAddress: Uint8Array;
  /** The 386-byte ack packet to forward to it. */
  readonly packet: Uint8Array;
}

/**
 * What a gateway does with the SURB-ack it splits off a final-hop payload
 * (`try_recover_first_hop_packet`): read the first hop, take the packet after 19 bytes.
 */
export function recoverSurbAck(bytes: Uint8Array): RecoveredSurbAck {
  checkBytes('SURB-ack', bytes);
  if (bytes.length !== SURB_ACK_LEN) throw new SurbAckLengthError(bytes.length);
  const hop = bytes.subarray(0, MAX_NODE_ADDRESS_UNPADDED_LEN);
  decodeNodeRoutingAddress(hop);
  return {
    firstHopAddress: repadNodeAddress(hop, 32),
    packet: bytes.slice(MAX_NODE_ADDRESS_UNPADDED_LEN, MAX_NODE_ADDRESS_UNPADDED_LEN + ACK_PACKET_LEN),
  };
}
