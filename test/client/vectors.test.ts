import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { pureBackend } from '../../src/crypto/index.js';
import { nodeBackend } from '../../src/crypto/node.js';
import { parseRecipient, recipientFromBytes, recipientToString } from '../../src/client/address.js';
import {
  Reassembler,
  decodeFragment,
  encodeFragment,
  splitMessage,
  unpadMessage,
} from '../../src/client/fragment.js';
import { decodeMessage, encodeMessage } from '../../src/client/message.js';
import {
  openAckId,
  openRegular,
  openReply,
  sealAckId,
  sealPayload,
  sealReplyPayload,
  splitPayload,
} from '../../src/client/payload.js';
import {
  decodeBinaryRequest,
  decodeBinaryResponse,
  decodeTextRequest,
  encodeBinaryRequest,
  encodeBinaryResponse,
  encodeTextRequest,
} from '../../src/client/ws-api/codec.js';

const v = JSON.parse(readFileSync(new URL('../vectors/client.json', import.meta.url), 'utf8'));
const bytes = (h: string) => new Uint8Array(Buffer.from(h, 'hex'));
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
function det(label: string, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0, off = 0; off < n; i++) {
    const h = createHash('sha256').update(`${label}/${i}`).digest();
    out.set(h.subarray(0, Math.min(32, n - off)), off);
    off += 32;
  }
  return out;
}
const stream = (label: string) => {
  let i = 0;
  return (n: number) => det(`${label}#${i++}`, n);
};

describe('client vectors', () => {
  it('recipient', () => {
    const r = parseRecipient(v.recipient.string);
    expect(hex(recipientFromBytes(bytes(v.recipient.bytes)).identity)).toBe(hex(r.identity));
    expect(recipientToString(recipientFromBytes(bytes(v.recipient.bytes)))).toBe(v.recipient.string);
  });

  it('fragments split and reassemble byte for byte', () => {
    for (const f of v.fragments) {
      let id = f.first_set_id;
      const frags = splitMessage(bytes(f.message_hex), f.max_fragment_len, () => id++);
      expect(frags.map((x) => hex(encodeFragment(x)))).toEqual(f.fragments);
      const r = new Reassembler({ timeoutMs: 1000 });
      let out: Uint8Array | undefined;
      for (const b of [...f.fragments].reverse()) {
        const res = r.insert(decodeFragment(bytes(b)), 0);
        if (res.kind === 'complete') out = unpadMessage(res.data);
      }
      expect(hex(out!)).toBe(f.message_hex);
    }
    expect(new Set(v.fragments[2].fragments.map((b: string) => b.slice(0, 8))).size).toBe(2); // linked sets
  });

  it('message kinds', () => {
    for (const m of v.messages) {
      const decoded = decodeMessage(bytes(m.bytes));
      expect(hex(encodeMessage(decoded))).toBe(m.bytes);
      expect(decoded.kind).toBe(m.message.kind);
      if ('data' in decoded) expect(hex(decoded.data)).toBe(m.message.data);
    }
  });

  it.each([pureBackend, nodeBackend])('payload sealing ($name)', (crypto) => {
    const p = v.payload;
    const sealed = sealPayload(
      crypto,
      stream(p.random_label),
      bytes(p.surb_ack),
      bytes(p.recipient_public),
      bytes(p.fragment),
    );
    expect(hex(sealed)).toBe(p.sealed);
    const opened = openRegular(
      crypto,
      splitPayload(bytes(p.sealed), 418),
      bytes(p.recipient_secret),
      bytes(p.recipient_public),
    );
    expect(hex(opened)).toBe(p.fragment);
    expect(hex(sealReplyPayload(crypto, bytes(p.surb_ack), bytes(p.reply_key), bytes(p.fragment)))).toBe(
      p.sealed_reply,
    );
    expect(hex(openReply(crypto, splitPayload(bytes(p.sealed_reply), 418), bytes(p.reply_key)))).toBe(
      p.fragment,
    );
    expect(hex(sealAckId(crypto, stream(p.ack_random_label), bytes(p.ack_key), p.ack_id))).toBe(p.sealed_ack);
    expect(openAckId(crypto, bytes(p.ack_key), bytes(p.sealed_ack))).toEqual(p.ack_id);
  });

  it('native websocket API', () => {
    for (const b of v.ws_binary_requests)
      expect(hex(encodeBinaryRequest(decodeBinaryRequest(bytes(b))))).toBe(b);
    for (const b of v.ws_binary_responses)
      expect(hex(encodeBinaryResponse(decodeBinaryResponse(bytes(b))))).toBe(b);
    for (const t of v.ws_text_requests) expect(encodeTextRequest(decodeTextRequest(t))).toBe(t);
    expect(JSON.parse(v.ws_text_responses[1])).toMatchObject({ type: 'received' });
  });
});
