/**
 * End to end on a local network of role processes (`localnetUp`, per-node): its SOCKS
 * client and requester as `localnet up` starts them, apps through it (curl: SOCKS5 with
 * names resolved at the requester, SOCKS5 with IPv4/IPv6, SOCKS4, SOCKS4a), data that
 * arrives intact both ways, parallel connections, refusals with their reply codes, the
 * allow list reloaded, malformed handshakes, and a requester restarted mid-download.
 *
 * Sizes: 2 MB down and 1 MB up by default; NYMPH_LONG=1 moves the 20 MB and 5 MB.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { ed25519 } from '@noble/curves/ed25519.js';
import { base58 } from '@scure/base';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localnetUp, type RunningLocalnet } from '../../localnet/network/up.js';
import { LOCALNET_ALLOW_LIST } from '../../src/roles/requester.js';
import {
  OrderedMessageBuffer,
  decodeProviderResponse,
  encodeProviderRequest,
  encodeSocks5ProviderRequest,
  type Socks5RequestContent,
  type Version,
} from '../../src/socks5/protocol/index.js';
import {
  BinaryWsApp,
  curl,
  openSocks5,
  patternBytes,
  rawSocks,
  runRoleProcess,
  sha256,
  socks5ConnectDomain,
  startHttpServer,
  stopPid,
  type RoleProcess,
  type TestHttpServer,
} from './helpers.js';

const LONG = process.env.NYMPH_LONG === '1';
const DOWN = LONG ? 20_000_000 : 2_000_000;
const UP = LONG ? 5_000_000 : 1_000_000;

const home = mkdtempSync(join(tmpdir(), 'nymph-socks-e2e-'));
let net: RunningLocalnet | undefined;
let http: TestHttpServer;
let socks = '';
let socksPort = 0;
const restarted: RoleProcess[] = [];

interface SocksInfo {
  name: string;
  socks: string;
  address: string;
  provider: string;
  metrics: string | null;
  home: string;
}
interface RequesterInfo {
  name: string;
  address: string;
  allowed_list: string;
  open_proxy: boolean;
  metrics: string | null;
  home: string;
}

/** A TCP port on which nothing listens. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

const pidOf = (name: string) => net!.pids.find((p) => p.name === name)!.pid;

/** The running requester: localnet's process, then whatever a test restarted. */
let requesterPid = 0;
async function restartRequester(args: string[]): Promise<Record<string, unknown>> {
  const [r] = net!.info.requesters as RequesterInfo[];
  await stopPid(requesterPid || pidOf('requester-1'));
  const p = await runRoleProcess('requester', r.home, args, join(home, 'logs/requester-1.log'));
  restarted.push(p);
  requesterPid = p.pid;
  return p.ready;
}

const logOf = (name: string) => readFileSync(join(home, 'logs', `${name}.log`), 'utf8');
/** Codes of the drops a role logged (each kind logged at warn the first time). */
const droppedCodes = (name: string): string[] =>
  logOf(name)
    .split('\n')
    .filter((l) => l.includes('"dropped (first of its kind'))
    .map((l) => (JSON.parse(l) as { code: string }).code);

describe('SOCKS through the mixnet (a local network of role processes)', () => {
  beforeAll(async () => {
    http = await startHttpServer();
    net = await localnetUp({
      home,
      ports: 'auto',
      apis: 1,
      threshold: 1,
      mixnodesPerLayer: 1,
      gateways: 1,
      clients: 2,
      logLevel: 'info',
    });
    const s = (net.info.socks5_clients as SocksInfo[])[0];
    socks = s.socks.replace('socks5h://', '');
    socksPort = Number(socks.split(':').pop());
  }, 180_000);

  afterAll(async () => {
    for (const r of restarted) await r.stop();
    await net?.stop();
    await http?.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('is started by localnet up: one requester allowing loopback, one SOCKS client pointed at it', async () => {
    const [r] = net!.info.requesters as RequesterInfo[];
    const [s] = net!.info.socks5_clients as SocksInfo[];
    expect(net!.pids.map((p) => p.name)).toEqual(expect.arrayContaining(['requester-1', 'socks5-1']));
    expect(s.provider).toBe(r.address);
    expect(s.socks).toMatch(/^socks5h:\/\/127\.0\.0\.1:\d+$/);
    expect(r.open_proxy).toBe(false);
    expect(readFileSync(r.allowed_list, 'utf8')).toBe(LOCALNET_ALLOW_LIST);
    // each serves Prometheus metrics, its client core's and its own, at the URL it reports
    for (const [url, own] of [
      [r.metrics, 'nymph_requester_connects'],
      [s.metrics, 'nymph_socks5_'],
    ] as const) {
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      const text = await (await fetch(url!)).text();
      expect(text).toContain(own);
      expect(text).toMatch(/^nymph_client_\w+/m);
    }
    for (const c of net!.info.clients)
      expect(await (await fetch(c.metrics!)).text()).toMatch(/^nymph_client_\w+/m);
  });

  it('curl --socks5-hostname and --socks4a fetch a page by name (resolved at the requester)', async () => {
    for (const flag of ['--socks5-hostname', '--socks4a']) {
      const r = await curl([flag, socks, `http://localhost:${http.port}/hello`], { timeoutMs: 60_000 });
      expect(r.stderr, flag).toBe('');
      expect(r.code, flag).toBe(0);
      expect(r.body.toString(), flag).toBe('hello through the mixnet\n');
    }
  }, 120_000);

  it('SOCKS5 with IPv4 and IPv6 addresses, and SOCKS4 with IPv4', async () => {
    const cases = [
      ['--socks5', `http://127.0.0.1:${http.port}/hello`],
      ['--socks5', `http://[::1]:${http.port}/hello`],
      ['--socks4', `http://127.0.0.1:${http.port}/hello`],
    ];
    for (const [flag, url] of cases) {
      const r = await curl([flag, socks, url], { timeoutMs: 60_000 });
      expect(r.code, `${flag} ${url}: ${r.stderr}`).toBe(0);
      expect(r.body.toString()).toBe('hello through the mixnet\n');
    }
  }, 120_000);

  it(`a ${DOWN / 1e6} MB download and a ${UP / 1e6} MB upload arrive intact`, async () => {
    const down = await curl(
      ['--socks5-hostname', socks, `http://localhost:${http.port}/download?size=${DOWN}&seed=11`],
      {
        timeoutMs: 600_000,
      },
    );
    expect(down.code, down.stderr).toBe(0);
    expect(down.body.length).toBe(DOWN);
    expect(sha256(down.body)).toBe(sha256(patternBytes(DOWN, 11)));
    const body = patternBytes(UP, 12);
    const up = await curl(
      [
        '--socks5-hostname',
        socks,
        '--data-binary',
        '@-',
        '-H',
        'content-type: application/octet-stream',
        `http://localhost:${http.port}/upload`,
      ],
      { input: body, timeoutMs: 600_000 },
    );
    expect(up.code, up.stderr).toBe(0);
    expect(JSON.parse(up.body.toString())).toEqual({ sha256: sha256(body), length: UP });
  }, 900_000);

  it('20 parallel connections share the one client, each stream intact', async () => {
    const size = 65_536;
    const runs = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        curl(
          ['--socks5-hostname', socks, `http://localhost:${http.port}/download?size=${size}&seed=${100 + i}`],
          {
            timeoutMs: 180_000,
          },
        ),
      ),
    );
    runs.forEach((r, i) => {
      expect(r.code, r.stderr).toBe(0);
      expect(sha256(r.body), `connection ${i}`).toBe(sha256(patternBytes(size, 100 + i)));
    });
  }, 240_000);

  it('a blocked host gets "not allowed by ruleset" (0x02) within a second, and goes to unknown.list', async () => {
    const r = (net!.info.requesters as RequesterInfo[])[0];
    // each refusal is the right code; the fastest of a few within a second (the machine is shared)
    const times: number[] = [];
    for (const target of ['blocked.example', 'sub.blocked.example', 'other.blocked.example']) {
      const res = await rawSocks(socksPort, socks5ConnectDomain(target, 80), 12);
      // method selection (05 00), then the reply
      expect([...res.bytes.subarray(0, 4)], target).toEqual([5, 0, 5, 0x02]);
      times.push(res.ms);
    }
    expect(Math.min(...times)).toBeLessThan(1_000);
    // by address too, and curl reports it as a failed proxy handshake
    const c = await curl(['--socks5', socks, 'http://10.9.8.7/'], { timeoutMs: 30_000 });
    expect(c.code).toBe(97);
    const unknown = readFileSync(join(r.home, 'unknown.list'), 'utf8').split('\n');
    expect(unknown).toEqual(expect.arrayContaining(['blocked.example', 'sub.blocked.example', '10.9.8.7']));
  }, 60_000);

  it('a remote that refuses the connection gets "connection refused" (0x05); SOCKS4 gets 0x5b', async () => {
    const port = await closedPort();
    const res = await rawSocks(
      socksPort,
      [Uint8Array.of(5, 1, 0), Uint8Array.of(5, 1, 0, 1, 127, 0, 0, 1, port >> 8, port & 0xff)],
      12,
    );
    expect([...res.bytes.subarray(0, 4)]).toEqual([5, 0, 5, 0x05]);
    const v4 = await rawSocks(socksPort, [Uint8Array.of(4, 1, port >> 8, port & 0xff, 127, 0, 0, 1, 0)], 8);
    expect([...v4.bytes.subarray(0, 2)]).toEqual([0, 0x5b]);
  }, 60_000);

  it('unsupported commands and malformed handshakes: the right reply, then closed; the server goes on', async () => {
    const g = Uint8Array.of(5, 1, 0);
    const cases: [Uint8Array[], number[]][] = [
      [
        [g, Uint8Array.of(5, 2, 0, 1, 127, 0, 0, 1, 0, 80)],
        [5, 0, 5, 0x07],
      ], // BIND
      [
        [g, Uint8Array.of(5, 3, 0, 1, 127, 0, 0, 1, 0, 80)],
        [5, 0, 5, 0x07],
      ], // UDP ASSOCIATE
      [
        [g, Uint8Array.of(5, 1, 0, 9, 1, 2, 3)],
        [5, 0, 5, 0x08],
      ], // unknown address type
      [[Uint8Array.of(5, 1, 2)], [5, 0xff]], // only username/password offered
      [[Uint8Array.of(4, 2, 0, 80, 127, 0, 0, 1, 0)], [0, 0x5b]], // SOCKS4 BIND
      [[new TextEncoder().encode('GET / HTTP/1.1\r\n\r\n')], []], // not SOCKS
    ];
    for (const [chunks, want] of cases) {
      const res = await rawSocks(socksPort, chunks);
      expect(res.closed).toBe(true);
      expect([...res.bytes.subarray(0, want.length)]).toEqual(want);
      if (want.length === 0) expect(res.bytes.length).toBe(0);
    }
    const ok = await curl(['--socks5-hostname', socks, `http://localhost:${http.port}/hello`], {
      timeoutMs: 60_000,
    });
    expect(ok.code).toBe(0);
  }, 120_000);

  it('the allow list is reloaded when it changes', async () => {
    const r = (net!.info.requesters as RequesterInfo[])[0];
    const connect = async () =>
      (
        await rawSocks(
          socksPort,
          [Uint8Array.of(5, 1, 0), Uint8Array.of(5, 1, 0, 1, 127, 0, 0, 1, http.port >> 8, http.port & 0xff)],
          12,
        )
      ).bytes[3]; // after the method selection (05 00)
    try {
      writeFileSync(r.allowed_list, 'localhost\n::1\n# 127.0.0.0/8 taken out\n');
      await new Promise((res) => setTimeout(res, 2_500));
      expect(await connect()).toBe(0x02);
    } finally {
      writeFileSync(r.allowed_list, LOCALNET_ALLOW_LIST);
    }
    await new Promise((res) => setTimeout(res, 2_500));
    expect(await connect()).toBe(0x00);
  }, 60_000);

  describe("the requester speaks Nym's protocol to any app (here through a native client's websocket API)", () => {
    const v3 = { interface: 3, protocol: 3 } as const;
    const legacy = { interface: 'legacy', protocol: 'legacy' } as const;
    let app: BinaryWsApp;
    let other: BinaryWsApp;
    let R = '';
    let nextId = 0x5eed_0000_0000_0000n;

    beforeAll(async () => {
      // small limits, so that an oversized stream is quick to show
      await restartRequester([
        '--set',
        'requester.max_buffered_bytes=65536',
        '--set',
        'requester.unknown_grace_ms=1000',
      ]);
      R = (net!.info.requesters as RequesterInfo[])[0].address;
      const clients = net!.info.clients;
      app = await BinaryWsApp.connect(clients[0].websocket);
      other = await BinaryWsApp.connect(clients[1].websocket);
    }, 120_000);

    afterAll(() => {
      app?.close();
      other?.close();
    });

    const send = (
      a: BinaryWsApp,
      v: { interface: Version; protocol: Version },
      c: Socks5RequestContent,
      surbs = 10,
    ) => a.sendAnonymous(R, encodeSocks5ProviderRequest(v, c), surbs);
    const sendData = (
      a: BinaryWsApp,
      v: { interface: Version; protocol: Version },
      id: bigint,
      seq: bigint,
      data: Uint8Array,
      closed = false,
    ) => send(a, v, { kind: 'send', data: { connectionId: id, seq, localClosed: closed, data } });

    /** Responses of connection `id` until it closes (reordered), or its ConnectionError. */
    async function stream(
      a: BinaryWsApp,
      id: bigint,
      timeoutMs = 30_000,
    ): Promise<{ data: string; error?: string; versions: Version[] }> {
      const buf = new OrderedMessageBuffer();
      let closedAt: bigint | undefined;
      let data = '';
      const versions: Version[] = [];
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const m = await a.next(Math.max(1, deadline - Date.now()));
        const r = decodeProviderResponse(m.message);
        versions.push(r.interfaceVersion);
        if (r.content.kind !== 'providerData') continue;
        const c = r.content.response.content;
        if (c.kind === 'connectionError' && c.connectionId === id)
          return { data, error: c.message, versions };
        if (c.kind !== 'networkData' || c.data.connectionId !== id) continue;
        buf.write(c.data.seq, c.data.data);
        if (c.data.localClosed) closedAt = c.data.seq;
        const got = buf.read();
        if (got) data += new TextDecoder().decode(got.data);
        if (closedAt !== undefined && buf.nextSequence > closedAt) return { data, versions };
      }
    }

    const request = new TextEncoder().encode('GET /hello HTTP/1.0\r\nHost: localhost\r\n\r\n');

    it('Connect and Send, current and legacy versions: the page comes back, answered in the same version', async () => {
      for (const v of [v3, legacy]) {
        const id = nextId++;
        send(app, v, { kind: 'connect', connectionId: id, remoteAddress: `localhost:${http.port}` }, 20);
        sendData(app, v, id, 0n, request, true);
        const r = await stream(app, id);
        expect(r.error).toBeUndefined();
        expect(r.data).toMatch(/^HTTP\/1\.1 200 OK/);
        expect(r.data).toContain('hello through the mixnet');
        expect(new Set(r.versions)).toEqual(new Set([v.interface]));
      }
    }, 90_000);

    it("queries and control requests are answered through the sender's SURBs", async () => {
      send(app, v3, { kind: 'query', query: 'openProxy' });
      const q = decodeProviderResponse((await app.next(20_000)).message);
      expect(q.content).toEqual({
        kind: 'providerData',
        response: {
          protocolVersion: 3,
          content: { kind: 'query', response: { kind: 'openProxy', open: false } },
        },
      });
      app.sendAnonymous(
        R,
        encodeProviderRequest({
          interfaceVersion: 3,
          content: { kind: 'control', request: 'supportedRequestVersions' },
        }),
        5,
      );
      const c = decodeProviderResponse((await app.next(20_000)).message);
      expect(c.content).toEqual({
        kind: 'control',
        response: {
          kind: 'supportedRequestVersions',
          versions: {
            interface_version: '{"type":"Versioned","version":3}',
            provider_version: '{"type":"Versioned","version":3}',
          },
        },
      });
    }, 60_000);

    it('bad input: garbage, unknown connections, far-ahead and oversized stream data, another sender — each a counted drop or an error answer', async () => {
      // garbage: dropped, no answer (the next query is answered first)
      app.sendAnonymous(R, Uint8Array.of(3, 9, 9, 9), 3);
      app.sendAnonymous(R, new Uint8Array(0), 3);
      send(app, v3, { kind: 'query', query: 'description' });
      const d = decodeProviderResponse((await app.next(20_000)).message);
      expect(d.content.kind === 'providerData' && d.content.response.content.kind).toBe('query');

      // a Send for a connection the requester never had: "unknown connection" after the grace period
      const ghost = nextId++;
      sendData(app, v3, ghost, 0n, request);
      const g = await stream(app, ghost);
      expect(g.error).toMatch(/^unknown connection:/);

      // an open connection: data far ahead (> 1000) is dropped, the stream goes on
      const id = nextId++;
      send(app, v3, { kind: 'connect', connectionId: id, remoteAddress: `localhost:${http.port}` }, 20);
      sendData(app, v3, id, 5_000n, request);
      // another sender's Send for it is dropped too
      sendData(other, v3, id, 0n, new TextEncoder().encode('GET /nothing HTTP/1.0\r\n\r\n'), true);
      await new Promise((res) => setTimeout(res, 1_000));
      sendData(app, v3, id, 0n, request, true);
      const ok = await stream(app, id);
      expect(ok.data).toContain('hello through the mixnet');

      // data beyond the requester's bound held out of order: the connection is closed with an error
      const big = nextId++;
      send(app, v3, { kind: 'connect', connectionId: big, remoteAddress: `localhost:${http.port}` }, 20);
      sendData(app, v3, big, 1n, new Uint8Array(70_000));
      const over = await stream(app, big);
      expect(over.error).toMatch(/^requester limit:/);

      const codes = droppedCodes('requester-1');
      expect(codes).toEqual(
        expect.arrayContaining([
          'unknown_tag',
          'empty',
          'unknown_connection',
          'sequence_too_far',
          'foreign_sender',
          'buffer_full',
        ]),
      );
    }, 120_000);

    it('a message to the SOCKS client from anyone but its requester is a counted drop', async () => {
      const [s] = net!.info.socks5_clients as SocksInfo[];
      other.sendAnonymous(
        s.address,
        encodeSocks5ProviderRequest(v3, { kind: 'query', query: 'openProxy' }),
        0,
      );
      const t0 = Date.now();
      while (!droppedCodes('socks5-1').includes('unexpected_sender')) {
        if (Date.now() - t0 > 20_000) throw new Error('the SOCKS client did not report the drop');
        await new Promise((res) => setTimeout(res, 100));
      }
      const ok = await curl(['--socks5-hostname', socks, `http://localhost:${http.port}/hello`], {
        timeoutMs: 60_000,
      });
      expect(ok.code).toBe(0);
    }, 60_000);
  });

  describe("the requester's limits", () => {
    let metricsUrl = '';
    beforeAll(async () => {
      const ready = await restartRequester([
        '--set',
        'metrics.port=0',
        '--set',
        'requester.max_connections_per_sender=3',
        '--set',
        'requester.idle_timeout_ms=2000',
        '--set',
        'requester.window_bytes=262144',
      ]);
      metricsUrl = String(ready.metrics);
    }, 120_000);

    const get = (path: string) => `GET ${path} HTTP/1.1\r\nHost: localhost\r\n\r\n`;

    it('connections per sender: one more than allowed is refused (general failure, 0x01)', async () => {
      const held = await Promise.all([0, 1, 2].map(() => openSocks5(socksPort, 'localhost', http.port)));
      try {
        expect(held.map((h) => h.code)).toEqual([0, 0, 0]);
        for (const h of held) h.socket.write(get('/slow?chunk=1024&every=200'));
        const fourth = await openSocks5(socksPort, 'localhost', http.port);
        fourth.socket.destroy();
        expect(fourth.code).toBe(0x01);
      } finally {
        for (const h of held) h.socket.destroy();
      }
      // closed connections are given back: a new one is allowed again
      await new Promise((r) => setTimeout(r, 1_500));
      const again = await openSocks5(socksPort, 'localhost', http.port);
      again.socket.destroy();
      expect(again.code).toBe(0);
      // counted in the requester's Prometheus metrics
      const m = await (await fetch(metricsUrl)).text();
      expect(Number(/^nymph_requester_refused (\d+)$/m.exec(m)?.[1])).toBeGreaterThanOrEqual(1);
    }, 60_000);

    it('an idle connection is closed by the requester, and the app sees it reset', async () => {
      const c = await openSocks5(socksPort, 'localhost', http.port);
      expect(c.code).toBe(0);
      const t0 = Date.now();
      const err = await new Promise<string>((resolve) => {
        c.socket.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
        c.socket.once('close', () => resolve('closed'));
        c.socket.resume();
      });
      expect(err).toBe('ECONNRESET');
      expect(Date.now() - t0).toBeLessThan(10_000);
    }, 30_000);

    it('an app that reads nothing: the requester stops reading the remote instead of buffering it', async () => {
      const c = await openSocks5(socksPort, 'localhost', http.port);
      expect(c.code).toBe(0);
      c.socket.write(get('/fast?total=400000000'));
      c.socket.on('error', () => undefined);
      await new Promise((r) => setTimeout(r, 6_000));
      const sent = http.fastBytes;
      c.socket.destroy();
      // the requester holds at most its window (256 KiB) and the SOCKS client at most its
      // buffer (16 MiB) before it resets the app; kernel buffers hold the rest
      expect(sent).toBeGreaterThan(0);
      expect(sent).toBeLessThan(80_000_000);
    }, 30_000);
  });

  it('an unreachable requester: "network unreachable" (0x03) at once, "TTL expired" (0x06) when it never answers', async () => {
    const [s] = net!.info.socks5_clients as SocksInfo[];
    const x = join(home, 'socks-x');
    mkdirSync(x, { recursive: true });
    copyFileSync(join(s.home, 'config.toml'), join(x, 'config.toml'));
    const key = () => ed25519.getPublicKey(ed25519.utils.randomSecretKey());
    const b58 = (k: Uint8Array) => base58.encode(k);
    const gateway = net!.info.gateways[0].identity_key;
    const common = [
      '--port',
      '0',
      '--set',
      'bandwidth.mnemonic=""',
      '--set',
      'socks5.connect_timeout_ms=2000',
      // the copied config names socks5-1's metrics port
      '--set',
      'metrics.port=0',
    ];
    const cases: [string, number, number][] = [
      // a requester whose gateway is in no topology: the Connect cannot even be sent
      [`${b58(key())}.${b58(key())}@${b58(key())}`, 0x03, 1_500],
      // a requester on a real gateway that never answers (nobody has that address)
      [`${b58(key())}.${b58(key())}@${gateway}`, 0x06, 4_000],
    ];
    for (const [provider, code, within] of cases) {
      const p = await runRoleProcess(
        'socks5',
        x,
        [...common, '--provider', provider],
        join(home, 'logs/socks-x.log'),
      );
      try {
        const r = await openSocks5(Number(p.ready.port), 'localhost', http.port);
        r.socket.destroy();
        expect(r.code, provider).toBe(code);
        expect(r.ms, provider).toBeLessThan(within);
      } finally {
        await p.stop();
      }
    }
  }, 180_000);

  it('a start that fails late (its metrics port taken) says why and exits, closing the SOCKS port it had opened', async () => {
    const [s] = net!.info.socks5_clients as SocksInfo[];
    const x = join(home, 'socks-busy');
    mkdirSync(x, { recursive: true });
    // the copy names socks5-1's metrics port, which socks5-1 holds
    copyFileSync(join(s.home, 'config.toml'), join(x, 'config.toml'));
    const log = join(home, 'logs/socks-busy.log');
    const t0 = Date.now();
    await expect(
      runRoleProcess('socks5', x, ['--port', '0', '--set', 'bandwidth.mnemonic=""'], log),
    ).rejects.toThrow(/exited with 1 before it was ready/);
    expect(Date.now() - t0).toBeLessThan(60_000);
    expect(readFileSync(log, 'utf8')).toMatch(/nymph: listen EADDRINUSE.*127\.0\.0\.1:\d+/);
  }, 90_000);

  it("with anonymous = false the Connect carries the client's address, and answers come to it", async () => {
    const [s] = net!.info.socks5_clients as SocksInfo[];
    const [r] = net!.info.requesters as RequesterInfo[];
    const x = join(home, 'socks-y');
    mkdirSync(x, { recursive: true });
    copyFileSync(join(s.home, 'config.toml'), join(x, 'config.toml'));
    const args = [
      '--port',
      '0',
      '--provider',
      r.address,
      '--set',
      'bandwidth.mnemonic=""',
      '--set',
      'socks5.anonymous=false',
      '--set',
      'metrics.port=0',
    ];
    const p = await runRoleProcess('socks5', x, args, join(home, 'logs/socks-y.log'));
    try {
      const proxy = `127.0.0.1:${String(p.ready.port)}`;
      const res = await curl(['--socks5-hostname', proxy, `http://localhost:${http.port}/hello`], {
        timeoutMs: 60_000,
      });
      expect(res.code, res.stderr).toBe(0);
      expect(res.body.toString()).toBe('hello through the mixnet\n');
      // its Prometheus metrics: the client core's and the SOCKS client's own
      const m = await (await fetch(String(p.ready.metrics))).text();
      expect(m).toMatch(/^nymph_socks5_opened 1$/m);
      expect(m).toMatch(/^nymph_client_real_sent_total \d+$/m);
    } finally {
      await p.stop();
    }
  }, 120_000);

  it('a requester restarted mid-download: the app sees a broken connection, not a hang', async () => {
    const [s] = net!.info.socks5_clients as SocksInfo[];
    // the SOCKS client with a 1 s keep-alive (a restarted requester answers it "unknown connection")
    await stopPid(pidOf('socks5-1'));
    const client = await runRoleProcess(
      'socks5',
      s.home,
      ['--set', 'socks5.keepalive_ms=1000'],
      join(home, 'logs/socks5-1.log'),
    );
    restarted.push(client);
    const proxy = String(client.ready.socks).replace('socks5h://', '');
    const before = http.accepted;
    const download = curl(
      [
        '--socks5-hostname',
        proxy,
        `http://localhost:${http.port}/slow?chunk=16384&every=20`,
        '-o',
        '/dev/null',
      ],
      {
        timeoutMs: 120_000,
      },
    );
    const t0 = Date.now();
    while (http.accepted === before) {
      if (Date.now() - t0 > 60_000) throw new Error('the download did not start');
      await new Promise((res) => setTimeout(res, 50));
    }
    await new Promise((res) => setTimeout(res, 1_500));
    const killedAt = Date.now();
    await restartRequester([]);
    const res = await download;
    // curl: 56 (receive failure: reset) or 18 (transfer closed early), never 28 (its own timeout)
    expect([56, 18, 52], res.stderr).toContain(res.code);
    expect(Date.now() - killedAt).toBeLessThan(30_000);
    // and the new requester serves new connections
    const ok = await curl(['--socks5-hostname', proxy, `http://localhost:${http.port}/hello`], {
      timeoutMs: 60_000,
    });
    expect(ok.code, ok.stderr).toBe(0);
  }, 240_000);
});
