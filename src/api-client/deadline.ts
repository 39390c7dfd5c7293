/**
 * A signal that aborts when any of the given signals does, or after `ms`.
 *
 * Not `AbortSignal.any([signal, AbortSignal.timeout(ms)])`: in Node 20 the composite holds
 * its sources only weakly, so a garbage collection while the awaited operation stalls
 * drops the timeout signal and the composite never times out (an issuance waited for the
 * caller's 60 s abort this way). Here a plain timer holds the controller until `clear()`.
 */
export interface Deadline {
  readonly signal: AbortSignal;
  /** Whether it was the timer that fired (not one of the followed signals). */
  readonly timedOut: boolean;
  /** Stop the timer and stop following the signals; call it when the operation is over. */
  clear(): void;
}

/** The abort reason when the time ran out. */
export class DeadlineExceeded extends Error {
  constructor(readonly ms: number) {
    super(`no complete answer within ${ms} ms`);
    this.name = 'TimeoutError';
  }
}

export function deadline(ms: number, ...follow: (AbortSignal | undefined)[]): Deadline {
  const controller = new AbortController();
  const signals = follow.filter((s): s is AbortSignal => s !== undefined);
  const listeners = signals.map((s) => {
    const onAbort = (): void => controller.abort(s.reason);
    return { s, onAbort };
  });
  const timer = setTimeout(() => controller.abort(new DeadlineExceeded(ms)), ms);
  const clear = (): void => {
    clearTimeout(timer);
    for (const { s, onAbort } of listeners) s.removeEventListener('abort', onAbort);
  };
  for (const { s, onAbort } of listeners) {
    if (s.aborted) {
      onAbort();
      break;
    }
    s.addEventListener('abort', onAbort, { once: true });
  }
  if (controller.signal.aborted) clear();
  return {
    signal: controller.signal,
    get timedOut() {
      return controller.signal.reason instanceof DeadlineExceeded;
    },
    clear,
  };
}
