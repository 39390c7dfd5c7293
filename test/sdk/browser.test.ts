/**
 * The browser entry of the SDK against a real local network, with IndexedDB from
 * fake-indexeddb (an in-memory implementation of the IndexedDB API) and the web crypto
 * backend. Node 20 has no global WebSocket, so the `ws` factory stands in for the page's.
 */
import { IDBFactory } from 'fake-indexeddb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webBackend } from '../../src/crypto/index.js';
import { nodeWebSocketFactory } from '../../src/client/node.js';
import {
  connect,
  IndexedDbReplyStore,
  openSdkDatabase,
  StorageError,
  type BrowserConnectOptions,
  type MixnetClient,
} from '../../src/sdk/browser.js';
import { startLocalNet, type LocalNet } from '../client/harness.js';

let net: LocalNet;
beforeAll(async () => {
  net = await startLocalNet();
}, 60_000);
afterAll(async () => {
  await net?.close();
});

const open: MixnetClient[] = [];
afterAll(async () => {
  for (const c of open) await c.disconnect().catch(() => undefined);
});

async function page(indexedDB: IDBFactory, storage?: string, extra: Partial<BrowserConnectOptions> = {}) {
  const c = await connect({
    nymApi: [net.apiUrl],
    storage,
    indexedDB,
    wsFactory: nodeWebSocketFactory,
    crypto: webBackend,
    config: { mode: 'localnet' },
    signal: AbortSignal.timeout(20_000),
    ...extra,
  });
  open.push(c);
  return c;
}

describe('SDK in a browser (IndexedDB storage, web crypto backend)', () => {
  it('keeps its address across a reload and answers an anonymous sender with stored SURBs', async () => {
    const idb = new IDBFactory();
    const bob = await page(idb, 'bob');
    const bobAddress = bob.address;
    const alice = await page(new IDBFactory());

    await alice.sendAnonymous(bobAddress, 'who is there?', { replySurbs: 5 });
    const asked = await bob.nextMessage({ signal: AbortSignal.timeout(10_000) });
    expect(asked.text()).toBe('who is there?');
    expect(asked.senderTag).toBeDefined();
    await bob.disconnect();

    // "reload": same database, new client
    const bob2 = await page(idb, 'bob');
    expect(bob2.address).toBe(bobAddress);
    await bob2.reply(asked.senderTagString!, 'still me');
    expect((await alice.nextMessage({ signal: AbortSignal.timeout(10_000) })).text()).toBe('still me');
  });

  it('without storage keeps everything in memory: a new address each time', async () => {
    const idb = new IDBFactory();
    const a = await page(idb);
    const b = await page(idb);
    expect(a.address).not.toBe(b.address);
    await a.send(a.address, 'hello me');
    expect((await a.nextMessage({ signal: AbortSignal.timeout(10_000) })).text()).toBe('hello me');
  });

  it('refuses bad options with typed errors', async () => {
    await expect(
      connect({ config: { mode: 'localnet' }, wsFactory: nodeWebSocketFactory } as BrowserConnectOptions),
    ).rejects.toBeInstanceOf(RangeError);
    await expect(openSdkDatabase('x', undefined as unknown as IDBFactory)).rejects.toBeInstanceOf(
      StorageError,
    );
    expect(() => openSdkDatabase('', new IDBFactory())).toThrow(RangeError);
  });
});

describe('IndexedDbReplyStore', () => {
  const tag = new Uint8Array(16).fill(7);
  const bytes = (n: number, v: number) => new Uint8Array(n).fill(v);

  it('writes every change through and reads it all back', async () => {
    const idb = new IDBFactory();
    const s = await IndexedDbReplyStore.open(await openSdkDatabase('r', idb));
    s.addSurbs(tag, [bytes(10, 1), bytes(10, 2), bytes(10, 3)], 1000);
    expect(s.takeSurbs(tag, 1)).toEqual([bytes(10, 1)]);
    s.setSenderTag('someone', tag);
    s.putReplyKeys(
      [
        { digest: bytes(32, 1), key: bytes(16, 9), tag },
        { digest: bytes(32, 2), key: bytes(16, 8), tag },
        { digest: bytes(32, 3), key: bytes(16, 7), tag },
      ],
      2000,
    );
    expect(s.takeReplyKey(bytes(32, 1))).toEqual({ key: bytes(16, 9), tag });
    s.putReplyKeys([{ digest: bytes(32, 4), key: bytes(16, 6), tag }], 500);
    s.prune(600); // drops the key put at 500, keeps the rest
    s.close();

    const r = await IndexedDbReplyStore.open(await openSdkDatabase('r', idb));
    expect(r.surbCount(tag)).toBe(2);
    expect(r.takeSurbs(tag, 5)).toEqual([bytes(10, 2), bytes(10, 3)]);
    expect(r.getSenderTag('someone')).toEqual(tag);
    expect(r.recipientForTag(tag)).toBe('someone');
    expect(r.replyKeyCount(tag)).toBe(2);
    expect(r.takeReplyKey(bytes(32, 1))).toBeUndefined(); // used before the reload
    expect(r.takeReplyKey(bytes(32, 4))).toBeUndefined(); // pruned
    expect(r.takeReplyKey(bytes(32, 3))).toEqual({ key: bytes(16, 7), tag });
    r.close();

    // the takes of the second session were persisted too
    const again = await IndexedDbReplyStore.open(await openSdkDatabase('r', idb));
    expect(again.surbCount(tag)).toBe(0);
    expect(again.replyKeyCount(tag)).toBe(1);
    again.close();
  });
});
