import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { base58 } from '@scure/base';
import { startLocalNet, receive, type LocalNet } from './harness.js';
import { InsufficientSurbsError } from '../../src/client/errors.js';

let net: LocalNet;
beforeAll(async () => {
  net = await startLocalNet();
}, 60_000);
afterAll(async () => {
  await net?.close();
});

describe('client over a local mixnet', () => {
  it('sends to itself', async () => {
    const a = await net.client();
    expect(a.address).toMatch(/^[1-9A-HJ-NP-Za-km-z]+\.[1-9A-HJ-NP-Za-km-z]+@[1-9A-HJ-NP-Za-km-z]+$/);
    await a.send(a.address, 'hello mixnet');
    const [m] = await receive(a, 1);
    expect(m.text()).toBe('hello mixnet');
    expect(m.senderTag).toBeUndefined();
    expect(m.kind).toBe('plain');
  });

  it('sends between two clients, both ways', async () => {
    const [a, b] = await Promise.all([net.client(), net.client()]);
    expect(a.address).not.toBe(b.address);
    await a.send(b.address, 'a to b');
    expect((await receive(b, 1))[0].text()).toBe('a to b');
    await b.send(a.address, new Uint8Array([0, 1, 2, 255]));
    expect([...(await receive(a, 1))[0].message]).toEqual([0, 1, 2, 255]);
  });

  // 16 KiB packets keep the default suite quick (320 fragments in two linked sets);
  // NYMPH_LONG=1 also runs it with regular 2 KiB packets (about 3,300 fragments, 14 sets)
  const sizes = process.env.NYMPH_LONG ? (['extended16', 'regular'] as const) : (['extended16'] as const);
  it.each(sizes)(
    'round-trips a 5 MB message intact (%s packets)',
    async (packetSize) => {
      const [a, b] = await Promise.all([
        net.client({ config: { packetSize } }),
        net.client({ config: { packetSize } }),
      ]);
      const big = new Uint8Array(randomBytes(5 * 1024 * 1024));
      const sent = a.send(b.address, big);
      const [m] = await receive(b, 1, 170_000);
      await sent;
      expect(m.message.length).toBe(big.length);
      expect(Buffer.compare(Buffer.from(m.message), Buffer.from(big))).toBe(0);
    },
    180_000,
  );

  it('replies anonymously through reply SURBs', async () => {
    const [asker, server] = await Promise.all([net.client(), net.client()]);
    await asker.sendAnonymous(server.address, 'who are you?', { replySurbs: 5 });
    const [req] = await receive(server, 1);
    expect(req.text()).toBe('who are you?');
    expect(req.kind).toBe('repliable');
    expect(req.senderTag).toHaveLength(16);
    // the request does not carry the asker's address anywhere
    expect(Buffer.from(req.message).includes(Buffer.from(asker.address))).toBe(false);
    await server.reply(req.senderTagString!, 'an anonymous reply');
    const [rep] = await receive(asker, 1);
    expect(rep.text()).toBe('an anonymous reply');
    expect(rep.kind).toBe('reply');
    // the same tag keeps working, and a long reply triggers a SURB top-up from the asker
    await server.reply(req.senderTag!, new Uint8Array(randomBytes(20_000)));
    const [long] = await receive(asker, 1);
    expect(long.message.length).toBe(20_000);
    // an unknown tag is a typed error
    await expect(server.reply(new Uint8Array(16).fill(7), 'x')).rejects.toBeInstanceOf(
      InsufficientSurbsError,
    );
  }, 60_000);

  it('delivers what was sent while the recipient was offline', async () => {
    const home = net.home('offline-b');
    const b1 = await net.client({ home });
    const bAddress = b1.address;
    await b1.disconnect();
    const a = await net.client();
    await a.send(bAddress, 'while you were away'); // acked by b's gateway, stored in its inbox
    const b2 = await net.client({ home });
    expect(b2.address).toBe(bAddress); // same keys, re-authenticated
    const [m] = await receive(b2, 1);
    expect(m.text()).toBe('while you were away');
  });
});

describe('client behaviour', () => {
  it('fails fast with a typed NoRouteError when a layer is empty', async () => {
    const { Topology, NoRouteError } = await import('../../src/topology/index.js');
    const { staticTopologySource } = await import('../../src/client/topology-source.js');
    const doc = (await (await fetch(`${net.apiUrl}/v1/topology`)).json()) as {
      mixnodes: { layer: number }[];
      gateways: unknown[];
    };
    const { topology } = Topology.fromBonds(
      doc.mixnodes.filter((m) => m.layer !== 2),
      doc.gateways,
    );
    const t0 = Date.now();
    await expect(net.client({ topology: staticTopologySource(topology) })).rejects.toBeInstanceOf(
      NoRouteError,
    );
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('looks the topology up again for a recipient on an unknown gateway, then fails typed', async () => {
    const { nymApiTopologySource } = await import('../../src/client/topology-source.js');
    const { GatewayNotFoundError } = await import('../../src/topology/index.js');
    const source = nymApiTopologySource([net.apiUrl]);
    let fetches = 0;
    const a = await net.client({
      topology: (signal?: AbortSignal) => {
        fetches++;
        return source(signal);
      },
    });
    const afterStart = fetches;
    const b = await net.client();
    // b's address with a gateway identity nobody has bonded
    const [keys] = b.address.split('@');
    const stranger = `${keys}@${base58.encode(randomBytes(32))}`;
    await expect(a.send(stranger, 'to nowhere')).rejects.toBeInstanceOf(GatewayNotFoundError);
    expect(fetches).toBe(afterStart + 1);
    // a burst of such sends does not hammer nym-api: one look per second at most
    await expect(a.send(stranger, 'again')).rejects.toBeInstanceOf(GatewayNotFoundError);
    expect(fetches).toBe(afterStart + 1);
    // known gateways need no look-up
    await a.send(b.address, 'to a known gateway');
    expect((await receive(b, 1))[0].text()).toBe('to a known gateway');
    expect(fetches).toBe(afterStart + 1);
  });

  it('sends Poisson-paced real and cover traffic with per-hop delays, less cover when idle', async () => {
    const a = await net.client({
      config: {
        mode: 'nym',
        traffic: {
          averagePacketDelayMs: 3,
          averageAckDelayMs: 3,
          messageSendingAverageDelayMs: 4,
          loopCoverAverageDelayMs: 8,
          idleCoverSlowdown: 20,
        },
      },
    });
    const t0 = performance.now();
    await a.send(a.address, 'through the Poisson stream');
    expect((await receive(a, 1))[0].text()).toBe('through the Poisson stream');
    expect(performance.now() - t0).toBeGreaterThan(3); // paced and delayed, not instantaneous
    const busy0 = a.core.stats.coverSent;
    await new Promise((r) => setTimeout(r, 400));
    const busy = a.core.stats.coverSent - busy0;
    a.core.setIdle(true);
    const idle0 = a.core.stats.coverSent;
    await new Promise((r) => setTimeout(r, 400));
    const idle = a.core.stats.coverSent - idle0;
    expect(busy).toBeGreaterThan(20);
    expect(idle).toBeLessThan(busy / 3);
    await a.disconnect();
  });

  it('reconnects after losing its gateway connection and delivers what was queued', async () => {
    const a = await net.client({ config: { reconnect: { initialMs: 50 } } });
    const session = (a.core as unknown as { session: { ws: { terminate(): void } } }).session;
    session.ws.terminate(); // the socket dies under the client
    const sent = a.send(a.address, 'after the drop');
    expect((await receive(a, 1, 10_000))[0].text()).toBe('after the drop');
    await sent;
    expect(a.core.stats.reconnects).toBe(1);
    expect(a.core.state).toBe('connected');
  });

  it('measures gateway latency, and a dead candidate gives none', async () => {
    const { probeGateway } = await import('../../src/client/gateway-session.js');
    const { nodeWebSocketFactory } = await import('../../src/client/node.js');
    const now = () => performance.now();
    const [live, dead] = await Promise.all([
      probeGateway(nodeWebSocketFactory, net.gateway.clientsUrl, 2000, now),
      probeGateway(nodeWebSocketFactory, 'ws://127.0.0.1:1', 2000, now),
    ]);
    expect(live).toBeGreaterThan(0);
    expect(live).toBeLessThan(2000);
    expect(dead).toBeUndefined();
  });

  it('probes every gateway at once and picks the one that answers', async () => {
    const { createServer } = await import('node:net');
    const { Topology } = await import('../../src/topology/index.js');
    const { staticTopologySource } = await import('../../src/client/topology-source.js');
    const { x25519, ed25519 } = await import('@noble/curves/ed25519.js');
    // two candidates that accept TCP and never answer: each probe runs into its timeout
    const holes = await Promise.all(
      [0, 1].map(
        () =>
          new Promise<import('node:net').Server>((res) => {
            const srv = createServer(() => undefined);
            srv.listen(0, '127.0.0.1', () => res(srv));
          }),
      ),
    );
    try {
      const doc = (await (await fetch(`${net.apiUrl}/v1/topology`)).json()) as {
        mixnodes: unknown[];
        gateways: { gateway: Record<string, unknown> }[];
      };
      const real = doc.gateways[0];
      const fakes = holes.map((h) => ({
        ...real,
        gateway: {
          ...real.gateway,
          clients_port: (h.address() as import('node:net').AddressInfo).port,
          identity_key: base58.encode(ed25519.getPublicKey(ed25519.utils.randomSecretKey())),
          sphinx_key: base58.encode(x25519.getPublicKey(x25519.utils.randomSecretKey())),
        },
      }));
      const { topology } = Topology.fromBonds(doc.mixnodes as never, [...fakes, real] as never);
      expect(topology.gateways).toHaveLength(3);
      const probeMs = 600;
      const t0 = performance.now();
      const a = await net.client({
        topology: staticTopologySource(topology),
        config: { gatewayProbeTimeoutMs: probeMs },
      });
      const elapsed = performance.now() - t0;
      expect(a.address.endsWith(`@${real.gateway.identity_key as string}`)).toBe(true);
      // one after another, the two dead candidates alone would take 2 × probeMs
      expect(elapsed).toBeLessThan(2 * probeMs);
      await a.send(a.address, 'through the chosen gateway');
      expect((await receive(a, 1))[0].text()).toBe('through the chosen gateway');
    } finally {
      for (const h of holes) h.close();
    }
  });

  it('keeps reply SURBs and sender tags across a restart', async () => {
    const home = net.home('replier');
    const server1 = await net.client({ home });
    const asker = await net.client();
    await asker.sendAnonymous(server1.address, 'ping', { replySurbs: 4 });
    const [req] = await receive(server1, 1);
    await server1.disconnect();
    const server2 = await net.client({ home });
    await server2.reply(req.senderTag!, 'pong after restart');
    expect((await receive(asker, 1))[0].text()).toBe('pong after restart');
  });
});
