/**
 * Nym's own bytes through Nymph's decoders: payloads built by Nym's published wasm client
 * (1.4.1) and delivered by a Nymph gateway, captured with the recipient's keys
 * (test/vectors/nymsphinx/nym-wasm-captured.json, scripts/capture-nym-wasm-vectors.ts).
 * Each is decrypted, its fragment decoded and reassembled, the message decoded; then
 * Nymph's encoders rebuild the same bytes: the padded message, and every fragment (header,
 * set id, payload) byte for byte.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  decodeFragment,
  decodeNymMessage,
  encodeFragment,
  encodeNymMessage,
  fragmentCapacity,
  openPayload,
  padToFullPacketLengths,
  Reassembler,
  removePadding,
  replySurbFromBytes,
  replySurbToBytes,
  replyKeyDigest,
  splitIntoFragments,
  type Fragment,
} from '../../src/nymsphinx/index.js';

const v = JSON.parse(
  readFileSync(new URL('../vectors/nymsphinx/nym-wasm-captured.json', import.meta.url), 'utf8'),
) as {
  recipient_encryption_secret: string;
  recipient_encryption_public: string;
  cases: {
    name: string;
    kind: string;
    sent: string;
    deliveries: string[];
    reply_keys?: string[];
    reply_surbs?: number;
  }[];
};
const bytes = (h: string) => new Uint8Array(Buffer.from(h, 'hex'));
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe("payloads captured from Nym's wasm client", () => {
  it.each(v.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const keys = new Map((c.reply_keys ?? []).map((k) => [hex(replyKeyDigest(bytes(k))), bytes(k)]));
    const receiver = {
      encryptionSecret: bytes(v.recipient_encryption_secret),
      takeReplyKey: (d: Uint8Array) => keys.get(hex(d)),
    };
    const fragments: Fragment[] = [];
    const seen = new Set<string>();
    for (const d of c.deliveries) {
      const opened = openPayload(receiver, bytes(d));
      expect(opened.kind).toBe('fragment');
      if (opened.kind !== 'fragment') continue;
      expect(opened.reply).toBe(c.kind === 'reply');
      expect(opened.fragment.length).toBe(fragmentCapacity('regular')); // every packet full
      const f = decodeFragment(opened.fragment);
      // Nymph's encoder gives back the exact fragment Nym built
      expect(hex(encodeFragment(f))).toBe(hex(opened.fragment));
      const id = `${f.setId}:${f.index}`;
      if (!seen.has(id)) fragments.push({ ...f, payload: f.payload.slice() }); // a retransmission repeats one
      seen.add(id);
    }
    // reassembled in reverse order; a case may hold a control message too (a replier low
    // on SURBs asks for more before replying, as Nym's client does)
    const r = new Reassembler();
    const messages: { data: Uint8Array; setIds: number[] }[] = [];
    for (const f of [...fragments].reverse()) {
      const res = r.insert(f, 0);
      if (res.kind === 'complete') messages.push(res);
    }
    expect(r.pendingSets).toBe(0);
    let found = 0;
    for (const { data, setIds } of messages) {
      const m = decodeNymMessage(removePadding(data));
      if (m.kind === 'reply' && m.content.type === 'surbRequest') {
        // the replier names its own address: the one the Nymph client sent SURBs to
        expect(m.content.amount).toBeGreaterThan(0);
        expect(hex(m.content.recipient.encryptionKey)).not.toBe(v.recipient_encryption_public);
      } else {
        found++;
        expect(m.kind).toBe(c.kind);
        const content =
          m.kind === 'plain' ? m.data : m.content.type === 'data' ? m.content.message : new Uint8Array(0);
        expect(hex(content)).toBe(c.sent);
      }
      if (m.kind === 'repliable') {
        expect(m.senderTag).toHaveLength(16);
        expect(m.content.replySurbs).toHaveLength(c.reply_surbs!);
        for (const s of m.content.replySurbs) {
          const b = replySurbToBytes(s.surb);
          expect(hex(replySurbToBytes(replySurbFromBytes(b)))).toBe(hex(b));
        }
      }
      // Nymph's message encoder and padding give Nym's exact bytes, and so does its chunking
      const capacity = fragmentCapacity('regular');
      const padded = padToFullPacketLengths(encodeNymMessage(m), capacity);
      expect(hex(padded)).toBe(hex(data));
      const ordered = fragments.filter((f) => f.setId === setIds[0]).sort((x, y) => x.index - y.index);
      const again = splitIntoFragments(padded, capacity, () => setIds[0]);
      expect(again.map((f) => hex(encodeFragment(f)))).toEqual(ordered.map((f) => hex(encodeFragment(f))));
    }
    expect(found).toBe(1);
  });

  it('covers every message kind a Nym app sends', () => {
    expect(new Set(v.cases.map((c) => c.kind))).toEqual(new Set(['plain', 'repliable', 'reply']));
    expect(v.recipient_encryption_public).toHaveLength(64);
    expect(v.cases.some((c) => c.deliveries.length > 1)).toBe(true);
  });
});
