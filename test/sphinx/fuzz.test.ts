/**
 * Bad input never throws anything but a SphinxError. The default run feeds 100,000 inputs
 * (random lengths, random bytes of valid packet lengths, mutated valid packets at every hop,
 * SURB and node-address decoders); NYMPH_FUZZ_ITERATIONS scales it up.
 */
import { describe, expect, it } from 'vitest';
import {
  createPacket,
  createSurb,
  decodeNodeAddress,
  Geometry,
  PACKET_SIZES,
  SphinxError,
  surbFromBytes,
  surbToBytes,
  unwrapPacket,
  useSurb,
  type SphinxNodeKey,
} from '../../src/sphinx/index.js';
import { network, nodeBackend, pureBackend, seededRandom, webBackend } from './helpers.js';

const TOTAL = Number(process.env.NYMPH_FUZZ_ITERATIONS ?? 100_000);
const rnd = seededRandom(0x5eed);
const int = (n: number) => rnd(4).reduce((a, b) => a * 256 + b, 0) % n;
// random inputs are windows of one pool: generating fresh megabytes would dominate the run
const POOL = rnd(1 << 17);
const poolBytes = (len: number) => {
  const at = int(POOL.length - len + 1);
  return POOL.subarray(at, at + len);
};

/** Runs `f`; returns the error code if it threw a SphinxError, fails the test on anything else. */
function expectTypedRejection(f: () => unknown, counts: Map<string, number>): void {
  try {
    f();
    counts.set('accepted', (counts.get('accepted') ?? 0) + 1);
  } catch (e) {
    if (!(e instanceof SphinxError)) {
      throw new Error(`non-SphinxError escaped: ${String(e)}`, { cause: e });
    }
    counts.set(e.code, (counts.get(e.code) ?? 0) + 1);
  }
}

function mutate(src: Uint8Array): Uint8Array {
  const p = src.slice();
  switch (int(6)) {
    case 0: {
      const bit = int(p.length * 8);
      p[bit >> 3] ^= 1 << (bit & 7);
      return p;
    }
    case 1: {
      const n = 1 + int(8);
      for (let i = 0; i < n; i++) p[int(p.length)] = int(256);
      return p;
    }
    case 2: {
      // rewrite a whole region (alpha, gamma, beta or payload)
      const regions = [
        [0, 32],
        [32, 48],
        [48, 348],
        [348, p.length],
      ].map(([a, b]) => [Math.min(a, p.length), Math.min(b, p.length)]);
      const [a, b] = regions[int(regions.length)];
      p.set(rnd(b - a), a);
      return p;
    }
    case 3:
      return p.subarray(0, int(p.length));
    case 4: {
      const out = new Uint8Array(p.length + 1 + int(64));
      out.set(p);
      return out;
    }
    default: {
      // flip a bit in the header only: exercises the MAC path at this hop
      const bit = int(348 * 8);
      p[bit >> 3] ^= 1 << (bit & 7);
      return p;
    }
  }
}

interface Corpus {
  keys: SphinxNodeKey[];
  /** packets[i] is what hop i receives */
  packets: Uint8Array[];
}

function corpus(backend: typeof nodeBackend, hops: number, sizeIndex: number): Corpus {
  const net = network(hops, backend, rnd);
  const size = PACKET_SIZES[sizeIndex % PACKET_SIZES.length];
  let p = createPacket({
    route: net.route,
    delaysNs: net.route.map(() => 1000n),
    destination: { address: rnd(32), surbId: rnd(16) },
    payload: rnd(Math.min(100, Geometry.of(size).plaintextLength)),
    size,
    random: rnd,
    backend,
  });
  const packets = [p];
  for (let i = 0; i < hops - 1; i++) {
    const r = unwrapPacket(net.keys[i], p);
    if (r.kind !== 'forward') throw new Error('expected forward');
    p = r.packet;
    packets.push(p);
  }
  return { keys: net.keys, packets };
}

describe('fuzz: every bad input yields a typed SphinxError', () => {
  it(`unwrap, SURB and address decoders on ${TOTAL} inputs (node backend)`, () => {
    const counts = new Map<string, number>();
    const corpora = [corpus(nodeBackend, 5, 0), corpus(nodeBackend, 3, 1), corpus(nodeBackend, 4, 2)];
    const lengths = [...new Set(PACKET_SIZES.map((s) => Geometry.of(s).packetLength))];
    const { surb } = createSurb({
      route: network(3, nodeBackend, rnd).route,
      delaysNs: [1n, 2n, 3n],
      destination: { address: rnd(32), surbId: rnd(16) },
      random: rnd,
      backend: nodeBackend,
    });
    const surbBytes = surbToBytes(surb);
    const addressBytes = new Uint8Array(32);
    addressBytes.set([4, 0x06, 0xfd, 127, 0, 0, 1]);

    // shares of the budget: cheap random inputs dominate, mutated packets go deep
    const nRandomLength = Math.floor(TOTAL * 0.35);
    const nRandomValidLength = Math.floor(TOTAL * 0.05);
    const nMutated = Math.floor(TOTAL * 0.3);
    const nSurb = Math.floor(TOTAL * 0.15);
    const nAddress = TOTAL - nRandomLength - nRandomValidLength - nMutated - nSurb;
    const anyKey = corpora[0].keys[0];

    for (let i = 0; i < nRandomLength; i++) {
      const len = int(4) === 0 ? int(40_000) : int(3000);
      expectTypedRejection(() => unwrapPacket(anyKey, poolBytes(len)), counts);
    }
    for (let i = 0; i < nRandomValidLength; i++) {
      const len = lengths[int(lengths.length)];
      expectTypedRejection(() => unwrapPacket(anyKey, poolBytes(len)), counts);
    }
    for (let i = 0; i < nMutated; i++) {
      const c = corpora[int(corpora.length)];
      const hop = int(c.packets.length);
      expectTypedRejection(() => unwrapPacket(c.keys[hop], mutate(c.packets[hop])), counts);
    }
    for (let i = 0; i < nSurb; i++) {
      const input = int(3) === 0 ? poolBytes(int(1200)) : mutate(surbBytes);
      expectTypedRejection(() => {
        const s = surbFromBytes(input);
        return useSurb(s, rnd(int(50)), { backend: nodeBackend });
      }, counts);
    }
    for (let i = 0; i < nAddress; i++) {
      const input = int(2) === 0 ? poolBytes(int(40)).slice() : mutate(addressBytes).subarray(0, 32);
      if (int(8) === 0) input[0] = int(2) ? 4 : 6;
      expectTypedRejection(() => decodeNodeAddress(input), counts);
    }

    // the run reached every depth: size check, MAC, routing flag/version, payload check, success
    for (const code of ['unknown-packet-size', 'bad-mac', 'payload-tampered', 'accepted', 'wrong-size']) {
      expect(counts.get(code) ?? 0, `no input reached ${code}`).toBeGreaterThan(0);
    }
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    if (process.env.NYMPH_FUZZ_VERBOSE) console.log(Object.fromEntries(counts));
    expect(total).toBe(TOTAL);
  });

  it.each([
    ['pure', pureBackend],
    ['web', webBackend],
  ] as const)('%s backend rejects the same way (smaller sample)', (_name, backend) => {
    const counts = new Map<string, number>();
    const c = corpus(backend, 3, 0);
    for (let i = 0; i < 400; i++) {
      const hop = int(c.packets.length);
      const input = i % 4 === 0 ? rnd(int(3000)) : mutate(c.packets[hop]);
      expectTypedRejection(() => unwrapPacket(c.keys[hop], input), counts);
    }
    expect(counts.get('bad-mac') ?? 0).toBeGreaterThan(0);
  });
});
