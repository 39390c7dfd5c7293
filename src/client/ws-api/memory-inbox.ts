/**
 * The native API's held messages in memory, for a client core without durable receiving
 * (no `inbound`: its gateway deletes what it pushed once written, as Nym's does, so keeping
 * them on disk would not close the gap). The native runner uses delivered-store.ts instead.
 */
import type { ReceivedMessage } from '../client.js';
import type { AppInbox, HeldMessage } from '../delivered-store.js';

export class MemoryInbox implements AppInbox {
  private readonly messages = new Map<number, ReceivedMessage>();
  private nextId = 1;
  private droppedCount = 0;

  constructor(private readonly maxHeld: number) {}

  get size(): number {
    return this.messages.size;
  }

  get dropped(): number {
    return this.droppedCount;
  }

  get repeats(): number {
    return 0;
  }

  accept(m: ReceivedMessage): number | undefined {
    if (this.messages.size >= this.maxHeld) {
      this.droppedCount++;
      return undefined;
    }
    const id = this.nextId++;
    this.messages.set(id, m);
    return id;
  }

  /** Ids grow with insertion, and a Map iterates in insertion order. */
  held(afterId: number, limit: number): HeldMessage[] {
    const out: HeldMessage[] = [];
    for (const [id, message] of this.messages) {
      if (out.length >= limit) break;
      if (id > afterId) out.push({ id, message });
    }
    return out;
  }

  handedOver(id: number): void {
    this.messages.delete(id);
  }

  close(): void {
    this.messages.clear();
  }
}
