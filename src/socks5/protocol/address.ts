/**
 * The remote address of a Connect: `host:port` text, as the SOCKS client writes it and the
 * requester reads it (Nym: common/socks5-client-core/src/socks/utils.rs
 * `pretty_print_addr`, request.rs `address_string`).
 *
 *   domain  "example.com:443"    (resolved by the requester: `curl --socks5-hostname`, SOCKS4a)
 *   IPv4    "93.184.216.34:80"
 *   IPv6    "[2001:db8::1]:443"  (Nym's client writes the eight groups without brackets,
 *                                 "2001:db8:0:0:0:0:0:1:443"; the parser reads both)
 */
import { InvalidRemoteAddressError } from './errors.js';
import { ipv4ToString, ipv6ToString, parseIpv4, parseIpv6 } from './ip.js';

export type RemoteHost =
  | { readonly type: 'domain'; readonly host: string }
  | { readonly type: 'ipv4'; readonly host: string; readonly bytes: Uint8Array }
  | { readonly type: 'ipv6'; readonly host: string; readonly bytes: Uint8Array };

export type RemoteAddress = RemoteHost & { readonly port: number };

const MAX_DOMAIN_LEN = 253;
const LABEL = /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/;

/** A DNS name as a requester resolves it: lower case, labels of 1..63 letters, digits, `-`, `_`. */
export function normalizeDomain(name: string): string | undefined {
  let d = name.toLowerCase();
  if (d.endsWith('.')) d = d.slice(0, -1);
  if (d.length === 0 || d.length > MAX_DOMAIN_LEN) return undefined;
  return d.split('.').every((l) => LABEL.test(l)) ? d : undefined;
}

/** A host in any of the three forms, checked (a domain is normalised to lower case). */
export function parseRemoteHost(host: string): RemoteHost | undefined {
  let h = host;
  if (h.startsWith('[') && h.endsWith(']')) {
    const b = parseIpv6(h.slice(1, -1));
    return b ? { type: 'ipv6', host: ipv6ToString(b), bytes: b } : undefined;
  }
  const v4 = parseIpv4(h);
  if (v4) return { type: 'ipv4', host: ipv4ToString(v4), bytes: v4 };
  const v6 = h.includes(':') ? parseIpv6(h) : undefined;
  if (v6) return { type: 'ipv6', host: ipv6ToString(v6), bytes: v6 };
  h = normalizeDomain(h) ?? '';
  // an all-numeric dotted name is a malformed IPv4 address, not a domain
  if (!h || /^[0-9.]+$/.test(h)) return undefined;
  return { type: 'domain', host: h };
}

export function formatRemoteAddress(a: RemoteHost & { readonly port: number }): string {
  return a.type === 'ipv6' ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

/** `host:port` to a checked address; a port must be 1..65535. */
export function parseRemoteAddress(s: string): RemoteAddress {
  if (s.length > MAX_DOMAIN_LEN + 10) throw new InvalidRemoteAddressError(s, 'too long');
  const colon = s.lastIndexOf(':');
  if (colon < 0) throw new InvalidRemoteAddressError(s, 'no port');
  const portText = s.slice(colon + 1);
  if (!/^[0-9]{1,5}$/.test(portText)) throw new InvalidRemoteAddressError(s, 'port is not a number');
  const port = Number(portText);
  if (port < 1 || port > 65535) throw new InvalidRemoteAddressError(s, `port ${port} out of range`);
  const host = parseRemoteHost(s.slice(0, colon));
  if (!host) throw new InvalidRemoteAddressError(s, 'not a domain name, IPv4 or IPv6 address');
  return { ...host, port };
}
