/**
 * Receiving: what the gateway pushes to us, unwrapped (Nym's message receiver in
 * common/client-core/src/client/received_buffer.rs and the ack listener of
 * real_messages_control/acknowledgement_control/acknowledgement_listener.rs), over
 * nymsphinx's `MessageReceiver`:
 *
 *   ack         21 bytes: IV ‖ AES-128-CTR(ack key, IV, set id ‖ position) of one of our packets
 *   reply       BLAKE3(reply key) ‖ AES-128-CTR(reply key, fragment): came back through one
 *               of our reply SURBs; the digest finds the one-use key
 *   regular     e·G ‖ AES-128-CTR(k, fragment); loop cover decrypts to "The cake is a lie!"
 *
 * Fragments go into the reassembler in any order, duplicates dropped; a complete set is
 * unpadded and decoded as a `NymMessage`. Bad input is counted by its code and dropped,
 * never thrown, and nothing partial goes further.
 */
import { equalBytes } from '@noble/curves/utils.js';
import { fragmentIdKey, MessageReceiver, replyKeyDigest, type NymMessage } from '../nymsphinx/index.js';
import type { CryptoBackend } from './crypto.js';
import { errorCode } from './errors.js';
import type { ClientKeys } from './identity.js';
import { countDrop, type ClientStats } from './stats.js';
import { silentLogger, type Logger } from './transport.js';

export interface ReceiverOptions {
  readonly crypto: CryptoBackend;
  readonly keys: ClientKeys;
  /** Incomplete fragment sets are dropped after this long without new fragments. */
  readonly reassemblyTimeoutMs: number;
  readonly now: () => number;
  readonly stats: ClientStats;
  readonly log?: Logger;
  /** The key of one of our reply SURBs, by its BLAKE3 digest; each key is used once. */
  takeReplyKey(digest: Uint8Array): Uint8Array | undefined;
  /** A SURB-ack of one of our real packets came back: its fragment's key. */
  onAck(fragmentKey: string): void;
  /** A complete message, with its fragment set ids. */
  onMessage(m: NymMessage, setIds: readonly number[]): void;
}

/** What one payload was (`incomplete`: a fragment of a message still missing others). */
export type PayloadOutcome = 'ack' | 'cover' | 'duplicate' | 'incomplete' | 'message' | 'malformed';

export class Receiver {
  private readonly rx: MessageReceiver;
  private readonly log: Logger;
  private keyUsed: Uint8Array | undefined;
  private keyOffered: Uint8Array | undefined;

  constructor(private readonly o: ReceiverOptions) {
    this.rx = new MessageReceiver({
      timeoutMs: o.reassemblyTimeoutMs,
      encryptionSecret: o.keys.encryptionSecret,
      ackKey: o.keys.ackKey,
      takeReplyKey: (digest) => this.takeReplyKey(digest),
      backend: o.crypto,
    });
    this.log = o.log ?? silentLogger;
  }

  /** Fragment sets waiting for more fragments. */
  get incomplete(): number {
    return this.rx.reassembler.pendingSets;
  }

  /** Completed set ids remembered against late duplicates, those evicted early by the cap, and fresh messages that drew a remembered id. */
  get remembered(): { sets: number; evicted: number; idCollisions: number } {
    const r = this.rx.reassembler;
    return { sets: r.rememberedSets, evicted: r.rememberedEvicted, idCollisions: r.idCollisions };
  }

  /**
   * The reply key the last `payload` used up, if it was a reply. Each key opens one payload
   * once: a reply fragment kept across a restart (delivered-store.ts) is kept with it.
   */
  get replyKeyUsed(): Uint8Array | undefined {
    return this.keyUsed;
  }

  /** A payload kept by an earlier run, with the reply key it used up then (if a reply). */
  replay(p: Uint8Array, replyKey?: Uint8Array): PayloadOutcome {
    this.keyOffered = replyKey;
    try {
      return this.payload(p);
    } finally {
      this.keyOffered = undefined;
    }
  }

  private takeReplyKey(digest: Uint8Array): Uint8Array | undefined {
    const offered = this.keyOffered;
    this.keyOffered = undefined;
    this.keyUsed =
      offered && equalBytes(replyKeyDigest(offered), digest) ? offered : this.o.takeReplyKey(digest);
    return this.keyUsed;
  }

  /** One payload pushed by the gateway; says what it was. */
  payload(p: Uint8Array): PayloadOutcome {
    this.keyUsed = undefined;
    const { stats } = this.o;
    let message: NymMessage;
    let setIds: readonly number[];
    try {
      const r = this.rx.receive(p, this.o.now());
      switch (r.kind) {
        case 'ack':
          // the ack of our own loop cover carries the cover id
          if (!r.cover) this.o.onAck(fragmentIdKey(r.fragmentId));
          return 'ack';
        case 'cover':
          stats.coverReceived++;
          return 'cover';
        case 'duplicate':
          stats.duplicates++;
          return 'duplicate';
        case 'incomplete':
          return 'incomplete';
        case 'message':
          message = r.message;
          setIds = r.setIds;
      }
    } catch (e) {
      stats.malformed++;
      countDrop(stats, errorCode(e) ?? 'malformed');
      this.log.debug({ err: (e as Error).message, len: p.length }, 'dropped malformed payload');
      return 'malformed';
    }
    stats.received++;
    // a consumer that throws is not a malformed payload
    try {
      this.o.onMessage(message, setIds);
    } catch (e) {
      this.log.error({ err: (e as Error).message, kind: message.kind }, 'received message not handled');
    }
    return 'message';
  }

  /** Drop fragment sets that saw nothing new for the reassembly timeout; returns how many. */
  expire(now: number): number {
    const dropped = this.rx.expire(now);
    if (dropped) this.log.info({ dropped }, 'incomplete messages expired');
    return dropped;
  }
}
