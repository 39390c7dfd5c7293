/**
 * Acknowledgement and retransmission bookkeeping, with time passed in (no timers here).
 *
 * A message is a list of fragments; each fragment, once it has left the client, waits for
 * its SURB-ack until `expected delay × multiplier + addition` (Nym: ×1.5 + 1,500 ms). An
 * unacknowledged fragment is handed back for retransmission on a fresh route, at most
 * `maxRetransmissions` times; then its whole message is reported as failed, exactly once.
 *
 * Two departures from Nym's fixed timeout, both from TCP, because a fixed timeout
 * collapses under load: once the mix nodes' processing time exceeds the fixed addition,
 * every packet times out, and the retransmissions add more load.
 * - Backoff: each retransmission of a fragment waits `backoffMultiplier` times longer
 *   than the previous attempt, up to `maxAckWaitMs` (RFC 6298 §5.5).
 * - Adaptive addition: the time an ack takes beyond its sampled mix delays is measured on
 *   first transmissions only (Karn's rule), smoothed as SRTT/RTTVAR (RFC 6298 §2), and
 *   the addition becomes max(ackWaitAdditionMs, SRTT + 4·RTTVAR).
 */

export interface RetransmitConfig {
  readonly ackWaitMultiplier: number;
  readonly ackWaitAdditionMs: number;
  /** Retransmissions per fragment before the message fails; Infinity for Nym's behaviour. */
  readonly maxRetransmissions: number;
  /** Each retransmission waits this many times longer than the attempt before (1 = off). */
  readonly backoffMultiplier: number;
  /** Upper bound of one attempt's wait, backoff included. */
  readonly maxAckWaitMs: number;
}

export const DEFAULT_RETRANSMIT: RetransmitConfig = {
  ackWaitMultiplier: 1.5,
  ackWaitAdditionMs: 1500,
  maxRetransmissions: 10,
  backoffMultiplier: 2,
  maxAckWaitMs: 60_000,
};

/** Nym's timeout for a first transmission: expected delay × 1.5 + 1,500 ms by default. */
export function ackTimeout(
  expectedDelayMs: number,
  cfg: Pick<RetransmitConfig, 'ackWaitMultiplier' | 'ackWaitAdditionMs'> = DEFAULT_RETRANSMIT,
): number {
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
  /** when the latest transmission left, and the mix delays it was given */
  sentAt: number;
  expectedDelayMs: number;
}

interface MessageState {
  remaining: Set<string>;
}

export interface DueResult<F> {
  readonly retransmit: PendingFragment<F>[];
  readonly failed: { readonly messageId: number; readonly attempts: number }[];
}

export class AckTracker<F> {
  private readonly fragments = new Map<string, PendingFragment<F>>();
  private readonly messages = new Map<number, MessageState>();
  private armed = 0;
  /** Smoothed ack overhead beyond the mix delays, and its variation (RFC 6298), in ms. */
  private srtt: number | undefined;
  private rttvar = 0;
  readonly config: RetransmitConfig;

  constructor(config: Partial<RetransmitConfig> = {}) {
    this.config = { ...DEFAULT_RETRANSMIT, ...config };
  }

  /** The addition currently in force: the configured one, or more if acks measure slower. */
  get ackWaitAdditionMs(): number {
    const measured = this.srtt === undefined ? 0 : this.srtt + 4 * this.rttvar;
    return Math.max(this.config.ackWaitAdditionMs, measured);
  }

  /** How long attempt number `attempt` (1 = first transmission) waits for its ack. */
  waitFor(expectedDelayMs: number, attempt: number): number {
    const base = expectedDelayMs * this.config.ackWaitMultiplier + this.ackWaitAdditionMs;
    const backoff = this.config.backoffMultiplier ** Math.max(0, attempt - 1);
    return Math.min(base * backoff, Math.max(base, this.config.maxAckWaitMs));
  }

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
        sentAt: 0,
        expectedDelayMs: 0,
      });
    }
    this.messages.set(messageId, { remaining: keys });
  }

  /** The fragment left the client now; arm its timer. */
  sent(key: string, expectedDelayMs: number, now: number): void {
    const p = this.fragments.get(key);
    if (!p) return;
    if (p.deadline === undefined) this.armed++;
    p.attempts++;
    p.sentAt = now;
    p.expectedDelayMs = expectedDelayMs;
    p.deadline = now + this.waitFor(expectedDelayMs, p.attempts);
  }

  /**
   * An ack arrived. Returns the message id when this was the last outstanding fragment
   * of its message (the message is delivered), `null` for an expected ack of a
   * still-incomplete message, `undefined` for an unknown or duplicate ack. With `now`,
   * the ack of a first transmission also updates the measured ack overhead.
   */
  ack(key: string, now?: number): number | null | undefined {
    const p = this.fragments.get(key);
    if (!p) return undefined;
    this.fragments.delete(key);
    if (p.deadline !== undefined) this.armed--;
    // Karn's rule: an ack after a retransmission cannot say which attempt it answers
    if (now !== undefined && p.attempts === 1 && p.deadline !== undefined)
      this.observeOverhead(Math.max(0, now - p.sentAt - p.expectedDelayMs));
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

  /** RFC 6298 §2.2–2.3 with alpha = 1/8, beta = 1/4. */
  private observeOverhead(sampleMs: number): void {
    if (this.srtt === undefined) {
      this.srtt = sampleMs;
      this.rttvar = sampleMs / 2;
    } else {
      this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - sampleMs);
      this.srtt = 0.875 * this.srtt + 0.125 * sampleMs;
    }
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
