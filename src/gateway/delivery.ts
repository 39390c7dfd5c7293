/**
 * The final hop: what the gateway does with a Sphinx payload addressed to one of its
 * clients (Nym's common/nymsphinx/framing/src/processing.rs `split_into_ack_and_message`,
 * and the gateway's mixnet handling): the SURB-ack at the front goes back into the mixnet,
 * the rest is pushed to the client if connected (and proven: authenticated.ts), else stored
 * until it returns. A payload too short to hold a SURB-ack (an ack packet's) is delivered whole.
 *
 * Two paths, and when the SURB-ack leaves on each. The SURB-ack tells the sender the message
 * arrived: it never retransmits after it, so the message must not be lost by the gateway
 * afterwards.
 * - A connected client without delivery receipts (Nym's clients) gets the message pushed at
 *   once, its SURB-ack sent in the same call: as Nym's gateway does (the socket is the
 *   durability; a frame lost with the process is lost as it is with Nym's).
 * - Everything else is written to the store first: messages for offline clients, for a
 *   session that holds new messages back (draining its inbox, key not yet proven), and every
 *   message for a client with receipts on (protocol/messages.ts). They are collected over
 *   the event-loop turn and written in one transaction (`storeMessages`) when it ends
 *   (setImmediate), so a stream of 32 KB packets pays one commit per turn, not per packet;
 *   only once it has committed do their SURB-acks go out, and a receipt session is handed
 *   each one to push from there (`stored`), to be deleted when the client confirms it. A
 *   kill -9 before the commit loses messages whose senders had no ack (they retransmit);
 *   after it, the messages are in the WAL and the next session pushes what was unconfirmed.
 * A connected client's path is decided again when the turn's batch is written: a drain that
 * ended in between lets a Nym client's message go live as before, not sit in the store.
 */
import type { Logger } from 'pino';
import type { ClientRegistry } from './context.js';
import type { GatewayMetrics } from './metrics.js';
import { SURB_ACK_SIZE, splitSurbAck, type SurbAck } from './protocol/index.js';
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
  /** Where a failed store write is reported (the batch's messages are then dropped, unacked). */
  readonly logger?: Pick<Logger, 'warn'>;
  /** Runs the end-of-turn write (default: setImmediate). */
  readonly endOfTurn?: (write: () => void) => void;
}

/** A message waiting for the turn's transaction, with its SURB-ack (sent after the commit). */
interface Pending {
  readonly client: string;
  readonly destination: Uint8Array;
  readonly message: Uint8Array;
  readonly ack: SurbAck | undefined;
}

export function finalHopDelivery(d: DeliveryDeps): (packets: readonly FinalPayload[]) => void {
  const endOfTurn = d.endOfTurn ?? ((write: () => void) => void setImmediate(write));
  let pending: Pending[] = [];
  /** Clients with messages in `pending`: later ones queue behind them (order is kept). */
  const waiting = new Set<string>();

  const sendAck = (ack: SurbAck | undefined) => {
    if (!ack) return;
    if (d.sendAck(ack.firstHop, ack.ackPacket)) d.metrics.acksSent.inc();
    else d.drop('bad_payload');
  };

  /** Today's path for a connected client without receipts: ack and push at once. */
  const pushLive = (client: string, message: Uint8Array, ack: SurbAck | undefined): boolean => {
    const s = d.clients.get(client);
    if (!s || s.holdsLive || s.receiptsOn) return false;
    sendAck(ack);
    s.push(message);
    return true;
  };

  /** The end of the turn: the turn's messages in one transaction, then their acks, then the pushes. */
  const write = () => {
    const batch = pending;
    pending = [];
    waiting.clear();
    const toStore: Pending[] = [];
    for (const p of batch) {
      // forgotten (ForgetMe) since it arrived: nothing to keep it for
      if (!d.clients.isRegistered(p.client)) d.drop('unknown_client');
      else if (!pushLive(p.client, p.message, p.ack)) toStore.push(p);
    }
    if (toStore.length === 0) return;
    let ids: number[];
    try {
      const store = d.store();
      if (!store) throw new Error('the store is closed');
      ids = store.storeMessages(toStore, d.now());
    } catch (e) {
      // no ack went out: the senders retransmit
      d.logger?.warn(
        { err: (e as Error).message, lost: toStore.length },
        'could not store delivered messages',
      );
      return;
    }
    d.metrics.stored.inc(toStore.length);
    for (const p of toStore) sendAck(p.ack);
    for (let i = 0; i < toStore.length; i++) {
      const p = toStore[i]!;
      const s = d.clients.get(p.client);
      if (s?.receiptsOn) s.stored({ id: ids[i]!, content: p.message });
    }
  };

  return (packets) => {
    if (!d.store()) return;
    for (const p of packets) {
      const id = Buffer.from(p.destination.buffer, p.destination.byteOffset, p.destination.length).toString(
        'hex',
      );
      if (!d.clients.isRegistered(id)) {
        d.drop('unknown_client');
        continue;
      }
      let message = p.payload;
      let ack: SurbAck | undefined;
      if (p.payload.length >= SURB_ACK_SIZE) {
        let split: ReturnType<typeof splitSurbAck>;
        try {
          split = splitSurbAck(p.payload);
        } catch {
          // Nym drops a packet whose SURB-ack does not parse
          d.drop('bad_payload');
          continue;
        }
        // copies: the ack outlives this result buffer in the outbound queue
        ack = { firstHop: split.ack.firstHop.slice(), ackPacket: split.ack.ackPacket.slice() };
        message = split.message;
      }
      if (!waiting.has(id) && pushLive(id, message, ack)) continue;
      // copy: it is written at the end of the turn, after this result buffer is gone
      if (pending.length === 0) endOfTurn(write);
      waiting.add(id);
      pending.push({ client: id, destination: p.destination.slice(), message: message.slice(), ack });
    }
  };
}
