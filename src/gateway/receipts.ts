/**
 * What a session pushed to a client that takes delivery receipts (protocol/messages.ts),
 * in push order, until the client confirms it: a stored message by its inbox id (it stays
 * in the store until then; a receipt client's live messages are stored before they are
 * pushed, delivery.ts). Frames are numbered from 1 in the order they were handed to the socket, the
 * order in which a websocket delivers them, so the client's cumulative `received {count}`
 * names them without any id on the wire. Pure: no I/O.
 */
import { ReceiptOutOfRangeError } from './protocol/index.js';

export interface PushedEntry {
  readonly kind: 'stored';
  readonly id: number;
}

export class PushLedger {
  /** Frames pushed since receipts began; the last one is number `pushed`. */
  private pushedCount = 0;
  /** Frames confirmed (all those numbered up to it). */
  private confirmedCount = 0;
  /** Unconfirmed entries; entry i is frame number confirmedCount + 1 + i. */
  private readonly entries: PushedEntry[] = [];
  private head = 0;

  get pushed(): number {
    return this.pushedCount;
  }

  get confirmed(): number {
    return this.confirmedCount;
  }

  /** Frames pushed and not yet confirmed. */
  get unconfirmed(): number {
    return this.pushedCount - this.confirmedCount;
  }

  /** Records the next frame handed to the socket; returns its number. */
  push(e: PushedEntry): number {
    this.entries.push(e);
    return ++this.pushedCount;
  }

  /**
   * The client holds frames 1..count: returns the entries newly confirmed. A count below the
   * last one or above what was pushed throws ReceiptOutOfRangeError and changes nothing; the
   * same count again confirms nothing more.
   */
  confirm(count: number): PushedEntry[] {
    if (!Number.isSafeInteger(count) || count < this.confirmedCount || count > this.pushedCount)
      throw new ReceiptOutOfRangeError(count, this.confirmedCount, this.pushedCount);
    const n = count - this.confirmedCount;
    const done = this.entries.slice(this.head, this.head + n);
    this.head += n;
    this.confirmedCount = count;
    // drop the confirmed prefix now and then, not on every receipt
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries.splice(0, this.head);
      this.head = 0;
    }
    return done;
  }

  /** Every unconfirmed entry, oldest first; the ledger is empty afterwards. */
  takeUnconfirmed(): PushedEntry[] {
    const rest = this.entries.slice(this.head);
    this.entries.length = 0;
    this.head = 0;
    this.confirmedCount = this.pushedCount;
    return rest;
  }
}
