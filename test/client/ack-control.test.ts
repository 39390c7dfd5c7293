import { describe, expect, it } from 'vitest';
import { AckControl } from '../../src/client/ack-control.js';
import { AbortedError, DeliveryFailedError } from '../../src/client/errors.js';
import { DEFAULT_RETRANSMIT } from '../../src/client/retransmit.js';
import { newStats } from '../../src/client/stats.js';
import { FakeClock } from './parts.js';

interface Frag {
  readonly key: string;
}

function control(o: { maxRetransmissions?: number; maxInFlight?: number } = {}) {
  const clock = new FakeClock();
  const stats = newStats();
  const resent: string[] = [];
  const outcomes: [string, boolean][] = [];
  let wakes = 0;
  let forgets = 0;
  const acks = new AckControl<Frag>({
    retransmit: {
      ...DEFAULT_RETRANSMIT,
      ackWaitMultiplier: 1,
      ackWaitAdditionMs: 100,
      backoffMultiplier: 2,
      maxRetransmissions: o.maxRetransmissions ?? 2,
    },
    maxInFlight: o.maxInFlight ?? 10,
    now: clock.now,
    clock,
    stats,
    resend: (f) => resent.push(f.key),
    routeOutcome: (key, ok) => outcomes.push([key, ok]),
    forgetRoutes: () => void forgets++,
    wake: () => void wakes++,
  });
  return { clock, stats, acks, resent, outcomes, wakes: () => wakes, forgets: () => forgets };
}

const settled = async (p: Promise<void>) => {
  let state = 'pending';
  p.then(
    () => (state = 'resolved'),
    () => (state = 'rejected'),
  );
  await new Promise((r) => setImmediate(r));
  return state;
};

describe('ack control', () => {
  it('resolves a message when its last fragment is acknowledged, once', async () => {
    const t = control();
    const done = t.acks.track([{ key: 'a' }, { key: 'b' }]);
    t.acks.sent('a', 0);
    t.acks.sent('b', 0);
    expect(t.acks.inFlight).toBe(2);
    t.acks.acked('a');
    expect(await settled(done)).toBe('pending');
    t.acks.acked('b');
    t.acks.acked('b'); // a duplicate ack changes nothing
    await expect(done).resolves.toBeUndefined();
    expect(t.stats.acksReceived).toBe(3);
    expect(t.outcomes).toEqual([
      ['a', true],
      ['b', true],
      ['b', true],
    ]);
    expect(t.acks.pendingMessages).toBe(0);
    expect(t.acks.isPending('a')).toBe(false);
  });

  it('hands an overdue fragment back with backoff, then fails the message after the cap', async () => {
    const t = control({ maxRetransmissions: 2 });
    const failures: DeliveryFailedError[] = [];
    t.acks.onFailure((e) => failures.push(e));
    const done = t.acks.track([{ key: 'x' }]);
    t.acks.sent('x', 0);
    t.clock.advance(99);
    expect(t.resent).toEqual([]);
    t.clock.advance(1); // 100 ms: first timeout
    expect(t.resent).toEqual(['x']);
    expect(t.outcomes).toEqual([['x', false]]);
    t.acks.sent('x', 0); // the pump sent it again: now it waits 200 ms
    t.clock.advance(199);
    expect(t.resent).toEqual(['x']);
    t.clock.advance(1);
    expect(t.resent).toEqual(['x', 'x']);
    t.acks.sent('x', 0);
    t.clock.advance(400);
    await expect(done).rejects.toMatchObject({ code: 'delivery_failed', attempts: 3 });
    expect(failures).toHaveLength(1);
    expect(t.stats.retransmissions).toBe(2);
    expect(t.stats.failed).toBe(1);
    expect(t.forgets()).toBe(1);
    expect(t.clock.pending).toBe(0);
  });

  it('counts the window of packets in flight', () => {
    const t = control({ maxInFlight: 2 });
    void t.acks.track([{ key: 'a' }, { key: 'b' }, { key: 'c' }]).catch(() => undefined);
    expect(t.acks.windowFull()).toBe(false);
    t.acks.sent('a', 0);
    t.acks.sent('b', 0);
    expect(t.acks.windowFull()).toBe(true);
    const before = t.wakes();
    t.acks.acked('a');
    expect(t.acks.windowFull()).toBe(false);
    expect(t.wakes()).toBe(before + 1); // an ack wakes the sender
    t.acks.stop();
  });

  it('cancels a message whose signal fires, with AbortedError', async () => {
    const t = control();
    const ac = new AbortController();
    const done = t.acks.track([{ key: 'a' }], ac.signal);
    ac.abort();
    await expect(done).rejects.toBeInstanceOf(AbortedError);
    expect(t.acks.isPending('a')).toBe(false);
  });

  it('fails a message at once when a fragment cannot be built', async () => {
    const t = control();
    const done = t.acks.track([{ key: 'a' }, { key: 'b' }]);
    t.acks.buildFailed('b', new Error('no route'));
    await expect(done).rejects.toMatchObject({ code: 'delivery_failed', reason: 'no route' });
    expect(t.acks.isPending('a')).toBe(false);
  });

  it('rejects what is pending when stopped, and takes nothing after', async () => {
    const t = control();
    const done = t.acks.track([{ key: 'a' }]);
    t.acks.sent('a', 0);
    t.acks.stop();
    await expect(done).rejects.toMatchObject({ code: 'delivery_failed', reason: 'client stopped' });
    expect(t.clock.pending).toBe(0);
    await expect(t.acks.track([{ key: 'b' }])).rejects.toBeInstanceOf(DeliveryFailedError);
  });
});
