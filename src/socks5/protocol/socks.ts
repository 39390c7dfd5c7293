/**
 * The app side of the SOCKS client: SOCKS5 (RFC 1928, no authentication), SOCKS4 and
 * SOCKS4a, as a pure state machine fed with the bytes an app sends. It answers with the
 * bytes to write back and, once a CONNECT is complete, the target. Nym's version:
 * common/socks5-client-core/src/socks/{client,request,types}.rs.
 *
 * SOCKS5  app:    05 ‖ nmethods ‖ methods...
 *         server: 05 ‖ 00 (no authentication) | 05 ‖ FF (no acceptable method, then close)
 *         app:    05 ‖ cmd ‖ 00 ‖ atyp ‖ addr ‖ port (u16 BE)
 *                 atyp 01: IPv4 (4) | 03: length (1) ‖ domain | 04: IPv6 (16)
 *         server: 05 ‖ rep ‖ 00 ‖ 01 ‖ bind address (4) ‖ bind port (2)
 * SOCKS4  app:    04 ‖ cmd ‖ port (u16 BE) ‖ IPv4 (4) ‖ user id ‖ 00
 *                 SOCKS4a: IPv4 0.0.0.x (x != 0), then domain ‖ 00 after the user id
 *         server: 00 ‖ 5A granted | 5B rejected ‖ port (2) ‖ IPv4 (4)
 *
 * Only CONNECT is served; BIND and UDP ASSOCIATE get "command not supported" (SOCKS5 07,
 * SOCKS4 5B), an unknown address type 08, and every malformed handshake a refusal before
 * the connection is closed. The handshake never holds more than a few hundred bytes.
 */
import {
  SocksAddressTypeUnsupportedError,
  SocksCommandUnsupportedError,
  SocksFieldTooLongError,
  SocksMalformedError,
  SocksNoAcceptableMethodError,
  SocksVersionError,
  type Socks5ProtocolError,
} from './errors.js';
import { ipv4ToString, ipv6ToString } from './ip.js';
import { normalizeDomain, type RemoteAddress } from './address.js';
import { concatBytes, utf8Lossy } from './version.js';

export const SOCKS4_VERSION = 0x04;
export const SOCKS5_VERSION = 0x05;
export const METHOD_NO_AUTH = 0x00;
export const METHOD_NONE_ACCEPTABLE = 0xff;
export const COMMAND = { connect: 1, bind: 2, udpAssociate: 3 } as const;
export const ADDRESS_TYPE = { ipv4: 1, domain: 3, ipv6: 4 } as const;

/** SOCKS5 reply codes (RFC 1928 section 6). */
export const SOCKS5_REPLY = {
  succeeded: 0x00,
  generalFailure: 0x01,
  notAllowedByRuleset: 0x02,
  networkUnreachable: 0x03,
  hostUnreachable: 0x04,
  connectionRefused: 0x05,
  ttlExpired: 0x06,
  commandNotSupported: 0x07,
  addressTypeNotSupported: 0x08,
} as const;
export type Socks5ReplyCode = (typeof SOCKS5_REPLY)[keyof typeof SOCKS5_REPLY];

/** SOCKS4 reply codes. */
export const SOCKS4_REPLY = { granted: 0x5a, rejected: 0x5b } as const;

/** Longest SOCKS4 user id or SOCKS4a domain read (bytes before the terminating zero). */
export const MAX_SOCKS4_FIELD = 255;

export type SocksStep =
  /** Nothing more to do until more bytes arrive. */
  | { readonly kind: 'more' }
  /** Write these bytes and go on (the SOCKS5 method selection). */
  | { readonly kind: 'reply'; readonly bytes: Uint8Array }
  /** A complete CONNECT; `rest` is whatever the app sent after it (early data). */
  | {
      readonly kind: 'connect';
      readonly version: 4 | 5;
      readonly target: RemoteAddress;
      readonly rest: Uint8Array;
    }
  /** Write `bytes` (when any) and close: the handshake failed. */
  | { readonly kind: 'refuse'; readonly bytes?: Uint8Array; readonly error: Socks5ProtocolError };

/** A SOCKS5 reply with an unspecified IPv4 bind address (0.0.0.0:0). */
export function socks5Reply(code: number): Uint8Array {
  return Uint8Array.of(SOCKS5_VERSION, code, 0x00, ADDRESS_TYPE.ipv4, 0, 0, 0, 0, 0, 0);
}

/** A SOCKS4 reply: version byte 0, then the code, port and address (zero here). */
export function socks4Reply(granted: boolean): Uint8Array {
  return Uint8Array.of(0x00, granted ? SOCKS4_REPLY.granted : SOCKS4_REPLY.rejected, 0, 0, 0, 0, 0, 0);
}

/** The reply for a failed CONNECT in the app's SOCKS version. */
export function failureReply(version: 4 | 5, code: Socks5ReplyCode): Uint8Array {
  return version === 5 ? socks5Reply(code) : socks4Reply(false);
}

export function successReply(version: 4 | 5): Uint8Array {
  return version === 5 ? socks5Reply(SOCKS5_REPLY.succeeded) : socks4Reply(true);
}

type Phase = 'start' | 'socks5-request' | 'done';

export class SocksHandshake {
  private buf: Uint8Array = new Uint8Array(0);
  private phase: Phase = 'start';

  /** Feed the app's bytes; returns the steps they complete, the last one 'more', 'connect' or 'refuse'. */
  feed(chunk: Uint8Array): SocksStep[] {
    if (this.phase === 'done') return [{ kind: 'more' }];
    this.buf = this.buf.length ? concatBytes(this.buf, chunk) : chunk;
    const steps: SocksStep[] = [];
    for (;;) {
      const step = this.phase === 'start' ? this.parseStart() : this.parseSocks5Request();
      steps.push(step);
      if (step.kind !== 'reply') {
        if (step.kind !== 'more') this.phase = 'done';
        return steps;
      }
    }
  }

  private consume(n: number): void {
    this.buf = this.buf.subarray(n);
  }

  private parseStart(): SocksStep {
    const b = this.buf;
    if (b.length < 1) return { kind: 'more' };
    if (b[0] === SOCKS5_VERSION) {
      if (b.length < 2) return { kind: 'more' };
      const n = b[1];
      if (b.length < 2 + n) return { kind: 'more' };
      const methods = [...b.subarray(2, 2 + n)];
      this.consume(2 + n);
      if (!methods.includes(METHOD_NO_AUTH))
        return {
          kind: 'refuse',
          bytes: Uint8Array.of(SOCKS5_VERSION, METHOD_NONE_ACCEPTABLE),
          error: new SocksNoAcceptableMethodError(methods),
        };
      this.phase = 'socks5-request';
      return { kind: 'reply', bytes: Uint8Array.of(SOCKS5_VERSION, METHOD_NO_AUTH) };
    }
    if (b[0] === SOCKS4_VERSION) return this.parseSocks4();
    // no reply: the app does not speak a version we could answer in
    return { kind: 'refuse', error: new SocksVersionError(b[0]) };
  }

  private parseSocks4(): SocksStep {
    const b = this.buf;
    if (b.length < 8) return { kind: 'more' };
    const refuse = (error: Socks5ProtocolError): SocksStep => ({
      kind: 'refuse',
      bytes: socks4Reply(false),
      error,
    });
    const cmd = b[1];
    const port = (b[2] << 8) | b[3];
    const ip = b.subarray(4, 8);
    const userEnd = zeroWithin(b, 8);
    if (userEnd === 'too-long') return refuse(new SocksFieldTooLongError('user id'));
    if (userEnd === undefined) return { kind: 'more' };
    let end = userEnd + 1;
    let host: RemoteAddress;
    // SOCKS4a: 0.0.0.x with x != 0 means "a domain follows"
    if (ip[0] === 0 && ip[1] === 0 && ip[2] === 0 && ip[3] !== 0) {
      const domainEnd = zeroWithin(b, end);
      if (domainEnd === 'too-long') return refuse(new SocksFieldTooLongError('domain'));
      if (domainEnd === undefined) return { kind: 'more' };
      const name = normalizeDomain(utf8Lossy.decode(b.subarray(end, domainEnd)));
      end = domainEnd + 1;
      if (!name) return refuse(new SocksMalformedError('SOCKS4a domain is not a host name'));
      host = { type: 'domain', host: name, port };
    } else host = { type: 'ipv4', host: ipv4ToString(ip), bytes: ip.slice(), port };
    if (cmd !== COMMAND.connect) return refuse(new SocksCommandUnsupportedError(cmd));
    if (port === 0) return refuse(new SocksMalformedError('port 0'));
    const rest = b.slice(end);
    this.consume(b.length);
    return { kind: 'connect', version: 4, target: host, rest };
  }

  private parseSocks5Request(): SocksStep {
    const b = this.buf;
    if (b.length < 4) return { kind: 'more' };
    const refuse = (code: number, error: Socks5ProtocolError): SocksStep => ({
      kind: 'refuse',
      bytes: socks5Reply(code),
      error,
    });
    if (b[0] !== SOCKS5_VERSION) return refuse(SOCKS5_REPLY.generalFailure, new SocksVersionError(b[0]));
    const cmd = b[1];
    const atyp = b[3];
    let addrEnd: number;
    let host: { type: 'ipv4' | 'ipv6' | 'domain'; host: string; bytes?: Uint8Array };
    if (atyp === ADDRESS_TYPE.ipv4) {
      addrEnd = 4 + 4;
      if (b.length < addrEnd + 2) return { kind: 'more' };
      const ip = b.slice(4, 8);
      host = { type: 'ipv4', host: ipv4ToString(ip), bytes: ip };
    } else if (atyp === ADDRESS_TYPE.ipv6) {
      addrEnd = 4 + 16;
      if (b.length < addrEnd + 2) return { kind: 'more' };
      const ip = b.slice(4, 20);
      host = { type: 'ipv6', host: ipv6ToString(ip), bytes: ip };
    } else if (atyp === ADDRESS_TYPE.domain) {
      if (b.length < 5) return { kind: 'more' };
      addrEnd = 5 + b[4];
      if (b.length < addrEnd + 2) return { kind: 'more' };
      const name = normalizeDomain(utf8Lossy.decode(b.subarray(5, addrEnd)));
      if (!name)
        return refuse(SOCKS5_REPLY.generalFailure, new SocksMalformedError('domain is not a host name'));
      host = { type: 'domain', host: name };
    } else {
      return refuse(SOCKS5_REPLY.addressTypeNotSupported, new SocksAddressTypeUnsupportedError(atyp));
    }
    if (cmd !== COMMAND.connect)
      return refuse(SOCKS5_REPLY.commandNotSupported, new SocksCommandUnsupportedError(cmd));
    const port = (b[addrEnd] << 8) | b[addrEnd + 1];
    if (port === 0) return refuse(SOCKS5_REPLY.generalFailure, new SocksMalformedError('port 0'));
    const rest = b.slice(addrEnd + 2);
    this.consume(b.length);
    return { kind: 'connect', version: 5, target: { ...host, port } as RemoteAddress, rest };
  }
}

/** Index of the first zero at or after `from`, 'too-long' past the field limit, undefined if not yet here. */
function zeroWithin(b: Uint8Array, from: number): number | 'too-long' | undefined {
  const limit = Math.min(b.length, from + MAX_SOCKS4_FIELD + 1);
  for (let i = from; i < limit; i++) if (b[i] === 0) return i;
  return b.length > from + MAX_SOCKS4_FIELD ? 'too-long' : undefined;
}
