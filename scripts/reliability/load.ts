/**
 * Sustained load with memory watched: `streams` senders, each `perSecond` messages a
 * second for `seconds`, spread over the localnet's native clients (one websocket app per
 * client; stream s sends from client s mod C to client s+1 mod C), each stream holding at
 * most `window` messages sent and not yet received (a closed loop: the offered rate is an
 * upper bound, the achieved one is reported). Every role's RSS is sampled from /proc; the
 * slope after warm-up (the first third, and a restarted process's first minute) is fitted
 * by least squares to the floor of the samples (lowerEnvelope), per node, and the largest
 * of each role is reported in KiB per minute.
 *
 * What did not arrive is told apart: `load_send_failures` counts the `error` frames the
 * senders' clients sent back (a message that exhausted its retransmissions is reported so);
 * `load_missing_at_wait_end` counts what had not arrived when the drain's wait ended, and
 * `load_arrived_late` what arrived after that, in a second wait (only when something was
 * missing): a message that arrives late was slow, not lost. `load_lost` is counted after
 * both waits.
 *
 * RSS read from /proc is mostly the collector's business: V8 lets garbage pile up in a
 * larger and larger heap between full collections under steady load (a native client's
 * heap grew 77.8 → 81.8 MiB in 150 s while its live data stayed flat, and a forced full
 * collection brought its RSS back to where it started). What is kept is measured when the
 * roles run with an inspector (`NYMPH_ROLE_NODE_ARGS=--inspect=127.0.0.1:0`): then every
 * `sampleMs` (5 s at least) the native clients are collected in full through it (HeapProfiler.collectGarbage)
 * and their RSS and used heap read right after; `live_rss_slope_client_kib_per_min` and
 * `live_heap_slope_client_kib_per_min` are fitted to those, and the RSS target is judged on
 * them instead of the raw slope.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { Counter, CountingApp, payload } from './apps.js';
import { sleep } from './net.js';
import { tallyFailures, tallyNumbers, type Scenario } from './scenario.js';
import type { Tally } from './apps.js';

/**
 * The lower envelope of RSS samples: the smallest of each run of `k`, at the run's mean
 * time. A collector's sawtooth (tens of MB on a nym-api) swamps a short window's slope;
 * its floor is what grows when memory is kept.
 */
export function lowerEnvelope(
  points: readonly { t: number; y: number }[],
  k = 3,
): { t: number; y: number }[] {
  const out: { t: number; y: number }[] = [];
  for (let i = 0; i + k <= points.length; i += k) {
    const run = points.slice(i, i + k);
    out.push({ t: run.reduce((a, p) => a + p.t, 0) / k, y: Math.min(...run.map((p) => p.y)) });
  }
  return out;
}

/** Least-squares slope of (t ms, y) points, per minute. */
export function slopePerMinute(points: readonly { t: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mt = points.reduce((a, p) => a + p.t, 0) / n;
  const my = points.reduce((a, p) => a + p.y, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.t - mt) * (p.y - my);
    den += (p.t - mt) ** 2;
  }
  return den === 0 ? 0 : (num / den) * 60_000;
}

/** A role's inspector (Chrome DevTools Protocol), when it runs with `--inspect`. */
export interface Inspector {
  call(method: string, params?: object, timeoutMs?: number): Promise<Record<string, unknown>>;
  close(): void;
}

/** The inspector of the role whose log is `logFile` (the last one it announced), or undefined. */
export async function connectInspector(logFile: string): Promise<Inspector | undefined> {
  if (!existsSync(logFile)) return undefined;
  const urls = readFileSync(logFile, 'utf8').match(/ws:\/\/127\.0\.0\.1:\d+\/[\w-]+/g);
  if (!urls) return undefined;
  const ws = new WebSocket(urls[urls.length - 1]);
  const opened = await new Promise<boolean>((resolve) => {
    ws.once('open', () => resolve(true));
    ws.once('error', () => resolve(false));
  });
  if (!opened) return undefined;
  let id = 0;
  const waiting = new Map<number, (v: Record<string, unknown>) => void>();
  ws.on('message', (d) => {
    const o = JSON.parse(String(d)) as { id?: number; result?: Record<string, unknown>; error?: object };
    if (o.id !== undefined) waiting.get(o.id)?.(o.result ?? { error: o.error });
  });
  ws.on('error', () => undefined);
  return {
    call: (method, params = {}, timeoutMs = 30_000) =>
      new Promise((resolve, reject) => {
        const i = ++id;
        const t = setTimeout(() => {
          waiting.delete(i);
          reject(new Error(`inspector: ${method} not answered within ${timeoutMs} ms`));
        }, timeoutMs);
        waiting.set(i, (v) => {
          clearTimeout(t);
          waiting.delete(i);
          resolve(v);
        });
        ws.send(JSON.stringify({ id: i, method, params }));
      }),
    close: () => ws.close(),
  };
}

/** A full collection in the role, then its RSS (KiB, from /proc) and used heap (KiB). */
async function liveSample(
  insp: Inspector,
  rss: () => number | undefined,
): Promise<{ rss: number; heap: number } | undefined> {
  try {
    await insp.call('HeapProfiler.collectGarbage');
    const r = (await insp.call('Runtime.evaluate', {
      expression: 'process.memoryUsage().heapUsed',
      returnByValue: true,
    })) as { result?: { value?: number } };
    const after = rss();
    const heap = r.result?.value;
    return after === undefined || typeof heap !== 'number' ? undefined : { rss: after, heap: heap / 1024 };
  } catch {
    return undefined; // restarted or gone: no sample
  }
}

const ROLE_KINDS = ['chain', 'api', 'mixnode', 'gateway', 'client'] as const;
/** A process's own warm-up (code compiled, caches filled): its RSS rises for reasons of its start. */
const PROCESS_WARM_UP_MS = 60_000;
/** The drain's wait for everything sent, then a second one for stragglers (retransmissions back off up to a minute). */
const DRAIN_WAIT_MS = 60_000;
const LATE_WAIT_MS = 120_000;

export const load: Scenario = {
  name: 'load with RSS sampled',
  async run(ctx) {
    const { streams, perSecond, seconds, window, sampleMs } = ctx.sizes.load;
    // one app per native client, each with its own counter of what it receives
    const names = ctx.net.names('client');
    const apps: { app: CountingApp; counter: Counter; address: string }[] = [];
    const opened: CountingApp[] = [];
    for (const name of names) {
      if (name === ctx.receiverName && ctx.receiver)
        apps.push({ app: ctx.receiver, counter: ctx.receiverCounter, address: ctx.receiverAddress });
      else if (name === ctx.net.info.clients[0].name)
        apps.push({ app: ctx.sender, counter: ctx.sender.counter, address: ctx.senderAddress });
      else {
        const url = ctx.net.info.clients.find((c) => c.name === name)!.websocket;
        const app = await CountingApp.connect(url);
        opened.push(app);
        apps.push({ app, counter: app.counter, address: await app.selfAddress() });
      }
    }
    if (apps.length < 2) throw new Error('reliability: load needs two native clients at least');
    const c = apps.length;
    // error frames each app already had: the ones of this scenario are counted at the end
    const errorsBefore = apps.map((a) => a.app.errors.length);
    const tag = (s: number) => `${ctx.run}-load${s}`;
    const sent = new Array<number>(streams).fill(0);
    const to = (s: number) => apps[(s + 1) % c];
    const from = (s: number) => apps[s % c];

    const samples: { t: number; rss: Record<string, number> }[] = [];
    const t0 = performance.now();
    const sampler = setInterval(
      () => samples.push({ t: performance.now() - t0, rss: ctx.net.rss() }),
      sampleMs,
    );
    // what the native clients keep: RSS and used heap right after a full collection
    const inspectors = new Map<string, Inspector>();
    for (const name of names) {
      const insp = await connectInspector(join(ctx.net.home, 'logs', `${name}.log`));
      if (insp) inspectors.set(name, insp);
    }
    const live: { name: string; t: number; rss: number; heap: number }[] = [];
    let liveBusy = false;
    const liveSampler = setInterval(
      () => {
        if (liveBusy || inspectors.size === 0) return;
        liveBusy = true;
        void (async () => {
          for (const [name, insp] of inspectors) {
            const x = await liveSample(insp, () => ctx.net.rss()[name]);
            if (x) live.push({ name, t: performance.now() - t0, ...x });
          }
        })().finally(() => (liveBusy = false));
      },
      Math.max(sampleMs, 5_000),
    ); // a full collection costs a role tens of ms: not every second
    samples.push({ t: 0, rss: ctx.net.rss() });
    const endAt = t0 + seconds * 1000;
    let blocked = 0;
    while (performance.now() < endAt) {
      const elapsed = performance.now() - t0;
      for (let s = 0; s < streams; s++) {
        const due = Math.floor((elapsed / 1000) * perSecond) - sent[s];
        const room = window - (sent[s] - to(s).counter.distinct(tag(s)));
        const k = Math.min(due, room);
        if (due > 0 && room <= 0) blocked++;
        for (let i = 0; i < k; i++) from(s).app.send(to(s).address, payload(tag(s), sent[s]++, 64));
      }
      await sleep(50);
    }
    clearInterval(sampler);
    clearInterval(liveSampler);
    samples.push({ t: performance.now() - t0, rss: ctx.net.rss() });
    const sendMs = performance.now() - t0;
    // drain: everything sent must arrive
    const pending = () => sent.reduce((a, n, s) => a + n - to(s).counter.distinct(tag(s)), 0);
    const waitFor = async (ms: number) => {
      const deadline = Date.now() + ms;
      while (pending() > 0 && Date.now() < deadline) await sleep(200);
    };
    await waitFor(DRAIN_WAIT_MS);
    const missingAtWaitEnd = pending();
    if (missingAtWaitEnd > 0) await waitFor(LATE_WAIT_MS);
    const arrivedLate = missingAtWaitEnd - pending();
    await sleep(1_000);
    const sendFailures = apps.reduce((a, x, i) => a + x.app.errors.length - errorsBefore[i], 0);
    const total: Tally = { sent: 0, delivered: 0, lost: 0, duplicated: 0 };
    for (let s = 0; s < streams; s++) {
      const t = to(s).counter.tally(tag(s), sent[s]);
      total.sent += t.sent;
      total.delivered += t.delivered;
      total.lost += t.lost;
      total.duplicated += t.duplicated;
    }
    for (const app of opened) app.close();

    // RSS slope after warm-up (the load's first third, and a process's first minute, for
    // nodes a scenario restarted shortly before), per node, the largest of each role
    const numbers: Record<string, number> = {
      ...tallyNumbers('load', total),
      load_streams: streams,
      load_offered_per_s: streams * perSecond,
      load_achieved_per_s: Math.round((total.delivered / (sendMs / 1000)) * 10) / 10,
      load_window_full_ticks: blocked,
      load_send_failures: sendFailures,
      load_missing_at_wait_end: missingAtWaitEnd,
      load_arrived_late: arrivedLate,
    };
    let worst = { role: '', slope: -Infinity };
    let skipped = 0;
    for (const kind of ROLE_KINDS) {
      let max = -Infinity;
      for (const name of ctx.net.names(kind)) {
        const from = Math.max(sendMs / 3, ctx.net.startedAt(name) + PROCESS_WARM_UP_MS - t0);
        const pts = samples
          .filter((x) => x.t >= from && x.rss[name] !== undefined)
          .map((x) => ({ t: x.t, y: x.rss[name] }));
        if (pts.length >= 6) max = Math.max(max, slopePerMinute(lowerEnvelope(pts)));
        else skipped++;
      }
      if (max === -Infinity) continue;
      numbers[`rss_slope_${kind}_kib_per_min`] = Math.round(max);
      if (max > worst.slope) worst = { role: kind, slope: max };
    }
    // after full collections (with inspectors): the slope of what is kept, per client, the largest
    let liveWorst: number | undefined;
    if (live.length) {
      let rssMax = -Infinity;
      let heapMax = -Infinity;
      for (const name of inspectors.keys()) {
        const from = Math.max(sendMs / 3, ctx.net.startedAt(name) + PROCESS_WARM_UP_MS - t0);
        const pts = live.filter((x) => x.name === name && x.t >= from);
        if (pts.length < 6) continue;
        rssMax = Math.max(rssMax, slopePerMinute(pts.map((x) => ({ t: x.t, y: x.rss }))));
        heapMax = Math.max(heapMax, slopePerMinute(pts.map((x) => ({ t: x.t, y: x.heap }))));
      }
      if (rssMax > -Infinity) {
        numbers.live_rss_slope_client_kib_per_min = Math.round(rssMax);
        numbers.live_heap_slope_client_kib_per_min = Math.round(heapMax);
        liveWorst = rssMax;
      }
      numbers.load_live_samples = live.length;
    }
    for (const insp of inspectors.values()) insp.close();
    numbers.load_rss_samples = samples.length;
    numbers.load_rss_nodes_warming_up = skipped;
    numbers.rss_slope_max_kib_per_min = Math.round(worst.slope);
    const failures = tallyFailures('load', total);
    // the clients' slope after full collections, when measured, replaces their raw one
    if (liveWorst !== undefined) {
      worst = { role: 'client (after full collections)', slope: liveWorst };
      for (const kind of ROLE_KINDS) {
        const raw = numbers[`rss_slope_${kind}_kib_per_min`];
        if (kind !== 'client' && raw !== undefined && raw > worst.slope) worst = { role: kind, slope: raw };
      }
    }
    if (worst.slope > ctx.sizes.rssFlatKiBPerMin)
      failures.push(
        `load: ${worst.role} RSS grew ${Math.round(worst.slope)} KiB/min after warm-up (flat: ≤ ${ctx.sizes.rssFlatKiBPerMin})`,
      );
    return { numbers, failures };
  },
};
