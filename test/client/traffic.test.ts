import { describe, expect, it } from 'vitest';
import { TRAFFIC_MODES, type TrafficConfig } from '../../src/client/config.js';
import { sampleExponential } from '../../src/client/poisson.js';
import type { BuiltPacket, OutPacket } from '../../src/client/packet-builder.js';
import { newStats } from '../../src/client/stats.js';
import { MAX_CATCH_UP, PoissonSchedule, TrafficPump } from '../../src/client/traffic.js';
import { FakeClock, seededRng } from './parts.js';

const RATE = 55; // packets per second, Nym's 20 ms mean gap is 50/s; 55/s as in the issue
const MEAN = 1000 / RATE;
const WORK_MS = 5; // building and sending one packet

describe('Poisson schedule', () => {
  it('keeps the configured rate when each slot costs work and timers have a 1 ms floor', () => {
    const clock = new FakeClock();
    let slots = 0;
    const s = new PoissonSchedule(
      clock,
      seededRng(1),
      () => MEAN,
      () => {
        slots++;
        clock.t += WORK_MS; // the work moves time on before the next timer is armed
      },
    );
    s.start();
    const seconds = 200;
    clock.advance(seconds * 1000);
    s.stop();
    const rate = slots / seconds;
    expect(Math.abs(rate - RATE) / RATE).toBeLessThan(0.03);
    expect(s.skipped).toBe(0);

    // the same conditions with each gap drawn after the work (the old timer) lose ~20%:
    // this is what the test above would catch
    const old = new FakeClock();
    const rng = seededRng(1);
    let oldSlots = 0;
    const tick = () => {
      oldSlots++;
      old.t += WORK_MS;
      old.setTimer(tick, sampleExponential(MEAN, rng));
    };
    old.setTimer(tick, sampleExponential(MEAN, rng));
    old.advance(seconds * 1000);
    expect(oldSlots / seconds).toBeLessThan(RATE * 0.85);
  });

  it('gives exponential gaps: mean and standard deviation both near the configured mean', () => {
    const clock = new FakeClock();
    const times: number[] = [];
    const s = new PoissonSchedule(
      clock,
      seededRng(2),
      () => 50,
      () => times.push(clock.now()),
    );
    s.start();
    clock.advance(500_000);
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
    const sd = Math.sqrt(gaps.reduce((a, g) => a + (g - mean) ** 2, 0) / gaps.length);
    expect(mean).toBeGreaterThan(47);
    expect(mean).toBeLessThan(53);
    expect(sd / mean).toBeGreaterThan(0.9);
    expect(sd / mean).toBeLessThan(1.1);
  });

  it('forgives a stall instead of paying it back in a burst', () => {
    const clock = new FakeClock();
    const times: number[] = [];
    let stalled = false;
    const s = new PoissonSchedule(
      clock,
      seededRng(3),
      () => MEAN,
      () => {
        times.push(clock.now());
        if (!stalled && clock.now() > 1000) {
          stalled = true;
          clock.t += 3000; // the event loop was blocked for 3 s (~165 slots missed)
        }
      },
    );
    s.start();
    clock.advance(20_000);
    const perInstant = new Map<number, number>();
    for (const t of times) perInstant.set(t, (perInstant.get(t) ?? 0) + 1);
    expect(Math.max(...perInstant.values())).toBeLessThanOrEqual(MAX_CATCH_UP);
    expect(s.skipped).toBeGreaterThanOrEqual(1);
    // after the stall the stream goes on at its rate
    const after = times.filter((t) => t > 5000).length / 15;
    expect(Math.abs(after - RATE) / RATE).toBeLessThan(0.1);
  });

  it('stops: no slot after stop', () => {
    const clock = new FakeClock();
    let slots = 0;
    const s = new PoissonSchedule(
      clock,
      seededRng(4),
      () => 10,
      () => slots++,
    );
    s.start();
    clock.advance(1000);
    s.stop();
    const at = slots;
    clock.advance(1000);
    expect(slots).toBe(at);
    expect(clock.pending).toBe(0);
  });
});

/** A pump over recording stand-ins for the gateway link and ack control. */
function pump(traffic: Partial<TrafficConfig>, o: { window?: number; backlog?: number } = {}) {
  const clock = new FakeClock();
  const stats = newStats();
  const wire: string[] = [];
  const pending = new Set<string>();
  const sent = new Map<string, number>();
  const failed: string[] = [];
  const link = {
    writable: true,
    backlogBytes: o.backlog ?? 0,
    bandwidth: true,
    haveBandwidth() {
      return this.bandwidth;
    },
    send(mixPacket: Uint8Array) {
      wire.push(new TextDecoder().decode(mixPacket));
    },
  };
  const acks = {
    windowFull: () => [...sent.keys()].filter((k) => pending.has(k)).length >= (o.window ?? Infinity),
    isPending: (k: string) => pending.has(k),
    sent: (k: string) => sent.set(k, (sent.get(k) ?? 0) + 1),
    buildFailed: (k: string) => failed.push(k),
  };
  const built = (label: string): BuiltPacket => ({
    mixPacket: new TextEncoder().encode(label),
    sphinxBytes: 2048,
    expectedDelayMs: 0,
  });
  const p = new TrafficPump({
    traffic: { ...TRAFFIC_MODES.nym, ...traffic },
    clock,
    rng: seededRng(5),
    stats,
    link,
    acks,
    cover: () => built('cover'),
  });
  const real = (key: string, fail = false): OutPacket => {
    pending.add(key);
    return {
      key,
      build: () => {
        if (fail) throw new Error('no route');
        return built(key);
      },
    };
  };
  return { clock, stats, wire, pending, sent, failed, link, p, real };
}

describe('traffic pump', () => {
  it('fills main-stream slots with real packets first, then cover', () => {
    const t = pump({
      messageSendingAverageDelayMs: 20,
      disableLoopCover: false,
      loopCoverAverageDelayMs: 1e9,
    });
    for (let i = 0; i < 10; i++) t.p.push(t.real(`r${i}`));
    t.p.start();
    t.clock.advance(2000); // ~100 slots
    expect(t.wire.slice(0, 10)).toEqual(Array.from({ length: 10 }, (_, i) => `r${i}`));
    expect(t.wire.slice(10).every((w) => w === 'cover')).toBe(true);
    expect(t.stats.realSent).toBe(10);
    expect(t.stats.coverSent).toBeGreaterThan(60);
    expect(t.p.length).toBe(0);
  });

  it('sends cover instead of real packets while the window is full, and skips acked ones', () => {
    const t = pump({ messageSendingAverageDelayMs: 20, loopCoverAverageDelayMs: 1e9 }, { window: 2 });
    for (let i = 0; i < 5; i++) t.p.push(t.real(`r${i}`));
    t.p.start();
    t.clock.advance(1000);
    expect(t.stats.realSent).toBe(2); // r0 and r1 wait for their acks
    t.pending.delete('r0'); // acked
    t.pending.delete('r2'); // acked (or cancelled) while still queued: takes no slot
    t.clock.advance(1000);
    expect(t.wire.filter((w) => w !== 'cover')).toEqual(['r0', 'r1', 'r3']);
    expect(t.p.length).toBe(1);
  });

  it('reports a packet that cannot be built and goes on', () => {
    const t = pump({ messageSendingAverageDelayMs: 20, loopCoverAverageDelayMs: 1e9 });
    t.p.push(t.real('bad', true));
    t.p.push(t.real('good'));
    t.p.start();
    t.clock.advance(500);
    expect(t.failed).toEqual(['bad']);
    expect(t.wire.filter((w) => w !== 'cover')).toEqual(['good']);
  });

  it('sends nothing while the link is down or out of bandwidth', () => {
    const t = pump({ messageSendingAverageDelayMs: 20, loopCoverAverageDelayMs: 200 });
    t.p.push(t.real('r'));
    t.link.writable = false;
    t.p.start();
    t.clock.advance(1000);
    expect(t.wire).toEqual([]);
    t.link.writable = true;
    t.link.bandwidth = false;
    t.clock.advance(1000);
    expect(t.wire.every((w) => w === 'cover')).toBe(true); // the loop stream does not charge-check
    t.link.bandwidth = true;
    t.clock.advance(1000);
    expect(t.wire).toContain('r');
  });

  it('slows cover down while idle, on both streams', () => {
    const t = pump({ messageSendingAverageDelayMs: 20, loopCoverAverageDelayMs: 100, idleCoverSlowdown: 10 });
    t.p.start();
    t.clock.advance(10_000);
    const busy = t.stats.coverSent; // ~500 main + ~100 loop
    t.p.setIdle(true);
    t.clock.advance(10_000);
    const idle = t.stats.coverSent - busy; // ~50 + ~10
    expect(busy).toBeGreaterThan(500);
    expect(idle).toBeLessThan(busy / 5);
    expect(idle).toBeGreaterThan(20);
  });

  it('without the main stream sends at once, paced by the window and the socket', () => {
    const t = pump(TRAFFIC_MODES.localnet, { window: 3, backlog: 2 << 20 });
    t.p.start();
    for (let i = 0; i < 5; i++) t.p.push(t.real(`r${i}`));
    t.p.kick();
    t.clock.advance(10);
    expect(t.wire).toEqual([]); // 2 MiB already in the socket: wait for it to drain
    t.link.backlogBytes = 0;
    t.clock.advance(10);
    expect(t.wire).toEqual(['r0', 'r1', 'r2']); // the window
    t.pending.delete('r0');
    t.p.kick(); // an ack wakes the pump
    t.clock.advance(1);
    expect(t.wire).toEqual(['r0', 'r1', 'r2', 'r3']);
    expect(t.stats.coverSent).toBe(0);
    t.p.stop();
    t.pending.clear();
    t.p.kick();
    t.clock.advance(100);
    expect(t.wire).toHaveLength(4);
    expect(t.clock.pending).toBe(0);
  });
});
