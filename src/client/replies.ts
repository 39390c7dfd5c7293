/**
 * Anonymous replies (Nym's common/client-core/src/client/replies/: reply key storage, SURB
 * storage, reply controller), over the `ReplyStore` interface (store.ts) and Nym's
 * `NymMessage` kinds (src/nymsphinx/message.ts):
 *
 * - as a sender: a stable sender tag per recipient; reply SURBs made for it (v2 lists of
 *   seeded SURBs, as Nym's client), their one-use keys stored by BLAKE3 digest; when the
 *   recipient runs low it sends a SURB request naming its own address (reply content 1:
 *   recipient ‖ amount), and more SURBs go back to that address as `additionalSurbs`
 *   under the tag we use with it (Nym's `on_additional_surbs_request`);
 * - as a replier: SURBs kept per sender tag; before a reply would leave fewer than the low
 *   watermark, a SURB request goes out (spending one SURB) and the reply waits for enough
 *   SURBs, up to `surbWaitTimeoutMs`.
 */
import { base58 } from '@scure/base';
import { recipientToString, type Recipient } from './address.js';
import type { Clock } from './clock.js';
import type { RandomBytes } from './crypto.js';
import {
  AbortedError,
  InsufficientSurbsError,
  InvalidSurbCountError,
  UnknownSenderTagError,
} from './errors.js';
import {
  additionalSurbsMessage,
  replySurbToBytes,
  surbRequestMessage,
  SENDER_TAG_LEN,
  type NymMessage,
  type ReplySurbWithRotation,
  SphinxKeyRotation,
} from '../nymsphinx/index.js';
import type { OwnReplySurb } from './packet-builder.js';
import type { ReceivedMessage } from './received-buffer.js';
import { countDrop, type ClientStats } from './stats.js';
import { tagKey, type ReplyStore } from './store.js';
import { silentLogger, type Logger } from './transport.js';

export interface ReplyConfig {
  /** Ask the anonymous sender for more SURBs when fewer than this would remain. */
  readonly surbLowWatermark: number;
  /** How many SURBs to ask for at once. */
  readonly surbTopUpAmount: number;
  /** How long a reply waits for requested SURBs to arrive. */
  readonly surbWaitTimeoutMs: number;
  /** Reply SURBs and reply keys older than this are dropped. */
  readonly surbMaxAgeMs: number;
}

/** Most SURBs attached to one message by the app (a v2 list of 460-byte SURBs). */
export const MAX_SURBS_PER_MESSAGE = 1000;
/** Most SURBs handed out for one request of the other side (Nym's `maximum_allowed_reply_surb_request_size`). */
export const MAX_SURBS_PER_REQUEST = 500;
/** SURB lists go out as v2 (seeded SURBs), as Nym's client sends them (packet-builder.ts). */
export const SURB_LIST_VERSION = 2;

export interface ReplyControllerOptions extends ReplyConfig {
  readonly store: ReplyStore;
  readonly rng: RandomBytes;
  readonly now: () => number;
  readonly clock: Clock;
  readonly log?: Logger;
  readonly stats: ClientStats;
  /** One new reply SURB to us and its one-use key (packet-builder.ts). */
  makeSurb(): OwnReplySurb;
  /** Our own address (named in our SURB requests). */
  self(): Recipient;
  /** Send to a recipient by address (the SURBs it asked for). */
  sendTo(recipient: Recipient, m: NymMessage): Promise<void>;
  /** Send through the reply SURBs of `tag` (a SURB request). */
  sendThroughSurbs(tag: Uint8Array, m: NymMessage): Promise<void>;
}

export class ReplyController {
  private readonly waiters = new Set<() => void>();
  /** When we last asked the sender behind a tag for more SURBs, until they come. */
  private readonly requested = new Map<string, number>();
  private stopped = false;
  private readonly log: Logger;

  constructor(private readonly o: ReplyControllerOptions) {
    this.log = o.log ?? silentLogger;
  }

  // ---------------------------------------------------------------- as a sender

  /** Our sender tag towards `recipient`, created once and kept (stable across restarts). */
  senderTagFor(recipient: Recipient): Uint8Array {
    const addr = recipientToString(recipient);
    let tag = this.o.store.getSenderTag(addr);
    if (!tag) {
      tag = this.o.rng(SENDER_TAG_LEN);
      this.o.store.setSenderTag(addr, tag);
    }
    return tag;
  }

  /** `n` reply SURBs to us for the holder of `tag`; their keys are stored for the replies. */
  makeReplySurbs(tag: Uint8Array, n: number, max = MAX_SURBS_PER_MESSAGE): ReplySurbWithRotation[] {
    if (!Number.isInteger(n) || n < 0 || n > max) throw new InvalidSurbCountError(n, max);
    const surbs: ReplySurbWithRotation[] = [];
    const keys: { digest: Uint8Array; key: Uint8Array; tag: Uint8Array }[] = [];
    for (let i = 0; i < n; i++) {
      const s = this.o.makeSurb();
      // Nym's client leaves the rotation unknown too (captured: rotation byte 0)
      surbs.push({ surb: s.surb, keyRotation: SphinxKeyRotation.Unknown });
      keys.push({ digest: s.digest, key: s.key, tag });
    }
    this.o.store.putReplyKeys(keys, this.o.now());
    return surbs;
  }

  /** The key of one of our reply SURBs, by digest (used once, then gone). */
  takeReplyKey(digest: Uint8Array): Uint8Array | undefined {
    return this.o.store.takeReplyKey(digest)?.key;
  }

  // ---------------------------------------------------------------- as a replier

  /** One stored SURB of the sender behind `tag`, removed from the store. */
  takeSurb(tag: Uint8Array): Uint8Array | undefined {
    return this.o.store.takeSurbs(tag, 1)[0];
  }

  /**
   * Make sure `required` SURBs of `tag` are there for a reply, then run `use` at once (it
   * takes them: checking and taking in one synchronous step, so replies queued together
   * never count the same SURBs twice). Asks for more before running out (Nym #1832),
   * spending one SURB on the request, and waits for them when too few are left.
   */
  async prepareReply<T>(
    tag: Uint8Array,
    required: number,
    signal?: AbortSignal,
    use?: () => T,
  ): Promise<T | undefined> {
    if (!(tag instanceof Uint8Array) || tag.length !== SENDER_TAG_LEN)
      throw new UnknownSenderTagError(String((tag as { length?: number } | undefined)?.length ?? tag));
    const { store } = this.o;
    if (store.surbCount(tag) === 0 && !this.asking(tag))
      throw new InsufficientSurbsError(0, required, base58.encode(tag));
    for (;;) {
      this.requestIfLow(tag, required);
      if (store.surbCount(tag) >= required) return use?.();
      await this.waitForSurbs(tag, required, signal);
    }
  }

  /** Did we ask the sender behind `tag` for SURBs recently, and none came yet? */
  private asking(tag: Uint8Array): boolean {
    const at = this.requested.get(tagKey(tag));
    // one request at a time per tag until SURBs come (Nym's re-request waiting period)
    return at !== undefined && this.o.now() - at < this.o.surbWaitTimeoutMs;
  }

  /** Before a reply would leave fewer than the low watermark, ask for more (one at a time). */
  private requestIfLow(tag: Uint8Array, required: number): void {
    const { surbLowWatermark: low, surbTopUpAmount, store } = this.o;
    const available = store.surbCount(tag);
    if (available >= required + low || available === 0 || this.asking(tag)) return;
    const amount = Math.min(MAX_SURBS_PER_REQUEST, Math.max(surbTopUpAmount, required + low - available + 1));
    this.requested.set(tagKey(tag), this.o.now());
    // the request spends one of the SURBs, taken as it is queued
    this.o
      .sendThroughSurbs(tag, surbRequestMessage(this.o.self(), amount))
      .catch((e) => this.log.warn({ err: (e as Error).message }, 'SURB request not delivered'));
  }

  /** Wait until `required` SURBs for `tag` are stored (after a SURB request). */
  private waitForSurbs(tag: Uint8Array, required: number, signal?: AbortSignal): Promise<void> {
    const { store, clock } = this.o;
    const short = () => new InsufficientSurbsError(store.surbCount(tag), required, base58.encode(tag));
    return new Promise((resolve, reject) => {
      const finish = (err?: Error) => {
        clock.clearTimer(timer);
        this.waiters.delete(check);
        signal?.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve();
      };
      const check = () => {
        if (store.surbCount(tag) >= required) finish();
        else if (this.stopped) finish(short());
      };
      const onAbort = () => finish(new AbortedError('reply'));
      const timer = clock.setTimer(() => finish(short()), this.o.surbWaitTimeoutMs);
      this.waiters.add(check);
      signal?.addEventListener('abort', onAbort, { once: true });
      check();
    });
  }

  // ---------------------------------------------------------------- received messages

  /**
   * A complete received message (received_buffer.rs): keeps the SURBs it brings, answers
   * SURB requests, and returns what the application should see (nothing for control
   * messages). Plain and reply data reach the app without a tag, repliable data with its
   * sender's tag, as Nym's client reports them.
   */
  received(m: NymMessage): ReceivedMessage | undefined {
    switch (m.kind) {
      case 'plain':
        return { message: m.data, kind: 'plain' };
      case 'repliable': {
        const c = m.content;
        if (c.replySurbs.length) this.addSurbs(m.senderTag, c.replySurbs);
        if (c.type !== 'data') return undefined; // additional SURBs, heartbeat
        return { message: c.message, senderTag: m.senderTag, kind: 'repliable' };
      }
      case 'reply': {
        const c = m.content;
        if (c.type === 'data') return { message: c.message, kind: 'reply' };
        this.answerSurbRequest(c.recipient, c.amount);
        return undefined;
      }
    }
  }

  /**
   * The other side is running low on our SURBs and names its address: send it more, under
   * the tag we use with it, at most `MAX_SURBS_PER_REQUEST` at once. A request from an
   * address we never sent SURBs to is dropped and counted.
   */
  private answerSurbRequest(recipient: Recipient, amount: number): void {
    const tag = this.o.store.getSenderTag(recipientToString(recipient));
    if (!tag) {
      countDrop(this.o.stats, 'unknown_surb_request');
      this.log.debug({ recipient: recipientToString(recipient) }, 'SURB request from a stranger dropped');
      return;
    }
    const n = Math.min(amount, MAX_SURBS_PER_REQUEST);
    if (n === 0) return;
    const surbs = this.makeReplySurbs(tag, n, MAX_SURBS_PER_REQUEST);
    this.o
      .sendTo(recipient, additionalSurbsMessage(tag, surbs, SURB_LIST_VERSION))
      .catch((e) => this.log.warn({ err: (e as Error).message }, 'additional SURBs not delivered'));
  }

  private addSurbs(tag: Uint8Array, surbs: readonly ReplySurbWithRotation[]): void {
    this.o.store.addSurbs(
      tag,
      surbs.map((s) => replySurbToBytes(s.surb)),
      this.o.now(),
    );
    this.requested.delete(tagKey(tag));
    for (const w of [...this.waiters]) w();
  }

  // ---------------------------------------------------------------- upkeep

  /** Drop SURBs and reply keys older than `surbMaxAgeMs`. */
  prune(now: number): void {
    this.o.store.prune(now - this.o.surbMaxAgeMs);
  }

  /** Waiting replies fail now; the store is closed. */
  stop(): void {
    this.stopped = true;
    for (const w of [...this.waiters]) w();
    this.o.store.close();
  }
}
