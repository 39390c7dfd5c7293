import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { startLocalNet, receive, type LocalNet } from './harness.js';
import { InsufficientSurbsError } from '../../src/client/errors.js';

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
    expect(m.kind).toBe('plain');
  });

  it('sends between two clients, both ways', async () => {
    const [a, b] = await Promise.all([net.client(), net.client()]);
    expect(a.address).not.toBe(b.address);
    await a.send(b.address, 'a to b');
    expect((await receive(b, 1))[0].text()).toBe('a to b');
    await b.send(a.address, new Uint8Array([0, 1, 2, 255]));
    expect([...(await receive(a, 1))[0].message]).toEqual([0, 1, 2, 255]);
  });

  it('round-trips a 5 MB message intact', async () => {
    const [a, b] = await Promise.all([net.client(), net.client()]);
    const big = new Uint8Array(randomBytes(5 * 1024 * 1024));
    const sent = a.send(b.address, big);
    const [m] = await receive(b, 1, 90_000);
    await sent;
    expect(m.message.length).toBe(big.length);
    expect(Buffer.compare(Buffer.from(m.message), Buffer.from(big))).toBe(0);
  }, 120_000);

  it('replies anonymously through reply SURBs', async () => {
    const [asker, server] = await Promise.all([net.client(), net.client()]);
    await asker.sendAnonymous(server.address, 'who are you?', { replySurbs: 5 });
    const [req] = await receive(server, 1);
    expect(req.text()).toBe('who are you?');
    expect(req.kind).toBe('repliable');
    expect(req.senderTag).toHaveLength(16);
    // the request does not carry the asker's address anywhere
    expect(Buffer.from(req.message).includes(Buffer.from(asker.address))).toBe(false);
    await server.reply(req.senderTagString!, 'an anonymous reply');
    const [rep] = await receive(asker, 1);
    expect(rep.text()).toBe('an anonymous reply');
    expect(rep.kind).toBe('reply');
    // the same tag keeps working, and a long reply triggers a SURB top-up from the asker
    await server.reply(req.senderTag!, new Uint8Array(randomBytes(20_000)));
    const [long] = await receive(asker, 1);
    expect(long.message.length).toBe(20_000);
    // an unknown tag is a typed error
    await expect(server.reply(new Uint8Array(16).fill(7), 'x')).rejects.toBeInstanceOf(
      InsufficientSurbsError,
    );
  }, 60_000);

  it('delivers what was sent while the recipient was offline', async () => {
    const home = net.home('offline-b');
    const b1 = await net.client({ home });
    const bAddress = b1.address;
    await b1.disconnect();
    const a = await net.client();
    await a.send(bAddress, 'while you were away'); // acked by b's gateway, stored in its inbox
    const b2 = await net.client({ home });
    expect(b2.address).toBe(bAddress); // same keys, re-authenticated
    const [m] = await receive(b2, 1);
    expect(m.text()).toBe('while you were away');
  });
});
