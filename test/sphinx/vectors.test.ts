import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { chacha20orig } from '@noble/ciphers/chacha.js';
import { describe, expect, it } from 'vitest';
import {
  createPacket,
  createSurb,
  decodeNodeAddress,
  decryptSurbReply,
  encodeNodeAddress,
  SphinxNodeKey,
  surbFromBytes,
  surbToBytes,
  unwrapPacket,
  useSurb,
  type PacketSize,
  type SphinxVersion,
} from '../../src/sphinx/index.js';
import { expandSharedSecret } from '../../src/sphinx/keys.js';
import { lionessDecrypt, lionessEncrypt } from '../../src/sphinx/payload.js';
import { backends, fromHex, replay, toHex } from './helpers.js';

const V = JSON.parse(readFileSync(new URL('../vectors/sphinx.json', import.meta.url), 'utf8'));
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe.each(backends.map((b) => [b.name, b] as const))('vectors, %s backend', (_name, backend) => {
  it("reproduces Nym's published HKDF expansion (sphinx shared_secret.rs)", () => {
    const c = V.nym_cross_checks.expanded_shared_secret;
    // rand_chacha's ChaCha20Rng output is the original ChaCha20 keystream of its seed
    const ks = chacha20orig(fromHex(c.rng_seed), new Uint8Array(8), new Uint8Array(64));
    const sk1 = ks.slice(0, 32);
    const sk2 = ks.slice(32, 64);
    const ss = backend.x25519(sk2, backend.x25519Base(sk1))!;
    const e = expandSharedSecret(backend, ss);
    expect(toHex(e.subarray(0, 16))).toBe(c.stream_cipher_key);
    expect(toHex(e.subarray(16, 32))).toBe(c.header_integrity_hmac_key);
    expect(toHex(e.subarray(32, 44))).toBe(c.legacy_payload_key_prefix);
    expect(toHex(e.subarray(218, 224))).toBe(c.legacy_payload_key_suffix);
    expect(toHex(e.subarray(224, 256))).toBe(c.blinding_factor);
  });

  it("reproduces the lioness crate's test vector", () => {
    const c = V.nym_cross_checks.lioness;
    const block = fromHex(c.input);
    lionessEncrypt(backend, fromHex(c.key), block);
    expect(toHex(block)).toBe(c.output);
    lionessDecrypt(backend, fromHex(c.key), block);
    expect(toHex(block)).toBe(c.input);
  });

  for (const p of V.packets) {
    it(`builds and unwraps packet "${p.name}" byte for byte`, () => {
      const route = p.route.map((r: { address: string; public_key: string }) => ({
        address: fromHex(r.address),
        publicKey: fromHex(r.public_key),
      }));
      const keys = p.route.map((r: { secret_key: string; public_key: string }) => {
        const k = SphinxNodeKey.fromSecret(fromHex(r.secret_key), backend);
        expect(toHex(k.publicKey)).toBe(r.public_key);
        return k;
      });
      const packet = createPacket({
        route,
        delaysNs: p.delays_ns.map(BigInt),
        destination: { address: fromHex(p.destination.address), surbId: fromHex(p.destination.surb_id) },
        payload: fromHex(p.message),
        size: p.size as PacketSize,
        random: replay(p.randomness),
        backend,
        version: p.version as SphinxVersion,
      });
      expect(toHex(packet)).toBe(p.packet);
      let cur = packet;
      p.hops.forEach((h: Record<string, string>, i: number) => {
        const r = unwrapPacket(keys[i], cur);
        expect(r.kind).toBe(h.kind);
        expect(toHex(r.replayTag)).toBe(h.replay_tag);
        expect(r.version).toBe(p.version);
        if (r.kind === 'forward') {
          expect(toHex(r.nextAddress)).toBe(h.next_address);
          expect(r.delayNs.toString()).toBe(h.delay_ns);
          expect(sha256(r.packet)).toBe(h.packet_sha256);
          cur = r.packet;
        } else {
          expect(toHex(r.destinationAddress)).toBe(h.destination_address);
          expect(toHex(r.surbId)).toBe(h.surb_id);
          expect(toHex(r.payload)).toBe(h.payload);
          expect(toHex(r.payload)).toBe(p.message);
        }
      });
    });
  }

  it('builds, uses and reads the SURB vector byte for byte', () => {
    const s = V.surb;
    const route = s.route.map((r: { address: string; public_key: string }) => ({
      address: fromHex(r.address),
      publicKey: fromHex(r.public_key),
    }));
    const { surb, replyKey } = createSurb({
      route,
      delaysNs: s.delays_ns.map(BigInt),
      destination: { address: fromHex(s.destination.address), surbId: fromHex(s.destination.surb_id) },
      random: replay(s.randomness),
      backend,
    });
    expect(toHex(surbToBytes(surb))).toBe(s.surb_bytes);
    expect(toHex(replyKey.encryptionKey)).toBe(s.reply_key);
    const used = useSurb(surbFromBytes(fromHex(s.surb_bytes)), fromHex(s.reply_message), { backend });
    expect(toHex(used.packet)).toBe(s.reply_packet);
    expect(toHex(used.firstHopAddress)).toBe(s.first_hop_address);
    let cur = used.packet;
    for (const r of s.route) {
      const out = unwrapPacket(SphinxNodeKey.fromSecret(fromHex(r.secret_key), backend), cur);
      if (out.kind === 'forward') {
        cur = out.packet;
      } else {
        expect(toHex(out.payload)).toBe(s.delivered_payload);
        expect(toHex(out.surbId)).toBe(s.destination.surb_id);
        expect(toHex(decryptSurbReply(replyKey, out.payload, backend))).toBe(s.reply_message);
      }
    }
  });
});

describe('node address vectors', () => {
  for (const a of V.node_addresses) {
    it(`${a.host} port ${a.port}`, () => {
      expect(toHex(encodeNodeAddress({ host: a.host, port: a.port }))).toBe(a.bytes);
      const d = decodeNodeAddress(fromHex(a.bytes));
      expect(d.port).toBe(a.port);
      expect(toHex(encodeNodeAddress(d))).toBe(a.bytes);
    });
  }

  it("matches Nym's layout: version || port BE || octets || zero padding", () => {
    const b = encodeNodeAddress({ host: '1.2.3.4', port: 42 });
    expect(Array.from(b.subarray(0, 7))).toEqual([4, 0, 42, 1, 2, 3, 4]);
    expect(b.subarray(7).every((x) => x === 0)).toBe(true);
    const b6 = encodeNodeAddress({ host: '102:304:506:708:90a:b0c:d0e:f10', port: 0x1234 });
    expect(Array.from(b6.subarray(0, 19))).toEqual([
      6,
      0x12,
      0x34,
      ...Array.from({ length: 16 }, (_, i) => i + 1),
    ]);
    expect(decodeNodeAddress(b6).host).toBe('102:304:506:708:90a:b0c:d0e:f10');
  });
});
