/**
 * `announceTo` against real HTTP servers standing in for nym-apis (each counts the
 * announcements it is sent and answers 200, or 404 as a nym-api does before its cache has
 * the node's bond): a nym-api that took the keys is not asked again until they change, one
 * that refused is asked again, and the call fails only when no nym-api holds the keys.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { generateNodeKeys } from '../../src/node/keys.js';
import { announceTo } from '../../src/node/node-config.js';
import { NodeConfigError } from '../../src/node/errors.js';

function fakeApi(status: () => number) {
  const posts: unknown[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      posts.push(JSON.parse(body));
      const s = status();
      res.writeHead(s, { 'content-type': 'application/json' });
      res.end(JSON.stringify(s === 200 ? { accepted: true, changed: true } : { error: 'no such node' }));
    });
  });
  return {
    posts,
    server,
    url: () => `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    listen: () => new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r())),
  };
}

describe('announcing sphinx keys to nym-apis', () => {
  let secondStatus = 404;
  const a = fakeApi(() => 200);
  const b = fakeApi(() => secondStatus);
  afterAll(() => {
    a.server.close();
    b.server.close();
  });

  it('asks each nym-api again only until it took the keys, and again when they change', async () => {
    await Promise.all([a.listen(), b.listen()]);
    const announce = announceTo([a.url(), b.url()], generateNodeKeys(), 2_000);
    const signal = new AbortController().signal;
    const keys = { primary: { rotationId: 1, publicKey: new Uint8Array(32).fill(1) } };
    await announce(keys, signal); // a takes them, b answers 404
    await announce(keys, signal); // only b is asked again
    expect([a.posts.length, b.posts.length]).toEqual([1, 2]);
    secondStatus = 200;
    await announce(keys, signal); // b takes them now
    await announce(keys, signal); // nobody is asked
    expect([a.posts.length, b.posts.length]).toEqual([1, 3]);
    const next = { ...keys, preAnnounced: { rotationId: 2, publicKey: new Uint8Array(32).fill(2) } };
    await announce(next, signal); // new keys: both are asked
    expect([a.posts.length, b.posts.length]).toEqual([2, 4]);
  });

  it('fails with NodeConfigError when no nym-api takes the keys', async () => {
    const refusing = fakeApi(() => 404);
    await refusing.listen();
    try {
      const announce = announceTo([refusing.url()], generateNodeKeys(), 2_000);
      const keys = { primary: { rotationId: 1, publicKey: new Uint8Array(32).fill(1) } };
      await expect(announce(keys, new AbortController().signal)).rejects.toBeInstanceOf(NodeConfigError);
    } finally {
      refusing.server.close();
    }
  });
});
