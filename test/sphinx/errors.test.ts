import { describe, expect, it } from 'vitest';
import {
  BadMacError,
  BadRoutingFlagError,
  BadVersionError,
  createPacket,
  createSurb,
  decodeNodeAddress,
  encodeNodeAddress,
  Geometry,
  HEADER_LENGTH,
  InvalidArgumentError,
  InvalidNodeAddressError,
  InvalidRouteError,
  InvalidSharedSecretError,
  InvalidSurbError,
  MessageTooLongError,
  PACKET_SIZES,
  packetLengthFor,
  packetSizeForLength,
  SphinxError,
  SphinxNodeKey,
  surbFromBytes,
  surbToBytes,
  UnknownPacketSizeError,
  unwrapPacket,
  WrongSizeError,
} from '../../src/sphinx/index.js';
import { expandSharedSecret } from '../../src/sphinx/keys.js';
import { macKey, streamKey } from '../../src/sphinx/header.js';
import { backends, network, nodeBackend, random } from './helpers.js';

describe('geometry', () => {
  it("derives Nym's packet sizes (payload + 365 on the wire)", () => {
    expect(PACKET_SIZES.map((s) => [s, packetLengthFor(s)])).toEqual([
      ['regular', 2413],
      ['ack', 386],
      ['extended8', 8557],
      ['extended16', 16749],
      ['extended32', 33133],
    ]);
    const g = Geometry.of('regular');
    expect([g.headerLength, g.plaintextLength, g.payloadLength, g.packetLength]).toEqual([
      348, 2048, 2065, 2413,
    ]);
    for (const s of PACKET_SIZES) expect(packetSizeForLength(packetLengthFor(s))).toBe(s);
  });

  it('rejects every other length with a typed error', () => {
    for (const len of [0, 1, 347, 348, 385, 387, 2412, 2414, 33134, 1 << 20]) {
      expect(() => packetSizeForLength(len)).toThrow(UnknownPacketSizeError);
    }
    expect(() => Geometry.of('jumbo' as never)).toThrow(InvalidArgumentError);
  });
});

describe('createPacket argument checks', () => {
  const net = network(3, nodeBackend);
  const base = {
    route: net.route,
    delaysNs: [1n, 2n, 3n],
    destination: { address: random(32), surbId: random(16) },
    payload: random(10),
    size: 'regular' as const,
    random,
    backend: nodeBackend,
  };

  it('accepts route.length or route.length - 1 delays', () => {
    expect(createPacket(base).length).toBe(2413);
    expect(createPacket({ ...base, delaysNs: [1n, 2n] }).length).toBe(2413);
  });

  it('rejects messages longer than the size carries', () => {
    expect(() => createPacket({ ...base, payload: new Uint8Array(2049) })).toThrow(MessageTooLongError);
    expect(createPacket({ ...base, payload: new Uint8Array(2048) }).length).toBe(2413);
    expect(() => createPacket({ ...base, size: 'ack', payload: new Uint8Array(22) })).toThrow(
      MessageTooLongError,
    );
  });

  it('rejects bad routes, delays and destinations', () => {
    expect(() => createPacket({ ...base, route: [] })).toThrow(InvalidRouteError);
    const six = network(6, nodeBackend).route;
    expect(() => createPacket({ ...base, route: six, delaysNs: six.map(() => 0n) })).toThrow(
      InvalidRouteError,
    );
    expect(() => createPacket({ ...base, delaysNs: [1n] })).toThrow(InvalidRouteError);
    expect(() => createPacket({ ...base, delaysNs: [1n, -1n, 2n] })).toThrow(InvalidRouteError);
    expect(() => createPacket({ ...base, delaysNs: [1n, 1n << 64n, 2n] })).toThrow(InvalidRouteError);
    expect(() =>
      createPacket({ ...base, route: [{ address: random(31), publicKey: random(32) }], delaysNs: [0n] }),
    ).toThrow(WrongSizeError);
    expect(() => createPacket({ ...base, destination: { address: random(32), surbId: random(15) } })).toThrow(
      WrongSizeError,
    );
    // a small-order public key (the all-zero point) yields no shared secret
    expect(() =>
      createPacket({
        ...base,
        route: [{ address: random(32), publicKey: new Uint8Array(32) }],
        delaysNs: [0n],
      }),
    ).toThrow(InvalidRouteError);
    expect(() => createPacket({ ...base, random: () => new Uint8Array(3) })).toThrow(WrongSizeError);
    expect(() => createPacket({ ...base, version: 257 as never })).toThrow(InvalidArgumentError);
  });

  it('every error is a SphinxError naming the module', () => {
    try {
      createPacket({ ...base, route: [] });
    } catch (e) {
      expect(e).toBeInstanceOf(SphinxError);
      expect((e as SphinxError).message).toMatch(/^sphinx: /);
      expect((e as SphinxError).code).toBe('invalid-route');
    }
  });
});

/**
 * Packets with a valid MAC but bad contents can only be made with the hop's key, so these
 * tests build such a header by hand for a one-hop route.
 */
function craftedPacket(key: SphinxNodeKey, firstBytes: number[]): Uint8Array {
  const b = nodeBackend;
  const x = random(32);
  const alpha = b.x25519Base(x);
  const expanded = expandSharedSecret(b, b.x25519(x, key.publicKey)!);
  const beta = random(300);
  beta.set(firstBytes, 0);
  const ks = b.aes128CtrKeystream(streamKey(expanded), 300);
  for (let i = 0; i < 300; i++) beta[i] ^= ks[i];
  const gamma = b.hmacSha256(macKey(expanded), beta).subarray(0, 16);
  const packet = new Uint8Array(Geometry.of('regular').packetLength);
  packet.set(alpha, 0);
  packet.set(gamma, 32);
  packet.set(beta, 48);
  packet.set(random(packet.length - HEADER_LENGTH), HEADER_LENGTH);
  return packet;
}

describe.each(backends.map((b) => [b.name, b] as const))('unwrap rejections, %s backend', (_n, backend) => {
  const key = SphinxNodeKey.generate(random, backend);

  it('rejects an unknown routing flag behind a valid MAC', () => {
    expect(() => unwrapPacket(key, craftedPacket(key, [7, 0, 1, 3]))).toThrow(BadRoutingFlagError);
  });

  it('rejects unknown and legacy versions behind a valid MAC', () => {
    // 1 and 257 are Nym's legacy formats, 260 is unknown, and the first byte must be 0
    for (const v of [
      [0, 0, 1],
      [0, 1, 1],
      [0, 1, 4],
      [1, 1, 3],
    ]) {
      expect(() => unwrapPacket(key, craftedPacket(key, [1, ...v]))).toThrow(BadVersionError);
    }
  });

  it('rejects a small-order alpha', () => {
    const p = new Uint8Array(2413);
    expect(() => unwrapPacket(key, p)).toThrow(InvalidSharedSecretError);
  });

  it('rejects non-byte input with a typed error', () => {
    expect(() => unwrapPacket(key, 'x' as never)).toThrow(InvalidArgumentError);
    expect(() => unwrapPacket({} as never, new Uint8Array(2413))).toThrow(InvalidArgumentError);
  });

  it('rejects an `into` shorter than the packet, or not bytes, with a typed error', () => {
    const p = craftedPacket(key, [1, 0, 1, 3]);
    expect(() => unwrapPacket(key, p, new Uint8Array(p.length - 1))).toThrow(InvalidArgumentError);
    expect(() => unwrapPacket(key, p, [] as never)).toThrow(InvalidArgumentError);
  });
});

describe('unwrap into a caller buffer', () => {
  const net = network(2, nodeBackend);
  const message = random(500);
  const packet = createPacket({
    route: net.route,
    delaysNs: [5n, 0n],
    destination: { address: random(32), surbId: random(16) },
    payload: message,
    size: 'regular',
    random,
    backend: nodeBackend,
  });

  it('gives the bytes a fresh result gives, written in place', () => {
    const into = new Uint8Array(packet.length + 7).fill(0xaa);
    const fresh = unwrapPacket(net.keys[0], packet);
    const placed = unwrapPacket(net.keys[0], packet, into);
    if (fresh.kind !== 'forward' || placed.kind !== 'forward') throw new Error('expected forward hops');
    expect(placed.packet).toEqual(fresh.packet);
    expect(placed.packet.buffer).toBe(into.buffer);
    expect(placed.packet.byteOffset).toBe(0);
    expect(placed.nextAddress).toEqual(fresh.nextAddress);
    expect(into[packet.length]).toBe(0xaa); // nothing past the packet

    const last = new Uint8Array(packet.length);
    const final = unwrapPacket(net.keys[1], placed.packet.slice(), last);
    if (final.kind !== 'final') throw new Error('expected the final hop');
    expect(final.payload).toEqual(message);
    expect(final.payload.buffer).toBe(last.buffer); // a view, no copy
  });

  it('leaves `into` untouched when the MAC does not verify', () => {
    const bad = packet.slice();
    bad[40] ^= 1; // inside gamma
    const into = new Uint8Array(packet.length).fill(0x55);
    expect(() => unwrapPacket(net.keys[0], bad, into)).toThrow(BadMacError);
    expect(into.every((b) => b === 0x55)).toBe(true);
  });
});

describe('SURB bytes', () => {
  const net = network(3, nodeBackend);
  const { surb } = createSurb({
    route: net.route,
    delaysNs: [1n, 2n, 3n],
    destination: { address: random(32), surbId: random(16) },
    random,
    backend: nodeBackend,
  });
  const bytes = surbToBytes(surb);

  it("has Nym's ReplySurb layout: key(16) || header(348) || first hop(32) || seeds(16 per hop)", () => {
    expect(bytes.length).toBe(16 + 348 + 32 + 3 * 16);
    expect(Buffer.from(bytes.subarray(364, 396)).equals(Buffer.from(net.route[0].address))).toBe(true);
  });

  it('rejects malformed SURB bytes with typed errors', () => {
    expect(() => surbFromBytes(bytes.subarray(0, 100))).toThrow(WrongSizeError);
    expect(() => surbFromBytes(bytes.subarray(0, bytes.length - 1))).toThrow(InvalidSurbError);
    const six = new Uint8Array(16 + 348 + 32 + 6 * 192);
    expect(() => surbFromBytes(six)).toThrow(InvalidSurbError);
    expect(() => surbFromBytes(null as never)).toThrow(InvalidSurbError);
  });
});

describe('node address errors', () => {
  it('rejects bad hosts, ports and bytes with typed errors', () => {
    for (const host of [
      '',
      'localhost',
      '1.2.3',
      '1.2.3.256',
      '01.2.3.4',
      '1::2::3',
      'fe80::1%eth0',
      ':::',
    ]) {
      expect(() => encodeNodeAddress({ host, port: 1 })).toThrow(InvalidNodeAddressError);
    }
    for (const port of [-1, 65536, 1.5, NaN]) {
      expect(() => encodeNodeAddress({ host: '1.2.3.4', port })).toThrow(InvalidNodeAddressError);
    }
    expect(() => decodeNodeAddress(new Uint8Array(31))).toThrow(WrongSizeError);
    expect(() => decodeNodeAddress(new Uint8Array(32))).toThrow(InvalidNodeAddressError);
    expect(decodeNodeAddress(encodeNodeAddress({ host: '[::1]', port: 5 }))).toEqual({
      family: 6,
      host: '::1',
      port: 5,
    });
  });
});
