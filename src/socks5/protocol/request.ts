/**
 * Requests from a SOCKS client to a network requester, as Nym encodes them.
 *
 * Provider interface (service-providers/common/src/interface/request.rs, `Request<T>`):
 *   versioned:  interface version (1, >= 3) ‖ tag (0x00 Control | 0x01 ProviderData) ‖ body
 *   legacy:     body only, and it is always provider data (first byte < 3)
 *
 * Socks5 request (common/socks5/requests/src/request.rs, `Socks5Request`):
 *   versioned:  protocol version (1, >= 3, at most 3 accepted) ‖ content
 *   legacy:     0x00 ‖ content
 *
 * Content (`Socks5RequestContent`), flag first:
 *   Connect  0x00 ‖ conn id (u64 BE) ‖ addr len (u16 BE) ‖ "host:port" (UTF-8, read lossily)
 *                 ‖ [return address (96): identity ‖ encryption key ‖ gateway]
 *   Send     0x01 ‖ conn id (u64 BE) ‖ local closed (1) ‖ seq (u64 BE) ‖ data   (./socket-data.ts)
 *   Query    0x02 ‖ bincode QueryRequest                                      (./query.ts)
 *
 * So a current Connect is `03 01 03 00 ‖ conn id ‖ ...`, and a legacy one `00 00 ‖ conn id ‖ ...`.
 */
import {
  recipientFromBytes,
  recipientToBytes,
  RECIPIENT_LEN,
  type Recipient,
} from '../../nymsphinx/addressing.js';
import { decodeControlRequest, encodeControlRequest, type ControlRequest } from './control.js';
import {
  ControlInLegacyModeError,
  EmptyMessageError,
  FieldTooLongError,
  LegacyMismatchError,
  MalformedReturnAddressError,
  TruncatedError,
  UnknownTagError,
  UnsupportedVersionError,
} from './errors.js';
import { decodeQueryRequest, encodeQueryRequest, type QueryRequest } from './query.js';
import { decodeSocketDataRequest, encodeSocketDataRequest, type SocketData } from './socket-data.js';
import {
  SOCKS5_PROTOCOL_VERSION,
  checkU64,
  checkVersion,
  concatBytes,
  readU64,
  utf8,
  utf8Lossy,
  versionFromByte,
  writeU64,
  type Version,
} from './version.js';

export type { Recipient };

export const REQUEST_FLAG = { connect: 0, send: 1, query: 2 } as const;
/** Tag of the two kinds of content of the provider interface (requests and responses alike). */
export const CONTENT_TAG = { control: 0, providerData: 1 } as const;
/** What legacy socks5 requests start with (Nym's `Socks5Request::LEGACY_TYPE_TAG`). */
export const LEGACY_REQUEST_TAG = 0x00;
const MAX_ADDRESS_LEN = 0xffff;

export type Socks5RequestContent =
  | {
      readonly kind: 'connect';
      readonly connectionId: bigint;
      /** `host:port` as the app asked (a domain is resolved by the requester). */
      readonly remoteAddress: string;
      /** Where to send answers when not through reply SURBs. */
      readonly returnAddress?: Recipient;
    }
  | { readonly kind: 'send'; readonly data: SocketData }
  | { readonly kind: 'query'; readonly query: QueryRequest };

export interface Socks5Request {
  readonly protocolVersion: Version;
  readonly content: Socks5RequestContent;
}

export type ProviderRequestContent =
  | { readonly kind: 'control'; readonly request: ControlRequest }
  | { readonly kind: 'providerData'; readonly request: Socks5Request };

export interface ProviderRequest {
  readonly interfaceVersion: Version;
  readonly content: ProviderRequestContent;
}

// ---- content ------------------------------------------------------------------------

export function encodeRequestContent(c: Socks5RequestContent): Uint8Array {
  switch (c.kind) {
    case 'connect': {
      const addr = utf8.encode(c.remoteAddress);
      if (addr.length > MAX_ADDRESS_LEN)
        throw new FieldTooLongError('remote address', addr.length, MAX_ADDRESS_LEN);
      const ret = c.returnAddress ? recipientToBytes(c.returnAddress) : new Uint8Array(0);
      const out = new Uint8Array(1 + 8 + 2 + addr.length + ret.length);
      out[0] = REQUEST_FLAG.connect;
      writeU64(out, 1, checkU64('connection id', c.connectionId));
      out[9] = addr.length >> 8;
      out[10] = addr.length & 0xff;
      out.set(addr, 11);
      out.set(ret, 11 + addr.length);
      return out;
    }
    case 'send':
      return concatBytes(Uint8Array.of(REQUEST_FLAG.send), encodeSocketDataRequest(c.data));
    case 'query':
      return concatBytes(Uint8Array.of(REQUEST_FLAG.query), encodeQueryRequest(c.query));
  }
}

export function decodeRequestContent(b: Uint8Array): Socks5RequestContent {
  if (b.length === 0) throw new EmptyMessageError('socks5 request');
  switch (b[0]) {
    case REQUEST_FLAG.connect: {
      if (b.length < 9) throw new TruncatedError('connection id', 9, b.length);
      const connectionId = readU64(b, 1, 'connection id');
      if (b.length < 11) throw new TruncatedError('address length', 11, b.length);
      const len = (b[9] << 8) | b[10];
      if (b.length < 11 + len) throw new TruncatedError('remote address', 11 + len, b.length);
      const remoteAddress = utf8Lossy.decode(b.subarray(11, 11 + len));
      const ret = b.subarray(11 + len);
      if (ret.length === 0) return { kind: 'connect', connectionId, remoteAddress };
      if (ret.length !== RECIPIENT_LEN)
        throw new MalformedReturnAddressError(`${ret.length} bytes, expected ${RECIPIENT_LEN}`);
      let returnAddress: Recipient;
      try {
        returnAddress = recipientFromBytes(ret.slice());
      } catch (e) {
        throw new MalformedReturnAddressError((e as Error).message);
      }
      return { kind: 'connect', connectionId, remoteAddress, returnAddress };
    }
    case REQUEST_FLAG.send:
      return { kind: 'send', data: decodeSocketDataRequest(b.subarray(1)) };
    case REQUEST_FLAG.query:
      return { kind: 'query', query: decodeQueryRequest(b.subarray(1)) };
    default:
      throw new UnknownTagError('request flag', b[0]);
  }
}

// ---- socks5 request (protocol version) ----------------------------------------------------

export function encodeSocks5Request(r: Socks5Request): Uint8Array {
  const v = checkVersion(r.protocolVersion);
  const first = v === 'legacy' ? LEGACY_REQUEST_TAG : v;
  return concatBytes(Uint8Array.of(first), encodeRequestContent(r.content));
}

/** Nym refuses a protocol version above its own (`max_supported_version`). */
export function decodeSocks5Request(b: Uint8Array, maxVersion = SOCKS5_PROTOCOL_VERSION): Socks5Request {
  if (b.length === 0) throw new EmptyMessageError('socks5 request');
  const protocolVersion = versionFromByte(b[0]);
  if (protocolVersion !== 'legacy' && protocolVersion > maxVersion)
    throw new UnsupportedVersionError(protocolVersion, maxVersion);
  return { protocolVersion, content: decodeRequestContent(b.subarray(1)) };
}

// ---- provider interface ---------------------------------------------------------------

export function encodeProviderRequest(r: ProviderRequest): Uint8Array {
  const v = checkVersion(r.interfaceVersion);
  if (v === 'legacy') {
    if (r.content.kind === 'control') throw new ControlInLegacyModeError();
    // its first byte would read as an interface version: only a legacy body is legacy
    if (r.content.request.protocolVersion !== 'legacy') throw new LegacyMismatchError();
    return encodeSocks5Request(r.content.request);
  }
  const body =
    r.content.kind === 'control'
      ? encodeControlRequest(r.content.request)
      : encodeSocks5Request(r.content.request);
  return concatBytes(Uint8Array.of(v, CONTENT_TAG[r.content.kind]), body);
}

export function decodeProviderRequest(b: Uint8Array): ProviderRequest {
  if (b.length === 0) throw new EmptyMessageError('provider request');
  const interfaceVersion = versionFromByte(b[0]);
  if (interfaceVersion === 'legacy')
    return { interfaceVersion, content: { kind: 'providerData', request: decodeSocks5Request(b) } };
  if (b.length < 2) throw new TruncatedError('provider request tag', 2, b.length);
  switch (b[1]) {
    case CONTENT_TAG.control:
      return { interfaceVersion, content: { kind: 'control', request: decodeControlRequest(b.subarray(2)) } };
    case CONTENT_TAG.providerData:
      return {
        interfaceVersion,
        content: { kind: 'providerData', request: decodeSocks5Request(b.subarray(2)) },
      };
    default:
      throw new UnknownTagError('provider request tag', b[1]);
  }
}

/** The whole message of a socks5 request at the given versions (what a SOCKS client sends). */
export function encodeSocks5ProviderRequest(
  versions: { readonly interface: Version; readonly protocol: Version },
  content: Socks5RequestContent,
): Uint8Array {
  return encodeProviderRequest({
    interfaceVersion: versions.interface,
    content: { kind: 'providerData', request: { protocolVersion: versions.protocol, content } },
  });
}
