/**
 * A role's inspector (Chrome DevTools Protocol over a websocket), when the role runs with
 * `--inspect=127.0.0.1:0` (the suite's long form sets NYMPH_ROLE_NODE_ARGS so; the port is
 * a free one the role picks and announces on stderr, i.e. in its log). Through it the load
 * scenario collects a role in full, its worker threads too (NodeWorker domain: the unwrap
 * workers of mix nodes and gateways, the chain's signature verifier), and reads what is
 * left: RSS from /proc and the used heap of every isolate (Runtime.getHeapUsage).
 */
import { existsSync, readFileSync } from 'node:fs';
import WebSocket from 'ws';

/** A call the inspector did not answer in time (the role is frozen, or gone mid-call). */
export class InspectorTimeoutError extends Error {
  readonly code = 'inspector_timeout';
  constructor(method: string, ms: number) {
    super(`inspector: ${method} not answered within ${ms} ms`);
  }
}

/** An error answer of the protocol (unknown method, bad params, a worker gone). */
export class InspectorCallError extends Error {
  readonly code = 'inspector_call_failed';
  constructor(method: string, detail: string) {
    super(`inspector: ${method} failed: ${detail}`);
  }
}

type Result = Record<string, unknown>;

export interface Inspector {
  /** A method on the main thread. */
  call(method: string, params?: object, timeoutMs?: number): Promise<Result>;
  /** A method on one worker thread, by its session id (`workers()`). */
  callWorker(sessionId: string, method: string, params?: object, timeoutMs?: number): Promise<Result>;
  /** Session ids of the worker threads attached so far (after `attachWorkers`). */
  workers(): string[];
  /** Asks to be told of every worker thread, present and future (NodeWorker.enable). */
  attachWorkers(): Promise<void>;
  close(): void;
}

/** Where the role's log last announced its inspector (`Debugger listening on ws://…`), or undefined. */
export function inspectorUrl(logFile: string): string | undefined {
  if (!existsSync(logFile)) return undefined;
  const urls = readFileSync(logFile, 'utf8').match(/ws:\/\/127\.0\.0\.1:\d+\/[\w-]+/g);
  return urls ? urls[urls.length - 1] : undefined;
}

/** The inspector of the role whose log is `logFile` (the last one it announced), or undefined. */
export async function connectInspector(logFile: string): Promise<Inspector | undefined> {
  const url = inspectorUrl(logFile);
  return url ? connectInspectorUrl(url) : undefined;
}

export async function connectInspectorUrl(url: string): Promise<Inspector | undefined> {
  const ws = new WebSocket(url);
  const opened = await new Promise<boolean>((resolve) => {
    ws.once('open', () => resolve(true));
    ws.once('error', () => resolve(false));
  });
  if (!opened) return undefined;
  let id = 0;
  // answers by id: the main thread's, and each worker session's (keyed `session/id`)
  const waiting = new Map<string, (answer: { result?: Result; error?: { message?: string } }) => void>();
  const sessions = new Set<string>();
  ws.on('message', (d) => {
    const o = JSON.parse(String(d)) as {
      id?: number;
      method?: string;
      params?: { sessionId?: string; message?: string };
      result?: Result;
      error?: { message?: string };
    };
    if (o.id !== undefined) return waiting.get(String(o.id))?.(o);
    const sid = o.params?.sessionId;
    if (!sid) return;
    if (o.method === 'NodeWorker.attachedToWorker') sessions.add(sid);
    else if (o.method === 'NodeWorker.detachedFromWorker') sessions.delete(sid);
    else if (o.method === 'NodeWorker.receivedMessageFromWorker' && o.params?.message) {
      const inner = JSON.parse(o.params.message) as {
        id?: number;
        result?: Result;
        error?: { message?: string };
      };
      if (inner.id !== undefined) waiting.get(`${sid}/${inner.id}`)?.(inner);
    }
  });
  ws.on('error', () => undefined);
  const request = (
    key: (i: number) => string,
    frame: (i: number) => object,
    method: string,
    timeoutMs: number,
  ): Promise<Result> =>
    new Promise((resolve, reject) => {
      const i = ++id;
      const k = key(i);
      const t = setTimeout(() => {
        waiting.delete(k);
        reject(new InspectorTimeoutError(method, timeoutMs));
      }, timeoutMs);
      waiting.set(k, (a) => {
        clearTimeout(t);
        waiting.delete(k);
        if (a.error) reject(new InspectorCallError(method, a.error.message ?? JSON.stringify(a.error)));
        else resolve(a.result ?? {});
      });
      ws.send(JSON.stringify(frame(i)));
    });
  const insp: Inspector = {
    call: (method, params = {}, timeoutMs = 30_000) =>
      request(String, (i) => ({ id: i, method, params }), method, timeoutMs),
    callWorker: (sessionId, method, params = {}, timeoutMs = 30_000) =>
      request(
        (i) => `${sessionId}/${i}`,
        (i) => ({
          id: i,
          method: 'NodeWorker.sendMessageToWorker',
          params: { sessionId, message: JSON.stringify({ id: i, method, params }) },
        }),
        method,
        timeoutMs,
      ),
    workers: () => [...sessions],
    async attachWorkers() {
      await insp.call('NodeWorker.enable', { waitForDebuggerOnStart: false });
    },
    close: () => ws.close(),
  };
  return insp;
}

/** What a role keeps: right after full collections of every thread. KiB. */
export interface LiveSample {
  rss: number;
  /** Used heap of the main thread and every worker thread. */
  heap: number;
  /** Of which the worker threads'. */
  workerHeap: number;
  /** Memory held by the main thread's JS objects outside its heap (Buffers, ArrayBuffers). */
  external: number;
}

/**
 * Full collections of the role's main thread and workers, then its RSS (`rss()`, KiB from
 * /proc) and heaps; undefined when the role went away or did not answer.
 */
export async function liveSample(
  insp: Inspector,
  rss: () => number | undefined,
): Promise<LiveSample | undefined> {
  try {
    const workers = insp.workers();
    // a worker that exits between the listing and the call answers with an error: no sample
    await Promise.all(workers.map((w) => insp.callWorker(w, 'HeapProfiler.collectGarbage')));
    await insp.call('HeapProfiler.collectGarbage');
    const after = rss();
    const main = (await insp.call('Runtime.getHeapUsage')) as { usedSize?: number };
    const ext = (await insp.call('Runtime.evaluate', {
      expression: 'process.memoryUsage().external',
      returnByValue: true,
    })) as { result?: { value?: number } };
    let workerHeap = 0;
    for (const w of workers) {
      const u = (await insp.callWorker(w, 'Runtime.getHeapUsage')) as { usedSize?: number };
      workerHeap += u.usedSize ?? 0;
    }
    const external = ext.result?.value;
    if (after === undefined || typeof main.usedSize !== 'number' || typeof external !== 'number')
      return undefined;
    return {
      rss: after,
      heap: (main.usedSize + workerHeap) / 1024,
      workerHeap: workerHeap / 1024,
      external: external / 1024,
    };
  } catch {
    return undefined; // restarted, gone or frozen: no sample
  }
}
