/**
 * Nym's native websocket client API (clients/native/websocket-requests), text and binary.
 *
 * Binary requests (integers big-endian, lengths u64):
 *   0x00 send            recipient (96) ‖ conn_id (8) ‖ len (8) ‖ data
 *   0x01 sendAnonymous   reply_surbs (u32) ‖ recipient (96) ‖ conn_id (8) ‖ len (8) ‖ data
 *   0x02 reply           sender_tag (16) ‖ conn_id (8) ‖ len (8) ‖ data
 *   0x03 selfAddress
 *   0x04 closedConnection conn_id (8)
 *   0x05 getLaneQueueLength conn_id (8)
 * Binary responses:
 *   0x00 error           kind (1) ‖ len (8) ‖ utf-8 message
 *   0x01 received        has_tag (1) ‖ [sender_tag (16)] ‖ len (8) ‖ data
 *   0x02 selfAddress     recipient (96)
 *   0x03 laneQueueLength lane (8) ‖ queue_length (8)
 * Text: JSON objects with a camelCase `type`; sender tags as base58; messages as strings.
 */
import { base58 } from '@scure/base';
import {
  RECIPIENT_LEN,
  parseRecipient,
  recipientFromBytes,
  recipientToBytes,
  recipientToString,
} from '../address.js';
import type { Recipient } from '../address.js';
import { ClientError } from '../errors.js';
import { SENDER_TAG_LEN } from '../../nymsphinx/index.js';

/** Nym's ErrorKind codes. */
export const ErrorKind = {
  EmptyRequest: 0x01,
  TooShortRequest: 0x02,
  UnknownRequest: 0x03,
  MalformedRequest: 0x04,
  EmptyResponse: 0x80,
  TooShortResponse: 0x81,
  UnknownResponse: 0x82,
  MalformedResponse: 0x83,
  Other: 0xff,
} as const;
export type ErrorKindCode = (typeof ErrorKind)[keyof typeof ErrorKind];

const KIND_CODES: Record<ErrorKindCode, string> = {
  [ErrorKind.EmptyRequest]: 'ws_api_empty_request',
  [ErrorKind.TooShortRequest]: 'ws_api_too_short_request',
  [ErrorKind.UnknownRequest]: 'ws_api_unknown_request',
  [ErrorKind.MalformedRequest]: 'ws_api_malformed_request',
  [ErrorKind.EmptyResponse]: 'ws_api_empty_response',
  [ErrorKind.TooShortResponse]: 'ws_api_too_short_response',
  [ErrorKind.UnknownResponse]: 'ws_api_unknown_response',
  [ErrorKind.MalformedResponse]: 'ws_api_malformed_response',
  [ErrorKind.Other]: 'ws_api_other',
};

/** A request or response that does not parse; `kind` is Nym's error kind, `code` names it. */
export class WsApiError extends ClientError {
  override readonly code: string;
  constructor(
    readonly kind: ErrorKindCode,
    readonly reason: string,
  ) {
    super(reason);
    this.code = KIND_CODES[kind];
    // apps read this text in the API's `error` response: keep it the API's own
    this.message = `ws-api: ${reason}`;
  }
}

export type WsRequest =
  | { type: 'send'; recipient: Recipient; message: Uint8Array; connectionId?: bigint }
  | {
      type: 'sendAnonymous';
      recipient: Recipient;
      message: Uint8Array;
      replySurbs: number;
      connectionId?: bigint;
    }
  | { type: 'reply'; senderTag: Uint8Array; message: Uint8Array; connectionId?: bigint }
  | { type: 'selfAddress' }
  | { type: 'closedConnection'; connectionId: bigint }
  | { type: 'getLaneQueueLength'; connectionId: bigint };

export type WsResponse =
  | { type: 'received'; message: Uint8Array; senderTag?: Uint8Array }
  | { type: 'selfAddress'; address: Recipient }
  | { type: 'laneQueueLength'; lane: bigint; queueLength: number }
  | { type: 'error'; kind: ErrorKindCode; message: string };

const REQ = {
  send: 0,
  sendAnonymous: 1,
  reply: 2,
  selfAddress: 3,
  closedConnection: 4,
  getLaneQueueLength: 5,
};
const RES = { error: 0, received: 1, selfAddress: 2, laneQueueLength: 3 };
const utf8 = new TextEncoder();
const utf8d = new TextDecoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

class Writer {
  private readonly buf: Uint8Array;
  private readonly dv: DataView;
  private off = 0;
  constructor(len: number) {
    this.buf = new Uint8Array(len);
    this.dv = new DataView(this.buf.buffer);
  }
  u8(v: number) {
    this.buf[this.off++] = v;
    return this;
  }
  u32(v: number) {
    this.dv.setUint32(this.off, v);
    this.off += 4;
    return this;
  }
  u64(v: bigint) {
    this.dv.setBigUint64(this.off, v);
    this.off += 8;
    return this;
  }
  bytes(b: Uint8Array) {
    this.buf.set(b, this.off);
    this.off += b.length;
    return this;
  }
  done(): Uint8Array {
    return this.buf;
  }
}

class Reader {
  private readonly dv: DataView;
  off = 0;
  constructor(
    private readonly b: Uint8Array,
    private readonly tooShort: ErrorKindCode,
    private readonly what: string,
  ) {
    this.dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }
  need(n: number) {
    if (this.b.length - this.off < n)
      throw new WsApiError(this.tooShort, `not enough data to recover '${this.what}'`);
  }
  u8() {
    this.need(1);
    return this.b[this.off++];
  }
  u32() {
    this.need(4);
    const v = this.dv.getUint32(this.off);
    this.off += 4;
    return v;
  }
  u64() {
    this.need(8);
    const v = this.dv.getBigUint64(this.off);
    this.off += 8;
    return v;
  }
  bytes(n: number) {
    this.need(n);
    const v = this.b.slice(this.off, this.off + n);
    this.off += n;
    return v;
  }
  /** u64 length ‖ data, where data must be exactly the rest of the frame. */
  tail(malformed: ErrorKindCode): Uint8Array {
    const len = this.u64();
    const rest = this.b.length - this.off;
    if (BigInt(rest) !== len)
      throw new WsApiError(malformed, `data length field says ${len} but ${rest} bytes follow`);
    return this.bytes(rest);
  }
  end(malformed: ErrorKindCode) {
    if (this.off !== this.b.length) throw new WsApiError(malformed, `trailing bytes after '${this.what}'`);
  }
}

function recipientOrThrow(b: Uint8Array, kind: ErrorKindCode): Recipient {
  try {
    return recipientFromBytes(b);
  } catch (e) {
    throw new WsApiError(kind, `malformed recipient: ${(e as Error).message}`);
  }
}

export function encodeBinaryRequest(r: WsRequest): Uint8Array {
  switch (r.type) {
    case 'send':
      return new Writer(1 + RECIPIENT_LEN + 16 + r.message.length)
        .u8(REQ.send)
        .bytes(recipientToBytes(r.recipient))
        .u64(r.connectionId ?? 0n)
        .u64(BigInt(r.message.length))
        .bytes(r.message)
        .done();
    case 'sendAnonymous':
      return new Writer(5 + RECIPIENT_LEN + 16 + r.message.length)
        .u8(REQ.sendAnonymous)
        .u32(r.replySurbs)
        .bytes(recipientToBytes(r.recipient))
        .u64(r.connectionId ?? 0n)
        .u64(BigInt(r.message.length))
        .bytes(r.message)
        .done();
    case 'reply':
      return new Writer(1 + SENDER_TAG_LEN + 16 + r.message.length)
        .u8(REQ.reply)
        .bytes(r.senderTag)
        .u64(r.connectionId ?? 0n)
        .u64(BigInt(r.message.length))
        .bytes(r.message)
        .done();
    case 'selfAddress':
      return Uint8Array.of(REQ.selfAddress);
    case 'closedConnection':
      return new Writer(9).u8(REQ.closedConnection).u64(r.connectionId).done();
    case 'getLaneQueueLength':
      return new Writer(9).u8(REQ.getLaneQueueLength).u64(r.connectionId).done();
  }
}

export function decodeBinaryRequest(b: Uint8Array): WsRequest {
  if (b.length === 0) throw new WsApiError(ErrorKind.EmptyRequest, 'no data provided');
  const M = ErrorKind.MalformedRequest;
  switch (b[0]) {
    case REQ.send: {
      const r = new Reader(b, ErrorKind.TooShortRequest, 'send');
      r.off = 1;
      r.need(RECIPIENT_LEN + 16);
      const recipient = recipientOrThrow(r.bytes(RECIPIENT_LEN), M);
      const connectionId = r.u64();
      return { type: 'send', recipient, connectionId, message: r.tail(M) };
    }
    case REQ.sendAnonymous: {
      const r = new Reader(b, ErrorKind.TooShortRequest, 'send_anonymous');
      r.off = 1;
      r.need(4 + RECIPIENT_LEN + 16);
      const replySurbs = r.u32();
      const recipient = recipientOrThrow(r.bytes(RECIPIENT_LEN), M);
      const connectionId = r.u64();
      return { type: 'sendAnonymous', replySurbs, recipient, connectionId, message: r.tail(M) };
    }
    case REQ.reply: {
      const r = new Reader(b, ErrorKind.TooShortRequest, 'reply');
      r.off = 1;
      r.need(SENDER_TAG_LEN + 16);
      const senderTag = r.bytes(SENDER_TAG_LEN);
      const connectionId = r.u64();
      return { type: 'reply', senderTag, connectionId, message: r.tail(M) };
    }
    case REQ.selfAddress: {
      const r = new Reader(b, ErrorKind.TooShortRequest, 'self_address');
      r.off = 1;
      r.end(M);
      return { type: 'selfAddress' };
    }
    case REQ.closedConnection:
    case REQ.getLaneQueueLength: {
      const type = b[0] === REQ.closedConnection ? 'closedConnection' : 'getLaneQueueLength';
      const r = new Reader(b, ErrorKind.TooShortRequest, type);
      r.off = 1;
      const connectionId = r.u64();
      r.end(M);
      return { type, connectionId };
    }
    default:
      throw new WsApiError(ErrorKind.UnknownRequest, `${b[0]} does not correspond to any valid request tag`);
  }
}

export function encodeBinaryResponse(r: WsResponse): Uint8Array {
  switch (r.type) {
    case 'error': {
      const m = utf8.encode(r.message);
      return new Writer(10 + m.length).u8(RES.error).u8(r.kind).u64(BigInt(m.length)).bytes(m).done();
    }
    case 'received': {
      const tagLen = r.senderTag ? SENDER_TAG_LEN : 0;
      const w = new Writer(2 + tagLen + 8 + r.message.length).u8(RES.received).u8(r.senderTag ? 1 : 0);
      if (r.senderTag) w.bytes(r.senderTag);
      return w.u64(BigInt(r.message.length)).bytes(r.message).done();
    }
    case 'selfAddress':
      return new Writer(1 + RECIPIENT_LEN).u8(RES.selfAddress).bytes(recipientToBytes(r.address)).done();
    case 'laneQueueLength':
      return new Writer(17).u8(RES.laneQueueLength).u64(r.lane).u64(BigInt(r.queueLength)).done();
  }
}

const ERROR_KINDS = new Set<number>(Object.values(ErrorKind));

export function decodeBinaryResponse(b: Uint8Array): WsResponse {
  if (b.length === 0) throw new WsApiError(ErrorKind.EmptyResponse, 'no data provided');
  const M = ErrorKind.MalformedResponse;
  const T = ErrorKind.TooShortResponse;
  switch (b[0]) {
    case RES.error: {
      const r = new Reader(b, T, 'error');
      r.off = 1;
      const kind = r.u8();
      if (!ERROR_KINDS.has(kind)) throw new WsApiError(M, `unknown error kind ${kind}`);
      const m = r.tail(M);
      let message: string;
      try {
        message = strictUtf8.decode(m);
      } catch {
        throw new WsApiError(M, 'error message is not utf-8');
      }
      return { type: 'error', kind: kind as ErrorKindCode, message };
    }
    case RES.received: {
      const r = new Reader(b, T, 'received');
      r.off = 1;
      const flag = r.u8();
      if (flag > 1) throw new WsApiError(M, `invalid sender tag flag ${flag}`);
      const senderTag = flag === 1 ? r.bytes(SENDER_TAG_LEN) : undefined;
      const message = r.tail(M);
      return senderTag ? { type: 'received', message, senderTag } : { type: 'received', message };
    }
    case RES.selfAddress: {
      const r = new Reader(b, T, 'self_address');
      r.off = 1;
      const address = recipientOrThrow(r.bytes(RECIPIENT_LEN), M);
      r.end(M);
      return { type: 'selfAddress', address };
    }
    case RES.laneQueueLength: {
      const r = new Reader(b, T, 'lane_queue_length');
      r.off = 1;
      const lane = r.u64();
      const q = r.u64();
      r.end(M);
      return { type: 'laneQueueLength', lane, queueLength: Number(q) };
    }
    default:
      throw new WsApiError(
        ErrorKind.UnknownResponse,
        `${b[0]} does not correspond to any valid response tag`,
      );
  }
}

// ---- text (JSON) ----

function field(o: Record<string, unknown>, k: string, t: 'string' | 'number'): any {
  const v = o[k];
  if (typeof v !== t) throw new WsApiError(ErrorKind.MalformedRequest, `field '${k}' must be a ${t}`);
  return v;
}

function optConnectionId(o: Record<string, unknown>): bigint | undefined {
  const v = o.connectionId;
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0)
    throw new WsApiError(ErrorKind.MalformedRequest, "field 'connectionId' must be a non-negative integer");
  return BigInt(v);
}

function textRecipient(s: string): Recipient {
  try {
    return parseRecipient(s);
  } catch (e) {
    throw new WsApiError(ErrorKind.MalformedRequest, (e as Error).message);
  }
}

export function decodeSenderTag(s: string, kind: ErrorKindCode = ErrorKind.MalformedRequest): Uint8Array {
  let t: Uint8Array;
  try {
    t = base58.decode(s);
  } catch {
    throw new WsApiError(kind, 'sender tag is not base58');
  }
  if (t.length !== SENDER_TAG_LEN) throw new WsApiError(kind, `sender tag must be ${SENDER_TAG_LEN} bytes`);
  return t;
}

export const encodeSenderTag = (t: Uint8Array): string => base58.encode(t);

export function decodeTextRequest(s: string): WsRequest {
  let o: unknown;
  try {
    o = JSON.parse(s);
  } catch {
    throw new WsApiError(ErrorKind.MalformedRequest, 'request is not valid JSON');
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o))
    throw new WsApiError(ErrorKind.MalformedRequest, 'request must be a JSON object');
  const r = o as Record<string, unknown>;
  switch (r.type) {
    case 'send':
      return {
        type: 'send',
        recipient: textRecipient(field(r, 'recipient', 'string')),
        message: utf8.encode(field(r, 'message', 'string')),
        connectionId: optConnectionId(r),
      };
    case 'sendAnonymous': {
      const replySurbs = field(r, 'replySurbs', 'number');
      if (!Number.isInteger(replySurbs) || replySurbs < 0 || replySurbs > 0xffffffff)
        throw new WsApiError(ErrorKind.MalformedRequest, "field 'replySurbs' must be a u32");
      return {
        type: 'sendAnonymous',
        recipient: textRecipient(field(r, 'recipient', 'string')),
        message: utf8.encode(field(r, 'message', 'string')),
        replySurbs,
        connectionId: optConnectionId(r),
      };
    }
    case 'reply':
      return {
        type: 'reply',
        senderTag: decodeSenderTag(field(r, 'senderTag', 'string')),
        message: utf8.encode(field(r, 'message', 'string')),
        connectionId: optConnectionId(r),
      };
    case 'selfAddress':
      return { type: 'selfAddress' };
    default:
      throw new WsApiError(ErrorKind.UnknownRequest, `unknown request type ${JSON.stringify(r.type)}`);
  }
}

export function encodeTextRequest(r: WsRequest): string {
  const cid = (c?: bigint) => (c === undefined ? {} : { connectionId: Number(c) });
  switch (r.type) {
    case 'send':
      return JSON.stringify({
        type: 'send',
        message: utf8d.decode(r.message),
        recipient: recipientToString(r.recipient),
        ...cid(r.connectionId),
      });
    case 'sendAnonymous':
      return JSON.stringify({
        type: 'sendAnonymous',
        message: utf8d.decode(r.message),
        recipient: recipientToString(r.recipient),
        replySurbs: r.replySurbs,
        ...cid(r.connectionId),
      });
    case 'reply':
      return JSON.stringify({
        type: 'reply',
        message: utf8d.decode(r.message),
        senderTag: encodeSenderTag(r.senderTag),
        ...cid(r.connectionId),
      });
    case 'selfAddress':
      return JSON.stringify({ type: 'selfAddress' });
    default:
      throw new WsApiError(ErrorKind.UnknownRequest, `'${r.type}' has no text form`);
  }
}

export function encodeTextResponse(r: WsResponse): string {
  switch (r.type) {
    case 'received':
      // Nym converts lossily to UTF-8 here; binary clients get the exact bytes
      return JSON.stringify({
        type: 'received',
        message: utf8d.decode(r.message),
        senderTag: r.senderTag ? encodeSenderTag(r.senderTag) : null,
      });
    case 'selfAddress':
      return JSON.stringify({ type: 'selfAddress', address: recipientToString(r.address) });
    case 'laneQueueLength':
      return JSON.stringify({ type: 'laneQueueLength', lane: Number(r.lane), queue_length: r.queueLength });
    case 'error':
      return JSON.stringify({ type: 'error', message: r.message });
  }
}

export function decodeTextResponse(s: string): WsResponse {
  const M = ErrorKind.MalformedResponse;
  let o: any;
  try {
    o = JSON.parse(s);
  } catch {
    throw new WsApiError(M, 'response is not valid JSON');
  }
  if (typeof o !== 'object' || o === null) throw new WsApiError(M, 'response must be a JSON object');
  switch (o.type) {
    case 'received': {
      if (typeof o.message !== 'string') throw new WsApiError(M, "field 'message' must be a string");
      const senderTag = typeof o.senderTag === 'string' ? decodeSenderTag(o.senderTag, M) : undefined;
      return senderTag
        ? { type: 'received', message: utf8.encode(o.message), senderTag }
        : { type: 'received', message: utf8.encode(o.message) };
    }
    case 'selfAddress': {
      if (typeof o.address !== 'string') throw new WsApiError(M, "field 'address' must be a string");
      try {
        return { type: 'selfAddress', address: parseRecipient(o.address) };
      } catch (e) {
        throw new WsApiError(M, (e as Error).message);
      }
    }
    case 'laneQueueLength':
      if (typeof o.lane !== 'number' || typeof o.queue_length !== 'number')
        throw new WsApiError(M, 'lane and queue_length must be numbers');
      return { type: 'laneQueueLength', lane: BigInt(o.lane), queueLength: o.queue_length };
    case 'error':
      if (typeof o.message !== 'string') throw new WsApiError(M, "field 'message' must be a string");
      return { type: 'error', kind: ErrorKind.Other, message: o.message };
    default:
      throw new WsApiError(ErrorKind.UnknownResponse, `unknown response type ${JSON.stringify(o.type)}`);
  }
}
