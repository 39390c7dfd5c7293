/**
 * The native client's websocket API keeps what arrives while no app is connected, lets in
 * only allowed browser origins, and does not hold idle or half-open sockets (issue 16,
 * items 1, 5 and 8). Everything runs on a real local network: chain, nym-api, mix nodes,
 * gateway, and the native client started as `nymph client run` starts it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import net from 'node:net';
import { startLocalNet, type LocalNet } from './harness.js';
import {
  defaultNativeConfig,
  nativeConfigFromToml,
  NativeConfigError,
} from '../../src/client/native-config.js';
import { startNativeClient, type RunningNativeClient } from '../../src/client/native-runner.js';
import { startWsApi } from '../../src/client/ws-api/server.js';
import { silentLogger } from '../../src/client/transport.js';
import { heldByServer, untilNoneHeld } from '../api/limits-sockets.js';
import { decodeBinaryResponse, type WsResponse } from '../../src/client/ws-api/codec.js';
import type { MixnetClient } from '../../src/sdk/client.js';

let localnet: LocalNet;
let sender: MixnetClient;
const running: RunningNativeClient[] = [];

beforeAll(async () => {
  localnet = await startLocalNet();
  sender = await localnet.client();
}, 60_000);
afterAll(async () => {
  for (const r of running) await r.close().catch(() => undefined);
  await localnet?.close();
});

async function nativeClient(
  home: string,
  socket: Partial<ReturnType<typeof defaultNativeConfig>['socket']> = {},
) {
  const config = defaultNativeConfig();
  config.client.nym_api_urls = [localnet.apiUrl];
  config.client.mode = 'localnet';
  config.socket = { ...config.socket, port: 0, ...socket };
  config.startup.timeout_ms = 30_000;
  const r = await startNativeClient({ home, config });
  running.push(r);
  return r;
}

async function stop(r: RunningNativeClient) {
  await r.close();
  running.splice(running.indexOf(r), 1);
}

/** A Nym app on the websocket API that collects every `received` (binary, Nym's default). */
async function app(port: number, headers: Record<string, string> = {}) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}`, { headers });
  const received: WsResponse[] = [];
  ws.on('message', (data: Buffer) => received.push(decodeBinaryResponse(new Uint8Array(data))));
  await new Promise((r, j) => {
    ws.once('open', r);
    ws.once('error', j);
  });
  const texts = () =>
    received.flatMap((m) => (m.type === 'received' ? [Buffer.from(m.message).toString()] : []));
  const waitFor = async (n: number, timeoutMs = 20_000) => {
    const t0 = Date.now();
    while (texts().length < n && Date.now() - t0 < timeoutMs) await new Promise((r) => setTimeout(r, 20));
    return texts();
  };
  return { ws, texts, waitFor };
}

const until = async (cond: () => boolean, timeoutMs = 20_000) => {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('messages received while no app is connected', () => {
  it('hands the 20 waiting at the gateway to the first app after a restart', async () => {
    const home = localnet.home('native-restart');
    const first = await nativeClient(home);
    const address = first.address;
    await stop(first);
    const sent = Array.from({ length: 20 }, (_, i) => `waiting ${i}`);
    // each send resolves on the ack of the receiver's gateway: all 20 are in its inbox
    await Promise.all(sent.map((m) => sender.send(address, m)));

    const restarted = await nativeClient(home);
    expect(restarted.address).toBe(address);
    const a = await app(restarted.port);
    expect((await a.waitFor(20)).sort()).toEqual([...sent].sort());
    a.ws.close();
  }, 60_000);

  it('holds 5 sent to a running client with no app and gives them to the app that connects later', async () => {
    const r = await nativeClient(localnet.home('native-no-app'));
    let arrived = 0;
    const off = r.core.onMessage(() => arrived++);
    const sent = Array.from({ length: 5 }, (_, i) => `no app yet ${i}`);
    await Promise.all(sent.map((m) => sender.send(r.address, m)));
    await until(() => arrived === 5); // the client has them all, and no app is connected
    off();
    await new Promise((res) => setTimeout(res, 100));
    const a = await app(r.port);
    expect((await a.waitFor(5)).sort()).toEqual([...sent].sort());
    // held ones go to one app only, and new messages reach the connected app directly
    const b = await app(r.port);
    await sender.send(r.address, 'live');
    expect(await a.waitFor(6)).toContain('live');
    expect(await b.waitFor(1)).toEqual(['live']);
    a.ws.close();
    b.ws.close();
  }, 60_000);

  it('holds at most max_held_messages, counts the rest and logs the drop', async () => {
    const r = await nativeClient(localnet.home('native-bound'));
    const warnings: string[] = [];
    const logger = { ...silentLogger, warn: (_o: object, msg?: string) => void warnings.push(String(msg)) };
    const api = await startWsApi(r.core, { port: 0, maxHeldMessages: 3, logger });
    try {
      await Promise.all(Array.from({ length: 5 }, (_, i) => sender.send(r.address, `m${i}`)));
      await until(() => api.held + api.heldDropped === 5);
      expect(api.held).toBe(3);
      expect(api.heldDropped).toBe(2);
      expect(warnings.filter((w) => /held messages are at their limit/.test(w))).toHaveLength(1);
      const a = await app(api.port);
      expect(await a.waitFor(3)).toHaveLength(3);
      expect(api.held).toBe(0);
      a.ws.close();
    } finally {
      await api.close();
    }
  }, 60_000);
});

/** The status line of a raw websocket upgrade with these extra headers. */
function upgradeStatus(port: number, extra: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () =>
      s.write(
        'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n' +
          `${extra}\r\n`,
      ),
    );
    let got = '';
    s.on('data', (d) => {
      got += d.toString();
      if (got.includes('\r\n\r\n')) {
        s.destroy();
        resolve(got);
      }
    });
    s.once('error', reject);
    s.once('close', () => resolve(got));
  });
}

describe('browser origins', () => {
  it('refuses a browser origin not allowed (none by default) with 403, lets in apps without Origin', async () => {
    const r = await nativeClient(localnet.home('native-origin'));
    const refused = await upgradeStatus(r.port, 'Origin: https://evil.example\r\n');
    expect(refused).toMatch(/^HTTP\/1\.1 403 Forbidden/);
    expect(refused).toMatch(/socket\.allowed_origins/);
    await expect(app(r.port, { Origin: 'https://evil.example' })).rejects.toThrow(/403/);
    // the thief gets nothing: a message sent now is held for a real app
    await sender.send(r.address, 'not for evil');
    const a = await app(r.port); // a native app sends no Origin
    expect(await a.waitFor(1)).toEqual(['not for evil']);
    a.ws.close();
  }, 60_000);

  it('logs each refused origin, and the limits once per kind', async () => {
    const r = await nativeClient(localnet.home('native-origin-log'));
    const warnings: { o: object; msg?: string }[] = [];
    const logger = { ...silentLogger, warn: (o: object, msg?: string) => void warnings.push({ o, msg }) };
    const api = await startWsApi(r.core, { port: 0, logger, limits: { maxConnections: 1 } });
    try {
      expect(await upgradeStatus(api.port, 'Origin: https://evil.example\r\n')).toMatch(/^HTTP\/1\.1 403/);
      expect(warnings).toContainEqual({
        o: expect.objectContaining({ origin: 'https://evil.example' }),
        msg: 'ws-api: refused a browser origin not in socket.allowed_origins',
      });
      // the refused socket's place is free once the server has seen it close
      let a: Awaited<ReturnType<typeof app>> | undefined;
      for (let i = 0; !a; i++) {
        a = await app(api.port).catch((e: unknown) => {
          if (i > 50) throw e;
          return new Promise<undefined>((res) => setTimeout(res, 50));
        });
      }
      // past max_connections: refused at accept, logged once however many come
      for (let i = 0; i < 3; i++) await expect(app(api.port)).rejects.toThrow();
      const refusals = warnings.filter((w) => w.msg === 'ws-api: connection refused over the limit');
      expect(refusals).toHaveLength(1);
      expect(refusals[0].o).toMatchObject({ kind: 'refused_total_limit', total: 1 });
      a.ws.close();
    } finally {
      await api.close();
    }
  }, 60_000);

  it('lets in the origins listed in socket.allowed_origins', async () => {
    const r = await nativeClient(localnet.home('native-origin-ok'), {
      allowed_origins: ['https://app.example'],
    });
    expect(await upgradeStatus(r.port, 'Origin: https://APP.example\r\n')).toMatch(/^HTTP\/1\.1 101/);
    expect(await upgradeStatus(r.port, 'Origin: https://app.example.evil\r\n')).toMatch(/^HTTP\/1\.1 403/);
  }, 60_000);

  it('reads the socket keys from the config file and refuses bad ones', () => {
    const c = nativeConfigFromToml({
      socket: { allowed_origins: ['https://a.example'], max_connections: 2 },
    });
    expect(c.socket.allowed_origins).toEqual(['https://a.example']);
    expect(c.socket.max_connections).toBe(2);
    expect(defaultNativeConfig().socket.allowed_origins).toEqual([]);
    expect(() => nativeConfigFromToml({ socket: { allowed_origins: 'x' } })).toThrow(NativeConfigError);
    expect(() => nativeConfigFromToml({ socket: { max_connections: 0 } })).toThrow(/socket\.max_connections/);
    expect(() => nativeConfigFromToml({ socket: { handshake_timeout_ms: -1 } })).toThrow(NativeConfigError);
  });
});

describe('connection limits', () => {
  it('refuses connections past max_connections and closes 500 idle sockets within the handshake timeout', async () => {
    const r = await nativeClient(localnet.home('native-limits'), {
      max_connections: 50,
      max_connections_per_host: 50,
      handshake_timeout_ms: 400,
    });
    // in batches, so the kernel's accept queue never overflows (a socket left there is the
    // kernel's, not the server's)
    const sockets: net.Socket[] = [];
    const open = () =>
      new Promise<net.Socket>((resolve) => {
        const s = net.connect(r.port, '127.0.0.1', () => resolve(s));
        s.on('error', () => undefined);
        s.once('close', () => resolve(s)); // refused before our connect event
      });
    for (let i = 0; i < 5; i++) {
      sockets.push(...(await Promise.all(Array.from({ length: 100 }, open))));
      await new Promise((res) => setTimeout(res, 10));
    }
    // half a request on some of them: a head that never ends
    for (const s of sockets.slice(0, 100)) s.write('GET / HTTP/1.1\r\nHost: x\r\n');
    expect(heldByServer(r.port)).toBeGreaterThan(0);
    // 400 ms after the last accept; the margin is for a loaded machine (Node alone: 30-60 s)
    expect(await untilNoneHeld(r.port, 4_000)).toBeLessThan(4_000);
    // the clients see it: all closed, but for any the kernel never handed to the server
    await until(() => sockets.filter((s) => s.destroyed).length >= 490, 4_000);
    for (const s of sockets) s.destroy();
    // after that, an app connects as usual
    const a = await app(r.port);
    a.ws.close();
  }, 60_000);

  it('drops an app that answers no ping within idle_timeout_ms, keeps one that does', async () => {
    const r = await nativeClient(localnet.home('native-idle'), { idle_timeout_ms: 300 });
    const live = await app(r.port); // ws answers pings by itself
    const mute = new WebSocket(`ws://127.0.0.1:${r.port}`, { autoPong: false });
    await new Promise((res) => mute.once('open', res));
    const closed = new Promise((res) => mute.once('close', res));
    await closed;
    expect(live.ws.readyState).toBe(WebSocket.OPEN);
    live.ws.close();
  }, 60_000);
});
