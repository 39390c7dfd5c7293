import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startLocalNet, type LocalNet } from './harness.js';
import { startWsApi, type WsApiServer } from '../../src/client/ws-api/server.js';
import {
  ErrorKind,
  decodeBinaryResponse,
  encodeBinaryRequest,
  type WsResponse,
} from '../../src/client/ws-api/codec.js';
import { parseRecipient } from '../../src/client/address.js';

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
  const ws = new WebSocket(`ws://127.0.0.1:${api.port}`);
  await new Promise((r, j) => {
    ws.once('open', r);
    ws.once('error', j);
  });
  const inbox: { data: Buffer; binary: boolean }[] = [];
  let wake: (() => void) | undefined;
  ws.on('message', (data: Buffer, binary) => {
    inbox.push({ data, binary });
    wake?.();
  });
  const next = async (timeoutMs = 10_000) => {
    const t0 = Date.now();
    while (!inbox.length) {
      if (Date.now() - t0 > timeoutMs) throw new Error('no message');
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, 50);
      });
    }
    return inbox.shift()!;
  };
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
