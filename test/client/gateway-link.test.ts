/**
 * The gateway link alone, against a real gateway on a local network: registration and its
 * persistence, traffic both ways, reconnection with backoff and a fresh session replacing
 * the lost one, and giving up typed when the gateway stays away.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeAead } from '../../src/crypto/node.js';
import { systemClock } from '../../src/client/clock.js';
import { resolveConfig, type ClientConfigInput } from '../../src/client/config.js';
import { secureRandom } from '../../src/client/crypto.js';
import { GatewayLostError } from '../../src/client/errors.js';
import { GatewayLink } from '../../src/client/gateway-link.js';
import { MemoryKeyStore, addressOf, generateKeys, type StoredState } from '../../src/client/identity.js';
import { nodeWebSocketFactory } from '../../src/client/node.js';
import { PacketBuilder } from '../../src/client/packet-builder.js';
import { Routes } from '../../src/client/routes.js';
import { newStats } from '../../src/client/stats.js';
import { nymApiTopologySource } from '../../src/client/topology-source.js';
import { nodeBackend } from '../../src/crypto/node.js';
import { startLocalNet, type LocalNet } from './harness.js';

let net: LocalNet;
beforeAll(async () => {
  net = await startLocalNet();
}, 60_000);
afterAll(async () => {
  await net?.close();
});

async function link(config: ClientConfigInput = {}, keyStore = new MemoryKeyStore()) {
  const cfg = resolveConfig({ mode: 'localnet', ...config });
  const stats = newStats();
  const payloads: Uint8Array[] = [];
  let writable = 0;
  const givenUp: GatewayLostError[] = [];
  const routes = new Routes({
    ...cfg,
    source: nymApiTopologySource([net.apiUrl]),
    rng: secureRandom,
    now: Date.now,
    clock: systemClock,
  });
  await routes.refresh();
  const l = new GatewayLink({
    config: cfg,
    keyStore,
    wsFactory: nodeWebSocketFactory,
    aead: nodeAead,
    rng: secureRandom,
    now: Date.now,
    clock: systemClock,
    stats,
    onPayload: (p) => payloads.push(p),
    onWritable: () => void writable++,
    onGiveUp: (e) => givenUp.push(e),
  });
  const stored: StoredState = (await keyStore.load()) ?? { keys: generateKeys(secureRandom) };
  await l.open(stored, routes.topology!);
  const builder = new PacketBuilder({
    ...cfg,
    ...cfg.traffic,
    crypto: nodeBackend,
    rng: secureRandom,
    keys: stored.keys,
    routes,
    ownGateway: () => l.gateway!,
    takeSurb: () => undefined,
    surbCount: () => 0,
  });
  return { l, stats, payloads, givenUp, keyStore, stored, builder, writable: () => writable };
}

const socketOf = (l: GatewayLink) => (l.session as unknown as { ws: { terminate(): void } }).ws;

async function until(what: string, cond: () => boolean, ms = 10_000) {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('gateway link', () => {
  it('registers on first contact, keeps the registration, and re-authenticates with it', async () => {
    const a = await link();
    expect(a.l.gateway?.identityKey).toBe(net.gateway.identityKey);
    expect(a.l.session?.registered).toBe(true);
    expect(a.l.writable).toBe(true);
    expect(a.writable()).toBe(1);
    const saved = await a.keyStore.load();
    expect(saved?.gateway?.gatewayIdentity).toBe(net.gateway.identityKey);
    a.l.close();
    expect(a.l.writable).toBe(false);
    const again = await link({}, a.keyStore);
    expect(again.l.session?.registered).toBe(false); // authenticated with the stored key
    again.l.close();
  });

  it('carries our packets out and the gateway pushes what arrives for us', async () => {
    const a = await link();
    const cover = a.builder.cover(); // a loop to ourselves, with a SURB-ack
    a.l.send(cover.mixPacket, cover.sphinxBytes);
    // the message and then its ack (21 bytes) come back through the mix nodes
    await until('the loop and its ack', () => a.payloads.length >= 2);
    expect(a.payloads.map((p) => p.length)).toContain(21);
    expect(addressOf(a.stored.keys, a.l.gateway!.identityKeyBytes).gateway).toEqual(
      a.l.gateway!.identityKeyBytes,
    );
    a.l.close();
  });

  it('reconnects after losing its socket: a fresh session replaces the lost one', async () => {
    const a = await link({ reconnect: { initialMs: 200 } });
    const first = a.l.session!;
    const t0 = Date.now();
    socketOf(a.l).terminate();
    await until('the drop to be seen', () => a.l.reconnecting);
    expect(a.l.writable).toBe(false);
    await until('the reconnection', () => !a.l.reconnecting);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(190); // the first backoff step
    expect(a.l.session).not.toBe(first);
    expect(first.open).toBe(false);
    expect(a.l.session?.registered).toBe(false);
    expect(a.stats.reconnects).toBe(1);
    expect(a.writable()).toBe(2);
    // and it works: a loop through the new session comes back
    const cover = a.builder.cover();
    a.l.send(cover.mixPacket, cover.sphinxBytes);
    await until('traffic on the new session', () => a.payloads.length >= 2);
    a.l.close();
  });

  it('does not reconnect after close', async () => {
    const a = await link({ reconnect: { initialMs: 10 } });
    const s = a.l.session!;
    a.l.close();
    expect(s.open).toBe(false);
    await new Promise((r) => setTimeout(r, 100));
    expect(a.stats.reconnects).toBe(0);
    expect(a.l.reconnecting).toBe(false);
  });

  // last: stops the gateway
  it('gives up typed after the configured attempts when the gateway stays away', async () => {
    const a = await link({ reconnect: { initialMs: 20, multiplier: 2, maxAttempts: 3 } });
    await net.gateway.stop();
    await until('giving up', () => a.givenUp.length > 0);
    expect(a.givenUp[0]).toBeInstanceOf(GatewayLostError);
    expect(a.givenUp[0]).toMatchObject({ code: 'gateway_lost', attempts: 3 });
    expect(a.stats.reconnects).toBe(0);
    a.l.close();
  });
});
