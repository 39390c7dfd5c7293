import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalNet, receive, type LocalNet } from './harness.js';

let net: LocalNet;
beforeAll(async () => {
  net = await startLocalNet();
}, 60_000);
afterAll(async () => {
  await net?.close();
});

describe('client over a local mixnet', () => {
  it('sends to itself', async () => {
    const a = await net.client();
    expect(a.address).toMatch(/^[1-9A-HJ-NP-Za-km-z]+\.[1-9A-HJ-NP-Za-km-z]+@[1-9A-HJ-NP-Za-km-z]+$/);
    await a.send(a.address, 'hello mixnet');
    const [m] = await receive(a, 1);
    expect(m.text()).toBe('hello mixnet');
    expect(m.senderTag).toBeUndefined();
  });
});
