/**
 * Time for the client's parts: a monotonic `now`, one-shot timers and a "run after pending
 * I/O" hook. Parts take a `Clock` instead of calling the globals, so a test can drive them
 * with a fake one; `systemClock` is the real thing in Node and browsers.
 */

export type TimerHandle = unknown;

export interface Clock {
  /** Milliseconds on a monotonic clock (not wall time). */
  now(): number;
  setTimer(fn: () => void, ms: number): TimerHandle;
  clearTimer(handle: TimerHandle): void;
  /** Run `fn` after pending I/O: setImmediate in Node, a zero timeout in browsers. */
  defer(fn: () => void): void;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  setTimer: (fn, ms) => setTimeout(fn, ms),
  clearTimer: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
  defer:
    typeof globalThis.setImmediate === 'function'
      ? (fn) => void globalThis.setImmediate(fn)
      : (fn) => void setTimeout(fn, 0),
};

/** One owner's timers, all cancelled at once when it stops; none are armed after that. */
export class Timers {
  private readonly live = new Set<TimerHandle>();
  private stopped = false;

  constructor(private readonly clock: Clock) {}

  after(ms: number, fn: () => void): void {
    if (this.stopped) return;
    const h = this.clock.setTimer(() => {
      this.live.delete(h);
      if (!this.stopped) fn();
    }, ms);
    this.live.add(h);
  }

  get active(): boolean {
    return !this.stopped;
  }

  stop(): void {
    this.stopped = true;
    for (const h of this.live) this.clock.clearTimer(h);
    this.live.clear();
  }
}

/** Resolves after `ms` on `clock`; rejects with the signal's reason when it fires first. */
export function sleepOn(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clock.clearTimer(h);
      reject(signal!.reason);
    };
    const h = clock.setTimer(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
