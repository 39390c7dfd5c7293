/**
 * Real and cover traffic look alike on the client's link to its gateway: the frames the
 * gateway pushes and the frames the client sends have one size whether they carry a real
 * fragment or loop cover (Nym's cover crate: cover is sealed as a whole fragment, and real
 * messages are padded to whole fragments). Captured on the client's own websocket, with
 * each frame labelled by what the client made of it, on a local network in `nym` traffic
 * mode (Poisson stream, loop cover, per-hop delays).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalNet, receive, type LocalNet } from './harness.js';
import { nodeWebSocketFactory } from '../../src/client/node.js';
import type { WebSocketLike } from '../../src/client/transport.js';
import type { BuiltPacket } from '../../src/client/packet-builder.js';

let net: LocalNet;
beforeAll(async () => {
  net = await startLocalNet();
}, 60_000);
afterAll(async () => {
  await net?.close();
});

type Kind = 'real' | 'cover' | 'ack' | 'other';
const histogram = (frames: { size: number; kind: Kind }[], kind: Kind) => {
  const h = new Map<number, number>();
  for (const f of frames) if (f.kind === kind) h.set(f.size, (h.get(f.size) ?? 0) + 1);
  return h;
};
const byteLength = (d: unknown) =>
  typeof d === 'string'
    ? Buffer.byteLength(d)
    : d instanceof ArrayBuffer
      ? d.byteLength
      : (d as Uint8Array).byteLength;

describe('real and cover frames on the gateway link', () => {
  it('have one size in both directions', async () => {
    const pushed: { size: number; kind: Kind }[] = [];
    const sent: { size: number; kind: Kind }[] = [];
    let lastPushed = 0;
    let sending: Kind | undefined;
    const wsFactory = (url: string): WebSocketLike => {
      const ws = nodeWebSocketFactory(url);
      // first listener: sees every frame before the session does
      ws.addEventListener('message', (ev: { data: unknown }) => (lastPushed = byteLength(ev.data)));
      const send = ws.send.bind(ws);
      ws.send = (data) => {
        sent.push({ size: byteLength(data), kind: sending ?? 'other' });
        send(data);
      };
      return ws;
    };
    const a = await net.client({
      wsFactory,
      config: {
        mode: 'nym',
        traffic: {
          averagePacketDelayMs: 1,
          averageAckDelayMs: 1,
          messageSendingAverageDelayMs: 5,
          loopCoverAverageDelayMs: 10,
        },
      },
    });
    // label each frame by what the client made of it (its parts, reached from the test)
    const core = a.core as unknown as {
      builder: { cover(): BuiltPacket };
      link: { send(mixPacket: Uint8Array, n: number): void };
      receiver: { payload(p: Uint8Array): void };
      stats: { coverReceived: number };
    };
    const covers = new WeakSet<Uint8Array>();
    const cover = core.builder.cover.bind(core.builder);
    core.builder.cover = () => {
      const b = cover();
      covers.add(b.mixPacket);
      return b;
    };
    const linkSend = core.link.send.bind(core.link);
    core.link.send = (mixPacket, n) => {
      sending = covers.has(mixPacket) ? 'cover' : 'real';
      try {
        linkSend(mixPacket, n);
      } finally {
        sending = undefined;
      }
    };
    const payload = core.receiver.payload.bind(core.receiver);
    core.receiver.payload = (p) => {
      const before = core.stats.coverReceived;
      payload(p);
      const kind: Kind = p.length === 21 ? 'ack' : core.stats.coverReceived > before ? 'cover' : 'real';
      pushed.push({ size: lastPushed, kind });
    };

    // real messages of several lengths (one to three fragments) among the cover
    const messages = ['hi', 'x'.repeat(1000), 'y'.repeat(1600), 'z'.repeat(4000)];
    const sends = [0, 1, 2].flatMap(() => messages.map((m) => a.send(a.address, m)));
    await receive(a, 12, 30_000);
    await Promise.all(sends);
    await new Promise((r) => setTimeout(r, 300));

    for (const [direction, frames] of [
      ['pushed', pushed],
      ['sent', sent],
    ] as const) {
      const real = histogram(frames, 'real');
      const coverH = histogram(frames, 'cover');
      // 12 messages of 1, 1, 1 and 3 fragments: at least 18 real frames; cover all along
      expect(
        [...real.values()].reduce((x, y) => x + y, 0),
        direction,
      ).toBeGreaterThanOrEqual(18);
      expect(
        [...coverH.values()].reduce((x, y) => x + y, 0),
        direction,
      ).toBeGreaterThan(10);
      // one size for both: an observer of the link cannot tell them apart by length
      expect([...real.keys()], direction).toHaveLength(1);
      expect([...coverH.keys()], direction).toEqual([...real.keys()]);
    }
    await a.disconnect();
  }, 90_000);
});
