import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalNet, type LocalNet } from '../client/harness.js';
import { AbortedError, connect, parseRecipient, type SdkMessage } from '../../src/sdk/index.js';
import { nymApiTopologySource } from '../../src/client/topology-source.js';

let net: LocalNet;
beforeAll(async () => {
  net = await startLocalNet();
}, 60_000);
afterAll(async () => {
  await net?.close();
});

describe('MixnetClient (SDK)', () => {
  it('refuses to connect with an aborted signal', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(
      connect({
        topology: nymApiTopologySource([net.apiUrl]),
        config: { mode: 'localnet' },
        signal: ac.signal,
      }),
    ).rejects.toBeInstanceOf(AbortedError);
  });

  it('falls back to the chain for its topology when no nym-api answers', async () => {
    const c = await connect({
      nymApi: ['http://127.0.0.1:1'],
      chain: { rpcUrl: net.chain.rpcUrl, mixnetContract: net.chain.chainInfo.contracts.mixnet },
      config: { mode: 'localnet' },
      signal: AbortSignal.timeout(20_000),
    });
    try {
      expect(c.core.topology?.layerSizes()).toEqual([1, 1, 1]);
      await c.send(c.address, 'routed from chain data');
      expect((await c.nextMessage({ signal: AbortSignal.timeout(10_000) })).text()).toBe(
        'routed from chain data',
      );
    } finally {
      await c.disconnect();
    }
  });

  it('iterates over received messages until the signal fires', async () => {
    const c = await net.client();
    expect(parseRecipient(c.address).identity).toHaveLength(32);
    await Promise.all(['one', 'two', 'three'].map((t) => c.send(c.address, t)));
    const ac = new AbortController();
    const got: string[] = [];
    for await (const m of c.messages({ signal: ac.signal })) {
      got.push(m.text());
      if (got.length === 3) ac.abort();
    }
    expect(got.sort()).toEqual(['one', 'three', 'two']);
  });

  it('aborts send and nextMessage through their signals', async () => {
    const c = await net.client();
    const ac = new AbortController();
    ac.abort();
    await expect(c.send(c.address, 'never', { signal: ac.signal })).rejects.toBeInstanceOf(AbortedError);
    const wait = new AbortController();
    const next = c.nextMessage({ signal: wait.signal });
    wait.abort();
    await expect(next).rejects.toBeInstanceOf(AbortedError);
  });

  it('delivers events to onMessage and ends iteration on disconnect', async () => {
    const c = await net.client();
    const seen: SdkMessage[] = [];
    c.onMessage((m) => seen.push(m));
    const iter = c.messages();
    const first = iter.next();
    await c.send(c.address, new Uint8Array([1, 2, 3]));
    expect([...(await first).value!.message]).toEqual([1, 2, 3]);
    expect(seen).toHaveLength(1);
    const pending = iter.next();
    await c.disconnect();
    expect((await pending).done).toBe(true);
    await expect(c.send(c.address, 'after')).rejects.toThrow(/not connected/);
  });
});
