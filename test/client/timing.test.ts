import { describe, expect, it } from 'vitest';
import { sampleExponential, sampleHopDelays } from '../../src/client/poisson.js';
import { randomSetId, randomUnit, type RandomBytes } from '../../src/client/crypto.js';
import { AckTracker, ackTimeout } from '../../src/client/retransmit.js';

/** Deterministic xorshift byte source. */
function seeded(seed: number): RandomBytes {
  let s = seed >>> 0 || 1;
  return (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      s ^= s << 13;
      s >>>= 0;
      s ^= s >>> 17;
      s ^= s << 5;
      s >>>= 0;
      out[i] = s & 0xff;
    }
    return out;
  };
}

describe('samplers', () => {
  it('randomUnit is in [0, 1) and uses the injected source', () => {
    expect(randomUnit(() => new Uint8Array(7))).toBe(0);
    expect(randomUnit(() => new Uint8Array(7).fill(255))).toBeLessThan(1);
    expect(randomUnit(seeded(1))).toBe(randomUnit(seeded(1)));
  });

  it('randomSetId is in [1, 2^31 - 1] and skips zero', () => {
    let calls = 0;
    const src: RandomBytes = (n) => (calls++ === 0 ? new Uint8Array(n) : new Uint8Array(n).fill(0xff));
    expect(randomSetId(src)).toBe(0x7fffffff);
    expect(calls).toBe(2);
  });

  it('exponential samples have the requested mean and are never negative', () => {
    const rng = seeded(42);
    const n = 20_000;
    let sum = 0;
    let sq = 0;
    for (let i = 0; i < n; i++) {
      const x = sampleExponential(50, rng);
      expect(x).toBeGreaterThanOrEqual(0);
      sum += x;
      sq += x * x;
    }
    const mean = sum / n;
    const sd = Math.sqrt(sq / n - mean * mean);
    expect(mean).toBeGreaterThan(48);
    expect(mean).toBeLessThan(52);
    // an exponential's standard deviation equals its mean
    expect(sd / mean).toBeGreaterThan(0.95);
    expect(sd / mean).toBeLessThan(1.05);
  });

  it('mean 0 means no delay', () => {
    expect(sampleHopDelays(3, 0, seeded(3))).toEqual([0, 0, 0]);
  });
});

describe('retransmission bookkeeping', () => {
  it("computes Nym's timeout", () => {
    expect(ackTimeout(200)).toBe(1800);
    expect(ackTimeout(0, { ackWaitMultiplier: 1.5, ackWaitAdditionMs: 20 })).toBe(20);
  });

  it('delivers a message when all its fragments are acked, exactly once', () => {
    const t = new AckTracker<string>();
    t.addMessage(1, [
      { key: 'a', fragment: 'A' },
      { key: 'b', fragment: 'B' },
    ]);
    t.sent('a', 100, 0);
    t.sent('b', 100, 0);
    expect(t.ack('a')).toBeNull();
    expect(t.ack('a')).toBeUndefined();
    expect(t.ack('b')).toBe(1);
    expect(t.pendingMessages).toBe(0);
  });

  it('counts fragments in flight: sent, not yet acked or timed out', () => {
    const t = new AckTracker<string>({ ackWaitMultiplier: 1, ackWaitAdditionMs: 10, maxRetransmissions: 0 });
    t.addMessage(1, [
      { key: 'a', fragment: 'A' },
      { key: 'b', fragment: 'B' },
      { key: 'c', fragment: 'C' },
    ]);
    expect(t.inFlight).toBe(0);
    t.sent('a', 0, 0);
    t.sent('b', 0, 0);
    t.sent('b', 0, 0); // a resend of an armed fragment is still one in flight
    expect(t.inFlight).toBe(2);
    t.ack('a');
    expect(t.inFlight).toBe(1);
    t.addMessage(2, [{ key: 'd', fragment: 'D' }]);
    t.sent('d', 0, 0);
    expect(t.inFlight).toBe(2);
    t.due(100); // b and d exhausted their (zero) retransmissions: both messages fail
    expect(t.inFlight).toBe(0);
    expect(t.pendingFragments).toBe(0);
  });

  it('hands overdue fragments back and fails the message after the cap', () => {
    const cfg = {
      ackWaitMultiplier: 1.5,
      ackWaitAdditionMs: 100,
      maxRetransmissions: 2,
      backoffMultiplier: 1,
    };
    const t = new AckTracker<string>(cfg);
    t.addMessage(7, [
      { key: 'x', fragment: 'X' },
      { key: 'y', fragment: 'Y' },
    ]);
    t.sent('x', 0, 0);
    t.sent('y', 0, 0);
    t.ack('y');
    expect(t.due(99).retransmit).toHaveLength(0);
    expect(t.nextDeadline()).toBe(100);
    let now = 100;
    for (let attempt = 1; attempt <= 2; attempt++) {
      const d = t.due(now);
      expect(d.retransmit.map((p) => p.key)).toEqual(['x']);
      expect(d.failed).toEqual([]);
      expect(t.nextDeadline()).toBeUndefined(); // queued, not armed
      t.sent('x', 0, now);
      now += 100;
    }
    const last = t.due(now);
    expect(last.retransmit).toEqual([]);
    expect(last.failed).toEqual([{ messageId: 7, attempts: 3 }]);
    expect(t.due(now + 1000).failed).toEqual([]);
    expect(t.pendingFragments).toBe(0);
  });

  it('backs off exponentially on each retransmission of a fragment, up to the cap', () => {
    const t = new AckTracker<string>({
      ackWaitMultiplier: 1,
      ackWaitAdditionMs: 100,
      maxRetransmissions: 10,
      backoffMultiplier: 2,
      maxAckWaitMs: 500,
    });
    t.addMessage(1, [{ key: 'x', fragment: 'X' }]);
    let now = 0;
    const waits: number[] = [];
    for (let i = 0; i < 5; i++) {
      t.sent('x', 0, now);
      const deadline = t.nextDeadline()!;
      waits.push(deadline - now);
      expect(t.due(deadline - 1).retransmit).toEqual([]);
      expect(t.due(deadline).retransmit.map((p) => p.key)).toEqual(['x']);
      now = deadline;
    }
    expect(waits).toEqual([100, 200, 400, 500, 500]);
  });

  it('raises the ack allowance when acks measure slower, from first transmissions only', () => {
    const t = new AckTracker<string>({ ackWaitMultiplier: 1, ackWaitAdditionMs: 100, backoffMultiplier: 1 });
    expect(t.ackWaitAdditionMs).toBe(100);
    // acks arrive 1,000 ms after their 50 ms of mix delay: the allowance follows them up
    for (let i = 0; i < 20; i++) {
      t.addMessage(i, [{ key: `k${i}`, fragment: 'F' }]);
      t.sent(`k${i}`, 50, i * 10);
      t.ack(`k${i}`, i * 10 + 1050);
    }
    expect(t.ackWaitAdditionMs).toBeGreaterThanOrEqual(1000);
    // a retransmitted fragment's ack is ambiguous (Karn's rule): it leaves the estimate alone
    const before = t.ackWaitAdditionMs;
    t.addMessage(99, [{ key: 'r', fragment: 'R' }]);
    t.sent('r', 0, 0);
    t.due(10_000);
    t.sent('r', 0, 10_000);
    t.ack('r', 100_000);
    expect(t.ackWaitAdditionMs).toBe(before);
    // never below the configured floor, however fast acks come back
    const fast = new AckTracker<string>({ ackWaitAdditionMs: 100 });
    fast.addMessage(1, [{ key: 'f', fragment: 'F' }]);
    fast.sent('f', 0, 0);
    fast.ack('f', 1);
    expect(fast.ackWaitAdditionMs).toBe(100);
  });
});
