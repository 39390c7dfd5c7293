/**
 * The attacks of issue 16, on the running localnet:
 *   stolen authenticate frame   a victim's captured `authenticate` frame presented on another
 *                               socket: the thief must get none of the victim's stored
 *                               messages, and the victim must still get them all
 *   evil Origin                 a browser page of another origin opens the native client's
 *                               websocket (and the gateway's client port): refused
 *   blind-sign retry            the same request twice at one nym-api: the same share both
 *                               times; another request for the used deposit: refused
 *   idle sockets                500 silent sockets on a mix port, and half-sent HTTP requests
 *                               on the gateway's client port, a nym-api and the native
 *                               client: each closed at once (a cap) or by a deadline, none
 *                               held after `idleDeadlineMs` (how many were held after 5 s is reported)
 * The idle sockets come from another loopback address (127.0.0.2), so that the caps per
 * address they meet do not shut out the network's own connections from 127.0.0.1.
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { base58 } from '@scure/base';
import WebSocket from 'ws';
import { blindSignBody, openShare, type SealedShare } from '../../src/api-client/index.js';
import { connectSigningClients } from '../../src/chain/index.js';
import { recipientToString } from '../../src/client/address.js';
import { BandwidthVoucher, loadBackend, secureRandom, voucherParameters } from '../../src/coconut/index.js';
import { createAuthenticateRequest, identityFromSeed } from '../../src/gateway/protocol/index.js';
import { TestClient } from '../../test/gateway/client.js';
import { Counter, CountingApp } from './apps.js';
import { sleep, until } from './net.js';
import { dropReceiver, spareAccount } from './transfers.js';
import type { Ctx, Scenario, ScenarioResult } from './scenario.js';

const random = (n: number): Uint8Array => new Uint8Array(randomBytes(n));
const EVIL_ORIGIN = 'https://evil.example';
const ATTACKER_ADDRESS = '127.0.0.2';

async function stolenAuthenticate(ctx: Ctx): Promise<ScenarioResult> {
  const gw = ctx.net.info.gateways[0];
  const gatewayId = base58.decode(gw.identity_key);
  const victim = identityFromSeed(random(32));
  const reg = await TestClient.register(gw.clients_url, victim, gatewayId, { claim: true });
  const key = reg.sharedKey!;
  reg.close();
  const address = recipientToString({
    identity: victim.publicKey,
    encryptionKey: x25519.getPublicKey(random(32)),
    gateway: gatewayId,
  });
  const n = 5;
  const stored0 = await ctx.net.gatewayCounter(gw.name, 'nymph_gateway_messages_stored_total');
  await ctx.sender.sendRange(address, `${ctx.run}-victim`, 0, n);
  await until(
    async () => (await ctx.net.gatewayCounter(gw.name, 'nymph_gateway_messages_stored_total')) - stored0 >= n,
    30_000,
    `${n} messages stored for the victim`,
    200,
  );

  // the victim's frame, captured on its way, presented by the thief first
  const captured = createAuthenticateRequest({ identity: victim, sharedKey: key, nowMs: Date.now(), random });
  const thief = await TestClient.connect(gw.clients_url);
  thief.request(captured);
  const answer = await thief.next(5_000).catch((e: unknown) => ({ type: 'none', error: String(e) }));
  await sleep(1_500);
  const stolen = thief.binaryFrames;

  // the victim comes back with a newer frame and shows its key
  const back = await TestClient.authenticate(gw.clients_url, victim, key, Date.now() + 1_000);
  let delivered = 0;
  if (back.response.type === 'authenticate' && back.response.status) {
    await back.client.prove().catch(() => undefined);
    await back.client.waitReceived(n, 15_000).catch(() => undefined);
    await sleep(500);
    delivered = back.client.received.length;
  }
  thief.close();
  back.client.close();
  const failures: string[] = [];
  if (stolen)
    failures.push(`stolen authenticate frame: the thief's socket was pushed ${stolen} of ${n} messages`);
  if (delivered < n) failures.push(`stolen authenticate frame: the victim got ${delivered} of ${n}`);
  if (delivered > n) failures.push(`stolen authenticate frame: the victim got ${delivered - n} twice`);
  ctx.log(
    `stolen frame answered ${JSON.stringify(answer).slice(0, 120)}; thief got ${stolen}, victim ${delivered}`,
  );
  return {
    numbers: {
      stolen_auth_sent: n,
      stolen_auth_delivered: Math.min(delivered, n),
      stolen_auth_lost: Math.max(0, n - delivered),
      stolen_auth_duplicated: Math.max(0, delivered - n),
      stolen_auth_stolen: stolen,
    },
    failures,
  };
}

/** Whether a websocket with `Origin: origin` opens at `url`. */
function opensWithOrigin(url: string, origin: string): Promise<WebSocket | null> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers: { Origin: origin }, perMessageDeflate: false });
    const t = setTimeout(() => {
      ws.terminate();
      resolve(null);
    }, 5_000);
    ws.once('open', () => {
      clearTimeout(t);
      resolve(ws);
    });
    ws.once('error', () => {
      clearTimeout(t);
      resolve(null);
    });
    ws.once('unexpected-response', () => {
      clearTimeout(t);
      ws.terminate();
      resolve(null);
    });
  });
}

async function evilOrigin(ctx: Ctx): Promise<ScenarioResult> {
  const n = 3;
  const tag = `${ctx.run}-origin`;
  const url = ctx.net.info.clients.find((c) => c.name === ctx.receiverName)!.websocket;
  // the real app steps away first, so that a refusal is the Origin's and not a busy port
  dropReceiver(ctx);
  await sleep(200);
  const evilCounter = new Counter();
  let evil: CountingApp | undefined;
  try {
    evil = await CountingApp.connect(url, evilCounter, { Origin: EVIL_ORIGIN }, 5_000);
  } catch {
    evil = undefined;
  }
  let stolen = 0;
  if (evil) {
    const address = await evil.selfAddress().catch(() => '');
    await ctx.sender.sendRange(ctx.receiverAddress, tag, 0, n);
    await sleep(4_000);
    stolen = evilCounter.distinct(tag);
    evil.close();
    ctx.log(`an evil origin read ${address ? 'the address and ' : ''}${stolen} of ${n} messages`);
  }
  // the real app comes back: what the evil page did not take arrives there
  await ctx.reconnectReceiver();
  const gwWs = await opensWithOrigin(ctx.net.info.gateways[0].clients_url, EVIL_ORIGIN);
  gwWs?.terminate();
  const failures: string[] = [];
  if (evil)
    failures.push(`evil Origin: the native client accepted ${EVIL_ORIGIN} (it read ${stolen} of ${n})`);
  if (gwWs) failures.push(`evil Origin: the gateway's client port accepted ${EVIL_ORIGIN}`);
  return {
    numbers: {
      evil_origin_sent: evil ? n : 0,
      evil_origin_stolen: stolen,
      evil_origin_native_accepted: evil ? 1 : 0,
      evil_origin_gateway_accepted: gwWs ? 1 : 0,
    },
    failures,
  };
}

async function postJson(url: string, body: unknown): Promise<{ status: number; body: unknown }> {
  const r = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  return { status: r.status, body: await r.json().catch(() => null) };
}

async function blindSignRetry(ctx: Ctx): Promise<ScenarioResult> {
  const { chain, nym_apis: apis } = ctx.net.info;
  const backend = await loadBackend('mcl');
  const identity = random(32);
  const encryption = random(32);
  const s = await connectSigningClients({
    rpcUrl: chain.rpc,
    mnemonic: chain.mnemonic,
    accountIndex: spareAccount(ctx, 3),
    contracts: { mixnet: chain.contracts.mixnet, bandwidth: chain.contracts.bandwidth },
    broadcastPollIntervalMs: 100,
  });
  const params = voucherParameters(backend);
  let dep;
  try {
    dep = await s.bandwidth.depositFunds({
      amount: { denom: 'unym', amount: '21' },
      identityKey: base58.encode(ed25519.getPublicKey(identity)),
      encryptionKey: base58.encode(x25519.getPublicKey(encryption)),
    });
  } finally {
    s.disconnect();
  }
  const txHash = dep.txHash.toUpperCase();
  const voucher = BandwidthVoucher.create(params, 21n, 'BandwidthVoucher', secureRandom);
  const body = blindSignBody(voucher, txHash, identity);
  const url = `${apis[0]}/v1/coconut/bandwidth/blind-sign`;
  const first = await postJson(url, body);
  // the answer was lost on its way: the client asks again
  const retry = await postJson(url, body);
  const opened = [first, retry].filter(
    (r) => r.status === 200 && openShare(r.body as SealedShare, encryption, txHash) !== null,
  ).length;
  const same = JSON.stringify(first) === JSON.stringify(retry);
  const other = await postJson(
    url,
    blindSignBody(BandwidthVoucher.create(params, 21n, 'BandwidthVoucher', secureRandom), txHash, identity),
  );
  const failures: string[] = [];
  if (opened < 2)
    failures.push(`blind-sign retry: ${opened} of 2 answers carried the share (retry: HTTP ${retry.status})`);
  else if (!same) failures.push('blind-sign retry: the retry got a different share');
  if (other.status === 200) failures.push('blind-sign: a different request for a used deposit was signed');
  return {
    numbers: {
      blind_sign_retry_sent: 2,
      blind_sign_retry_delivered: opened,
      blind_sign_retry_lost: 2 - opened,
      blind_sign_other_request_accepted: other.status === 200 ? 1 : 0,
    },
    failures,
  };
}

interface IdleTarget {
  name: string;
  host: string;
  port: number;
  /** Bytes sent, then nothing more (a half-sent HTTP request), or nothing at all. */
  greeting: string;
}

/** Opens `n` sockets to the target from the attacker's address; counts those still open. */
function idleSockets(t: IdleTarget, n: number): { open(): number; connected(): number; closeAll(): void } {
  const sockets: Socket[] = [];
  let connected = 0;
  const open = new Set<Socket>();
  for (let i = 0; i < n; i++) {
    const s = connect({ host: t.host, port: t.port, localAddress: ATTACKER_ADDRESS });
    sockets.push(s);
    s.on('connect', () => {
      connected++;
      open.add(s);
      if (t.greeting) s.write(t.greeting);
    });
    s.on('close', () => open.delete(s));
    s.on('error', () => undefined);
    // what the server sends is read and dropped, as a slow client would
    s.on('data', () => undefined);
  }
  return {
    open: () => open.size,
    connected: () => connected,
    closeAll: () => sockets.forEach((s) => s.destroy()),
  };
}

const HALF_HTTP = 'GET / HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n';

function idleTargets(ctx: Ctx): IdleTarget[] {
  const { info } = ctx.net;
  const hostPort = (url: string) => {
    const u = new URL(url);
    return { host: u.hostname, port: Number(u.port) };
  };
  const client = info.clients.find((c) => c.name === ctx.receiverName)!;
  return [
    { name: 'mixnode', host: info.mixnodes[0].host, port: info.mixnodes[0].mix_port, greeting: '' },
    { name: 'gateway', ...hostPort(info.gateways[0].clients_url), greeting: HALF_HTTP },
    { name: 'api', ...hostPort(info.nym_apis[0]), greeting: HALF_HTTP.replace('Upgrade: websocket\r\n', '') },
    { name: 'client', ...hostPort(client.websocket), greeting: HALF_HTTP },
  ];
}

async function idle(ctx: Ctx): Promise<ScenarioResult> {
  const n = ctx.sizes.idleSockets;
  const targets = idleTargets(ctx).map((t) => ({ t, s: idleSockets(t, n) }));
  await sleep(5_000);
  const heldAtFirst = targets.map(({ s }) => s.open());
  const deadline = Date.now() + ctx.sizes.idleDeadlineMs;
  while (Date.now() < deadline && targets.some(({ s }) => s.open() > 0)) await sleep(250);
  const numbers: Record<string, number> = {};
  const failures: string[] = [];
  targets.forEach(({ t, s }, i) => {
    numbers[`idle_${t.name}_sent`] = n;
    numbers[`idle_${t.name}_accepted`] = s.connected();
    numbers[`idle_${t.name}_held_5s`] = heldAtFirst[i];
    numbers[`idle_${t.name}_held_at_deadline`] = s.open();
    if (s.open() > 0)
      failures.push(
        `idle sockets: ${t.name} still held ${s.open()} after ${ctx.sizes.idleDeadlineMs / 1000} s (no deadline)`,
      );
    s.closeAll();
  });
  return { numbers, failures };
}

/** Every attack in turn; their numbers and failures together. */
export const attacks: Scenario = {
  name: 'attacks: stolen authenticate frame, evil Origin, blind-sign retry, idle sockets',
  async run(ctx) {
    const parts = [stolenAuthenticate, evilOrigin, blindSignRetry, idle];
    const out: ScenarioResult = { numbers: {}, failures: [] };
    for (const part of parts) {
      try {
        const r = await part(ctx);
        Object.assign(out.numbers, r.numbers);
        out.failures.push(...r.failures);
      } catch (err) {
        out.failures.push(`${part.name}: ${(err as Error).message}`);
      }
    }
    return out;
  },
};
