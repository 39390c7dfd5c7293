import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BadMacError,
  createPacket,
  createSurb,
  decodeNodeAddress,
  decryptSurbReply,
  encodeNodeAddress,
  Geometry,
  HEADER_LENGTH,
  PayloadTamperedError,
  surbFromBytes,
  surbToBytes,
  unwrapPacket,
  useSurb,
  type PacketSize,
  type SphinxVersion,
  type UnwrapResult,
} from '../../src/sphinx/index.js';
import { backends, network, nodeBackend, pureBackend, seededRandom, toHex, webBackend } from './helpers.js';

// Every backend is exercised; the pure one is ~20x slower, so it gets fewer runs.
const runsFor = (name: string, nodeRuns: number) => (name === 'pure' ? Math.max(4, nodeRuns >> 3) : nodeRuns);

const sizeArb = fc.constantFrom<PacketSize>('regular', 'ack', 'regular', 'extended8');
const versionArb = fc.constantFrom<SphinxVersion>(258, 259);

/** A random packet scenario: route length, size, message, delays, seed for all randomness. */
const scenarioArb = fc
  .record({
    hops: fc.integer({ min: 1, max: 5 }),
    size: sizeArb,
    version: versionArb,
    seed: fc.integer({ min: 1, max: 0x7fffffff }),
    delays: fc.array(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), { minLength: 5, maxLength: 5 }),
    msgFraction: fc.double({ min: 0, max: 1, noNaN: true }),
  })
  .map((s) => ({ ...s, msgLength: Math.floor(s.msgFraction * Geometry.of(s.size).plaintextLength) }));

describe.each(backends.map((b) => [b.name, b] as const))('properties, %s backend', (name, backend) => {
  it('random routes of 1-5 hops and random payloads round-trip', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const rnd = seededRandom(s.seed);
        const net = network(s.hops, backend, rnd);
        const message = rnd(s.msgLength);
        const destination = { address: rnd(32), surbId: rnd(16) };
        const delaysNs = s.delays.slice(0, s.hops);
        let packet = createPacket({
          route: net.route,
          delaysNs,
          destination,
          payload: message,
          size: s.size,
          random: rnd,
          backend,
          version: s.version,
        });
        expect(packet.length).toBe(Geometry.of(s.size).packetLength);
        const tags = new Set<string>();
        for (let i = 0; i < s.hops; i++) {
          const r: UnwrapResult = unwrapPacket(net.keys[i], packet);
          tags.add(toHex(r.replayTag));
          if (i < s.hops - 1) {
            expect(r.kind).toBe('forward');
            if (r.kind !== 'forward') return;
            expect(toHex(r.nextAddress)).toBe(toHex(net.route[i + 1].address));
            expect(r.delayNs).toBe(delaysNs[i]);
            expect(r.packet.length).toBe(packet.length);
            packet = r.packet;
          } else {
            expect(r.kind).toBe('final');
            if (r.kind !== 'final') return;
            expect(toHex(r.destinationAddress)).toBe(toHex(destination.address));
            expect(toHex(r.surbId)).toBe(toHex(destination.surbId));
            expect(toHex(r.payload)).toBe(toHex(message));
          }
        }
        expect(tags.size).toBe(s.hops);
      }),
      { numRuns: runsFor(name, 60) },
    );
  });

  it('a flipped bit anywhere in the header fails the MAC at the hop it reaches', () => {
    fc.assert(
      fc.property(
        scenarioArb,
        fc.integer({ min: 0, max: 4 }),
        fc.integer({ min: 0, max: HEADER_LENGTH * 8 - 1 }),
        (s, hopPick, bit) => {
          // X25519 ignores the top bit of the u-coordinate (RFC 7748), so alpha's bit 255 is
          // not integrity-protected: flipping it yields the same shared secret (as in Nym).
          fc.pre(bit !== 255);
          const rnd = seededRandom(s.seed);
          const net = network(s.hops, backend, rnd);
          const target = hopPick % s.hops;
          let packet = createPacket({
            route: net.route,
            delaysNs: s.delays.slice(0, s.hops),
            destination: { address: rnd(32), surbId: rnd(16) },
            payload: rnd(s.msgLength),
            size: s.size,
            random: rnd,
            backend,
            version: s.version,
          });
          for (let i = 0; i < target; i++) {
            const r = unwrapPacket(net.keys[i], packet);
            if (r.kind !== 'forward') throw new Error('expected forward');
            packet = r.packet;
          }
          const tampered = packet.slice();
          tampered[bit >> 3] ^= 1 << (bit & 7);
          expect(() => unwrapPacket(net.keys[target], tampered)).toThrow(BadMacError);
        },
      ),
      { numRuns: runsFor(name, 60) },
    );
  });

  it('a flipped payload bit at any hop is detected at the destination', () => {
    fc.assert(
      fc.property(scenarioArb, fc.integer({ min: 0, max: 4 }), fc.nat(), (s, hopPick, bitPick) => {
        const rnd = seededRandom(s.seed);
        const net = network(s.hops, backend, rnd);
        const target = hopPick % s.hops;
        let packet = createPacket({
          route: net.route,
          delaysNs: s.delays.slice(0, s.hops),
          destination: { address: rnd(32), surbId: rnd(16) },
          payload: rnd(s.msgLength),
          size: s.size,
          random: rnd,
          backend,
          version: s.version,
        });
        for (let i = 0; i < s.hops; i++) {
          if (i === target) {
            const bit = bitPick % ((packet.length - HEADER_LENGTH) * 8);
            packet = packet.slice();
            packet[HEADER_LENGTH + (bit >> 3)] ^= 1 << (bit & 7);
          }
          if (i === s.hops - 1) {
            expect(() => unwrapPacket(net.keys[i], packet)).toThrow(PayloadTamperedError);
          } else {
            const r = unwrapPacket(net.keys[i], packet);
            if (r.kind !== 'forward') throw new Error('expected forward');
            packet = r.packet;
          }
        }
      }),
      { numRuns: runsFor(name, 60) },
    );
  });

  it('SURBs round-trip: the holder replies without the route, the builder decrypts', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const rnd = seededRandom(s.seed);
        const net = network(s.hops, backend, rnd);
        const destination = { address: rnd(32), surbId: rnd(16) };
        const { surb, replyKey } = createSurb({
          route: net.route,
          delaysNs: s.delays.slice(0, s.hops),
          destination,
          random: rnd,
          backend,
          version: s.version,
        });
        const wire = surbToBytes(surb);
        const held = surbFromBytes(wire);
        expect(toHex(surbToBytes(held))).toBe(toHex(wire));
        const reply = rnd(s.msgLength);
        const { packet, firstHopAddress } = useSurb(held, reply, { size: s.size, backend });
        expect(toHex(firstHopAddress)).toBe(toHex(net.route[0].address));
        let p = packet;
        for (let i = 0; i < s.hops; i++) {
          const r = unwrapPacket(net.keys[i], p);
          if (r.kind === 'forward') {
            p = r.packet;
          } else {
            expect(i).toBe(s.hops - 1);
            expect(toHex(r.surbId)).toBe(toHex(replyKey.surbId));
            expect(toHex(decryptSurbReply(replyKey, r.payload, backend))).toBe(toHex(reply));
          }
        }
      }),
      { numRuns: runsFor(name, 30) },
    );
  });
});

describe('backends agree', () => {
  it('node, pure and web backends build identical packets from identical randomness', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const build = (backend: typeof nodeBackend) => {
          const rnd = seededRandom(s.seed);
          const net = network(s.hops, backend, rnd);
          return createPacket({
            route: net.route,
            delaysNs: s.delays.slice(0, s.hops),
            destination: { address: rnd(32), surbId: rnd(16) },
            payload: rnd(s.msgLength),
            size: s.size,
            random: rnd,
            backend,
            version: s.version,
          });
        };
        const node = toHex(build(nodeBackend));
        expect(toHex(build(pureBackend))).toBe(node);
        expect(toHex(build(webBackend))).toBe(node);
      }),
      { numRuns: 8 },
    );
  });
});

describe('node addresses', () => {
  const v4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((o) => o.join('.'));
  const v6 = fc.ipV6();
  it('encode/decode round-trips IPv4 and IPv6', () => {
    fc.assert(
      fc.property(fc.oneof(v4, v6), fc.nat(65535), (host, port) => {
        const bytes = encodeNodeAddress({ host, port });
        expect(bytes.length).toBe(32);
        const d = decodeNodeAddress(bytes);
        expect(d.port).toBe(port);
        expect(d.family).toBe(host.includes(':') ? 6 : 4);
        expect(toHex(encodeNodeAddress(d))).toBe(toHex(bytes));
      }),
      { numRuns: 500 },
    );
  });
});
