/**
 * nym-api does not hold idle or half-sent connections (issue 16, item 8): connections past
 * `http.max_connections` / `max_connections_per_host` are refused at accept, a request head
 * not complete within `http.headers_timeout_ms` closes its socket (Node alone checks every
 * 30 s), and a kept-alive socket is closed after `http.idle_timeout_ms` without a request.
 * A real chain and a real nym-api on loopback.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startChain, type RunningChain } from '../../localnet/index.js';
import {
  ConfigError,
  configFromToml,
  createNymApi,
  defaultConfig,
  validateConfig,
  type NymApi,
} from '../../src/api/index.js';
import { guardLogGate } from '../../src/net-limits/index.js';
import { heldByServer, untilNoneHeld } from './limits-sockets.js';

let dir: string;
let chain: RunningChain;
const apis: NymApi[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nymph-api-limits-'));
  chain = await startChain({
    home: join(dir, 'chain'),
    rpcHost: '127.0.0.1',
    rpcPort: 0,
    logLevel: 'silent',
    blockIntervalMs: 100,
  });
}, 60_000);
afterAll(async () => {
  for (const a of apis) await a.stop().catch(() => undefined);
  await chain?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function nymApi(http: Partial<ReturnType<typeof defaultConfig>['http']>): Promise<NymApi> {
  const c = defaultConfig(join(dir, `api-${apis.length}`));
  mkdirSync(c.home, { recursive: true });
  c.http = { ...c.http, port: 0, ...http };
  c.chain.rpcUrl = chain.rpcUrl;
  c.chain.mixnetContract = chain.chainInfo.contracts.mixnet;
  c.chain.bandwidthContract = chain.chainInfo.contracts.bandwidth;
  c.coconut.enabled = false;
  c.storage.database = ':memory:';
  const api = createNymApi(c, { logger: pino({ level: 'silent' }), shutdownGraceMs: 200 });
  apis.push(api);
  await api.start();
  return api;
}

/** A connected socket, or one the server already closed (it may be refused before our connect event). */
const open = (port: number) =>
  new Promise<net.Socket>((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s));
    s.on('error', () => undefined);
    s.once('close', () => resolve(s));
  });
const until = async (cond: () => boolean, timeoutMs: number) => {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 25));
  }
};
const closed = (s: net.Socket) =>
  new Promise<number>((resolve) =>
    s.destroyed ? resolve(Date.now()) : s.once('close', () => resolve(Date.now())),
  );

describe('nym-api connection limits', () => {
  it('closes 500 idle and half-sent sockets within the headers timeout and still serves', async () => {
    const api = await nymApi({ headersTimeoutMs: 500, maxConnectionsPerHost: 600 });
    // in batches, so the kernel's accept queue never overflows (a socket left there is the
    // kernel's, not the server's)
    const sockets: net.Socket[] = [];
    for (let i = 0; i < 5; i++) {
      sockets.push(...(await Promise.all(Array.from({ length: 100 }, () => open(api.port)))));
      await new Promise((r) => setTimeout(r, 10));
    }
    for (const s of sockets.slice(0, 250)) s.write('GET /v1/mixnodes HTTP/1.1\r\nHost: x\r\n'); // never ends
    expect(heldByServer(api.port)).toBeGreaterThan(0);
    // 500 ms after the last accept; the margin is for a loaded machine (Node alone: 30-60 s)
    expect(await untilNoneHeld(api.port, 4_000)).toBeLessThan(4_000);
    // and the clients see it: all closed, but for any the kernel never handed to the server
    const closedCount = () => sockets.filter((s) => s.destroyed).length;
    await until(() => closedCount() >= 490, 4_000);
    for (const s of sockets) s.destroy();
    const r = await fetch(`${api.url}/v1/mixnodes`);
    expect(r.status).toBe(200);
  }, 30_000);

  it('refuses connections past max_connections_per_host and max_connections at once', async () => {
    const api = await nymApi({ maxConnections: 20, maxConnectionsPerHost: 10, headersTimeoutMs: 5_000 });
    const sockets = await Promise.all(Array.from({ length: 30 }, () => open(api.port)));
    // the 20 past the per-host cap are closed at accept, long before the headers timeout
    const early = await Promise.race([
      Promise.all(sockets.slice(10).map(closed)).then(() => 'refused'),
      new Promise((r) => setTimeout(() => r('still open'), 2_500)),
    ]);
    expect(early).toBe('refused');
    expect(sockets.slice(0, 10).every((s) => !s.destroyed)).toBe(true);
    for (const s of sockets) s.destroy();
  }, 30_000);

  it('closes a kept-alive socket after idle_timeout_ms without a request', async () => {
    const api = await nymApi({ idleTimeoutMs: 300 });
    const s = await open(api.port);
    const response = new Promise<string>((resolve) => {
      let got = '';
      s.on('data', (d) => {
        got += d.toString();
        if (got.includes('\r\n\r\n')) resolve(got);
      });
    });
    s.write('GET /v1/mixnodes HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(await response).toMatch(/^HTTP\/1\.1 200/);
    const t0 = Date.now();
    await closed(s);
    // Node waits keepAliveTimeout plus its own 1 s buffer (HTTP_SERVER_KEEP_ALIVE_TIMEOUT_BUFFER)
    expect(Date.now() - t0).toBeLessThan(2_500);
  }, 30_000);

  it('answers an Upgrade request as a plain one: no socket is left without an owner', async () => {
    const api = await nymApi({ idleTimeoutMs: 200 });
    const s = await open(api.port);
    let got = '';
    s.on('data', (d) => (got += d.toString()));
    s.write('GET /v1/mixnodes HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
    const t0 = Date.now();
    await closed(s);
    expect(got).toMatch(/^HTTP\/1\.1 200/);
    expect(Date.now() - t0).toBeLessThan(4_000);
  }, 30_000);

  it('logs the first refusal of each kind, then at most one per period', () => {
    const gate = guardLogGate(60_000);
    const refused = { kind: 'refused', reason: 'host_limit', peer: '127.0.0.1' } as const;
    const timedOut = { kind: 'timed_out', phase: 'headers', peer: '127.0.0.1' } as const;
    expect(gate(refused)).toEqual({ log: true, kind: 'refused_host_limit', total: 1 });
    expect(gate(refused)).toEqual({ log: false, kind: 'refused_host_limit', total: 2 });
    expect(gate(timedOut)).toEqual({ log: true, kind: 'timed_out_headers', total: 1 });
    expect(guardLogGate(0)(refused).log && guardLogGate(0)(refused).log).toBe(true);
  });

  it('reads the limits from [http] and refuses zero', () => {
    const c = configFromToml('/h', '[http]\nmax_connections = 7\nheaders_timeout_ms = 250\n');
    expect(c.http.maxConnections).toBe(7);
    expect(c.http.headersTimeoutMs).toBe(250);
    expect(() => configFromToml('/h', '[http]\nidle_timeout_ms = -1\n')).toThrow(ConfigError);
    const zero = configFromToml(
      '/h',
      '[http]\nmax_connections_per_host = 0\n[chain]\nmixnet_contract = "n1x"\nbandwidth_contract = "n1y"\n',
    );
    expect(() => validateConfig(zero)).toThrow(/http\.max_connections_per_host/);
  });
});
