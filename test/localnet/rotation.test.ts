/**
 * Sphinx key rotation on a whole localnet (in one process: chain, nym-api, mix nodes,
 * gateway, native clients) with 8-second rotations (`rotationSecs`: four 2-second epochs):
 * the nodes announce their keys to nym-api, nym-api's topology follows the rotation, and
 * messages sent across several rotation boundaries all arrive.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { localnetUp, type RunningLocalnet } from '../../localnet/network/up.js';
import { NativeWsApp } from '../../localnet/network/ws-client.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('localnet with short key rotations', () => {
  const home = mkdtempSync(join(tmpdir(), 'nymph-rotation-'));
  let net: RunningLocalnet | undefined;
  afterAll(async () => {
    await net?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('rotates every node key through nym-api and loses no message across boundaries', async () => {
    net = await localnetUp({
      home,
      processes: 'in-process',
      ports: 'auto',
      mixnodesPerLayer: 1,
      gateways: 1,
      clients: 2,
      logLevel: 'silent',
      rotationSecs: 8,
    });
    const api = net.info.nym_apis[0];
    const info = (await (await fetch(`${api}/v1/epoch/key-rotation-info`)).json()) as {
      key_rotation_state: { validity_epochs: number };
      epoch_duration: { secs: number };
    };
    expect(info.key_rotation_state.validity_epochs).toBe(4);
    expect(info.epoch_duration.secs).toBe(2);

    const [c1, c2] = net.info.clients;
    const a = await NativeWsApp.connect(c1.websocket);
    const b = await NativeWsApp.connect(c2.websocket);
    const keysSeen = new Map<string, Set<string>>();
    const rotationsSeen = new Set<number>();
    const received: string[] = [];
    let sent = 0;
    try {
      const receiving = (async () => {
        for (;;) {
          const m = await b.next(30_000).catch(() => undefined);
          if (!m) return;
          received.push(m.message);
        }
      })();
      const t0 = Date.now();
      while (Date.now() - t0 < 22_000) {
        a.send(c2.address, `m${sent++}`);
        if (sent % 10 === 0) {
          const topo = (await (await fetch(`${api}/v1/topology`)).json()) as {
            mixnodes: { mix_node: { identity_key: string; sphinx_key: string } }[];
          };
          for (const n of topo.mixnodes) {
            const s = keysSeen.get(n.mix_node.identity_key) ?? new Set<string>();
            s.add(n.mix_node.sphinx_key);
            keysSeen.set(n.mix_node.identity_key, s);
          }
          const meta = (await (
            await fetch(`${api}/v2/unstable/nym-nodes/skimmed/mixnodes/active`)
          ).json()) as {
            metadata: { rotation_id: number };
          };
          rotationsSeen.add(meta.metadata.rotation_id);
        }
        await sleep(200);
      }
      const deadline = Date.now() + 30_000;
      while (received.length < sent && Date.now() < deadline) await sleep(200);
      b.close();
      await receiving;
    } finally {
      a.close();
      b.close();
    }
    expect(rotationsSeen.size).toBeGreaterThanOrEqual(3);
    // every mix node's key changed with the rotations, as nym-api shows it
    expect(keysSeen.size).toBe(3);
    for (const keys of keysSeen.values()) expect(keys.size).toBeGreaterThanOrEqual(2);
    expect(new Set(received).size).toBe(sent);
    // each node keeps the replay files of the rotations it holds, no more
    for (const m of net.info.mixnodes) {
      const dir = join(home, m.name, 'data', 'replay');
      const ids = new Set(readdirSync(dir).map((f) => /^rot-(\d+)\./.exec(f)?.[1]));
      expect(ids.size).toBeLessThanOrEqual(2);
    }
  }, 240_000);
});
