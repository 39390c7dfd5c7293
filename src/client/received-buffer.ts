/**
 * Complete received messages on their way to the front ends (Nym's
 * common/client-core/src/client/received_buffer.rs): handed to every listener, or held
 * while nobody listens (the inbox the gateway pushes at connection arrives before a front
 * end subscribes) and given to the first listener that comes.
 */
import { silentLogger, type Logger } from './transport.js';

export interface ReceivedMessage {
  readonly message: Uint8Array;
  /** Present when the sender attached reply SURBs: pass it to `reply`. */
  readonly senderTag?: Uint8Array;
  /** 'reply' when it came back through one of our reply SURBs. */
  readonly kind: 'plain' | 'repliable' | 'reply';
  /** The sender's fragment set ids: with the bytes, they tell a repeat from a new message. */
  readonly setIds?: readonly number[];
}

export type Listener<T> = (v: T) => void;

/** Received messages held while no front end listens. */
export const MAX_UNCLAIMED = 10_000;

export class ReceivedBuffer {
  private readonly listeners = new Set<Listener<ReceivedMessage>>();
  private readonly unclaimed: ReceivedMessage[] = [];

  constructor(
    private readonly log: Logger = silentLogger,
    private readonly capacity = MAX_UNCLAIMED,
  ) {}

  /** Messages held for the first listener. */
  get held(): number {
    return this.unclaimed.length;
  }

  subscribe(l: Listener<ReceivedMessage>): () => void {
    this.listeners.add(l);
    for (const m of this.unclaimed.splice(0)) this.deliver(m);
    return () => this.listeners.delete(l);
  }

  deliver(m: ReceivedMessage): void {
    if (this.listeners.size === 0) {
      if (this.unclaimed.length < this.capacity) this.unclaimed.push(m);
      else this.log.warn({}, 'no listener: received message dropped');
      return;
    }
    for (const l of this.listeners) {
      try {
        l(m);
      } catch (e) {
        this.log.error({ err: (e as Error).message }, 'message listener threw');
      }
    }
  }
}
