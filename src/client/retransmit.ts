/**
 * Acknowledgement and retransmission bookkeeping, with time passed in (no timers here).
 *
 * A message is a list of fragments; each fragment, once it has left the client, waits for
 * its SURB-ack until `expected delay × multiplier + addition` (Nym: ×1.5 + 1,500 ms). An
 * unacknowledged fragment is handed back for retransmission on a fresh route, at most
 * `maxRetransmissions` times; then its whole message is reported as failed, exactly once.
 */

export interface RetransmitConfig {
  readonly ackWaitMultiplier: number;
  readonly ackWaitAdditionMs: number;
  /** Retransmissions per fragment before the message fails; Infinity for Nym's behaviour. */
  readonly maxRetransmissions: number;
}

export const DEFAULT_RETRANSMIT: RetransmitConfig = {
  ackWaitMultiplier: 1.5,
  ackWaitAdditionMs: 1500,
  maxRetransmissions: 10,
};

export function ackTimeout(expectedDelayMs: number, cfg: RetransmitConfig = DEFAULT_RETRANSMIT): number {
  return expectedDelayMs * cfg.ackWaitMultiplier + cfg.ackWaitAdditionMs;
}

export interface PendingFragment<F> {
  readonly key: string;
  readonly messageId: number;
  readonly fragment: F;
  /** transmissions so far (1 after the first send) */
  attempts: number;
  /** undefined while queued, not yet on the wire */
  deadline: number | undefined;
}

interface MessageState {
  remaining: Set<string>;
  readonly total: number;
}

export interface DueResult<F> {
  readonly retransmit: PendingFragment<F>[];
  readonly failed: { readonly messageId: number; readonly attempts: number }[];
}

export class AckTracker<F> {
  private readonly fragments = new Map<string, PendingFragment<F>>();
  private readonly messages = new Map<number, MessageState>();
  private armed = 0;

  constructor(readonly config: RetransmitConfig = DEFAULT_RETRANSMIT) {}

  get pendingFragments(): number {
    return this.fragments.size;
  }

  /** Fragments on the wire: sent and neither acknowledged nor timed out. */
  get inFlight(): number {
    return this.armed;
  }

  get pendingMessages(): number {
    return this.messages.size;
  }

  /** Register a message's fragments (keys must be unique). */
  addMessage(messageId: number, fragments: { key: string; fragment: F }[]): void {
    const keys = new Set<string>();
    for (const f of fragments) {
      keys.add(f.key);
      this.fragments.set(f.key, {
        key: f.key,
        messageId,
        fragment: f.fragment,
        attempts: 0,
        deadline: undefined,
      });
    }
    this.messages.set(messageId, { remaining: keys, total: fragments.length });
  }

  /** The fragment left the client now; arm its timer. */
  sent(key: string, expectedDelayMs: number, now: number): void {
    const p = this.fragments.get(key);
    if (!p) return;
    if (p.deadline === undefined) this.armed++;
    p.attempts++;
    p.deadline = now + ackTimeout(expectedDelayMs, this.config);
  }

  /**
   * An ack arrived. Returns the message id when this was the last outstanding fragment
   * of its message (the message is delivered), `null` for an expected ack of a
   * still-incomplete message, `undefined` for an unknown or duplicate ack.
   */
  ack(key: string): number | null | undefined {
    const p = this.fragments.get(key);
    if (!p) return undefined;
    this.fragments.delete(key);
    if (p.deadline !== undefined) this.armed--;
    const m = this.messages.get(p.messageId);
    if (!m) return undefined;
    m.remaining.delete(key);
    if (m.remaining.size === 0) {
      this.messages.delete(p.messageId);
      return p.messageId;
    }
    return null;
  }

  /** Fragments whose ack is overdue, and messages that exhausted their retries. */
  due(now: number): DueResult<F> {
    const retransmit: PendingFragment<F>[] = [];
    const failed: { messageId: number; attempts: number }[] = [];
    for (const p of this.fragments.values()) {
      if (p.deadline === undefined || p.deadline > now) continue;
      if (p.attempts > this.config.maxRetransmissions) {
        failed.push({ messageId: p.messageId, attempts: p.attempts });
        this.dropMessage(p.messageId);
      } else {
        p.deadline = undefined; // back in the queue until it is sent again
        this.armed--;
        retransmit.push(p);
      }
    }
    return { retransmit: retransmit.filter((p) => this.fragments.has(p.key)), failed };
  }

  /** Earliest armed deadline, if any. */
  nextDeadline(): number | undefined {
    let min: number | undefined;
    for (const p of this.fragments.values())
      if (p.deadline !== undefined && (min === undefined || p.deadline < min)) min = p.deadline;
    return min;
  }

  messageOf(key: string): number | undefined {
    return this.fragments.get(key)?.messageId;
  }

  has(key: string): boolean {
    return this.fragments.has(key);
  }

  /** Forget a message (failed or cancelled); returns whether it was pending. */
  dropMessage(messageId: number): boolean {
    const m = this.messages.get(messageId);
    if (!m) return false;
    for (const k of m.remaining) {
      if (this.fragments.get(k)?.deadline !== undefined) this.armed--;
      this.fragments.delete(k);
    }
    this.messages.delete(messageId);
    return true;
  }
}
