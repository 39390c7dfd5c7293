import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalNet, receive, type LocalNet } from './harness.js';

// two mix nodes per layer, so that a route survives one of them dying
let net: LocalNet;
beforeAll(async () => {
  net = await startLocalNet({ perLayer: 2 });
}, 60_000);
afterAll(async () => {
  await net?.close();
});

describe('retransmission', () => {
  it('delivers all of 200 messages exactly once when a mix node dies mid-transfer', async () => {
    const cfg = { retransmit: { ackWaitAdditionMs: 600, maxRetransmissions: 20 } };
    const [a, b] = await Promise.all([net.client({ config: cfg }), net.client({ config: cfg })]);
    const got = new Map<string, number>();
    const off = b.onMessage((m) => got.set(m.text(), (got.get(m.text()) ?? 0) + 1));
    const sends: Promise<void>[] = [];
    for (let i = 0; i < 200; i++) {
      sends.push(a.send(b.address, `message ${i}`));
      if (i === 60) await net.mixnodes[2].stop(); // kill one node while traffic flows
      if (i % 20 === 0) await new Promise((r) => setTimeout(r, 5));
    }
    await Promise.all(sends);
    // an ack leaves the gateway before the message reaches b: give b time to catch up,
    // then let late duplicates (retransmitted after a lost ack) arrive before counting
    for (let t = 0; got.size < 200 && t < 200; t++) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 300));
    off();
    expect(got.size).toBe(200);
    for (let i = 0; i < 200; i++) expect(got.get(`message ${i}`)).toBe(1);
    expect(a.core.stats.retransmissions).toBeGreaterThan(0);
    expect(a.core.stats.failed).toBe(0);
  }, 60_000);

  it('reports a message it cannot deliver as failed instead of dropping it', async () => {
    const a = await net.client({ config: { retransmit: { ackWaitAdditionMs: 100, maxRetransmissions: 1 } } });
    const b = await net.client();
    // stop every layer-1 node: nothing gets through, and the app hears about it
    for (const m of net.mixnodes) await m.stop();
    const failures: Error[] = [];
    a.core.onFailure((e) => failures.push(e));
    await expect(a.send(b.address, 'into the void')).rejects.toMatchObject({
      name: 'DeliveryFailedError',
      attempts: 2,
    });
    expect(failures).toHaveLength(1);
    await expect(receive(b, 1, 300)).rejects.toThrow();
  });
});
