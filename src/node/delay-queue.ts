/**
 * Loopix delay queue: packets wait for the delay their Sphinx header carries, then leave.
 * A binary min-heap keyed by release time and one timer armed for the earliest release,
 * not one timer per packet. Items released at the same tick come out in one call, so the
 * forwarder can batch its socket writes.
 */

interface Entry<T> {
  at: number;
  seq: number;
  item: T;
}

export class DelayQueue<T> {
  private heap: Entry<T>[] = [];
  private seq = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private timerAt = Infinity;
  private closed = false;

  /** `release` gets every item that is due, in release order. */
  constructor(
    private readonly release: (items: T[]) => void,
    private readonly now: () => number = () => performance.now(),
  ) {}

  get size(): number {
    return this.heap.length;
  }

  /** Holds `item` for `delayMs` (fractional allowed). */
  push(item: T, delayMs: number): void {
    if (this.closed) return;
    const e = { at: this.now() + delayMs, seq: this.seq++, item };
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(h[i], h[p])) break;
      [h[i], h[p]] = [h[p], h[i]];
      i = p;
    }
    if (e.at < this.timerAt) this.arm(e.at);
  }

  /** Drops everything and stops the timer. */
  close(): T[] {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const left = this.heap.map((e) => e.item);
    this.heap = [];
    return left;
  }

  private arm(at: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => this.fire(), Math.max(0, at - this.now()));
  }

  private fire(): void {
    this.timer = null;
    this.timerAt = Infinity;
    // release everything due within the timer's 1 ms granularity
    const limit = this.now() + 0.5;
    const out: T[] = [];
    while (this.heap.length > 0 && this.heap[0].at <= limit) out.push(this.pop());
    if (this.heap.length > 0) this.arm(this.heap[0].at);
    if (out.length > 0) this.release(out);
  }

  private pop(): T {
    const h = this.heap;
    const top = h[0];
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && less(h[l], h[m])) m = l;
        if (r < h.length && less(h[r], h[m])) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
    return top.item;
  }
}

function less<T>(a: Entry<T>, b: Entry<T>): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
