/**
 * Reordering of one direction of one stream by sequence number (Nym:
 * common/socks5/ordered-buffer/src/buffer.rs, `OrderedMessageBuffer`): messages are kept
 * by sequence number and read out only as a gapless run from the next expected one.
 *
 * Rejected writes, as Nym rejects them: a sequence more than `maxOffset` (Nym's
 * `MAX_REASONABLE_OFFSET`, 1000) ahead of the next expected one, one already buffered, one
 * already read. Nymph also bounds the bytes held out of order (`maxBufferedBytes`), which
 * Nym does not: a sender that never fills a gap cannot make the receiver hold more.
 */
import {
  BufferFullError,
  SequenceAlreadyReadError,
  SequenceDuplicateError,
  SequenceTooFarError,
} from './errors.js';
import { concatBytes } from './version.js';

export const MAX_REASONABLE_OFFSET = 1000n;

export interface ReadContiguousData {
  readonly data: Uint8Array;
  /** The sequence number of the last message read. */
  readonly lastSequence: bigint;
}

export interface OrderedBufferOptions {
  readonly maxOffset?: bigint;
  readonly maxBufferedBytes?: number;
}

export class OrderedMessageBuffer {
  private next = 0n;
  private readonly messages = new Map<bigint, Uint8Array>();
  private bytes = 0;
  private readonly maxOffset: bigint;
  private readonly maxBufferedBytes: number;

  constructor(o: OrderedBufferOptions = {}) {
    this.maxOffset = o.maxOffset ?? MAX_REASONABLE_OFFSET;
    this.maxBufferedBytes = o.maxBufferedBytes ?? Number.POSITIVE_INFINITY;
  }

  /** The next sequence number a read would start at. */
  get nextSequence(): bigint {
    return this.next;
  }

  /** Bytes held, waiting to be read. */
  get bufferedBytes(): number {
    return this.bytes;
  }

  get bufferedMessages(): number {
    return this.messages.size;
  }

  write(seq: bigint, data: Uint8Array): void {
    if (seq > this.next + this.maxOffset) throw new SequenceTooFarError(this.next, seq);
    if (this.messages.has(seq)) throw new SequenceDuplicateError(seq);
    if (seq < this.next) throw new SequenceAlreadyReadError(this.next, seq);
    if (this.bytes + data.length > this.maxBufferedBytes)
      throw new BufferFullError(this.bytes + data.length, this.maxBufferedBytes);
    this.messages.set(seq, data);
    this.bytes += data.length;
  }

  /** Whether every message up to and including `target` is here (or already read). */
  canReadUntil(target: bigint): boolean {
    for (let s = this.next; s <= target; s++) if (!this.messages.has(s)) return false;
    return true;
  }

  /** The gapless run from the next expected message, or undefined when it is missing. */
  read(): ReadContiguousData | undefined {
    if (!this.messages.has(this.next)) return undefined;
    const parts: Uint8Array[] = [];
    while (this.messages.has(this.next)) {
      const m = this.messages.get(this.next)!;
      this.messages.delete(this.next);
      this.bytes -= m.length;
      parts.push(m);
      this.next++;
    }
    return { data: parts.length === 1 ? parts[0] : concatBytes(...parts), lastSequence: this.next - 1n };
  }
}
