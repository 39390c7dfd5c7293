/**
 * Acknowledgements and retransmission around the pure bookkeeping of retransmit.ts (Nym's
 * common/client-core/src/client/real_messages_control/acknowledgement_control/): one
 * promise per message, resolved when its last fragment is acknowledged and rejected with
 * DeliveryFailedError when a fragment exhausts its retransmissions; the timer that hands
 * overdue fragments back for sending on a fresh route; the window of packets in flight.
 */
import type { Clock, TimerHandle } from './clock.js';
import { AbortedError, DeliveryFailedError } from './errors.js';
import type { Listener } from './received-buffer.js';
import { AckTracker, type RetransmitConfig } from './retransmit.js';
import type { ClientStats } from './stats.js';
import { silentLogger, type Logger } from './transport.js';

export interface AckControlOptions<F> {
  readonly retransmit: RetransmitConfig;
  /** Most real packets sent and not yet acknowledged. */
  readonly maxInFlight: number;
  readonly now: () => number;
  readonly clock: Clock;
  readonly stats: ClientStats;
  readonly log?: Logger;
  /** An overdue fragment, to be sent again before anything else. */
  resend(fragment: F): void;
  /** A fragment's route was acknowledged (ok) or timed out. */
  routeOutcome(key: string, ok: boolean): void;
  /** Routes of fragments no longer pending can be forgotten. */
  forgetRoutes(pending: (key: string) => boolean): void;
  /** The window opened or work was queued: the sender may go on. */
  wake(): void;
}

interface PendingMessage {
  resolve(): void;
  reject(e: Error): void;
}

export class AckControl<F extends { readonly key: string }> {
  private readonly tracker: AckTracker<F>;
  private readonly pending = new Map<number, PendingMessage>();
  private readonly failureListeners = new Set<Listener<DeliveryFailedError>>();
  private nextMessageId = 1;
  private timer: TimerHandle | undefined;
  private stopped = false;
  private readonly log: Logger;

  constructor(private readonly o: AckControlOptions<F>) {
    this.tracker = new AckTracker(o.retransmit);
    this.log = o.log ?? silentLogger;
  }

  get pendingMessages(): number {
    return this.tracker.pendingMessages;
  }

  get inFlight(): number {
    return this.tracker.inFlight;
  }

  /**
   * Real packets on the wire are capped: a burst queued at once would otherwise sit in the
   * mix nodes' queues past its ack timeout and be sent again for nothing.
   */
  windowFull(): boolean {
    return this.tracker.inFlight >= this.o.maxInFlight;
  }

  /** Messages that exhausted their retransmissions (also rejected from `track`). */
  onFailure(l: Listener<DeliveryFailedError>): () => void {
    this.failureListeners.add(l);
    return () => this.failureListeners.delete(l);
  }

  /**
   * A new message of `fragments` (unique keys): resolves when all are acknowledged; rejects
   * with DeliveryFailedError, or AbortedError when `signal` fires first.
   */
  track(fragments: readonly F[], signal?: AbortSignal): Promise<void> {
    if (this.stopped) return Promise.reject(new DeliveryFailedError(0, 0, 'client stopped'));
    const messageId = this.nextMessageId++;
    const promise = new Promise<void>((resolve, reject) => this.pending.set(messageId, { resolve, reject }));
    this.tracker.addMessage(
      messageId,
      fragments.map((f) => ({ key: f.key, fragment: f })),
    );
    if (signal) {
      const onAbort = () => {
        if (this.tracker.dropMessage(messageId)) this.settle(messageId, new AbortedError('send'));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      const off = () => signal.removeEventListener('abort', onAbort);
      void promise.then(off, off);
    }
    return promise;
  }

  /** Still waiting for its ack (false once acknowledged, failed or cancelled). */
  isPending(key: string): boolean {
    return this.tracker.has(key);
  }

  /** The fragment left the client now: its ack timer runs. */
  sent(key: string, expectedDelayMs: number): void {
    this.tracker.sent(key, expectedDelayMs, this.o.now());
    this.arm();
  }

  /** A SURB-ack arrived for fragment `key`. Unknown and duplicate acks are ignored. */
  acked(key: string): void {
    this.o.stats.acksReceived++;
    this.o.routeOutcome(key, true);
    const done = this.tracker.ack(key, this.o.now());
    if (done === undefined) return;
    this.o.wake(); // one fewer in flight
    if (typeof done === 'number') this.settle(done);
  }

  /** A fragment could not even be built (no route, no SURB left): its message fails now. */
  buildFailed(key: string, err: Error): void {
    const messageId = this.tracker.messageOf(key);
    if (messageId === undefined) return;
    this.tracker.dropMessage(messageId);
    this.fail(messageId, 1, err.message);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.o.clock.clearTimer(this.timer);
    this.timer = undefined;
    for (const id of [...this.pending.keys()])
      this.settle(id, new DeliveryFailedError(id, 0, 'client stopped'));
  }

  private settle(messageId: number, err?: Error): void {
    const p = this.pending.get(messageId);
    this.pending.delete(messageId);
    if (err) p?.reject(err);
    else p?.resolve();
  }

  private fail(messageId: number, attempts: number, reason?: string): void {
    this.o.stats.failed++;
    const err = new DeliveryFailedError(messageId, attempts, reason);
    this.log.warn({ messageId, attempts, reason }, 'message failed');
    for (const l of this.failureListeners) l(err);
    this.settle(messageId, err);
  }

  private arm(): void {
    if (this.timer !== undefined || this.stopped) return;
    const next = this.tracker.nextDeadline();
    if (next === undefined) return;
    this.timer = this.o.clock.setTimer(
      () => {
        this.timer = undefined;
        this.checkDue();
      },
      Math.max(5, next - this.o.now()),
    );
  }

  private checkDue(): void {
    if (this.stopped) return;
    const { retransmit, failed } = this.tracker.due(this.o.now());
    for (const f of failed) this.fail(f.messageId, f.attempts);
    if (failed.length) this.o.forgetRoutes((k) => this.tracker.has(k));
    for (const r of retransmit) {
      this.o.stats.retransmissions++;
      this.o.routeOutcome(r.key, false);
      this.o.resend(r.fragment); // a fresh route is chosen when it is built
    }
    if (retransmit.length || failed.length) this.o.wake();
    this.arm();
  }
}
