/**
 * The in-process model (`--processes in-process`): the same plan, configs and factories as
 * the role processes, all inside this process; up with the self-test, a second client
 * reached through the mixnet, then a clean stop (nothing left listening).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { localnetUp, type RunningLocalnet } from '../../localnet/network/up.js';
import { NativeWsApp } from '../../localnet/network/ws-client.js';

const accepts = (url: string) =>
  new Promise<boolean>((resolve) => {
    const u = new URL(url);
    const s = connect({ host: u.hostname, port: Number(u.port) });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });

describe('localnet in one process', () => {
  const home = mkdtempSync(join(tmpdir(), 'nymph-inproc-'));
  let net: RunningLocalnet | undefined;
  afterAll(async () => {
    await net?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('comes up with no child process, carries messages, and stops', async () => {
    net = await localnetUp({
      home,
      processes: 'in-process',
      ports: 'auto',
      mixnodesPerLayer: 1,
      gateways: 1,
      clients: 2,
      logLevel: 'silent',
    });
    expect(net.pids).toEqual([]);
    expect(net.info.self_test!.rtt_ms).toBeGreaterThan(0);
    const [c1, c2] = net.info.clients;
    const a = await NativeWsApp.connect(c1.websocket);
    const b = await NativeWsApp.connect(c2.websocket);
    try {
      a.sendAnonymous(c2.address, 'in one process', 3);
      const m = await b.next(15_000);
      expect(m.message).toBe('in one process');
      b.reply(m.senderTag!, 'and back');
      expect((await a.next(15_000)).message).toBe('and back');
    } finally {
      a.close();
      b.close();
    }
    const endpoints = [net.info.chain.rpc, ...net.info.nym_apis, c1.websocket, c2.websocket];
    await net.stop();
    net = undefined;
    for (const e of endpoints) expect(await accepts(e.replace(/^ws/, 'http'))).toBe(false);
  }, 90_000);
});
