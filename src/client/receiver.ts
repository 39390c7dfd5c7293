/**
 * Receiving: what the gateway pushes to us, unwrapped (Nym's message receiver in
 * common/client-core/src/client/received_buffer.rs and the ack listener of
 * real_messages_control/acknowledgement_control/acknowledgement_listener.rs).
 *
 * A delivered payload (the gateway has already cut off its SURB-ack) is one of:
 *   ack         21 bytes: iv ‖ encrypted fragment id of one of our packets (payload.ts)
 *   reply       SHA-256(reply key) ‖ AES-CTR(reply key, fragment): came back through one
 *               of our reply SURBs; the digest finds the one-use key
 *   regular     ephemeral X25519 key ‖ AES-CTR(k, fragment)
 * A fragment whose first four bytes are zero is loop cover (set id 0 is never real).
 * Fragments go into the reassembler in any order, duplicates dropped; a complete set is
 * unpadded and decoded as a client message. Bad input is counted and dropped, never thrown.
 */
import type { ClientKeys } from './identity.js';
import type { CryptoBackend } from './crypto.js';
import { Reassembler, decodeFragment, unpadMessage } from './fragment.js';
import { decodeMessage, type ClientMessage } from './message.js';
import {
  ACK_PAYLOAD_LEN,
  fragmentIdKey,
  openAckId,
  openRegular,
  openReply,
  splitPayload,
  type FragmentId,
} from './payload.js';
import type { ClientStats } from './stats.js';
import { silentLogger, type Logger } from './transport.js';

export interface ReceiverOptions {
  readonly crypto: CryptoBackend;
  readonly keys: ClientKeys;
  /** Incomplete fragment sets are dropped after this long without new fragments. */
  readonly reassemblyTimeoutMs: number;
  readonly now: () => number;
  readonly stats: ClientStats;
  readonly log?: Logger;
  /** The key of one of our reply SURBs, by its digest; each key is used once. */
  takeReplyKey(digest: Uint8Array): { key: Uint8Array; tag: Uint8Array } | undefined;
  /** A SURB-ack of one of our real packets came back: its fragment's key. */
  onAck(fragmentKey: string): void;
  /** A complete message; `replyTag` is our sender tag when it came through our reply SURB. */
  onMessage(m: ClientMessage, replyTag: Uint8Array | undefined): void;
}

export class Receiver {
  private readonly reassembler: Reassembler;
  private readonly log: Logger;

  constructor(private readonly o: ReceiverOptions) {
    this.reassembler = new Reassembler({ timeoutMs: o.reassemblyTimeoutMs });
    this.log = o.log ?? silentLogger;
  }

  /** Fragment sets waiting for more fragments. */
  get incomplete(): number {
    return this.reassembler.pendingSets;
  }

  /** One payload pushed by the gateway. */
  payload(p: Uint8Array): void {
    const { crypto, keys, stats } = this.o;
    let done: { message: ClientMessage; replyTag: Uint8Array | undefined } | undefined;
    try {
      if (p.length === ACK_PAYLOAD_LEN) return this.ack(openAckId(crypto, keys.ackKey, p));
      const opened = splitPayload(p, 0);
      const reply = this.o.takeReplyKey(opened.keySlot);
      const fragment = reply
        ? openReply(crypto, opened, reply.key)
        : openRegular(crypto, opened, keys.encryptionSecret, keys.encryptionPublic);
      if (isCover(fragment)) return;
      const r = this.reassembler.insert(decodeFragment(fragment), this.o.now());
      if (r.kind === 'duplicate') stats.duplicates++;
      if (r.kind !== 'complete') return;
      done = { message: decodeMessage(unpadMessage(r.data)), replyTag: reply?.tag };
    } catch (e) {
      stats.malformed++;
      this.log.debug({ err: (e as Error).message, len: p.length }, 'dropped malformed payload');
      return;
    }
    stats.received++;
    // a consumer that throws is not a malformed payload
    try {
      this.o.onMessage(done.message, done.replyTag);
    } catch (e) {
      this.log.error({ err: (e as Error).message, kind: done.message.kind }, 'received message not handled');
    }
  }

  private ack(id: FragmentId): void {
    if (id.setId === 0) return; // the ack of our own loop cover
    this.o.onAck(fragmentIdKey(id));
  }

  /** Drop fragment sets that saw nothing new for the reassembly timeout; returns how many. */
  expire(now: number): number {
    const dropped = this.reassembler.expire(now);
    if (dropped) this.log.info({ dropped }, 'incomplete messages expired');
    return dropped;
  }
}

/** Loop cover: a fragment that starts with set id 0 (the flag bit of a real header is 1). */
function isCover(fragment: Uint8Array): boolean {
  return (
    fragment.length >= 4 && fragment[0] === 0 && fragment[1] === 0 && fragment[2] === 0 && fragment[3] === 0
  );
}
