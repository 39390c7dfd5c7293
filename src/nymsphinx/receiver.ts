/**
 * The receiving side (common/nymsphinx/src/receiver.rs, client-core received_buffer.rs and
 * acknowledgement_listener.rs) as one pure object: bytes the gateway delivers in, acks,
 * cover and completed messages out. Time is passed in; nothing runs by itself.
 */
import type { CryptoBackend } from '../crypto/index.js';
import { defaultBackend } from '../crypto/index.js';
import { recoverAckPayload, isCoverFragmentId, type FragmentIdentifier } from './acknowledgements.js';
import { decodeFragment, Reassembler, type ReassemblerOptions } from './chunking.js';
import { messageFromReassembled, receivedMessage, type NymMessage, type ReceivedMessage } from './message.js';
import { classifyDelivery, openPayload } from './payload.js';

export type ReceiveResult =
  | { readonly kind: 'ack'; readonly fragmentId: FragmentIdentifier; readonly cover: boolean }
  | { readonly kind: 'cover' }
  | { readonly kind: 'incomplete'; readonly reply: boolean }
  | { readonly kind: 'duplicate' }
  | {
      readonly kind: 'message';
      readonly message: NymMessage;
      /** What the app gets; undefined for control messages (SURBs, SURB requests). */
      readonly received?: ReceivedMessage;
      readonly setIds: number[];
    };

export interface MessageReceiverOptions extends ReassemblerOptions {
  readonly encryptionSecret: Uint8Array;
  readonly ackKey: Uint8Array;
  /** Finds and consumes a reply key by its blake3 digest (the reply key store). */
  readonly takeReplyKey?: (digest: Uint8Array) => Uint8Array | undefined;
  readonly backend?: CryptoBackend;
}

/**
 * Feed it every delivery from the gateway. Bad input throws a `NymSphinxError` subclass and
 * leaves the state as it was; nothing partial reaches the app.
 */
export class MessageReceiver {
  readonly reassembler: Reassembler;
  private readonly opts: MessageReceiverOptions;

  constructor(opts: MessageReceiverOptions) {
    this.opts = opts;
    this.reassembler = new Reassembler(opts);
  }

  receive(delivered: Uint8Array, now: number): ReceiveResult {
    if (classifyDelivery(delivered) === 'ack') {
      const fragmentId = recoverAckPayload(this.opts.ackKey, delivered);
      return { kind: 'ack', fragmentId, cover: isCoverFragmentId(fragmentId) };
    }
    const opened = openPayload(
      { encryptionSecret: this.opts.encryptionSecret, takeReplyKey: this.opts.takeReplyKey },
      delivered,
      this.opts.backend ?? defaultBackend,
    );
    if (opened.kind === 'cover') return { kind: 'cover' };
    const inserted = this.reassembler.insert(decodeFragment(opened.fragment), now);
    if (inserted.kind === 'incomplete') return { kind: 'incomplete', reply: opened.reply };
    if (inserted.kind === 'duplicate') return inserted;
    const message = messageFromReassembled(inserted.data);
    return { kind: 'message', message, received: receivedMessage(message), setIds: inserted.setIds };
  }

  /** Drop stale partial messages (Nym: 30 minutes without a fragment). */
  expire(now: number): number {
    return this.reassembler.expire(now);
  }
}
