/**
 * SURB-ack layout at the front of every final Sphinx payload addressed to a client
 * (Nym's common/nymsphinx/acknowledgements/src/surb_ack.rs, `prepare_for_sending` and
 * `try_recover_first_hop_packet`; split at the final hop in common/nymsphinx/framing/src/processing.rs):
 *
 *   final payload = SURB-ack ‖ rest
 *   SURB-ack      = first hop (Nym address zero-padded to 19) ‖ ack Sphinx packet (386) = 405 bytes
 *
 * The ack packet is a whole Sphinx packet of the ack size (21-byte payload + 365 overhead),
 * routed back to the sender's gateway and carrying the fragment id the sender waits for.
 * The receiving gateway sends it to the first hop at once and delivers only `rest`.
 * Callers hand in and get back 32-byte Sphinx node addresses; the 19-byte form is inside.
 */
import { MalformedMessageError } from './errors.js';
import { MAX_NYM_ADDRESS_SIZE, nymAddressOf, readNymAddress } from './node-address.js';

export const ACK_PACKET_SIZE = 386;
export const SURB_ACK_FIRST_HOP_SIZE = MAX_NYM_ADDRESS_SIZE; // 19
export const SURB_ACK_SIZE = SURB_ACK_FIRST_HOP_SIZE + ACK_PACKET_SIZE; // 405

export interface SurbAck {
  /** 32-byte Sphinx node address of the first hop of the ack. */
  firstHop: Uint8Array;
  ackPacket: Uint8Array;
}

export function encodeSurbAck(ack: SurbAck): Uint8Array {
  if (ack.ackPacket.length !== ACK_PACKET_SIZE)
    throw new MalformedMessageError(`ack packet must be ${ACK_PACKET_SIZE} bytes`, 'ackPacket');
  let hop: Uint8Array;
  try {
    hop = nymAddressOf(ack.firstHop);
  } catch {
    throw new MalformedMessageError('first hop must be a 32-byte Sphinx node address', 'firstHop');
  }
  const out = new Uint8Array(SURB_ACK_SIZE);
  out.set(hop, 0);
  out.set(ack.ackPacket, SURB_ACK_FIRST_HOP_SIZE);
  return out;
}

/** Prepends a SURB-ack to a message: what the sender puts in the final payload. */
export function withSurbAck(ack: SurbAck, message: Uint8Array): Uint8Array {
  const out = new Uint8Array(SURB_ACK_SIZE + message.length);
  out.set(encodeSurbAck(ack), 0);
  out.set(message, SURB_ACK_SIZE);
  return out;
}

/** Splits a final payload into its SURB-ack and the rest; the packet and rest are views. */
export function splitSurbAck(payload: Uint8Array): { ack: SurbAck; message: Uint8Array } {
  if (payload.length < SURB_ACK_SIZE)
    throw new MalformedMessageError(`payload of ${payload.length} bytes cannot hold a SURB-ack`);
  let firstHop: Uint8Array;
  try {
    firstHop = readNymAddress(payload.subarray(0, SURB_ACK_FIRST_HOP_SIZE)).nodeAddress;
  } catch {
    throw new MalformedMessageError('SURB-ack first hop is not a node address', 'firstHop');
  }
  return {
    ack: { firstHop, ackPacket: payload.subarray(SURB_ACK_FIRST_HOP_SIZE, SURB_ACK_SIZE) },
    message: payload.subarray(SURB_ACK_SIZE),
  };
}
