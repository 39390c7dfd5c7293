/**
 * Messages from the requester to one client (one sender tag, or one return address), in
 * order, through the client core: replies through the sender's reply SURBs, or plain
 * messages to a return address (Nym: service-providers/network-requester/src/reply.rs
 * `MixnetAddress::{Anonymous, Known}`).
 *
 * Pacing: the core counts a sender's SURBs when it *builds* packets, not when a reply is
 * handed to it, so replies handed over together could each count the same SURBs and some
 * find none when built. The outbox therefore hands over a few messages at a time (while
 * the core holds fewer than `maxQueued` unbuilt packets), then lets the core build them;
 * the SOCKS client keeps the sender's SURB stock well above that. This is also the
 * requester's backpressure: messages wait here, and the connections' windows stop reading
 * their remote sockets, rather than piling up in the core. (On a loaded machine every turn
 * of the event loop may take tens of milliseconds: one message per turn would cap a
 * download at a few dozen packets a second.)
 *
 * A message the core could not deliver (no SURB in time, retransmissions exhausted) is
 * handed over again, up to `maxResends` times, with the same sequence number: the client's
 * ordered buffer takes it whenever it arrives.
 */
import type { Recipient } from '../socks5/protocol/index.js';

/** What the requester needs of a running client core (`MixnetClientCore` has it). */
export interface MixnetPort {
  onMessage(listener: (m: InboundMessage) => void): () => void;
  send(recipient: Recipient, message: Uint8Array): Promise<void>;
  reply(senderTag: Uint8Array, message: Uint8Array): Promise<void>;
  /** Packets queued in the core and not yet built. */
  readonly queueLength: number;
}

export interface InboundMessage {
  readonly message: Uint8Array;
  /** The anonymous sender's tag, when it attached reply SURBs. */
  readonly senderTag?: Uint8Array;
  readonly kind: string;
}

export type ReturnPath =
  | { readonly kind: 'tag'; readonly key: string; readonly tag: Uint8Array }
  | { readonly kind: 'address'; readonly key: string; readonly recipient: Recipient };

interface Job {
  readonly bytes: Uint8Array;
  attempts: number;
  readonly done: (err?: Error) => void;
}

const immediate = () => new Promise<void>((r) => setImmediate(r));
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class Outbox {
  private readonly queue: Job[] = [];
  private pumping = false;
  private closed = false;

  constructor(
    private readonly port: MixnetPort,
    readonly path: ReturnPath,
    private readonly maxResends: number,
    /** Packets the core may hold unbuilt before the next message is handed over. */
    private readonly maxQueued = 8,
  ) {}

  get pending(): number {
    return this.queue.length;
  }

  /** Queue a message; `done` runs once it is delivered, or finally failed (with the error). */
  push(bytes: Uint8Array, done: (err?: Error) => void = () => undefined): void {
    if (this.closed) return done(new Error('outbox closed'));
    this.queue.push({ bytes, attempts: 0, done });
    if (!this.pumping) void this.pump();
  }

  private handOver(job: Job): void {
    job.attempts++;
    const p = this.path;
    const sent =
      p.kind === 'tag' ? this.port.reply(p.tag, job.bytes) : this.port.send(p.recipient, job.bytes);
    sent.then(
      () => job.done(),
      (err: Error) => {
        if (this.closed || job.attempts > this.maxResends) return job.done(err);
        // again, behind what is queued now, after a pause that grows with the attempts
        setTimeout(() => {
          if (this.closed) return job.done(err);
          this.queue.unshift(job);
          if (!this.pumping) void this.pump();
        }, 200 * job.attempts).unref();
      },
    );
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      for (let idle = 0; this.queue.length && !this.closed;) {
        // a batch per turn of the event loop: on a loaded machine each turn may take a while
        let room = this.maxQueued - this.port.queueLength;
        if (room <= 0) {
          await (idle++ < 4 ? immediate() : sleep(2));
          continue;
        }
        idle = 0;
        while (room-- > 0 && this.queue.length) this.handOver(this.queue.shift()!);
        // let the core build these packets before more messages count the same SURBs
        await immediate();
      }
    } finally {
      this.pumping = false;
    }
  }

  close(): void {
    this.closed = true;
    for (const j of this.queue.splice(0)) j.done(new Error('outbox closed'));
  }
}
