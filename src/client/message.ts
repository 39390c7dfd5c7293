/**
 * The message layer inside the fragments (Nym's NymMessage, simplified layout):
 *
 *   Plain:      0x00 ‖ data
 *   Repliable:  0x01 ‖ sender tag (16) ‖ content
 *     Data:            0x00 ‖ n (u32) ‖ n × (len u16 ‖ reply SURB) ‖ data
 *     AdditionalSurbs: 0x01 ‖ n (u32) ‖ n × (len u16 ‖ reply SURB)
 *   Reply:      0x02 ‖ content
 *     Data:            0x00 ‖ data
 *     SurbRequest:     0x01 ‖ amount (u32)
 *
 * Reply SURBs are opaque here (their layout belongs to the SURB codec).
 */
import { MalformedMessageError } from './errors.js';

export const SENDER_TAG_LEN = 16;
export const MAX_SURBS_PER_MESSAGE = 1000;

export type ClientMessage =
  | { readonly kind: 'plain'; readonly data: Uint8Array }
  | {
      readonly kind: 'repliable';
      readonly senderTag: Uint8Array;
      readonly surbs: Uint8Array[];
      readonly data: Uint8Array;
    }
  | { readonly kind: 'additionalSurbs'; readonly senderTag: Uint8Array; readonly surbs: Uint8Array[] }
  | { readonly kind: 'reply'; readonly data: Uint8Array }
  | { readonly kind: 'surbRequest'; readonly amount: number };

const PLAIN = 0,
  REPLIABLE = 1,
  REPLY = 2;

function surbsLength(surbs: Uint8Array[]): number {
  return 4 + surbs.reduce((a, s) => a + 2 + s.length, 0);
}

function writeSurbs(out: Uint8Array, off: number, surbs: Uint8Array[]): number {
  if (surbs.length > MAX_SURBS_PER_MESSAGE)
    throw new MalformedMessageError(`too many SURBs (${surbs.length})`);
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  dv.setUint32(off, surbs.length);
  off += 4;
  for (const s of surbs) {
    if (s.length > 0xffff) throw new MalformedMessageError('SURB too long');
    dv.setUint16(off, s.length);
    out.set(s, off + 2);
    off += 2 + s.length;
  }
  return off;
}

function readSurbs(b: Uint8Array, off: number): [Uint8Array[], number] {
  if (b.length < off + 4) throw new MalformedMessageError('truncated SURB count');
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const n = dv.getUint32(off);
  if (n > MAX_SURBS_PER_MESSAGE) throw new MalformedMessageError(`too many SURBs (${n})`);
  off += 4;
  const surbs: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    if (b.length < off + 2) throw new MalformedMessageError('truncated SURB length');
    const len = dv.getUint16(off);
    if (b.length < off + 2 + len) throw new MalformedMessageError('truncated SURB');
    surbs.push(b.slice(off + 2, off + 2 + len));
    off += 2 + len;
  }
  return [surbs, off];
}

function checkTag(t: Uint8Array): void {
  if (!(t instanceof Uint8Array) || t.length !== SENDER_TAG_LEN)
    throw new MalformedMessageError(`sender tag must be ${SENDER_TAG_LEN} bytes`);
}

export function encodeMessage(m: ClientMessage): Uint8Array {
  switch (m.kind) {
    case 'plain': {
      const out = new Uint8Array(1 + m.data.length);
      out[0] = PLAIN;
      out.set(m.data, 1);
      return out;
    }
    case 'repliable':
    case 'additionalSurbs': {
      checkTag(m.senderTag);
      const data = m.kind === 'repliable' ? m.data : new Uint8Array(0);
      const out = new Uint8Array(2 + SENDER_TAG_LEN + surbsLength(m.surbs) + data.length);
      out[0] = REPLIABLE;
      out.set(m.senderTag, 1);
      out[1 + SENDER_TAG_LEN] = m.kind === 'repliable' ? 0 : 1;
      const off = writeSurbs(out, 2 + SENDER_TAG_LEN, m.surbs);
      out.set(data, off);
      return out;
    }
    case 'reply': {
      const out = new Uint8Array(2 + m.data.length);
      out[0] = REPLY;
      out[1] = 0;
      out.set(m.data, 2);
      return out;
    }
    case 'surbRequest': {
      if (!Number.isInteger(m.amount) || m.amount < 1 || m.amount > MAX_SURBS_PER_MESSAGE)
        throw new MalformedMessageError(`SURB request amount ${m.amount} out of range`);
      const out = new Uint8Array(6);
      out[0] = REPLY;
      out[1] = 1;
      new DataView(out.buffer).setUint32(2, m.amount);
      return out;
    }
  }
}

export function decodeMessage(b: Uint8Array): ClientMessage {
  if (b.length < 1) throw new MalformedMessageError('empty message');
  switch (b[0]) {
    case PLAIN:
      return { kind: 'plain', data: b.subarray(1) };
    case REPLIABLE: {
      if (b.length < 2 + SENDER_TAG_LEN) throw new MalformedMessageError('truncated repliable message');
      const senderTag = b.slice(1, 1 + SENDER_TAG_LEN);
      const sub = b[1 + SENDER_TAG_LEN];
      const [surbs, off] = readSurbs(b, 2 + SENDER_TAG_LEN);
      if (sub === 0) return { kind: 'repliable', senderTag, surbs, data: b.subarray(off) };
      if (sub === 1) {
        if (off !== b.length) throw new MalformedMessageError('trailing bytes after additional SURBs');
        return { kind: 'additionalSurbs', senderTag, surbs };
      }
      throw new MalformedMessageError(`unknown repliable content ${sub}`);
    }
    case REPLY: {
      if (b.length < 2) throw new MalformedMessageError('truncated reply');
      if (b[1] === 0) return { kind: 'reply', data: b.subarray(2) };
      if (b[1] === 1) {
        if (b.length !== 6) throw new MalformedMessageError('SURB request must be 6 bytes');
        const amount = new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(2);
        if (amount < 1 || amount > MAX_SURBS_PER_MESSAGE)
          throw new MalformedMessageError(`SURB request amount ${amount} out of range`);
        return { kind: 'surbRequest', amount };
      }
      throw new MalformedMessageError(`unknown reply content ${b[1]}`);
    }
    default:
      throw new MalformedMessageError(`unknown message kind ${b[0]}`);
  }
}
