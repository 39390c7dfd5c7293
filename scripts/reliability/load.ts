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
 * roles run with an inspector (`NYMPH_ROLE_NODE_ARGS=--inspect=127.0.0.1:0`, the default of
 * the long form): then every `sampleMs` (5 s at least) every role (chain, nym-apis, mix
 * nodes, gateways, native clients) is collected in full through it, its worker threads too
 * (./inspector.ts liveSample), and its RSS and used heaps read right after;
 * `live_rss_slope_<role>_kib_per_min`, `live_heap_slope_<role>_kib_per_min` (main and worker
 * heaps), `live_worker_heap_slope_…` and `live_external_slope_…` (Buffers outside the heap)
 * are fitted to those, and the flat-memory target is judged on RSS after collections and on
 * the live heap, per role; a role without an inspector is judged on its raw slope.
 *
 * With inspectors, each role's heap is also sampled by allocation site (HeapProfiler.
 * startSampling) and read after full collections at the judged window's start and at the
 * load's end: the sites that kept most in between are in the notes (top 3 per node), all
 * 20 largest in `$NYMPH_RELIABILITY_PROFILE_DIR/heap-growth-<node>.json` when set (with
 * every sample, raw and after collections, in `memory-samples.json`).
 *
 * The long form so (50 streams, 219.5 msg/s achieved, 10 minutes), live heap slopes per
 * role: chain +34, nym-api +22, mix node +100, gateway −7, native client +205 KiB/min. The
 * client's is the ids of completed fragment sets it remembers to drop late duplicates
 * (src/nymsphinx/remembered-sets.ts, via Reassembler.tryComplete): ~1.5 MiB kept there per
 * client in 400 s, bounded by the dedup window (1 hour) and 100,000 ids, which this rate
 * (~73 sets/s per client) reaches after ~23 minutes, longer than the run; 100,000 ids hold
 * ~3.5 MiB of heap (36 bytes each, measured alone).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Counter, CountingApp, payload } from './apps.js';
import { growthBySite, sizesBySite, type SamplingNode } from './heap-profile.js';
import { connectInspector, liveSample, type Inspector, type LiveSample } from './inspector.js';
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
    // what every role keeps: RSS and used heaps right after full collections (with inspectors)
    const inspectors = new Map<string, Inspector>();
    for (const kind of ROLE_KINDS)
      for (const name of ctx.net.names(kind)) {
        const insp = await connectInspector(join(ctx.net.home, 'logs', `${name}.log`));
        if (!insp) continue;
        inspectors.set(name, insp);
        await insp.attachWorkers().catch(() => undefined);
        // what is kept, by allocation site: sampled from here on, read at the judged window's ends
        await insp.call('HeapProfiler.startSampling', { samplingInterval: 32_768 }).catch(() => undefined);
      }
    const judgedFrom = (seconds * 1000) / 3;
    const profiles = new Map<string, { before?: Map<string, number>; after?: Map<string, number> }>();
    const readProfile = async (name: string, insp: Inspector) => {
      try {
        const p = (await insp.call('HeapProfiler.getSamplingProfile', {}, 60_000)) as {
          profile?: { head: SamplingNode };
        };
        return p.profile ? sizesBySite(p.profile.head) : undefined;
      } catch {
        ctx.log(`load: no heap profile from ${name}`);
        return undefined;
      }
    };
    const live: ({ name: string; t: number } & LiveSample)[] = [];
    const liveRound = async (final: boolean) => {
      for (const [name, insp] of inspectors) {
        const x = await liveSample(insp, () => ctx.net.rss()[name]);
        const t = performance.now() - t0;
        if (x) live.push({ name, t, ...x });
        // right after the collection: the profile lists what is alive
        const prof = profiles.get(name) ?? {};
        profiles.set(name, prof);
        if (x && !prof.before && t >= judgedFrom) prof.before = await readProfile(name, insp);
        else if (x && final && prof.before) prof.after = await readProfile(name, insp);
      }
    };
    let liveRunning: Promise<void> | undefined;
    const liveSampler = setInterval(
      () => {
        if (liveRunning || inspectors.size === 0) return;
        liveRunning = liveRound(false).finally(() => (liveRunning = undefined));
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
    if (inspectors.size) {
      await liveRunning;
      await liveRound(true); // the last samples, and the heap profiles at the end of the load
    }
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
    const notes: string[] = [];
    const flat = ctx.sizes.rssFlatKiBPerMin;
    const failures = tallyFailures('load', total);
    /** Where a node's slope starts: past the load's first third and the process's own first minute. */
    const judgedStart = (name: string) =>
      Math.max(sendMs / 3, ctx.net.startedAt(name) + PROCESS_WARM_UP_MS - t0);
    let rawWorst = -Infinity;
    let skipped = 0;
    for (const kind of ROLE_KINDS) {
      // raw: RSS from /proc, the floor of the collector's sawtooth (lowerEnvelope)
      let raw = -Infinity;
      for (const name of ctx.net.names(kind)) {
        const from = judgedStart(name);
        const pts = samples
          .filter((x) => x.t >= from && x.rss[name] !== undefined)
          .map((x) => ({ t: x.t, y: x.rss[name] }));
        if (pts.length >= 6) raw = Math.max(raw, slopePerMinute(lowerEnvelope(pts)));
        else skipped++;
      }
      if (raw > -Infinity) {
        numbers[`rss_slope_${kind}_kib_per_min`] = Math.round(raw);
        rawWorst = Math.max(rawWorst, raw);
      }
      // after full collections (inspectors): what is kept, per node, the largest of the role
      const live_ = { rss: -Infinity, heap: -Infinity, workerHeap: -Infinity, external: -Infinity };
      let liveNodes = 0;
      for (const name of ctx.net.names(kind)) {
        const from = judgedStart(name);
        const pts = live.filter((x) => x.name === name && x.t >= from);
        if (pts.length < 6) continue;
        liveNodes++;
        for (const k of ['rss', 'heap', 'workerHeap', 'external'] as const)
          live_[k] = Math.max(live_[k], slopePerMinute(pts.map((x) => ({ t: x.t, y: x[k] }))));
      }
      if (liveNodes) {
        numbers[`live_rss_slope_${kind}_kib_per_min`] = Math.round(live_.rss);
        numbers[`live_heap_slope_${kind}_kib_per_min`] = Math.round(live_.heap);
        numbers[`live_worker_heap_slope_${kind}_kib_per_min`] = Math.round(live_.workerHeap);
        numbers[`live_external_slope_${kind}_kib_per_min`] = Math.round(live_.external);
      }
      // the target: after full collections when measured for every node of the role, raw RSS otherwise
      const judged: [string, number][] =
        liveNodes === ctx.net.names(kind).length
          ? [
              ['RSS after full collections', live_.rss],
              ['live heap', live_.heap],
            ]
          : [['RSS (raw, no inspector)', raw]];
      for (const [what, slope] of judged)
        if (slope > flat)
          failures.push(
            `load: ${kind} ${what} grew ${Math.round(slope)} KiB/min after warm-up (flat: ≤ ${flat})`,
          );
    }
    if (live.length) {
      numbers.load_live_samples = live.length;
      // worker threads seen through the inspectors (unwrap workers, the chain's verifier)
      numbers.load_live_worker_threads = [...inspectors.values()].reduce((a, i) => a + i.workers().length, 0);
    }
    // what the heaps kept in the judged window, by allocation site (top sites per node)
    const profileDir = process.env.NYMPH_RELIABILITY_PROFILE_DIR;
    if (profileDir) {
      mkdirSync(profileDir, { recursive: true });
      // the series the slopes were fitted to, for a closer look
      writeFileSync(join(profileDir, 'memory-samples.json'), JSON.stringify({ sendMs, raw: samples, live }));
    }
    for (const [name, p] of profiles) {
      if (!p.before || !p.after) continue;
      const grew = growthBySite(p.before, p.after, 20);
      if (profileDir)
        writeFileSync(join(profileDir, `heap-growth-${name}.json`), JSON.stringify(grew, null, 1));
      const kept = grew.slice(0, 3).map((g) => `${Math.round(g.bytes / 1024)} KiB ${g.site}`);
      if (kept.length) notes.push(`load: ${name} heap kept by site (sampled): ${kept.join(' | ')}`);
    }
    for (const insp of inspectors.values()) {
      await insp.call('HeapProfiler.stopSampling', {}, 5_000).catch(() => undefined);
      insp.close();
    }
    numbers.load_rss_samples = samples.length;
    numbers.load_rss_nodes_warming_up = skipped;
    numbers.rss_slope_max_kib_per_min = Math.round(rawWorst);
    return { numbers, failures, notes };
  },
};
