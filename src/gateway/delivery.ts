/**
 * The final hop: what the gateway does with a Sphinx payload addressed to one of its
 * clients (Nym's common/nymsphinx/framing/src/processing.rs `split_into_ack_and_message`,
 * and the gateway's mixnet handling): the SURB-ack at the front goes back into the mixnet
 * at once, the rest is pushed to the client if connected (and proven: authenticated.ts), else
 * stored until it returns.
 * A payload too short to hold a SURB-ack (an ack packet's) is delivered whole.
 */
import type { ClientRegistry } from './context.js';
import type { GatewayMetrics } from './metrics.js';
import { SURB_ACK_SIZE, splitSurbAck } from './protocol/index.js';
import type { GatewayStore } from './store.js';

export interface FinalPayload {
  /** The destination address: the client's identity. */
  readonly destination: Uint8Array;
  readonly payload: Uint8Array;
}

export interface DeliveryDeps {
  readonly clients: ClientRegistry;
  readonly store: () => GatewayStore | null;
  /** Sends an ack packet to a 32-byte Sphinx node address; false when it cannot. */
  sendAck(firstHop: Uint8Array, ackPacket: Uint8Array): boolean;
  /** Counts a dropped packet by reason. */
  drop(reason: 'unknown_client' | 'bad_payload'): void;
  readonly metrics: GatewayMetrics;
  readonly now: () => number;
}

export function finalHopDelivery(d: DeliveryDeps): (packets: readonly FinalPayload[]) => void {
  return (packets) => {
    const store = d.store();
    if (!store) return;
    for (const p of packets) {
      const id = Buffer.from(p.destination.buffer, p.destination.byteOffset, p.destination.length).toString(
        'hex',
      );
      if (!d.clients.isRegistered(id)) {
        d.drop('unknown_client');
        continue;
      }
      let message = p.payload;
      if (p.payload.length >= SURB_ACK_SIZE) {
        let split: ReturnType<typeof splitSurbAck>;
        try {
          split = splitSurbAck(p.payload);
        } catch {
          // Nym drops a packet whose SURB-ack does not parse
          d.drop('bad_payload');
          continue;
        }
        // copy: the ack outlives this result buffer in the outbound queue
        if (d.sendAck(split.ack.firstHop, split.ack.ackPacket.slice())) d.metrics.acksSent.inc();
        else d.drop('bad_payload');
        message = split.message;
      }
      const s = d.clients.get(id);
      if (s && !s.holdsLive) s.push(message);
      else {
        store.storeMessage(p.destination, message, d.now());
        d.metrics.stored.inc();
      }
    }
  };
}
