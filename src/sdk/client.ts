/**
 * `MixnetClient`: the in-process SDK over the client core. Plain ESM, no Node-only imports
 * here (Nym #3787): the Node entry (`./node.ts`) and a browser entry only differ in which
 * websocket and stores they hand to the core.
 */
import { base58 } from '@scure/base';
import { parseRecipient, recipientToString, type Recipient } from '../client/address.js';
import { MixnetClientCore, type MixnetClientCoreOptions, type ReceivedMessage } from '../client/client.js';
import { AbortedError, UnknownSenderTagError, throwIfAborted } from '../client/errors.js';
import { SENDER_TAG_LEN } from '../nymsphinx/index.js';
import { NoBandwidthError, type BandwidthWatch } from './bandwidth.js';

export type { ReceivedMessage, Recipient };

export interface SdkMessage extends ReceivedMessage {
  /** The sender tag as base58 (what `reply` accepts), when present. */
  readonly senderTagString?: string;
  /** The message as UTF-8 text. */
  text(): string;
}

export interface CallOptions {
  readonly signal?: AbortSignal;
}

const utf8 = new TextEncoder();
const utf8d = new TextDecoder();

function toBytes(m: Uint8Array | string): Uint8Array {
  return typeof m === 'string' ? utf8.encode(m) : m;
}

function toRecipient(r: Recipient | string): Recipient {
  return typeof r === 'string' ? parseRecipient(r) : r;
}

/** A sender tag as bytes; a string that is not base58 of 16 bytes names no sender we know. */
function toTag(t: Uint8Array | string): Uint8Array {
  if (typeof t !== 'string') return t;
  let b: Uint8Array;
  try {
    b = base58.decode(t);
  } catch {
    throw new UnknownSenderTagError(t);
  }
  if (b.length !== SENDER_TAG_LEN) throw new UnknownSenderTagError(t);
  return b;
}

export class MixnetClient {
  private readonly queue: SdkMessage[] = [];
  private readonly waiters: ((m: SdkMessage | undefined) => void)[] = [];
  private readonly unsubscribe: () => void;
  private closed = false;
  private readonly failSends = new Set<(e: NoBandwidthError) => void>();
  private noBandwidth: NoBandwidthError | undefined;
  private readonly bandwidthListeners = new Set<(e: NoBandwidthError) => void>();

  /**
   * `watch`: the client's view of its bandwidth (bandwidth.ts); once it says no bandwidth
   * can be had, sends fail with NoBandwidthError and the client stops.
   */
  protected constructor(
    readonly core: MixnetClientCore,
    protected readonly watch?: BandwidthWatch,
  ) {
    watch?.onChange(() => {
      const why = watch.blocked;
      if (why && !this.noBandwidth)
        this.outOfBandwidth(new NoBandwidthError(why, { cause: watch.credentialError }));
    });
    this.unsubscribe = core.onMessage((m) => {
      const msg: SdkMessage = {
        ...m,
        senderTagString: m.senderTag ? base58.encode(m.senderTag) : undefined,
        text: () => utf8d.decode(m.message),
      };
      const w = this.waiters.shift();
      if (w) w(msg);
      else this.queue.push(msg);
    });
  }

  /** Start a client with the given core options (see `./node.ts` for Node defaults). */
  static connectWith(opts: MixnetClientCoreOptions, call: CallOptions = {}): Promise<MixnetClient> {
    return MixnetClient.fromCore(new MixnetClientCore(opts), call);
  }

  /**
   * Start a prepared core and wrap it; a core that fails to start is stopped again. With
   * `watch` (fed by the core's sockets and credential source), a start that leaves the
   * client without bandwidth and without a way to get it fails with NoBandwidthError.
   */
  static async fromCore(
    core: MixnetClientCore,
    call: CallOptions = {},
    watch?: BandwidthWatch,
  ): Promise<MixnetClient> {
    try {
      throwIfAborted(call.signal, 'connect');
      await core.start(call.signal);
    } catch (e) {
      await core.stop();
      throw e;
    }
    const blocked = watch?.blocked;
    if (blocked) {
      await core.stop();
      throw new NoBandwidthError(blocked, { cause: watch!.credentialError });
    }
    core.setIdle(false);
    return new MixnetClient(core, watch);
  }

  /** Bytes the gateway will still forward for us, as it last said (with a watch). */
  get bandwidth(): number | undefined {
    return this.watch?.available;
  }

  /** Called once when sending became impossible (the client has stopped by then). */
  onNoBandwidth(cb: (e: NoBandwidthError) => void): () => void {
    if (this.noBandwidth) cb(this.noBandwidth);
    this.bandwidthListeners.add(cb);
    return () => this.bandwidthListeners.delete(cb);
  }

  /** A send that rejects with NoBandwidthError as soon as bandwidth is known to be gone. */
  private guard(start: () => Promise<void>): Promise<void> {
    if (this.noBandwidth) return Promise.reject(this.noBandwidth);
    if (!this.watch) return start();
    return new Promise<void>((resolve, reject) => {
      const fail = (e: NoBandwidthError) => reject(e);
      this.failSends.add(fail);
      start()
        .then(resolve, reject)
        .finally(() => this.failSends.delete(fail));
    });
  }

  private outOfBandwidth(e: NoBandwidthError): void {
    this.noBandwidth = e;
    for (const f of [...this.failSends]) f(e);
    this.failSends.clear();
    for (const l of this.bandwidthListeners) l(e);
    // nothing can be sent: stop the cover streams and retransmissions rather than spin
    void this.disconnect();
  }

  /** Our address, `identity.encryption@gateway`. */
  get address(): string {
    return recipientToString(this.core.address);
  }

  get recipient(): Recipient {
    return this.core.address;
  }

  /** Resolves when the recipient's gateway acknowledged every fragment. */
  send(recipient: Recipient | string, message: Uint8Array | string, opts: CallOptions = {}): Promise<void> {
    return this.guard(() => {
      try {
        return this.core.send(toRecipient(recipient), toBytes(message), opts);
      } catch (e) {
        return Promise.reject(e);
      }
    });
  }

  /** Send without revealing our address; `replySurbs` lets the recipient answer. */
  sendAnonymous(
    recipient: Recipient | string,
    message: Uint8Array | string,
    opts: CallOptions & { replySurbs?: number } = {},
  ): Promise<void> {
    return this.guard(() => {
      try {
        return this.core.sendAnonymous(toRecipient(recipient), toBytes(message), opts.replySurbs ?? 20, opts);
      } catch (e) {
        return Promise.reject(e);
      }
    });
  }

  /** Answer an anonymous message by its sender tag. */
  reply(senderTag: Uint8Array | string, message: Uint8Array | string, opts: CallOptions = {}): Promise<void> {
    return this.guard(() => {
      try {
        return this.core.reply(toTag(senderTag), toBytes(message), opts);
      } catch (e) {
        return Promise.reject(e);
      }
    });
  }

  /** Callback style; returns the unsubscribe function. */
  onMessage(cb: (m: SdkMessage) => void): () => void {
    return this.core.onMessage((m) =>
      cb({
        ...m,
        senderTagString: m.senderTag ? base58.encode(m.senderTag) : undefined,
        text: () => utf8d.decode(m.message),
      }),
    );
  }

  /** The next received message. */
  nextMessage(opts: CallOptions = {}): Promise<SdkMessage> {
    const m = this.queue.shift();
    if (m) return Promise.resolve(m);
    if (this.closed) return Promise.reject(new AbortedError('nextMessage (client disconnected)'));
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        const i = this.waiters.indexOf(w);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(new AbortedError('nextMessage'));
      };
      const w = (msg: SdkMessage | undefined) => {
        opts.signal?.removeEventListener('abort', onAbort);
        if (msg) resolve(msg);
        else reject(new AbortedError('nextMessage (client disconnected)'));
      };
      if (opts.signal?.aborted) return onAbort();
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(w);
    });
  }

  /** Async iteration over received messages until `disconnect` or the signal fires. */
  async *messages(opts: CallOptions = {}): AsyncGenerator<SdkMessage> {
    for (;;) {
      try {
        yield await this.nextMessage(opts);
      } catch (e) {
        if (e instanceof AbortedError) return;
        throw e;
      }
    }
  }

  [Symbol.asyncIterator](): AsyncGenerator<SdkMessage> {
    return this.messages();
  }

  async disconnect(opts: CallOptions = {}): Promise<void> {
    throwIfAborted(opts.signal, 'disconnect');
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe();
    for (const w of this.waiters.splice(0)) w(undefined);
    await this.core.stop();
  }
}
