/**
 * Fixed values from Nym's own tests and the primitives' published vectors
 * (test/vectors/nymsphinx/nym-fixtures.json).
 */
import { blake3 } from '@noble/hashes/blake3.js';
import { describe, expect, it } from 'vitest';
import { aesCtr64Be } from '../../src/nymsphinx/crypto.js';
import {
  InvalidRecipientKeyError,
  isCover,
  MalformedRecipientError,
  parseRecipient,
  recipientFromBytes,
  recipientToBytes,
  recipientToString,
  senderTagFromString,
  senderTagToString,
  InvalidSenderTagError,
} from '../../src/nymsphinx/index.js';
import { backends, fromHex, readVectors, toHex } from './helpers.js';

const F = readVectors('nym-fixtures.json');

describe('recipients (addressing/src/clients.rs)', () => {
  it("reads Nym's mock recipient and prints its string form", () => {
    const r = recipientFromBytes(fromHex(F.recipients.mock_recipient.bytes));
    expect(recipientToString(r)).toBe(F.recipients.mock_recipient.string);
    expect(toHex(recipientToBytes(parseRecipient(F.recipients.mock_recipient.string)))).toBe(
      F.recipients.mock_recipient.bytes,
    );
  });

  it("parses the addresses Nym's tests use, and prints them back", () => {
    for (const { string } of F.recipients.strings)
      expect(recipientToString(parseRecipient(string))).toBe(string);
  });

  it('rejects malformed strings and keys off the curve, with typed errors', () => {
    const good: string = F.recipients.strings[0].string;
    const [client, gateway] = good.split('@');
    for (const bad of [
      good.replace('@', '#'),
      `${client}@${gateway}@${gateway}`,
      good.replace('.', ''),
      `${client}@0OIl`,
      42,
    ]) {
      expect(() => parseRecipient(bad as string)).toThrow(MalformedRecipientError);
    }
    expect(() => recipientFromBytes(new Uint8Array(95))).toThrow(MalformedRecipientError);
    // a y coordinate with no x on ed25519: 2 is not a square's image here
    const bytes = fromHex(F.recipients.mock_recipient.bytes);
    const offCurve = bytes.slice();
    offCurve.set(fromHex('0200000000000000000000000000000000000000000000000000000000000000'), 0);
    expect(() => recipientFromBytes(offCurve)).toThrow(InvalidRecipientKeyError);
  });
});

describe('sender tags (anonymous-replies requests/mod.rs)', () => {
  it('print as base58 and parse back; wrong lengths are typed errors', () => {
    expect(senderTagToString(fromHex(F.sender_tag.bytes))).toBe(F.sender_tag.string);
    expect(toHex(senderTagFromString(F.sender_tag.string))).toBe(F.sender_tag.bytes);
    expect(() => senderTagFromString('abc')).toThrow(InvalidSenderTagError);
    expect(() => senderTagFromString('0OIl')).toThrow(InvalidSenderTagError);
    expect(() => senderTagToString(new Uint8Array(15))).toThrow(InvalidSenderTagError);
  });
});

describe('cover detection (cover/src/lib.rs tests)', () => {
  it("matches every case of Nym's is_cover tests", () => {
    for (const c of F.is_cover.cases) expect(isCover(fromHex(c.hex)), c.name).toBe(c.cover);
  });
});

describe('primitives', () => {
  it('AES-128-CTR with a 64-bit big-endian counter: NIST SP 800-38A F.5.1', () => {
    const v = F.aes128_ctr;
    expect(toHex(aesCtr64Be(fromHex(v.key), fromHex(v.iv), fromHex(v.plaintext)))).toBe(v.ciphertext);
  });

  it('wraps the low 64 counter bits as ctr::Ctr64BE does (the high half stays)', () => {
    const key = fromHex(F.aes128_ctr.key);
    const iv = fromHex('0001020304050607ffffffffffffffff');
    const two = aesCtr64Be(key, iv, new Uint8Array(32));
    const wrapped = aesCtr64Be(key, fromHex('00010203040506070000000000000000'), new Uint8Array(16));
    expect(toHex(two.subarray(16))).toBe(toHex(wrapped));
  });

  it.each(backends.map((b) => [b.name, b] as const))('X25519 (RFC 7748 6.1), %s backend', (_n, backend) => {
    const v = F.x25519;
    expect(toHex(backend.x25519Base(fromHex(v.alice_secret)))).toBe(v.alice_public);
    expect(toHex(backend.x25519(fromHex(v.alice_secret), fromHex(v.bob_public))!)).toBe(v.shared);
  });

  it('BLAKE3 of the empty input', () => {
    expect(toHex(blake3(new Uint8Array(0)))).toBe(F.blake3.empty);
  });
});
