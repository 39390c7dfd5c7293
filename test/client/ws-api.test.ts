import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { startLocalNet, type LocalNet } from './harness.js';
import { startWsApi, type WsApiServer } from '../../src/client/ws-api/server.js';
import {
  ErrorKind,
  decodeBinaryResponse,
  encodeBinaryRequest,
  type WsResponse,
} from '../../src/client/ws-api/codec.js';
import { parseRecipient } from '../../src/client/address.js';
import { connectWsApp } from './ws-app.js';

let net: LocalNet;
let api: WsApiServer;
beforeAll(async () => {
  net = await startLocalNet();
  const c = await net.client();
  api = await startWsApi(c.core, { port: 0 });
}, 60_000);
afterAll(async () => {
  await api?.close();
  await net?.close();
});

/** A plain websocket app: what existing Nym apps do. */
async function app() {
  const { ws, next } = await connectWsApp(api.port);
  return {
    ws,
    json: async () => {
      const m = await next();
      expect(m.binary).toBe(false);
      return JSON.parse(m.data.toString());
    },
    binary: async (): Promise<WsResponse> => {
      const m = await next();
      expect(m.binary).toBe(true);
      return decodeBinaryResponse(new Uint8Array(m.data));
    },
  };
}

describe('native websocket API', () => {
  it('speaks JSON: selfAddress, send, received, errors', async () => {
    const a = await app();
    a.ws.send(JSON.stringify({ type: 'selfAddress' }));
    const self = await a.json();
    expect(self.type).toBe('selfAddress');
    expect(parseRecipient(self.address)).toBeTruthy();

    a.ws.send('{not json');
    expect(await a.json()).toMatchObject({ type: 'error' });
    a.ws.send(JSON.stringify({ type: 'send', message: 'x', recipient: 'nope' }));
    expect((await a.json()).message).toMatch(/recipient/);

    // still usable after the errors
    a.ws.send(JSON.stringify({ type: 'send', message: 'json hello', recipient: self.address }));
    expect(await a.json()).toEqual({ type: 'received', message: 'json hello', senderTag: null });
    a.ws.close();
  });

  it('speaks binary with Nym tags, including anonymous replies', async () => {
    const a = await app();
    a.ws.send(encodeBinaryRequest({ type: 'selfAddress' }));
    const self = await a.binary();
    if (self.type !== 'selfAddress') throw new Error('expected selfAddress');

    a.ws.send(Uint8Array.of(0x09));
    expect(await a.binary()).toMatchObject({ type: 'error', kind: ErrorKind.UnknownRequest });

    const payload = Uint8Array.from({ length: 3000 }, (_, i) => i & 0xff);
    a.ws.send(
      encodeBinaryRequest({ type: 'send', recipient: self.address, message: payload, connectionId: 1n }),
    );
    const got = await a.binary();
    expect(got).toEqual({ type: 'received', message: payload });

    a.ws.send(
      encodeBinaryRequest({
        type: 'sendAnonymous',
        recipient: self.address,
        message: Uint8Array.of(1, 2),
        replySurbs: 3,
      }),
    );
    const anon = await a.binary();
    if (anon.type !== 'received' || !anon.senderTag) throw new Error('expected a tagged message');
    expect([...anon.message]).toEqual([1, 2]);
    a.ws.send(encodeBinaryRequest({ type: 'reply', senderTag: anon.senderTag, message: Uint8Array.of(9) }));
    expect(await a.binary()).toEqual({ type: 'received', message: Uint8Array.of(9) });
    a.ws.close();
  });
});

/** Runs `nymph client ...` and returns the first JSON line it prints, and the process. */
function nymph(args: string[]) {
  const p = spawn(process.execPath, [resolve('bin/nymph.js'), 'client', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LOG_LEVEL: 'warn' },
  });
  const line = new Promise<Record<string, any>>((res, rej) => {
    let out = '';
    let err = '';
    p.stderr.on('data', (d) => (err += d));
    p.stdout.on('data', (d) => {
      out += d;
      const l = out.split('\n').find((x) => x.startsWith('{'));
      if (l) res(JSON.parse(l));
    });
    p.once('exit', (code) => rej(new Error(`nymph client ${args[0]} exited ${code}: ${err}`)));
  });
  return { p, line };
}

describe('nymph client init / run', () => {
  it('registers on init, then serves the API on its port until SIGTERM', async () => {
    const home = join(net.dir, 'cli-home');
    const init = nymph([
      'init',
      '--home',
      home,
      '--nym-api',
      net.apiUrl,
      '--mode',
      'localnet',
      '--port',
      '0',
    ]);
    const created = await init.line;
    expect(created.event).toBe('client_init');
    expect(parseRecipient(created.address)).toBeTruthy();
    const run = nymph(['run', '--home', home, '--set', 'metrics.port=0']);
    try {
      const ready = await run.line;
      expect(ready).toMatchObject({ event: 'client_ready', address: created.address });
      const ws = new WebSocket(`ws://127.0.0.1:${ready.port}`);
      await new Promise((r, j) => {
        ws.once('open', r);
        ws.once('error', j);
      });
      const next = () => new Promise<any>((r) => ws.once('message', (d) => r(JSON.parse(d.toString()))));
      ws.send(JSON.stringify({ type: 'send', message: 'via the CLI', recipient: created.address }));
      expect(await next()).toEqual({ type: 'received', message: 'via the CLI', senderTag: null });
      ws.close();
      const metrics = await (await fetch(ready.metrics)).text();
      expect(metrics).toMatch(/nymph_client_received_total 1/);
    } finally {
      const exited = new Promise((r) => run.p.once('exit', r));
      run.p.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  }, 60_000);
});
