/**
 * IP addresses as bytes, without node:net (this room is pure): src/sphinx's strict parsing of dotted
 * IPv4 (no leading zeros, as Rust's `Ipv4Addr::from_str`) and of IPv6 (RFC 4291 text forms,
 * `::` and a trailing dotted IPv4), RFC 5952 formatting, and prefix matching for CIDR.
 */
import {
  formatIpv6,
  parseIpv4 as sphinxParseIpv4,
  parseIpv6 as sphinxParseIpv6,
} from '../../sphinx/address.js';

/** 4 bytes, or undefined when `s` is not a dotted IPv4 address (src/sphinx's parser). */
export function parseIpv4(s: string): Uint8Array | undefined {
  return sphinxParseIpv4(s) ?? undefined;
}

/** 16 bytes, or undefined; a bracketed form is a `host:port` matter, not an address here. */
export function parseIpv6(s: string): Uint8Array | undefined {
  if (s.startsWith('[')) return undefined;
  return sphinxParseIpv6(s) ?? undefined;
}

export function parseIp(s: string): Uint8Array | undefined {
  return parseIpv4(s) ?? parseIpv6(s);
}

export function ipv4ToString(b: Uint8Array): string {
  return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
}

/** RFC 5952: lower case, the longest run (>= 2) of zero groups as `::`. */
export const ipv6ToString = formatIpv6;

export function ipToString(b: Uint8Array): string {
  return b.length === 4 ? ipv4ToString(b) : ipv6ToString(b);
}

/** Whether the first `prefix` bits of `addr` and `net` agree (same family only). */
export function prefixMatches(net: Uint8Array, prefix: number, addr: Uint8Array): boolean {
  if (net.length !== addr.length) return false;
  let bits = prefix;
  for (let i = 0; i < net.length && bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((net[i] & mask) !== (addr[i] & mask)) return false;
  }
  return true;
}

/** `::ffff:a.b.c.d` as its IPv4 address, anything else unchanged. */
export function unmapIpv4(b: Uint8Array): Uint8Array {
  if (b.length !== 16) return b;
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return b;
  if (b[10] !== 0xff || b[11] !== 0xff) return b;
  return b.slice(12);
}
