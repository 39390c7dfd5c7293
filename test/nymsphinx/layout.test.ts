/**
 * Nym's message-layer layouts, stated from Nym's source (nymtech/nym at
 * b4046a8969805642ee82dfaffc1ecd1584899897, the release `@nymproject/nym-client-wasm-node`
 * 1.4.1 was built from) and worked out by hand here: packet sizes, fragment headers, the
 * fragment counts of `number_of_required_fragments` at its boundaries, node addresses and
 * ack ids. The bytes Nym's published client really sends are checked in
 * wasm-captured.test.ts; the rules for refusing bad bytes in chunking.test.ts and
 * message.test.ts.
 */
import { createCipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  ACK_PACKET_LEN,
  decodeFragment,
  decodeNodeRoutingAddress,
  encodeFragment,
  encodeNodeRoutingAddress,
  fragmentCapacity,
  numberOfRequiredFragments,
  packetLength,
  plaintextSize,
  prepareAckPayload,
  recoverAckPayload,
  SURB_ACK_LEN,
} from '../../src/nymsphinx/index.js';
import { fromHex, toHex } from './helpers.js';

describe('sizes (params/src/packet_sizes.rs, message.rs)', () => {
  // SPHINX_PACKET_OVERHEAD = HEADER_SIZE (349) + PAYLOAD_OVERHEAD_SIZE (16) = 365
  const OVERHEAD = 365;

  it('packet = plaintext + 365; ack plaintext = IV (16) + fragment id (5)', () => {
    expect(plaintextSize('regular')).toBe(2048);
    expect(packetLength('regular')).toBe(2048 + OVERHEAD);
    expect(plaintextSize('ack')).toBe(16 + 5);
    expect(packetLength('ack')).toBe(21 + OVERHEAD);
    expect(ACK_PACKET_LEN).toBe(386);
    for (const [size, kib] of [
      ['extended8', 8],
      ['extended16', 16],
      ['extended32', 32],
    ] as const) {
      expect(plaintextSize(size)).toBe(kib * 1024);
      expect(packetLength(size)).toBe(kib * 1024 + OVERHEAD);
    }
  });

  it('a SURB-ack is a 19-byte first hop and an ack packet; a fragment gets the rest but 32 key bytes', () => {
    expect(SURB_ACK_LEN).toBe(19 + 386);
    expect(fragmentCapacity('regular')).toBe(2048 - 405 - 32);
    expect(fragmentCapacity('extended32')).toBe(32 * 1024 - 405 - 32);
  });
});

describe('fragment headers (chunking/src/fragment.rs)', () => {
  // '1' ‖ 31-bit set id ‖ total ‖ index ‖ '0' byte                         (7 bytes)
  // '1' ‖ 31-bit set id ‖ total ‖ index ‖ '1' ‖ 31-bit linked set id      (10 bytes)
  it.each([
    ['unlinked', { setId: 12345, total: 10, index: 5 }, '800030390a0500'],
    ['the only fragment', { setId: 12345, total: 1, index: 1 }, '80003039010100'],
    ['the largest set id', { setId: 0x7fffffff, total: 255, index: 255 }, 'ffffffffffff00'],
    [
      'first of a set after another',
      { setId: 1, total: 10, index: 1, previousSetId: 1234 },
      '800000010a01800004d2',
    ],
    [
      'last of a full set, pointing on',
      { setId: 12345, total: 255, index: 255, nextSetId: 1234 },
      '80003039ffff800004d2',
    ],
    [
      'both ids at the 31-bit limit',
      { setId: 0x7f0000ff, total: 255, index: 255, nextSetId: 0x7fffffff },
      'ff0000ffffffffffffff',
    ],
  ])('%s', (_name, header, hex) => {
    const payload = Uint8Array.from({ length: 40 }, (_, i) => i);
    const bytes = encodeFragment({ ...header, payload });
    expect(toHex(bytes.subarray(0, hex.length / 2))).toBe(hex);
    expect(bytes.length).toBe(hex.length / 2 + payload.length);
    const back = decodeFragment(bytes);
    expect(back).toMatchObject(header);
    expect(back.payload).toEqual(payload);
  });

  it('a zero seventh byte means no link: the would-be link id is payload (Nym accepts it)', () => {
    const f = decodeFragment(fromHex('800030390a0100' + '0004d2' + '07'.repeat(20)));
    expect(f.previousSetId).toBeUndefined();
    expect(toHex(f.payload.subarray(0, 3))).toBe('0004d2');
  });
});

describe('fragment counts (chunking/src/lib.rs number_of_required_fragments)', () => {
  // With 17 bytes per fragment an unlinked fragment carries 10 bytes and a linked one 7.
  // One set holds 255 fragments: 2,550 bytes unlinked. A first or last set of several
  // carries one linked fragment (254 × 10 + 7 = 2,547); a middle set two (253 × 10 + 14 =
  // 2,544). Each case: [message length, fragments, bytes left in the last fragment].
  it.each([
    [1, 1, 9],
    [10, 1, 0],
    [11, 2, 9],
    [2550, 255, 0], // one full unlinked set
    [2551, 256, 3], // two sets: 2,547 in the first, 4 in a linked fragment of the second
    [2553, 256, 1],
    [2554, 256, 0], // the second set's linked fragment full
    [2555, 257, 9], // and one byte in an unlinked fragment after it
    [5094, 510, 0], // two one-way linked sets, both full
    [5095, 511, 3], // a third set: 4 bytes in its linked fragment
    [7638, 765, 0], // three full sets: 2,547 + 2,544 + 2,547
    [7639, 766, 3], // a fourth
  ])('%i bytes at 17 per fragment: %i fragments, %i left', (len, fragments, left) => {
    expect(numberOfRequiredFragments(len, 17)).toEqual([fragments, left]);
  });

  it('regular packets: 1,604 bytes unlinked, 1,601 linked, a set of 255 holds 409,020', () => {
    expect(numberOfRequiredFragments(0, 1611)).toEqual([1, 1604]);
    expect(numberOfRequiredFragments(1604, 1611)).toEqual([1, 0]);
    expect(numberOfRequiredFragments(1605, 1611)).toEqual([2, 1603]);
    expect(numberOfRequiredFragments(255 * 1604, 1611)).toEqual([255, 0]);
    // one byte more: the first set gives up 3 bytes to its link, so 4 go to the next
    expect(numberOfRequiredFragments(255 * 1604 + 1, 1611)).toEqual([256, 1597]);
  });
});

describe('node addresses (addressing/src/nodes.rs)', () => {
  // IPv4: 4 ‖ port (BE u16) ‖ 4 address bytes; IPv6: 6 ‖ port ‖ 16 bytes; zero padded to
  // 19 bytes (a SURB-ack's first hop) or 32 (the Sphinx routing field)
  it.each([
    [{ host: '1.2.3.4', port: 42 }, '04002a01020304'],
    [{ host: '127.0.0.1', port: 1789 }, '0406fd7f000001'],
    [{ host: '2001:db8::1', port: 9000 }, '06232820010db8000000000000000000000001'],
    [{ host: '::', port: 42 }, '06002a' + '00'.repeat(16)],
  ])('%o', (addr, used) => {
    const pad = (n: number) => used + '00'.repeat(n - used.length / 2);
    expect(toHex(encodeNodeRoutingAddress(addr, 19))).toBe(pad(19));
    expect(toHex(encodeNodeRoutingAddress(addr, 32))).toBe(pad(32));
    expect(decodeNodeRoutingAddress(fromHex(used)).port).toBe(addr.port);
  });
});

describe('ack ids (acknowledgements/src/identifier.rs)', () => {
  it('are IV ‖ AES-128-CTR(ack key, IV, set id as BE i32 ‖ position), as OpenSSL computes it', () => {
    const key = fromHex('000102030405060708090a0b0c0d0e0f');
    const iv = fromHex('f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff');
    for (const id of [
      { setId: 0, position: 0 }, // cover
      { setId: 12345, position: 7 },
      { setId: 0x7fffffff, position: 255 },
    ]) {
      const plain = Buffer.alloc(5);
      plain.writeInt32BE(id.setId);
      plain[4] = id.position;
      const c = createCipheriv('aes-128-ctr', key, iv);
      const expected = Buffer.concat([iv, c.update(plain), c.final()]);
      const ack = prepareAckPayload(key, id, () => iv.slice());
      expect(toHex(ack)).toBe(expected.toString('hex'));
      expect(recoverAckPayload(key, ack)).toEqual(id);
    }
  });
});
