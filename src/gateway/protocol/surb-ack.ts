/**
 * SURB-ack layout, at the front of every final Sphinx payload addressed to a client
 * (Nym's layout, with Nymph's 32-byte node addresses instead of Nym's 19-byte ones):
 *
 *   final payload = SURB-ack ‖ rest
 *   SURB-ack      = first hop address (32) ‖ ack Sphinx packet (386)          = 418 bytes
 *
 * `first hop address` is the Sphinx node address (ip version ‖ port BE ‖ ip, zero padded)
 * of the layer-1 mix node the ack goes to; the ack packet is a whole Sphinx packet of the
 * ack size (21-byte payload + 365 overhead = 386), routed back to the sender's gateway
 * and carrying the fragment id the sender waits for. The receiving gateway sends the ack
 * into the mixnet at once and delivers only `rest` to the client.
 */
import { MalformedMessageError } from './errors.js';
import { NODE_ADDRESS_SIZE } from './frames.js';

export const ACK_PACKET_SIZE = 386;
export const SURB_ACK_SIZE = NODE_ADDRESS_SIZE + ACK_PACKET_SIZE;

export interface SurbAck {
  firstHop: Uint8Array;
  ackPacket: Uint8Array;
}

export function encodeSurbAck(ack: SurbAck): Uint8Array {
  if (ack.firstHop.length !== NODE_ADDRESS_SIZE)
    throw new MalformedMessageError('first hop must be 32 bytes', 'firstHop');
  if (ack.ackPacket.length !== ACK_PACKET_SIZE)
    throw new MalformedMessageError(`ack packet must be ${ACK_PACKET_SIZE} bytes`, 'ackPacket');
  const out = new Uint8Array(SURB_ACK_SIZE);
  out.set(ack.firstHop, 0);
  out.set(ack.ackPacket, NODE_ADDRESS_SIZE);
  return out;
}

/** Prepends a SURB-ack to a message: what the sender puts in the final payload. */
export function withSurbAck(ack: SurbAck, message: Uint8Array): Uint8Array {
  const out = new Uint8Array(SURB_ACK_SIZE + message.length);
  out.set(encodeSurbAck(ack), 0);
  out.set(message, SURB_ACK_SIZE);
  return out;
}

/** Splits a final payload into its SURB-ack and the rest; views, no copies. */
export function splitSurbAck(payload: Uint8Array): { ack: SurbAck; message: Uint8Array } {
  if (payload.length < SURB_ACK_SIZE)
    throw new MalformedMessageError(`payload of ${payload.length} bytes cannot hold a SURB-ack`);
  return {
    ack: {
      firstHop: payload.subarray(0, NODE_ADDRESS_SIZE),
      ackPacket: payload.subarray(NODE_ADDRESS_SIZE, SURB_ACK_SIZE),
    },
    message: payload.subarray(SURB_ACK_SIZE),
  };
}
