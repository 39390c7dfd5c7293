/**
 * Anonymous replies (Nym's common/client-core/src/client/replies/: reply key storage, SURB
 * storage, reply controller), over the `ReplyStore` interface (store.ts):
 *
 * - as a sender: a stable sender tag per recipient; reply SURBs made for it, their one-use
 *   keys stored by digest; when the recipient runs low and asks (`surbRequest`), more
 *   SURBs sent back to it;
 * - as a replier: SURBs kept per sender tag; before a reply would leave fewer than the low
 *   watermark, a `surbRequest` goes out (spending one SURB) and the reply waits for enough
 *   SURBs, up to `surbWaitTimeoutMs`.
 */
import { base58 } from '@scure/base';
import { parseRecipient, recipientToString, type Recipient } from './address.js';
import type { Clock } from './clock.js';
import type { RandomBytes } from './crypto.js';
import {
  AbortedError,
  InsufficientSurbsError,
  InvalidSurbCountError,
  UnknownSenderTagError,
} from './errors.js';
import { MAX_SURBS_PER_MESSAGE, SENDER_TAG_LEN, type ClientMessage } from './message.js';
import type { ReceivedMessage } from './received-buffer.js';
import type { ReplyStore } from './store.js';
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

/** Most SURBs handed out for one request of the other side. */
export const MAX_SURBS_PER_REQUEST = 100;

export interface ReplyControllerOptions extends ReplyConfig {
  readonly store: ReplyStore;
  readonly rng: RandomBytes;
  readonly now: () => number;
  readonly clock: Clock;
  readonly log?: Logger;
  /** One new reply SURB to us and its one-use key (packet-builder.ts). */
  makeSurb(): { surb: Uint8Array; key: Uint8Array; digest: Uint8Array };
  /** Send to a recipient by address (the SURBs it asked for). */
  sendTo(recipient: Recipient, m: ClientMessage): Promise<void>;
  /** Send through the reply SURBs of `tag` (a SURB request). */
  sendThroughSurbs(tag: Uint8Array, m: ClientMessage): Promise<void>;
}

export class ReplyController {
  private readonly waiters = new Set<() => void>();
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
  makeReplySurbs(tag: Uint8Array, n: number): Uint8Array[] {
    if (!Number.isInteger(n) || n < 0 || n > MAX_SURBS_PER_MESSAGE)
      throw new InvalidSurbCountError(n, MAX_SURBS_PER_MESSAGE);
    const surbs: Uint8Array[] = [];
    const keys: { digest: Uint8Array; key: Uint8Array; tag: Uint8Array }[] = [];
    for (let i = 0; i < n; i++) {
      const s = this.o.makeSurb();
      surbs.push(s.surb);
      keys.push({ digest: s.digest, key: s.key, tag });
    }
    this.o.store.putReplyKeys(keys, this.o.now());
    return surbs;
  }

  /** The key of one of our reply SURBs, by digest (used once, then gone). */
  takeReplyKey(digest: Uint8Array): { key: Uint8Array; tag: Uint8Array } | undefined {
    return this.o.store.takeReplyKey(digest);
  }

  // ---------------------------------------------------------------- as a replier

  /** One stored SURB of the sender behind `tag`, removed from the store. */
  takeSurb(tag: Uint8Array): Uint8Array | undefined {
    return this.o.store.takeSurbs(tag, 1)[0];
  }

  /**
   * Make sure `required` SURBs of `tag` are there for a reply: ask for more before running
   * out (Nym #1832), spending one SURB on the request, and wait for them when too few.
   */
  async prepareReply(tag: Uint8Array, required: number, signal?: AbortSignal): Promise<void> {
    if (!(tag instanceof Uint8Array) || tag.length !== SENDER_TAG_LEN)
      throw new UnknownSenderTagError(String((tag as { length?: number } | undefined)?.length ?? tag));
    const { surbLowWatermark: low, surbTopUpAmount } = this.o;
    const available = this.o.store.surbCount(tag);
    if (available === 0) throw new InsufficientSurbsError(0, required, base58.encode(tag));
    let reserved = 0;
    if (available < required + low) {
      const amount = Math.min(
        MAX_SURBS_PER_MESSAGE,
        Math.max(surbTopUpAmount, required + low - available + 1),
      );
      this.o
        .sendThroughSurbs(tag, { kind: 'surbRequest', amount })
        .catch((e) => this.log.warn({ err: (e as Error).message }, 'SURB request not delivered'));
      reserved = 1;
    }
    if (available - reserved < required) await this.waitForSurbs(tag, required + reserved, signal);
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
   * A complete received message: keeps the SURBs it brings, answers SURB requests, and
   * returns what the application should see (nothing for control messages).
   * `replyTag` is our sender tag when the message came through one of our reply SURBs.
   */
  received(m: ClientMessage, replyTag: Uint8Array | undefined): ReceivedMessage | undefined {
    switch (m.kind) {
      case 'plain':
        return { message: m.data, kind: 'plain' };
      case 'repliable':
        if (m.surbs.length) this.addSurbs(m.senderTag, m.surbs);
        return { message: m.data, senderTag: m.senderTag, kind: 'repliable' };
      case 'additionalSurbs':
        this.addSurbs(m.senderTag, m.surbs);
        return undefined;
      case 'reply':
        return { message: m.data, kind: 'reply' };
      case 'surbRequest':
        // only through one of our SURBs: a request from someone we never sent SURBs to is noise
        if (replyTag) this.answerSurbRequest(replyTag, m.amount);
        return undefined;
    }
  }

  /** The other side is running low on our SURBs: send it more, at most 100 at once. */
  private answerSurbRequest(tag: Uint8Array, amount: number): void {
    const recipient = this.recipientForTag(tag);
    if (!recipient) return;
    const surbs = this.makeReplySurbs(tag, Math.min(amount, MAX_SURBS_PER_REQUEST));
    this.o
      .sendTo(recipient, { kind: 'additionalSurbs', senderTag: tag, surbs })
      .catch((e) => this.log.warn({ err: (e as Error).message }, 'additional SURBs not delivered'));
  }

  private recipientForTag(tag: Uint8Array): Recipient | undefined {
    const addr = this.o.store.recipientForTag(tag);
    if (!addr) return undefined;
    try {
      return parseRecipient(addr);
    } catch {
      return undefined;
    }
  }

  private addSurbs(tag: Uint8Array, surbs: Uint8Array[]): void {
    this.o.store.addSurbs(tag, surbs, this.o.now());
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
