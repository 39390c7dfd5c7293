/**
 * Applications of a native client's websocket API (Nym's text JSON frames, as in
 * src/client/ws-api/codec.ts) that count what they send and receive by a unique id in each
 * payload, `rel|<tag>|<n>|<padding>`: a message is delivered when its id arrives, lost when
 * it never does, duplicated each further time it arrives.
 */
import WebSocket from 'ws';
import { decodeBinaryResponse } from '../../src/client/ws-api/codec.js';
import { sleep } from './net.js';

export interface Tally {
  sent: number;
  delivered: number;
  lost: number;
  duplicated: number;
}

/** The payload of message `n` of a scenario: its id, then padding up to `bytes`. */
export function payload(tag: string, n: number, bytes = 0): string {
  const head = `rel|${tag}|${n}|`;
  return bytes > head.length ? head + 'x'.repeat(bytes - head.length) : head;
}

const ID = /^rel\|([^|]+)\|(\d+)\|/;

/** Receipts by tag and id, shared by the apps of one receiver across its restarts. */
export class Counter {
  /** tag → id → times received */
  private readonly seen = new Map<string, Map<number, number>>();

  count(message: string): void {
    const m = ID.exec(message);
    if (!m) return;
    let ids = this.seen.get(m[1]);
    if (!ids) this.seen.set(m[1], (ids = new Map()));
    const n = Number(m[2]);
    ids.set(n, (ids.get(n) ?? 0) + 1);
  }

  /** Distinct ids of `tag` received. */
  distinct(tag: string): number {
    return this.seen.get(tag)?.size ?? 0;
  }

  /** Receipts of `tag` beyond the first of each id. */
  duplicates(tag: string): number {
    let d = 0;
    for (const c of this.seen.get(tag)?.values() ?? []) d += c - 1;
    return d;
  }

  /** Sent `sent` messages of `tag` (ids 0..sent-1): what arrived. */
  tally(tag: string, sent: number): Tally {
    const ids = this.seen.get(tag) ?? new Map<number, number>();
    let delivered = 0;
    for (let n = 0; n < sent; n++) if (ids.has(n)) delivered++;
    return { sent, delivered, lost: sent - delivered, duplicated: this.duplicates(tag) };
  }

  /** Waits until every id of `tag` below `sent` arrived, or `ms` passed; then a quiet spell for late duplicates. */
  async await(tag: string, sent: number, ms: number, quietMs = 1_000): Promise<Tally> {
    const deadline = Date.now() + ms;
    while (this.distinct(tag) < sent && Date.now() < deadline) await sleep(100);
    await sleep(quietMs);
    return this.tally(tag, sent);
  }
}

/** A websocket app on a native client: sends, and counts what it receives into its counter. */
export class CountingApp {
  private readonly pending: ((o: Record<string, unknown>) => void)[] = [];
  /** `error` frames the client sent (about sends), kept for the report. */
  readonly errors: string[] = [];
  closed = false;

  private constructor(
    readonly ws: WebSocket,
    readonly counter: Counter,
  ) {
    ws.on('message', (data, isBinary) => {
      let o: Record<string, unknown>;
      try {
        if (isBinary) {
          const b = data as Buffer;
          const r = decodeBinaryResponse(new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
          o =
            r.type === 'received'
              ? { type: 'received', message: new TextDecoder().decode(r.message) }
              : { type: r.type };
        } else o = JSON.parse(String(data)) as Record<string, unknown>;
      } catch {
        return;
      }
      if (o.type === 'received') this.counter.count(String(o.message));
      else if (o.type === 'error' && !this.pending.length) this.errors.push(String(o.message));
      else this.pending.shift()?.(o);
    });
    ws.on('close', () => (this.closed = true));
    ws.on('error', () => undefined);
  }

  /** Connects; `headers` lets an attack set `Origin`. */
  static async connect(
    url: string,
    counter = new Counter(),
    headers?: Record<string, string>,
    timeoutMs = 10_000,
  ): Promise<CountingApp> {
    const ws = new WebSocket(url, { perMessageDeflate: false, headers });
    // listening before the upgrade completes: messages the client holds for the next app
    // come right behind its answer, before an `open` handler's continuation would run
    const app = new CountingApp(ws, counter);
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => {
        ws.terminate();
        reject(new Error(`cannot connect to ${url} within ${timeoutMs} ms`));
      }, timeoutMs);
      ws.once('open', () => {
        clearTimeout(t);
        resolve();
      });
      ws.once('error', (e) => {
        clearTimeout(t);
        reject(e);
      });
      ws.once('unexpected-response', (_req, res) => {
        clearTimeout(t);
        ws.terminate();
        reject(new Error(`refused with HTTP ${res.statusCode}`));
      });
    });
    return app;
  }

  /** The client's address; also switches the connection to text answers (Nym's rule). */
  selfAddress(timeoutMs = 10_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no answer to selfAddress')), timeoutMs);
      this.pending.push((o) => {
        clearTimeout(t);
        if (o.type === 'selfAddress' && typeof o.address === 'string') resolve(o.address);
        else reject(new Error(`unexpected answer to selfAddress: ${JSON.stringify(o)}`));
      });
      this.ws.send(JSON.stringify({ type: 'selfAddress' }));
    });
  }

  send(recipient: string, message: string): void {
    this.ws.send(JSON.stringify({ type: 'send', recipient, message }));
  }

  /** Sends messages `from`..`to - 1` of `tag`, `perSecond` at most (0: as fast as the socket takes them). */
  async sendRange(
    recipient: string,
    tag: string,
    from: number,
    to: number,
    perSecond = 0,
    bytes = 0,
  ): Promise<void> {
    const t0 = performance.now();
    for (let n = from; n < to; n++) {
      this.send(recipient, payload(tag, n, bytes));
      if (perSecond > 0) {
        const due = t0 + ((n - from + 1) * 1000) / perSecond;
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
      } else if (this.ws.bufferedAmount > 1 << 20) await sleep(5);
    }
  }

  close(): void {
    this.ws.close();
  }
}
