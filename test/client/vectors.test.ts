import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parseRecipient, recipientFromBytes, recipientToString } from '../../src/client/address.js';
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
describe('client vectors', () => {
  it('recipient', () => {
    const r = parseRecipient(v.recipient.string);
    expect(hex(recipientFromBytes(bytes(v.recipient.bytes)).identity)).toBe(hex(r.identity));
    expect(recipientToString(recipientFromBytes(bytes(v.recipient.bytes)))).toBe(v.recipient.string);
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
