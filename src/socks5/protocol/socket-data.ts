/**
 * Stream data of one proxied TCP connection (Nym: common/socks5/requests/src/lib.rs,
 * `SocketData` and `SocketDataHeader`). Both directions carry the same three fields, in a
 * different order for historical reasons (Nym keeps both for backwards compatibility):
 *
 *   request  (client -> requester):  connection id (u64 BE, 8) ‖ local closed (1) ‖ seq (u64 BE, 8) ‖ data
 *   response (requester -> client):  local closed (1) ‖ connection id (u64 BE, 8) ‖ seq (u64 BE, 8) ‖ data
 *
 * `seq` counts the messages of one direction of one connection from 0; `local closed` marks
 * the last message of that direction (the sender's socket closed after it), so the receiver
 * closes at that sequence number, not when the flag happens to arrive (Nym #1701). An empty
 * message that is not closing is a keep-alive. Any byte other than 0 reads as closed.
 */
import { TruncatedError } from './errors.js';
import { checkU64, readU64, writeU64 } from './version.js';

export const SOCKET_DATA_HEADER_LEN = 8 + 1 + 8; // 17

export interface SocketData {
  readonly connectionId: bigint;
  readonly seq: bigint;
  /** The sender's socket closed after this message: the last one of this direction. */
  readonly localClosed: boolean;
  readonly data: Uint8Array;
}

function header(b: Uint8Array, field: string): void {
  if (b.length < SOCKET_DATA_HEADER_LEN) throw new TruncatedError(field, SOCKET_DATA_HEADER_LEN, b.length);
}

/** Request order: conn id ‖ closed ‖ seq ‖ data. */
export function encodeSocketDataRequest(d: SocketData): Uint8Array {
  const out = new Uint8Array(SOCKET_DATA_HEADER_LEN + d.data.length);
  writeU64(out, 0, checkU64('connection id', d.connectionId));
  out[8] = d.localClosed ? 1 : 0;
  writeU64(out, 9, checkU64('sequence', d.seq));
  out.set(d.data, SOCKET_DATA_HEADER_LEN);
  return out;
}

export function decodeSocketDataRequest(b: Uint8Array): SocketData {
  header(b, 'socket data (request)');
  return {
    connectionId: readU64(b, 0, 'connection id'),
    localClosed: b[8] !== 0,
    seq: readU64(b, 9, 'sequence'),
    data: b.subarray(SOCKET_DATA_HEADER_LEN),
  };
}

/** Response order: closed ‖ conn id ‖ seq ‖ data. */
export function encodeSocketDataResponse(d: SocketData): Uint8Array {
  const out = new Uint8Array(SOCKET_DATA_HEADER_LEN + d.data.length);
  out[0] = d.localClosed ? 1 : 0;
  writeU64(out, 1, checkU64('connection id', d.connectionId));
  writeU64(out, 9, checkU64('sequence', d.seq));
  out.set(d.data, SOCKET_DATA_HEADER_LEN);
  return out;
}

export function decodeSocketDataResponse(b: Uint8Array): SocketData {
  header(b, 'socket data (response)');
  return {
    localClosed: b[0] !== 0,
    connectionId: readU64(b, 1, 'connection id'),
    seq: readU64(b, 9, 'sequence'),
    data: b.subarray(SOCKET_DATA_HEADER_LEN),
  };
}
