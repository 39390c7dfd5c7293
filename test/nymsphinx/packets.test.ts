/**
 * Payloads, acks, SURB-acks, cover and whole packets, unwrapped hop by hop with src/sphinx as
 * Nym's nodes and gateways would.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { unwrapPacket, type SphinxNodeKey } from '../../src/sphinx/index.js';
import {
  AckLengthError,
  buildSurbAck,
  classifyDelivery,
  COVER_FRAGMENT_ID,
  createReplySurb,
  decodeFragmentId,
  deliveredMessageLength,
  encodeFragment,
  encodeNymMessage,
  fragmentCapacity,
  InvalidFragmentIdError,
  MessageReceiver,
  messageToFragments,
  openPayload,
  packetLength,
  PayloadLengthError,
  PayloadTooShortError,
  plainMessage,
  prepareAckPayload,
  prepareFragmentPacket,
  prepareLoopCoverPacket,
  prepareReplyPacket,
  randomSetId,
  recoverAckPayload,
  recoverSurbAck,
  repliableMessage,
  replyKeyDigest,
  replyMessage,
  replySurbFromBytes,
  replySurbToBytes,
  sealRegularPayload,
  sealReplyPayload,
  SmallOrderKeyError,
  splitFinalHopPayload,
  SURB_ACK_LEN,
  SurbAckLengthError,
  surbKeyDigest,
  surbRequestMessage,
  type PreparedPacket,
  type Recipient,
} from '../../src/nymsphinx/index.js';
import {
  client,
  countingSetIds,
  fromHex,
  gatewayIdentity,
  nodes,
  random,
  toHex,
  type TestNode,
} from './helpers.js';

/** Three mix nodes and a gateway whose identity clients use in their addresses. */
function network() {
  const mixes = nodes(3, undefined, 1);
  const [gateway] = nodes(1, undefined, 100);
  const gwIdentity = gatewayIdentity();
  return { mixes, gateway, gwIdentity };
}

const byAddress = (all: TestNode[]) => (address: Uint8Array) =>
  all.find((n) => toHex(n.route.address) === toHex(address))!.key;

/** Unwrap a packet from its first hop to the final one, as the mix network does. */
function traverse(first: Uint8Array, packet: Uint8Array, keyOf: (a: Uint8Array) => SphinxNodeKey) {
  let at = first;
  let bytes = packet;
  for (let hop = 0; hop < 6; hop++) {
    const r = unwrapPacket(keyOf(at), bytes);
    if (r.kind === 'final') return r;
    at = r.nextAddress;
    bytes = r.packet;
  }
  throw new Error('too many hops');
}

const delays = (n: number) => Array.from({ length: n }, (_, i) => BigInt(1000 * (i + 1)));

describe('acks', () => {
  it('encrypt → decrypt gives the fragment id back (property)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.integer({ min: 0, max: 0x7fffffff }),
        fc.integer({ min: 0, max: 255 }),
        (key, setId, position) => {
          const ack = prepareAckPayload(key, { setId, position }, random);
          expect(ack.length).toBe(21);
          expect(classifyDelivery(ack)).toBe('ack');
          expect(recoverAckPayload(key, ack)).toEqual({ setId, position });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('rejects acks of the wrong length and negative set ids', () => {
    const key = random(16);
    expect(() => recoverAckPayload(key, new Uint8Array(20))).toThrow(AckLengthError);
    expect(() => recoverAckPayload(key, new Uint8Array(22))).toThrow(AckLengthError);
    expect(() => decodeFragmentId(fromHex('8000000101'))).toThrow(InvalidFragmentIdError);
    expect(decodeFragmentId(fromHex('0000000000'))).toEqual(COVER_FRAGMENT_ID);
  });

  it('a SURB-ack is first hop (19) ‖ ack packet (386) that travels back to the sender', () => {
    const { mixes, gateway, gwIdentity } = network();
    const alice = client(gwIdentity);
    const route = [...mixes.map((m) => m.route), gateway.route];
    const ack = buildSurbAck({
      route,
      delaysNs: delays(4),
      sender: alice.recipient,
      ackKey: alice.ackKey,
      fragmentId: { setId: 4242, position: 7 },
      random,
      version: 258,
    });
    expect(ack.bytes.length).toBe(SURB_ACK_LEN);
    expect(ack.expectedDelayNs).toBe(6000n);
    const recovered = recoverSurbAck(ack.bytes);
    expect(recovered.firstHopAddress).toEqual(route[0].address);
    expect(recovered.packet.length).toBe(packetLength('ack'));
    const final = traverse(recovered.firstHopAddress, recovered.packet, byAddress([...mixes, gateway]));
    expect(final.destinationAddress).toEqual(alice.recipient.identity);
    expect(final.payload.length).toBe(21);
    const receiver = new MessageReceiver({ encryptionSecret: alice.encryptionSecret, ackKey: alice.ackKey });
    expect(receiver.receive(final.payload, 0)).toEqual({
      kind: 'ack',
      fragmentId: { setId: 4242, position: 7 },
      cover: false,
    });
    expect(() => recoverSurbAck(ack.bytes.subarray(1))).toThrow(SurbAckLengthError);
  });
});

describe('payloads', () => {
  it('seal → open gives the fragment back, regular and reply (property)', () => {
    const bob = client(gatewayIdentity());
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1611, maxLength: 1611 }),
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        (frag, replyKey) => {
          const surbAck = random(SURB_ACK_LEN);
          const regular = sealRegularPayload({
            surbAck,
            fragment: frag,
            recipientEncryptionKey: bob.recipient.encryptionKey,
            random,
          });
          expect(regular.plaintext.length).toBe(2048);
          const delivered = splitFinalHopPayload(regular.plaintext, regular.size);
          expect(delivered.surbAck).toEqual(surbAck);
          expect(delivered.message.length).toBe(deliveredMessageLength('regular'));
          expect(openPayload({ encryptionSecret: bob.encryptionSecret }, delivered.message)).toEqual({
            kind: 'fragment',
            fragment: frag,
            reply: false,
          });
          const reply = sealReplyPayload({ surbAck, fragment: frag, replyKey });
          const digest = toHex(replyKeyDigest(replyKey));
          const take = (d: Uint8Array) => (toHex(d) === digest ? replyKey : undefined);
          expect(
            openPayload(
              { encryptionSecret: bob.encryptionSecret, takeReplyKey: take },
              reply.plaintext.subarray(SURB_ACK_LEN),
            ),
          ).toEqual({
            kind: 'fragment',
            fragment: frag,
            reply: true,
          });
        },
      ),
      { numRuns: 50 },
    );
  });

  it('picks the packet size from the fragment length, and refuses lengths that fit none', () => {
    const bob = client(gatewayIdentity());
    const sealed = sealRegularPayload({
      surbAck: random(SURB_ACK_LEN),
      fragment: random(fragmentCapacity('extended16')),
      recipientEncryptionKey: bob.recipient.encryptionKey,
      random,
    });
    expect(sealed.size).toBe('extended16');
    expect(() =>
      sealRegularPayload({
        surbAck: random(SURB_ACK_LEN),
        fragment: random(1610),
        recipientEncryptionKey: bob.recipient.encryptionKey,
        random,
      }),
    ).toThrow(PayloadLengthError);
    expect(() =>
      sealReplyPayload({ surbAck: random(SURB_ACK_LEN), fragment: random(1612), replyKey: random(16) }),
    ).toThrow(PayloadLengthError);
    expect(() => openPayload({ encryptionSecret: bob.encryptionSecret }, new Uint8Array(31))).toThrow(
      PayloadTooShortError,
    );
    expect(() => openPayload({ encryptionSecret: bob.encryptionSecret }, new Uint8Array(100))).toThrow(
      SmallOrderKeyError,
    );
  });
});

describe('whole packets through the mix network', () => {
  /** The recipient's gateway: unwrap, split off the SURB-ack, deliver the rest. */
  function deliver(p: PreparedPacket, all: TestNode[]) {
    const final = traverse(p.firstHopAddress, p.packet, byAddress(all));
    const split = splitFinalHopPayload(final.payload, p.size);
    return { final, surbAck: split.surbAck!, message: split.message };
  }

  it('a multi-fragment message, and cover of the same size, reach the recipient; acks come back', () => {
    const { mixes, gateway, gwIdentity } = network();
    const all = [...mixes, gateway];
    const alice = client(gwIdentity);
    const bob = client(gwIdentity);
    const route = all.map((n) => n.route);
    const data = random(5000);
    const frags = messageToFragments(plainMessage(data), 'regular', () => randomSetId(random));
    expect(frags.length).toBe(4);
    const common = {
      sender: alice.recipient,
      ackKey: alice.ackKey,
      ack: { route, delaysNs: delays(4) },
      random,
      version: 258 as const,
    };
    const packets = frags.map((fragment) =>
      prepareFragmentPacket({ ...common, fragment, recipient: bob.recipient, route, delaysNs: delays(4) }),
    );
    const cover = prepareLoopCoverPacket({ ...common, route, delaysNs: delays(4), size: 'regular' });
    for (const p of [...packets, cover]) expect(p.packet.length).toBe(packetLength('regular'));

    const bobRx = new MessageReceiver({ encryptionSecret: bob.encryptionSecret, ackKey: bob.ackKey });
    const aliceRx = new MessageReceiver({ encryptionSecret: alice.encryptionSecret, ackKey: alice.ackKey });
    const results = [];
    for (const p of packets.reverse()) {
      const d = deliver(p, all);
      expect(d.final.destinationAddress).toEqual(bob.recipient.identity);
      expect(d.message.length).toBe(1643);
      results.push(bobRx.receive(d.message, 0));
      // the gateway forwards the SURB-ack; it reaches Alice as her ack
      const ack = recoverSurbAck(d.surbAck);
      const back = traverse(ack.firstHopAddress, ack.packet, byAddress(all));
      expect(aliceRx.receive(back.payload, 0)).toEqual({
        kind: 'ack',
        fragmentId: p.fragmentId,
        cover: false,
      });
    }
    const last = results.at(-1)!;
    expect(results.slice(0, -1).every((r) => r.kind === 'incomplete')).toBe(true);
    expect(last.kind === 'message' && last.received).toEqual({ message: data });

    // cover reaches Alice herself, the same length as a real delivery, and is dropped
    const c = deliver(cover, all);
    expect(c.message.length).toBe(1643);
    expect(aliceRx.receive(c.message, 0)).toEqual({ kind: 'cover' });
    const coverAck = recoverSurbAck(c.surbAck);
    expect(
      aliceRx.receive(traverse(coverAck.firstHopAddress, coverAck.packet, byAddress(all)).payload, 0),
    ).toEqual({
      kind: 'ack',
      fragmentId: COVER_FRAGMENT_ID,
      cover: true,
    });
  });

  it.each([
    ['legacy SURBs (v1 lists, version 258)', true],
    ['seeded SURBs (v2 lists, version 259)', false],
  ])('anonymous message with reply SURBs, a reply, and a SURB request: %s', (_n, legacy) => {
    const { mixes, gateway, gwIdentity } = network();
    const all = [...mixes, gateway];
    const route = all.map((n) => n.route);
    const alice = client(gwIdentity);
    const bob = client(gwIdentity);
    const version = legacy ? (258 as const) : (259 as const);
    // Alice makes SURBs back to herself and keeps their keys by digest
    const replyKeys = new Map<string, Uint8Array>();
    const surbs = Array.from({ length: 3 }, () => {
      const surb = createReplySurb({ route, delaysNs: delays(4), self: alice.recipient, random, legacy });
      replyKeys.set(toHex(surbKeyDigest(surb)), surb.encryptionKey);
      return { surb: replySurbFromBytes(replySurbToBytes(surb)), keyRotation: 0 as const };
    });
    expect(replySurbToBytes(surbs[0].surb).length).toBe(legacy ? 1164 : 460);
    const tag = random(16);
    const msg = repliableMessage(new TextEncoder().encode('ping'), tag, surbs, legacy ? 1 : 2);
    const common = { ackKey: alice.ackKey, ack: { route, delaysNs: delays(4) }, random, version };
    const frags = messageToFragments(msg, 'regular', countingSetIds());
    expect(frags.length).toBe(legacy ? 3 : 1);
    const bobRx = new MessageReceiver({ encryptionSecret: bob.encryptionSecret, ackKey: bob.ackKey });
    const results = frags.map((fragment) => {
      const p = prepareFragmentPacket({
        ...common,
        sender: alice.recipient,
        fragment,
        recipient: bob.recipient,
        route,
        delaysNs: delays(4),
      });
      return bobRx.receive(deliver(p, all).message, 0);
    });
    const got = results.at(-1)!;
    if (got.kind !== 'message' || got.message.kind !== 'repliable')
      throw new Error(`expected a repliable message, got ${got.kind}`);
    expect(got.received).toEqual({ message: new TextEncoder().encode('ping'), senderTag: tag });
    const bobsSurbs = got.message.content.replySurbs;
    expect(bobsSurbs.length).toBe(3);

    // Bob replies through the first SURB (and asks for more through the second)
    const aliceRx = new MessageReceiver({
      encryptionSecret: alice.encryptionSecret,
      ackKey: alice.ackKey,
      takeReplyKey: (d) => {
        const k = replyKeys.get(toHex(d));
        replyKeys.delete(toHex(d));
        return k;
      },
    });
    const bobCommon = { ...common, sender: bob.recipient, ackKey: bob.ackKey };
    const sendReply = (m: ReturnType<typeof replyMessage>, i: number) => {
      const [f] = messageToFragments(m, 'regular', countingSetIds(1000 + i));
      const p = prepareReplyPacket({ ...bobCommon, fragment: f, replySurb: bobsSurbs[i].surb });
      expect(p.packet.length).toBe(packetLength('regular'));
      const d = deliver(p, all);
      expect(d.final.destinationAddress).toEqual(alice.recipient.identity);
      return aliceRx.receive(d.message, 0);
    };
    const reply = sendReply(replyMessage(new TextEncoder().encode('pong')), 0);
    expect(reply.kind === 'message' && reply.received).toEqual({ message: new TextEncoder().encode('pong') });
    const request = sendReply(surbRequestMessage(bob.recipient as Recipient, 20), 1);
    if (request.kind !== 'message') throw new Error('expected the SURB request');
    expect(request.received).toBeUndefined();
    expect(encodeNymMessage(request.message)).toEqual(
      encodeNymMessage(surbRequestMessage(bob.recipient, 20)),
    );
    // each reply key is used once: the same digest again is not a reply any more
    expect(replyKeys.size).toBe(1);
    expect(frags.every((f) => encodeFragment(f).length === 1611)).toBe(true);
  });
});
