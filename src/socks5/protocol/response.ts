/**
 * Responses from a network requester to a SOCKS client, as Nym encodes them.
 *
 * Provider interface (service-providers/common/src/interface/response.rs, `Response<T>`):
 *   versioned:  interface version (1, >= 3) ‖ tag (0x00 Control | 0x01 ProviderData) ‖ body
 *   legacy:     body only, always provider data
 *
 * Socks5 response (common/socks5/requests/src/response.rs, `Socks5Response`):
 *   versioned:  protocol version (1, >= 3) ‖ content
 *   legacy:     content only (its flag, 1 or 2, is below 3: that is how legacy is told apart)
 *
 * Content (`Socks5ResponseContent`); flags start at 1 for compatibility with the old format:
 *   NetworkData      0x01 ‖ local closed (1) ‖ conn id (u64 BE) ‖ seq (u64 BE) ‖ data  (./socket-data.ts)
 *   ConnectionError  0x02 ‖ conn id (u64 BE) ‖ message (UTF-8, strict)
 *   Query            0x03 ‖ bincode QueryResponse                                    (./query.ts)
 *
 * The requester answers in the versions of the request it answers (Nym's `RequestVersion`).
 */
import { decodeControlResponse, encodeControlResponse, type ControlResponse } from './control.js';
import {
  ControlInLegacyModeError,
  EmptyMessageError,
  LegacyMismatchError,
  MalformedTextError,
  TruncatedError,
  UnknownTagError,
} from './errors.js';
import { decodeQueryResponse, encodeQueryResponse, type QueryResponse } from './query.js';
import { decodeSocketDataResponse, encodeSocketDataResponse, type SocketData } from './socket-data.js';
import { CONTENT_TAG } from './request.js';
import {
  checkU64,
  checkVersion,
  concatBytes,
  readU64,
  utf8,
  utf8Strict,
  versionFromByte,
  writeU64,
  type Version,
} from './version.js';

export const RESPONSE_FLAG = { networkData: 1, connectionError: 2, query: 3 } as const;

export type Socks5ResponseContent =
  | { readonly kind: 'networkData'; readonly data: SocketData }
  | { readonly kind: 'connectionError'; readonly connectionId: bigint; readonly message: string }
  | { readonly kind: 'query'; readonly response: QueryResponse };

export interface Socks5Response {
  readonly protocolVersion: Version;
  readonly content: Socks5ResponseContent;
}

export type ProviderResponseContent =
  | { readonly kind: 'control'; readonly response: ControlResponse }
  | { readonly kind: 'providerData'; readonly response: Socks5Response };

export interface ProviderResponse {
  readonly interfaceVersion: Version;
  readonly content: ProviderResponseContent;
}

export function encodeResponseContent(c: Socks5ResponseContent): Uint8Array {
  switch (c.kind) {
    case 'networkData':
      return concatBytes(Uint8Array.of(RESPONSE_FLAG.networkData), encodeSocketDataResponse(c.data));
    case 'connectionError': {
      const msg = utf8.encode(c.message);
      const out = new Uint8Array(9 + msg.length);
      out[0] = RESPONSE_FLAG.connectionError;
      writeU64(out, 1, checkU64('connection id', c.connectionId));
      out.set(msg, 9);
      return out;
    }
    case 'query':
      return concatBytes(Uint8Array.of(RESPONSE_FLAG.query), encodeQueryResponse(c.response));
  }
}

export function decodeResponseContent(b: Uint8Array): Socks5ResponseContent {
  if (b.length === 0) throw new EmptyMessageError('socks5 response');
  switch (b[0]) {
    case RESPONSE_FLAG.networkData:
      return { kind: 'networkData', data: decodeSocketDataResponse(b.subarray(1)) };
    case RESPONSE_FLAG.connectionError: {
      if (b.length === 1) throw new EmptyMessageError('connection error');
      if (b.length < 9) throw new TruncatedError('connection id', 9, b.length);
      const connectionId = readU64(b, 1, 'connection id');
      let message: string;
      try {
        message = utf8Strict.decode(b.subarray(9));
      } catch {
        throw new MalformedTextError('connection error message');
      }
      return { kind: 'connectionError', connectionId, message };
    }
    case RESPONSE_FLAG.query:
      return { kind: 'query', response: decodeQueryResponse(b.subarray(1)) };
    default:
      throw new UnknownTagError('response flag', b[0]);
  }
}

export function encodeSocks5Response(r: Socks5Response): Uint8Array {
  const v = checkVersion(r.protocolVersion);
  const content = encodeResponseContent(r.content);
  return v === 'legacy' ? content : concatBytes(Uint8Array.of(v), content);
}

export function decodeSocks5Response(b: Uint8Array): Socks5Response {
  if (b.length === 0) throw new EmptyMessageError('socks5 response');
  const protocolVersion = versionFromByte(b[0]);
  const content = decodeResponseContent(protocolVersion === 'legacy' ? b : b.subarray(1));
  return { protocolVersion, content };
}

export function encodeProviderResponse(r: ProviderResponse): Uint8Array {
  const v = checkVersion(r.interfaceVersion);
  if (v === 'legacy') {
    if (r.content.kind === 'control') throw new ControlInLegacyModeError();
    // its first byte would read as an interface version: only a legacy body is legacy
    if (r.content.response.protocolVersion !== 'legacy') throw new LegacyMismatchError();
    return encodeSocks5Response(r.content.response);
  }
  const body =
    r.content.kind === 'control'
      ? encodeControlResponse(r.content.response)
      : encodeSocks5Response(r.content.response);
  return concatBytes(Uint8Array.of(v, CONTENT_TAG[r.content.kind]), body);
}

export function decodeProviderResponse(b: Uint8Array): ProviderResponse {
  if (b.length === 0) throw new EmptyMessageError('provider response');
  const interfaceVersion = versionFromByte(b[0]);
  if (interfaceVersion === 'legacy')
    return { interfaceVersion, content: { kind: 'providerData', response: decodeSocks5Response(b) } };
  if (b.length < 2) throw new TruncatedError('provider response tag', 2, b.length);
  switch (b[1]) {
    case CONTENT_TAG.control:
      return {
        interfaceVersion,
        content: { kind: 'control', response: decodeControlResponse(b.subarray(2)) },
      };
    case CONTENT_TAG.providerData:
      return {
        interfaceVersion,
        content: { kind: 'providerData', response: decodeSocks5Response(b.subarray(2)) },
      };
    default:
      throw new UnknownTagError('provider response tag', b[1]);
  }
}

/** The whole message of a socks5 response at the given versions (what a requester sends). */
export function encodeSocks5ProviderResponse(
  versions: { readonly interface: Version; readonly protocol: Version },
  content: Socks5ResponseContent,
): Uint8Array {
  return encodeProviderResponse({
    interfaceVersion: versions.interface,
    content: { kind: 'providerData', response: { protocolVersion: versions.protocol, content } },
  });
}
