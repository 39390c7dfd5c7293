/**
 * Packet building, receiving and replies, alone: real Sphinx packets built by one client,
 * every hop played with the nodes' keys (tests/client/parts.ts), the gateway's SURB-ack
 * split, and the other client's receiver — no sockets, no timers.
 */
import { describe, expect, it } from 'vitest';
import { base58 } from '@scure/base';
import { nodeBackend } from '../../src/crypto/node.js';
import { packetLengthFor } from '../../src/sphinx/index.js';
import { addressOf, generateKeys } from '../../src/client/identity.js';
import { PacketBuilder, fragmentLength, type RealPacket } from '../../src/client/packet-builder.js';
import { ReceivedBuffer, type ReceivedMessage } from '../../src/client/received-buffer.js';
import { Receiver } from '../../src/client/receiver.js';
import { ReplyController } from '../../src/client/replies.js';
import { Routes } from '../../src/client/routes.js';
import { newStats } from '../../src/client/stats.js';
import { MemoryReplyStore } from '../../src/client/store.js';
import {
  encodeFragment,
  encodeNymMessage,
  fragmentCapacity,
  padToFullPacketLengths,
  sealRegularPayload,
  splitIntoFragments,
  surbKeyDigest,
  v2ReplySurbLen,
  SURB_ACK_LEN,
  plainMessage,
  repliableMessage,
  replyMessage,
  surbRequestMessage,
  type NymMessage,
} from '../../src/nymsphinx/index.js';
import {
  InsufficientSurbsError,
  InvalidSurbCountError,
  MessageTooLargeError,
} from '../../src/client/errors.js';
import { FakeClock, deliverMixPacket, seededRng, testNetwork, type TestNetwork } from './parts.js';

const utf8 = new TextEncoder();
const text = (m: ReceivedMessage) => new TextDecoder().decode(m.message);

/** One client's packet-level parts over `net`, as the core wires them. */
async function client(net: TestNetwork, name: string, o: { maxMessageBytes?: number } = {}) {
  const rng = seededRng(name);
  const clock = new FakeClock();
  const keys = generateKeys(rng);
  const stats = newStats();
  const routes = new Routes({
    source: async () => ({ topology: net.topology, skipped: [] }),
    rng,
    now: clock.now,
    clock,
    topologyRefreshMs: 60_000,
    onDemandTopologyRefreshMs: 1_000,
    suspectAfterFailures: 2,
    suspectNodeMs: 60_000,
  });
  await routes.refresh();
  const gateway = net.topology.gatewayByIdentity(net.gatewayIdentity);
  const acked: string[] = [];
  const sentTo: { to: string; m: NymMessage }[] = [];
  const throughSurbs: NymMessage[] = [];
  const inbox: ReceivedMessage[] = [];
  const buffer = new ReceivedBuffer();
  buffer.subscribe((m) => inbox.push(m));
  const store = new MemoryReplyStore();
  const replies = new ReplyController({
    store,
    rng,
    now: clock.now,
    clock,
    surbLowWatermark: 2,
    surbTopUpAmount: 5,
    surbWaitTimeoutMs: 1000,
    surbMaxAgeMs: 60_000,
    stats,
    self: () => builder.self(),
    makeSurb: () => builder.replySurb(),
    sendTo: async (r, m) => void sentTo.push({ to: base58.encode(r.identity), m }),
    sendThroughSurbs: async (_tag, m) => void throughSurbs.push(m),
  });
  const builder: PacketBuilder = new PacketBuilder({
    crypto: nodeBackend,
    rng,
    keys,
    packetSize: 'regular',
    averagePacketDelayMs: 10,
    averageAckDelayMs: 10,
    maxMessageBytes: o.maxMessageBytes ?? 1 << 20,
    routes,
    ownGateway: () => gateway,
    takeSurb: (tag) => replies.takeSurb(tag),
    surbCount: (tag) => store.surbCount(tag),
  });
  const receiver = new Receiver({
    crypto: nodeBackend,
    keys,
    reassemblyTimeoutMs: 5_000,
    now: clock.now,
    stats,
    takeReplyKey: (d) => replies.takeReplyKey(d),
    onAck: (key) => acked.push(key),
    onMessage: (m) => {
      const forApp = replies.received(m);
      if (forApp) buffer.deliver(forApp);
    },
  });
  const address = addressOf(keys, gateway.identityKeyBytes);
  return {
    keys,
    stats,
    clock,
    routes,
    builder,
    receiver,
    replies,
    address,
    acked,
    sentTo,
    throughSurbs,
    inbox,
  };
}
type Client = Awaited<ReturnType<typeof client>>;

/** Send packets through the network; `to` receives the messages, `from` the acks. */
function transmit(net: TestNetwork, from: Client, to: Client, packets: RealPacket[], order?: number[]) {
  const delivered = packets.map((p) => ({ key: p.key, d: deliverMixPacket(net, p.build().mixPacket) }));
  for (const i of order ?? delivered.map((_, i) => i)) {
    to.receiver.payload(delivered[i].d.message);
    if (delivered[i].d.ack) from.receiver.payload(delivered[i].d.ack.payload);
  }
  return delivered;
}

describe('packet building and receiving', () => {
  it('sends a message through three layers and the gateway, and its SURB-ack comes back', async () => {
    const net = testNetwork(2);
    const [a, b] = [await client(net, 'alice'), await client(net, 'bob')];
    const packets = a.builder.packets(plainMessage(utf8.encode('hello')), {
      kind: 'forward',
      recipient: b.address,
    });
    expect(packets).toHaveLength(1);
    const built = packets[0].build();
    expect(built.sphinxBytes).toBe(packetLengthFor('regular'));
    const d = deliverMixPacket(net, built.mixPacket);
    expect(d.hops).toHaveLength(4); // layer 1, 2, 3, gateway
    expect(Buffer.from(d.destination.subarray(0, 32)).equals(Buffer.from(b.keys.identityPublic))).toBe(true);
    b.receiver.payload(d.message);
    expect(b.inbox.map(text)).toEqual(['hello']);
    expect(b.inbox[0].kind).toBe('plain');
    // the ack travels its own route back to the sender's gateway and names the fragment
    expect(d.ack!.hops).toHaveLength(4);
    expect(d.ack!.payload).toHaveLength(21);
    a.receiver.payload(d.ack!.payload);
    expect(a.acked).toEqual([packets[0].key]);
    // each build is a fresh route and fresh packet (retransmission)
    expect(Buffer.from(packets[0].build().mixPacket).equals(Buffer.from(built.mixPacket))).toBe(false);
  });

  it('reassembles fragments in any order and drops duplicates', async () => {
    const net = testNetwork(1);
    const [a, b] = [await client(net, 'alice'), await client(net, 'bob')];
    const big = seededRng('big')(fragmentLength('regular') * 4 + 100);
    const packets = a.builder.packets(plainMessage(big), { kind: 'forward', recipient: b.address });
    expect(packets.length).toBe(5);
    transmit(net, a, b, packets, [4, 2, 2, 0, 3, 1, 1]);
    expect(b.inbox).toHaveLength(1);
    expect(Buffer.from(b.inbox[0].message).equals(Buffer.from(big))).toBe(true);
    expect(b.stats.duplicates).toBe(2);
    expect(b.stats.received).toBe(1);
    // a whole message delivered again after completion is a duplicate too, never a second copy
    transmit(net, a, b, packets);
    expect(b.inbox).toHaveLength(1);
    expect(new Set(a.acked).size).toBe(5);
  });

  it('keeps two messages apart when their fragments interleave', async () => {
    const net = testNetwork(1);
    const [a, b] = [await client(net, 'alice'), await client(net, 'bob')];
    const rng = seededRng('two');
    const m1 = rng(fragmentLength('regular') * 2);
    const m2 = rng(fragmentLength('regular') * 2);
    const p1 = a.builder.packets(plainMessage(m1), { kind: 'forward', recipient: b.address });
    const p2 = a.builder.packets(plainMessage(m2), { kind: 'forward', recipient: b.address });
    transmit(net, a, b, [...p1, ...p2], [0, 3, 1, 5, 4, 2]);
    expect(b.inbox.map((m) => Buffer.from(m.message))).toEqual([Buffer.from(m2), Buffer.from(m1)]);
  });

  it('drops an incomplete message after the reassembly timeout', async () => {
    const net = testNetwork(1);
    const [a, b] = [await client(net, 'alice'), await client(net, 'bob')];
    const data = seededRng('x')(fragmentLength('regular') * 2);
    const packets = a.builder.packets({ kind: 'plain', data }, { kind: 'forward', recipient: b.address });
    const ds = transmit(net, a, b, packets, [0]);
    expect(b.receiver.incomplete).toBe(1);
    b.clock.advance(5_000);
    expect(b.receiver.expire(b.clock.now())).toBe(1);
    b.receiver.payload(ds[1].d.message); // the rest alone is not a message
    expect(b.inbox).toEqual([]);
  });

  it('counts and drops malformed payloads, never throws', async () => {
    const net = testNetwork(1);
    const [a, b] = [await client(net, 'alice'), await client(net, 'bob')];
    const rng = seededRng('junk');
    for (const p of [new Uint8Array(0), rng(31), rng(32), rng(500), rng(2000)]) b.receiver.payload(p);
    // a message for alice opened by bob: decrypts to garbage
    const [p] = a.builder.packets(plainMessage(utf8.encode('not yours')), {
      kind: 'forward',
      recipient: a.address,
    });
    b.receiver.payload(deliverMixPacket(net, p.build().mixPacket).message);
    expect(b.stats.malformed).toBe(6);
    expect(b.inbox).toEqual([]);
  });

  it('makes loop cover that reaches ourselves, is dropped silently, and whose ack is ignored', async () => {
    const net = testNetwork(1);
    const a = await client(net, 'alice');
    const d = deliverMixPacket(net, a.builder.cover().mixPacket);
    expect(Buffer.from(d.destination.subarray(0, 32)).equals(Buffer.from(a.keys.identityPublic))).toBe(true);
    a.receiver.payload(d.message);
    a.receiver.payload(d.ack!.payload);
    expect(a.inbox).toEqual([]);
    expect(a.acked).toEqual([]);
    expect(a.stats.malformed).toBe(0);
  });

  it('refuses a message above the maximum size with MessageTooLargeError', async () => {
    const net = testNetwork(1);
    const a = await client(net, 'alice', { maxMessageBytes: 1000 });
    expect(() =>
      a.builder.packets(plainMessage(new Uint8Array(1001)), { kind: 'forward', recipient: a.address }),
    ).toThrow(MessageTooLargeError);
  });
});

describe('anonymous replies', () => {
  it('answers an anonymous sender through its reply SURBs, and the reply is told apart', async () => {
    const net = testNetwork(2);
    const [a, b] = [await client(net, 'alice'), await client(net, 'bob')];
    const tag = a.replies.senderTagFor(b.address);
    expect(a.replies.senderTagFor(b.address)).toEqual(tag); // stable per recipient
    const surbs = a.replies.makeReplySurbs(tag, 3);
    transmit(
      net,
      a,
      b,
      a.builder.packets(repliableMessage(utf8.encode('who?'), tag, surbs, 2), {
        kind: 'forward',
        recipient: b.address,
      }),
    );
    expect(b.inbox).toHaveLength(1);
    expect(b.inbox[0].kind).toBe('repliable');
    expect(b.inbox[0].senderTag).toEqual(tag);
    // bob has 3 SURBs: one reply leaves 2, not below the watermark of 2: no SURB request
    await b.replies.prepareReply(tag, 1);
    expect(b.throughSurbs).toEqual([]);
    const reply = b.builder.packets(replyMessage(utf8.encode('me')), { kind: 'reply', senderTag: tag });
    const [d] = transmit(net, b, a, reply);
    expect(Buffer.from(d.d.destination.subarray(0, 32)).equals(Buffer.from(a.keys.identityPublic))).toBe(
      true,
    );
    expect(a.inbox.map((m) => [m.kind, text(m)])).toEqual([['reply', 'me']]);
    expect(b.acked).toEqual([reply[0].key]); // the reply's ack came back to bob
    // a reply key is used once: the same packet again is not a second reply
    a.receiver.payload(d.d.message);
    expect(a.inbox).toHaveLength(1);
  });

  it('asks for more SURBs before running out, and the sender sends them', async () => {
    const net = testNetwork(1);
    const [a, b] = [await client(net, 'alice'), await client(net, 'bob')];
    const tag = a.replies.senderTagFor(b.address);
    const surbs = a.replies.makeReplySurbs(tag, 2);
    transmit(
      net,
      a,
      b,
      a.builder.packets(repliableMessage(utf8.encode('q'), tag, surbs, 2), {
        kind: 'forward',
        recipient: b.address,
      }),
    );
    // 2 SURBs, a reply of 1 fragment would leave 1 < watermark 2: a SURB request goes first,
    // and the reply waits for enough SURBs (1 for the request + 1 for the reply is there)
    await b.replies.prepareReply(tag, 1);
    expect(b.throughSurbs).toEqual([surbRequestMessage(b.address, 5)]);
    // the request travels through one of the SURBs and names bob's address: alice finds her tag by it
    const req = b.builder.packets(b.throughSurbs[0], { kind: 'reply', senderTag: tag });
    transmit(net, b, a, req);
    expect(a.inbox).toEqual([]); // a control message, not for the app
    expect(a.sentTo).toHaveLength(1);
    expect(a.sentTo[0].to).toBe(base58.encode(b.keys.identityPublic));
    const more = a.sentTo[0].m;
    expect(more).toMatchObject({ kind: 'repliable', senderTag: tag, content: { type: 'additionalSurbs' } });
    expect(more.kind === 'repliable' && more.content.replySurbs.length).toBe(5);
    transmit(net, a, b, a.builder.packets(more, { kind: 'forward', recipient: b.address }));
    expect(b.inbox).toHaveLength(1); // only the question; additional SURBs are not for the app
    await b.replies.prepareReply(tag, 3); // 1 + 5 = 6 left: enough without asking
    expect(b.throughSurbs).toHaveLength(1);
  });

  it('waits for requested SURBs, then fails typed after the wait timeout; refuses unknown tags', async () => {
    const net = testNetwork(1);
    const [a, b] = [await client(net, 'alice'), await client(net, 'bob')];
    const tag = a.replies.senderTagFor(b.address);
    await expect(b.replies.prepareReply(tag, 1)).rejects.toBeInstanceOf(InsufficientSurbsError); // none at all
    const surbs = a.replies.makeReplySurbs(tag, 1);
    transmit(
      net,
      a,
      b,
      a.builder.packets(repliableMessage(utf8.encode('q'), tag, surbs, 2), {
        kind: 'forward',
        recipient: b.address,
      }),
    );
    const waiting = b.replies.prepareReply(tag, 4);
    b.clock.advance(1000);
    await expect(waiting).rejects.toMatchObject({ code: 'insufficient_surbs', required: 4 });
    await expect(b.replies.prepareReply(new Uint8Array(3), 1)).rejects.toMatchObject({
      code: 'unknown_sender_tag',
    });
    expect(() => a.replies.makeReplySurbs(tag, 1001)).toThrow(InvalidSurbCountError);
    // a waiting reply ends when the controller stops
    const w2 = b.replies.prepareReply(tag, 4);
    b.replies.stop();
    await expect(w2).rejects.toBeInstanceOf(InsufficientSurbsError);
  });

  it('drops and counts a SURB request from an address we never sent SURBs to', async () => {
    const net = testNetwork(1);
    const [a, b] = [await client(net, 'alice'), await client(net, 'bob')];
    transmit(
      net,
      b,
      a,
      b.builder.packets(surbRequestMessage(b.address, 50), { kind: 'forward', recipient: a.address }),
    );
    expect(a.sentTo).toEqual([]);
    expect(a.inbox).toEqual([]);
    expect(a.stats.received).toBe(1);
    expect(a.stats.drops).toEqual({ unknown_surb_request: 1 });
  });
});

/** What the gateway delivers for a fragment's bytes sealed to `to` (Nym's regular payload). */
function delivered(to: Client, fragmentBytes: Uint8Array, rng = seededRng('seal')): Uint8Array {
  const sealed = sealRegularPayload({
    surbAck: new Uint8Array(SURB_ACK_LEN),
    fragment: fragmentBytes,
    recipientEncryptionKey: to.address.encryptionKey,
    random: rng,
  });
  return sealed.plaintext.subarray(SURB_ACK_LEN); // the gateway cuts the SURB-ack off
}

/** Raw fragment bytes (header ‖ zero payload) filling a regular packet, fields unchecked. */
function rawFragment(setId: number, total: number, index: number): Uint8Array {
  const b = new Uint8Array(fragmentCapacity('regular'));
  new DataView(b.buffer).setUint32(0, (setId | 0x80000000) >>> 0);
  b[4] = total;
  b[5] = index;
  return b;
}

/** Any bytes as a padded, fragmented, sealed message: the deliveries a recipient gets. */
let nextSetId = 4242;
function messageDeliveries(to: Client, messageBytes: Uint8Array): Uint8Array[] {
  const capacity = fragmentCapacity('regular');
  let id = (nextSetId += 1000);
  return splitIntoFragments(padToFullPacketLengths(messageBytes, capacity), capacity, () => id++).map((f) =>
    delivered(to, encodeFragment(f)),
  );
}

describe('bad input is dropped and counted, never thrown, never partial', () => {
  it('fragments with a wrong set id, total or index', async () => {
    const net = testNetwork(1);
    const b = await client(net, 'bob');
    b.receiver.payload(delivered(b, rawFragment(0, 1, 1))); // set id 0 is cover's, never a fragment's
    b.receiver.payload(delivered(b, rawFragment(77, 0, 1))); // total 0
    b.receiver.payload(delivered(b, rawFragment(77, 2, 0))); // index 0
    b.receiver.payload(delivered(b, rawFragment(77, 2, 3))); // index beyond the total
    // a set whose fragments disagree on the total never completes
    b.receiver.payload(delivered(b, rawFragment(88, 2, 1)));
    b.receiver.payload(delivered(b, rawFragment(88, 3, 2)));
    expect(b.stats.drops).toEqual({
      'invalid-set-id': 1,
      'invalid-fragment-position': 3,
      'set-total-mismatch': 1,
    });
    expect(b.stats.malformed).toBe(5);
    expect(b.receiver.incomplete).toBe(1); // the first of set 88 waits, alone, and expires
    expect(b.inbox).toEqual([]);
  });

  it('a truncated or oversized reply SURB, an unknown message kind', async () => {
    const net = testNetwork(1);
    const [a, b] = [await client(net, 'alice'), await client(net, 'bob')];
    const tag = a.replies.senderTagFor(b.address);
    const good = encodeNymMessage(
      repliableMessage(utf8.encode('q'), tag, a.replies.makeReplySurbs(tag, 2), 2),
    );
    // v1 list of 2 SURBs with the last byte of the second missing (and no data after)
    const truncated = good.slice(0, good.length - 2);
    // a v2 list whose SURBs claim 9 hops (Sphinx has at most 5)
    const oversized = new Uint8Array(1 + 16 + 1 + 4 + v2ReplySurbLen(9) + 1);
    oversized[0] = 1;
    oversized.set(tag, 1);
    oversized[17] = 3; // data, v2 list
    new DataView(oversized.buffer).setUint16(18, 1);
    oversized[20] = 9;
    const unknownKind = Uint8Array.of(7, 1, 2, 3);
    for (const m of [truncated, oversized, unknownKind])
      for (const d of messageDeliveries(b, m)) b.receiver.payload(d);
    expect(b.stats.drops).toEqual({
      'truncated-message': 1,
      'reply-surb-material': 1,
      'unknown-message-kind': 1,
    });
    expect(b.inbox).toEqual([]);
    expect(b.replies.takeSurb(tag)).toBeUndefined(); // no SURB of a bad message was kept
    // the same message intact goes through
    for (const d of messageDeliveries(b, good)) b.receiver.payload(d);
    expect(b.inbox.map(text)).toEqual(['q']);
  });

  it('a reply under a key we do not hold, and a reply to a tag we have no SURBs for', async () => {
    const net = testNetwork(1);
    const [a, b] = [await client(net, 'alice'), await client(net, 'bob')];
    const tag = a.replies.senderTagFor(b.address);
    const surbs = a.replies.makeReplySurbs(tag, 2);
    transmit(
      net,
      a,
      b,
      a.builder.packets(repliableMessage(utf8.encode('q'), tag, surbs, 2), {
        kind: 'forward',
        recipient: b.address,
      }),
    );
    // alice forgets the key of the SURB bob will use: the reply is noise to her
    a.replies.takeReplyKey(surbKeyDigest(surbs[0].surb));
    const [d] = transmit(
      net,
      b,
      a,
      b.builder.packets(replyMessage(utf8.encode('lost')), { kind: 'reply', senderTag: tag }),
    );
    expect(d.d.message.length).toBeGreaterThan(32);
    expect(a.inbox).toEqual([]);
    expect(a.stats.malformed).toBe(1);
    // bob replying to a tag nobody gave him SURBs for: a typed refusal, nothing sent
    const stranger = seededRng('stranger')(16);
    await expect(b.replies.prepareReply(stranger, 1)).rejects.toBeInstanceOf(InsufficientSurbsError);
    expect(() =>
      b.builder.packets(replyMessage(utf8.encode('x')), { kind: 'reply', senderTag: stranger }),
    ).toThrow(InsufficientSurbsError);
  });
});
