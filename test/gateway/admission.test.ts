/**
 * Who gets in on the client port, over real sockets: a browser origin not in the config is
 * refused with 403 at the upgrade (non-browser clients send no Origin and get in); 500 idle
 * sockets from one address hold at most the per-IP cap, each for at most the upgrade or
 * first-request deadline, while another address is served; the total cap; a silent
 * authenticated socket that answers no ping is dropped, one that answers stays; and the
 * metrics count each case.
 */
import fs from 'node:fs';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createGateway, type Gateway, type GatewayConfig } from '../../src/gateway/index.js';
import { generateNodeKeys } from '../../src/node/keys.js';
import { quiet, tempHome, until } from '../mixnode/helpers.js';
import { TestClient, newIdentity } from './client.js';

const keys = generateNodeKeys();
let gw: Gateway | undefined;
let home: string | undefined;
const open: { destroy(): void }[] = [];

afterEach(async () => {
  for (const s of open.splice(0)) s.destroy();
  await gw?.stop();
  gw = undefined;
  if (home) fs.rmSync(home, { recursive: true, force: true });
});

async function start(o: Partial<GatewayConfig>): Promise<Gateway> {
  home = tempHome('admission');
  gw = createGateway({
    home,
    host: '127.0.0.1',
    mixPort: 0,
    clientsPort: 0,
    keys,
    workers: 1,
    freeBandwidth: true,
    logger: quiet,
    ...o,
  });
  await gw.start();
  return gw;
}

async function metric(g: Gateway, name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = g.registry.getSingleMetric(`nymph_gateway_${name}`);
  const values = (await m!.get()).values.filter((v) =>
    Object.entries(labels).every(([k, val]) => v.labels[k] === val),
  );
  return values.reduce((a, v) => a + v.value, 0);
}

/** The upgrade's outcome: 'open', or the HTTP status it was refused with. */
function upgrade(url: string, headers: Record<string, string> = {}): Promise<'open' | number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => {
      ws.terminate();
      resolve('open');
    });
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('error', reject);
  });
}

/** A TCP socket from `localAddress` that sends half an HTTP request and then nothing. */
function halfOpen(port: number, localAddress = '127.0.0.1'): Promise<net.Socket> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port, localAddress });
    s.on('error', () => undefined);
    s.once('connect', () => {
      s.write('GET / HTTP/1.1\r\nHost: gateway\r\nUpgrade: websocket\r\n');
      resolve(s);
    });
    open.push(s);
  });
}

const closedCount = (socks: net.Socket[]) =>
  socks.filter((s) => s.destroyed || s.readyState === 'closed').length;

describe('browser origins', () => {
  it('refuses an origin not in allowed_origins with 403; lets in listed ones and clients without Origin', async () => {
    const g = await start({ allowedOrigins: ['https://app.example'] });
    expect(await upgrade(g.clientsUrl, { Origin: 'https://evil.example' })).toBe(403);
    expect(await upgrade(g.clientsUrl, { Origin: 'https://app.example' })).toBe('open');
    expect(await upgrade(g.clientsUrl)).toBe('open');
    expect(await metric(g, 'client_connections_refused_total', { reason: 'origin' })).toBe(1);
    // a refused browser never got to speak the protocol; a client without Origin registers
    const c = await TestClient.register(g.clientsUrl, newIdentity(), keys.identityPublic);
    c.close();
  });

  it('allows no browser origin by default', async () => {
    const g = await start({});
    expect(await upgrade(g.clientsUrl, { Origin: 'https://evil.example' })).toBe(403);
    expect(await upgrade(g.clientsUrl, { Origin: 'null' })).toBe(403);
  });
});

describe('idle and half-open connections', () => {
  it('500 half-sent requests from one address hold 100 places for 1 s; another address is served', async () => {
    const g = await start({ maxConnectionsPerIp: 100, upgradeTimeoutMs: 1_000 });
    const socks = await Promise.all(Array.from({ length: 500 }, () => halfOpen(g.clientsPort)));
    // the 400 beyond the cap are dropped at accept
    await until(() => closedCount(socks) >= 400, 5_000, '400 refused');
    expect(await metric(g, 'client_connections_refused_total', { reason: 'ip_limit' })).toBe(400);
    expect(g.clientConnections).toBe(100);
    expect(await metric(g, 'client_connections')).toBe(100);
    // another address is not held up by them
    const other = await TestClient.connect(g.clientsUrl, { localAddress: '127.0.0.2' });
    other.request({ type: 'supportedProtocol' });
    expect(await other.next()).toEqual({ type: 'supportedProtocol', version: 5 });
    other.close();
    // none finished its upgrade: all dropped at the deadline
    await until(() => closedCount(socks) === 500, 5_000, 'all closed');
    expect(await metric(g, 'client_connections_timed_out_total', { phase: 'upgrade' })).toBe(100);
    await until(() => g.clientConnections === 0, 2_000, 'no connection left');
  }, 30_000);

  it('500 websockets that never send a request: 100 get in and are closed with 4008', async () => {
    const g = await start({ maxConnectionsPerIp: 100, initialMessageTimeoutMs: 1_500 });
    const outcomes = await Promise.all(
      Array.from(
        { length: 500 },
        () =>
          new Promise<WebSocket | 'refused'>((resolve) => {
            const ws = new WebSocket(g.clientsUrl);
            open.push({ destroy: () => ws.terminate() });
            ws.once('open', () => resolve(ws));
            ws.once('error', () => resolve('refused'));
          }),
      ),
    );
    const admitted = outcomes.filter((o): o is WebSocket => o !== 'refused');
    expect(admitted).toHaveLength(100);
    const codes = await Promise.all(
      admitted.map((ws) => new Promise<number>((r) => ws.once('close', (code) => r(code)))),
    );
    expect(new Set(codes)).toEqual(new Set([4008]));
    expect(await metric(g, 'client_connections_timed_out_total', { phase: 'first_request' })).toBe(100);
    expect(await metric(g, 'client_connections_refused_total', { reason: 'ip_limit' })).toBe(400);
  }, 30_000);

  it('caps connections in total, whatever their addresses', async () => {
    const g = await start({ maxConnections: 150, maxConnectionsPerIp: 100, upgradeTimeoutMs: 5_000 });
    const a = await Promise.all(Array.from({ length: 100 }, () => halfOpen(g.clientsPort, '127.0.0.3')));
    const b = await Promise.all(Array.from({ length: 100 }, () => halfOpen(g.clientsPort, '127.0.0.4')));
    await until(() => closedCount([...a, ...b]) >= 50, 5_000, '50 refused');
    expect(closedCount(a)).toBe(0);
    expect(closedCount(b)).toBe(50);
    expect(await metric(g, 'client_connections_refused_total', { reason: 'total_limit' })).toBe(50);
    expect(g.clientConnections).toBe(150);
  }, 30_000);

  it('drops an authenticated socket that is silent and answers no ping; keeps one that answers', async () => {
    const g = await start({ idleTimeoutMs: 900 });
    const deaf = await TestClient.register(g.clientsUrl, newIdentity(), keys.identityPublic, {
      autoPong: false,
    });
    const alive = await TestClient.register(g.clientsUrl, newIdentity(), keys.identityPublic);
    expect(await deaf.waitClosed(5_000)).toBe(1006);
    expect(await metric(g, 'client_connections_timed_out_total', { phase: 'idle' })).toBe(1);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(alive.closeCode).toBeNull();
    expect(g.connectedClients).toBe(1);
    alive.close();
  }, 30_000);
});
