/**
 * Nym apps and Nymph apps talk to each other: Nym's own published wasm client
 * (`@nymproject/nym-client-wasm-node` 1.4.1, unmodified) and Nymph's clients on one Nymph
 * network (chain, nym-api, three mix layers, a gateway, all on loopback sockets).
 *
 * - Nym wasm client ⇄ Nymph's native client, driven as an app drives Nym's native client:
 *   through its websocket API (the server behind port 1977), JSON and binary;
 * - Nymph's SDK client ⇄ Nym wasm client, plain and anonymous, and the wasm client's
 *   `send_reply` back;
 * - reply SURBs both ways, including a replier that runs low and asks for more.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base58 } from '@scure/base';
import { startLocalNet, type LocalNet } from './harness.js';
import { startWasmClient, waitUntilListed, type WasmClientHandle } from './nym-wasm.js';
import { startWsApi, type WsApiServer } from '../../src/client/ws-api/server.js';
import { decodeBinaryResponse, encodeBinaryRequest, type WsResponse } from '../../src/client/ws-api/codec.js';
import { parseRecipient } from '../../src/client/address.js';
import type { MixnetClient } from '../../src/sdk/client.js';
import { receive } from './harness.js';
import { connectWsApp } from './ws-app.js';

const utf8 = new TextEncoder();
const text = (b: Uint8Array) => new TextDecoder().decode(b);
const random = (n: number) => new Uint8Array(globalThis.crypto.getRandomValues(new Uint8Array(n)));
const bigRandom = (n: number) => {
  const out = new Uint8Array(n);
  for (let off = 0; off < n; off += 65536) globalThis.crypto.getRandomValues(out.subarray(off, off + 65536));
  return out;
};
const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

let net: LocalNet;
let native: MixnetClient; // the native client's core, behind the websocket API
let api: WsApiServer;
let wasm: WasmClientHandle;
const log = console.log;

beforeAll(async () => {
  console.log = () => {}; // the wasm client logs every packet it sends
  net = await startLocalNet();
  await waitUntilListed(net.apiUrl, net.gateway.identityKey);
  native = await net.client();
  api = await startWsApi(native.core, { port: 0 });
  wasm = await startWasmClient(net.apiUrl, 'interop');
}, 120_000);

afterAll(async () => {
  wasm?.free();
  await api?.close();
  await net?.close();
  console.log = log;
});

/** An app on the native client's websocket API, as Nym apps talk to Nym's native client. */
async function app(format: 'json' | 'binary' = 'json') {
  const { ws, next } = await connectWsApp(api.port, 30_000);
  // the server answers in the format of an app's last request
  ws.send(
    format === 'json'
      ? JSON.stringify({ type: 'selfAddress' })
      : encodeBinaryRequest({ type: 'selfAddress' }),
  );
  await next();
  return {
    ws,
    json: async (timeoutMs?: number) => JSON.parse((await next(timeoutMs)).data.toString()),
    binary: async (timeoutMs?: number): Promise<WsResponse> =>
      decodeBinaryResponse(new Uint8Array((await next(timeoutMs)).data)),
    close: () => ws.close(),
  };
}

describe("Nym's wasm client and Nymph's native client (websocket API)", () => {
  it('a short message each way, with no sender tag on either side', async () => {
    const a = await app();
    await wasm.client.send_regular_message(utf8.encode('hello from Nym'), native.address);
    const got = await a.json();
    expect(got).toMatchObject({ type: 'received', message: 'hello from Nym' });
    expect(got.senderTag ?? null).toBeNull(); // Nym's native client reports no tag for plain data
    a.ws.send(JSON.stringify({ type: 'send', recipient: wasm.address, message: 'hello from Nymph' }));
    const back = await wasm.next();
    expect(text(back.bytes)).toBe('hello from Nymph');
    expect(back.senderTag).toBeUndefined();
    a.close();
  }, 60_000);

  it('a 200 KB message each way (binary frames, many fragments)', async () => {
    const a = await app('binary');
    const toNymph = bigRandom(200 * 1024);
    await wasm.client.send_regular_message(toNymph, native.address);
    const got = await a.binary(60_000);
    expect(got.type).toBe('received');
    expect(got.type === 'received' && same(got.message, toNymph)).toBe(true);
    const toNym = bigRandom(200 * 1024);
    a.ws.send(encodeBinaryRequest({ type: 'send', recipient: parseRecipient(wasm.address), message: toNym }));
    const back = await wasm.next(60_000);
    expect(same(back.bytes, toNym)).toBe(true);
    a.close();
  }, 120_000);

  it('an anonymous message with 20 reply SURBs, answered by a reply from the Nymph app', async () => {
    const a = await app();
    await wasm.client.send_anonymous_message(utf8.encode('who are you?'), native.address, 20);
    const got = await a.json();
    expect(got).toMatchObject({ type: 'received', message: 'who are you?' });
    expect(base58.decode(got.senderTag)).toHaveLength(16); // a sender tag, never an address
    expect(native.core.stats.received).toBeGreaterThan(0);
    a.ws.send(JSON.stringify({ type: 'reply', senderTag: got.senderTag, message: 'a Nymph app' }));
    const back = await wasm.next();
    expect(text(back.bytes)).toBe('a Nymph app');
    expect(back.senderTag).toBeUndefined(); // a reply reaches Nym's app without a tag
    a.close();
  }, 60_000);

  it('a Nymph app replying more than its SURBs allow asks the Nym client for more', async () => {
    const a = await app();
    await wasm.client.send_anonymous_message(utf8.encode('tell me everything'), native.address, 20);
    const got = await a.json();
    const tag = got.senderTag as string;
    // 40 replies of one fragment each: twice the SURBs given; the Nymph side asks for more
    // (a SURB request naming its address) before running out, Nym's client sends them
    const replies = Array.from({ length: 40 }, (_, i) => `reply ${i}`);
    for (const r of replies) a.ws.send(JSON.stringify({ type: 'reply', senderTag: tag, message: r }));
    const seen: string[] = [];
    while (seen.length < replies.length) seen.push(text((await wasm.next(60_000)).bytes));
    // all 40 arrived: more than the 20 SURBs the Nym client gave, so it sent more
    expect(seen.sort()).toEqual([...replies].sort());
    a.close();
  }, 120_000);
});

describe("Nymph's SDK client and Nym's wasm client", () => {
  let sdk: MixnetClient;
  beforeAll(async () => {
    sdk = await net.client();
  });
  it('plain: the wasm client gets the bytes and no sender tag', async () => {
    await sdk.send(wasm.address, 'plain from the Nymph SDK');
    const m = await wasm.next();
    expect(text(m.bytes)).toBe('plain from the Nymph SDK');
    expect(m.senderTag).toBeUndefined();
  }, 60_000);

  it('anonymous: the wasm client sees a sender tag and its send_reply comes back as a reply', async () => {
    const msg = random(3000); // two fragments with the SURB list
    await sdk.sendAnonymous(wasm.address, msg, { replySurbs: 10 });
    const m = await wasm.next();
    expect(same(m.bytes, msg)).toBe(true);
    // the tag Nym's client shows its app is the one the Nymph client uses towards it
    const ours = (
      sdk.core as unknown as { replies: { senderTagFor(r: unknown): Uint8Array } }
    ).replies.senderTagFor(parseRecipient(wasm.address));
    expect(m.senderTag).toBe(base58.encode(ours));
    await wasm.client.send_reply(utf8.encode('reply from Nym'), m.senderTag!);
    const [r] = await receive(sdk, 1, 30_000);
    expect(r.text()).toBe('reply from Nym');
    expect(r.kind).toBe('reply');
    expect(r.senderTag).toBeUndefined();
  }, 60_000);

  it('anonymous with few SURBs: the wasm client asks the Nymph client for more and replies in full', async () => {
    await sdk.sendAnonymous(wasm.address, 'two SURBs only', { replySurbs: 2 });
    const m = await wasm.next();
    const long = bigRandom(20 * 1024); // 13 fragments: 11 more SURBs than it was given
    await wasm.client.send_reply(long, m.senderTag!);
    const [r] = await receive(sdk, 1, 60_000);
    expect(same(r.message, long)).toBe(true);
  }, 120_000);
});
