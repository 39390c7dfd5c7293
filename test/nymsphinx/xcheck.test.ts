/**
 * Byte-for-byte checks against vectors printed by Nym's own message-layer code
 * (test/vectors/nymsphinx/nym-xcheck.json, made by test/vectors/nymsphinx/xcheck/harness.sh).
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  ACK_PACKET_LEN,
  buildLoopCoverPayload,
  decodeFragment,
  decodeNodeRoutingAddress,
  decodeNymMessage,
  encodeFragment,
  encodeNodeRoutingAddress,
  encodeNymMessage,
  fragmentCapacity,
  messageFromReassembled,
  messageToFragments,
  numberOfRequiredFragments,
  NymSphinxError,
  openPayload,
  packetKeyFromSharedSecret,
  packetLength,
  plainMessage,
  plaintextSize,
  prepareAckPayload,
  Reassembler,
  recoverAckPayload,
  replyKeyDigest,
  sealRegularPayload,
  sealReplyPayload,
  SURB_ACK_LEN,
  TrailingBytesError,
  type NymMessage,
} from '../../src/nymsphinx/index.js';
import { backends, fromHex, readVectors, setIds, toHex } from './helpers.js';

const V = readVectors('nym-xcheck.json').sections;
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
/** The harness's `pattern(len, salt)`: byte i = (i mod 251) + salt. */
const pattern = (len: number, salt: number) =>
  Uint8Array.from({ length: len }, (_, i) => ((i % 251) + salt) & 0xff);

function headerLen(f: Uint8Array): number {
  return f[6] !== 0 ? 10 : 7;
}

function recordedSetIds(headers: string[]): number[] {
  const ids: number[] = [];
  for (const h of headers) {
    const id = new DataView(fromHex(h).buffer).getUint32(0) & 0x7fffffff;
    if (!ids.includes(id)) ids.push(id);
  }
  return ids;
}

function shuffled<T>(xs: T[], seed: number): T[] {
  const out = xs.slice();
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

describe('sizes (params/src/packet_sizes.rs, message.rs)', () => {
  it('match Nym', () => {
    const s = V.sizes;
    expect(packetLength('regular')).toBe(s.regular_packet);
    expect(packetLength('ack')).toBe(s.ack_packet);
    expect(ACK_PACKET_LEN).toBe(s.ack_packet);
    expect(packetLength('extended8')).toBe(s.extended8);
    expect(packetLength('extended16')).toBe(s.extended16);
    expect(packetLength('extended32')).toBe(s.extended32);
    expect(plaintextSize('regular')).toBe(s.regular_plaintext);
    expect(plaintextSize('ack')).toBe(s.ack_plaintext);
    expect(SURB_ACK_LEN).toBe(s.surb_ack_len);
    expect(fragmentCapacity('regular')).toBe(s.regular_available_plain);
    expect(fragmentCapacity('regular')).toBe(s.regular_available_reply);
  });
});

describe('chunking (chunking/src/{lib,fragment,set}.rs)', () => {
  it('counts fragments and leftover space as number_of_required_fragments does', () => {
    for (const [len, capacity, frags, left] of V.required_fragments) {
      expect(numberOfRequiredFragments(len, capacity), `len ${len} capacity ${capacity}`).toEqual([
        frags,
        left,
      ]);
    }
  });

  it("encodes fragment headers as Nym's Fragment::into_bytes", () => {
    for (const h of V.fragment_headers) {
      const payload = pattern(h.payload_len, h.set_id & 0xff);
      const bytes = encodeFragment({
        setId: h.set_id,
        total: h.total,
        index: h.index,
        payload,
        ...(h.previous !== null ? { previousSetId: h.previous } : {}),
        ...(h.next !== null ? { nextSetId: h.next } : {}),
      });
      expect(toHex(bytes.subarray(0, bytes.length - payload.length))).toBe(h.header);
      const back = decodeFragment(bytes);
      expect([
        back.setId,
        back.total,
        back.index,
        back.previousSetId ?? null,
        back.nextSetId ?? null,
      ]).toEqual([h.set_id, h.total, h.index, h.previous, h.next]);
      expect(back.payload).toEqual(payload);
    }
  });

  it("accepts and rejects header bytes exactly as Nym's Fragment::try_from_bytes", () => {
    for (const c of V.fragment_parsing) {
      const prefix = fromHex(c.bytes);
      const bytes = new Uint8Array(c.length).fill(7);
      bytes.set(prefix);
      let accepted = true;
      try {
        decodeFragment(bytes);
      } catch (e) {
        expect(e, c.name).toBeInstanceOf(NymSphinxError);
        accepted = false;
      }
      expect(accepted, `${c.name}: Nym says ${c.nym}`).toBe(c.accepted);
    }
  });
});

/** What the harness built for the messages it does not print whole. */
const PLAIN_BY_NAME: Record<string, [number, number]> = {
  'plain 200 KiB': [200 * 1024, 6],
  'plain two sets': [255 * 1604 + 3000, 7],
  'plain three sets': [2 * 255 * 1604 + 100, 8],
  'plain 1 MiB': [1024 * 1024, 9],
};

describe('messages (src/message.rs, anonymous-replies requests)', () => {
  for (const m of V.messages) {
    it(`${m.name}: Nym's fragments reassemble and decode; Nymph re-encodes the same bytes`, () => {
      const ids = recordedSetIds(m.headers);
      let message: NymMessage;
      if (m.encoded) {
        const encoded = fromHex(m.encoded);
        message = decodeNymMessage(encoded);
        expect(toHex(encodeNymMessage(message))).toBe(m.encoded);
      } else {
        const [len, salt] = PLAIN_BY_NAME[m.name];
        message = plainMessage(pattern(len, salt));
        expect(sha256(encodeNymMessage(message))).toBe(m.encoded_sha256);
      }
      // Nymph's split with Nym's set ids gives Nym's fragments
      const ours = messageToFragments(message, 'regular', setIds(ids)).map(encodeFragment);
      expect(ours.length).toBe(m.fragment_count);
      expect(ours.map((f) => f.length)).toEqual(m.fragment_sizes);
      expect(ours.map((f) => toHex(f.subarray(0, headerLen(f))))).toEqual(m.headers);
      expect(sha256(Buffer.concat(ours))).toBe(m.fragments_sha256);
      // Nym's fragments, in a shuffled order with duplicates, reassemble into the message
      const theirs: Uint8Array[] = m.fragments ? m.fragments.map(fromHex) : ours;
      if (m.fragments) expect(ours.map(toHex)).toEqual(m.fragments);
      const r = new Reassembler();
      const order = shuffled([...theirs, ...theirs.slice(0, 3)], m.fragment_count);
      let done: Uint8Array | undefined;
      let completions = 0;
      for (const f of order) {
        const res = r.insert(decodeFragment(f), 0);
        if (res.kind === 'complete') {
          done = res.data;
          completions++;
        }
      }
      expect(completions).toBe(1);
      expect(toHex(encodeNymMessage(messageFromReassembled(done!)))).toBe(toHex(encodeNymMessage(message)));
    });
  }

  it("accepts and rejects NymMessage bytes as Nym's decoder does (one deliberate difference)", () => {
    for (const c of V.message_decoding) {
      let accepted = true;
      let error: unknown;
      try {
        decodeNymMessage(fromHex(c.bytes));
      } catch (e) {
        error = e;
        accepted = false;
      }
      if (c.name === 'repliable v1 additional SURBs with trailing bytes') {
        // Nym logs a warning and accepts; Nymph refuses trailing garbage
        expect(c.accepted).toBe(true);
        expect(error).toBeInstanceOf(TrailingBytesError);
        continue;
      }
      if (!accepted) expect(error, c.name).toBeInstanceOf(NymSphinxError);
      expect(accepted, `${c.name}: Nym says ${c.nym}`).toBe(c.accepted);
    }
  });
});

describe.each(backends.map((b) => [b.name, b] as const))('payloads and acks, %s backend', (_n, backend) => {
  it("derives the packet key as Nym's HKDF-BLAKE3 (crypto/src/hkdf.rs)", () => {
    for (const k of V.packet_kdf) expect(toHex(packetKeyFromSharedSecret(fromHex(k.dh)))).toBe(k.key);
  });

  it('digests reply keys with blake3', () => {
    for (const d of V.reply_key_digest) expect(toHex(replyKeyDigest(fromHex(d.key)))).toBe(d.digest);
  });

  it('seals and opens a regular payload byte for byte (RFC 7748 keys as sender and recipient)', () => {
    const p = V.payloads;
    const sealed = sealRegularPayload({
      surbAck: fromHex(p.surb_ack),
      fragment: fromHex(p.regular_fragment),
      recipientEncryptionKey: fromHex(p.recipient_public),
      random: () => fromHex(p.ephemeral_secret),
      backend,
    });
    expect(sealed.size).toBe('regular');
    expect(toHex(sealed.plaintext)).toBe(p.regular);
    const opened = openPayload(
      { encryptionSecret: fromHex(p.recipient_secret) },
      fromHex(p.regular).subarray(SURB_ACK_LEN),
      backend,
    );
    expect(opened).toEqual({ kind: 'fragment', fragment: fromHex(p.regular_fragment), reply: false });
  });

  it('seals and opens a reply payload byte for byte', () => {
    const p = V.payloads;
    const key = fromHex(p.reply_key);
    const sealed = sealReplyPayload({
      surbAck: fromHex(p.surb_ack),
      fragment: fromHex(p.reply_fragment),
      replyKey: key,
      backend,
    });
    expect(toHex(sealed.plaintext)).toBe(p.reply);
    const digest = toHex(replyKeyDigest(key));
    const opened = openPayload(
      {
        encryptionSecret: fromHex(p.recipient_secret),
        takeReplyKey: (d) => (toHex(d) === digest ? key : undefined),
      },
      fromHex(p.reply).subarray(SURB_ACK_LEN),
      backend,
    );
    expect(opened).toEqual({ kind: 'fragment', fragment: fromHex(p.reply_fragment), reply: true });
  });

  it('builds loop cover content byte for byte, and recognises it', () => {
    const p = V.payloads;
    const cover = buildLoopCoverPayload({
      surbAck: fromHex(p.surb_ack),
      ownEncryptionKey: fromHex(p.recipient_public),
      size: 'regular',
      random: () => fromHex(p.ephemeral_secret),
      backend,
    });
    expect(toHex(cover)).toBe(p.cover);
    expect(cover.length).toBe(fromHex(p.regular).length);
    const opened = openPayload(
      { encryptionSecret: fromHex(p.recipient_secret) },
      cover.subarray(SURB_ACK_LEN),
      backend,
    );
    expect(opened).toEqual({ kind: 'cover' });
  });

  it('encrypts and recovers ack ids as Nym (IV ‖ AES-CTR)', () => {
    for (const a of V.acks) {
      const ack = fromHex(a.ack);
      const id = {
        setId: new DataView(fromHex(a.fragment_id).buffer).getInt32(0),
        position: fromHex(a.fragment_id)[4],
      };
      expect(toHex(prepareAckPayload(fromHex(a.key), id, () => ack.slice(0, 16)))).toBe(a.ack);
      expect(recoverAckPayload(fromHex(a.key), ack)).toEqual(id);
    }
  });
});

describe('node addresses (addressing/src/nodes.rs)', () => {
  it('encode as the SURB-ack first hop (19) and the Sphinx field (32)', () => {
    for (const a of V.node_addresses) {
      const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(a.socket)!;
      const addr = { host: m[1], port: Number(m[2]) };
      expect(toHex(encodeNodeRoutingAddress(addr, 19))).toBe(a.first_hop_19);
      expect(toHex(encodeNodeRoutingAddress(addr, 32))).toBe(a.node_32);
      expect(decodeNodeRoutingAddress(fromHex(a.unpadded)).port).toBe(addr.port);
    }
  });
});
