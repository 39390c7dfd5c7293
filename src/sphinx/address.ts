/**
 * Nym's node routing address (nym-sphinx-addressing `NymNodeRoutingAddress`) in the 32-byte
 * Sphinx address field:
 *
 *   IPv4: 0x04 || port (u16 BE) || ip (4)  || 25 zero bytes   (7 bytes used)
 *   IPv6: 0x06 || port (u16 BE) || ip (16) || 13 zero bytes   (19 bytes used)
 *
 * Like Nym, decoding ignores the padding bytes after the used prefix.
 */
import { NODE_ADDRESS_LENGTH } from './geometry.js';
import { InvalidNodeAddressError, WrongSizeError } from './errors.js';

/** A node's socket address. `host` is an IPv4 dotted quad or an IPv6 literal. */
export interface NodeSocketAddress {
  host: string;
  port: number;
}

/** A decoded node address: the socket address plus its IP family. */
export interface DecodedNodeAddress extends NodeSocketAddress {
  family: 4 | 6;
}

const IPV4_TAG = 4;
const IPV6_TAG = 6;

/** Dotted IPv4 (no leading zeros, as Rust's `Ipv4Addr::from_str`), or null. */
export function parseIpv4(s: string): Uint8Array | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i];
    if (!/^\d{1,3}$/.test(p) || (p.length > 1 && p[0] === '0')) return null;
    const v = Number(p);
    if (v > 255) return null;
    out[i] = v;
  }
  return out;
}

/** IPv6 text forms (RFC 4291: `::`, a dotted IPv4 tail, optional brackets), or null. */
export function parseIpv6(input: string): Uint8Array | null {
  let s = input;
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  if (s.length === 0 || s.includes('%')) return null;
  // an embedded IPv4 tail (e.g. ::ffff:1.2.3.4) counts as two groups
  let tail: Uint8Array | null = null;
  const lastColon = s.lastIndexOf(':');
  if (lastColon >= 0 && s.slice(lastColon + 1).includes('.')) {
    tail = parseIpv4(s.slice(lastColon + 1));
    if (!tail) return null;
    s = s.slice(0, lastColon + 1) + '0:0';
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const parseGroups = (h: string): number[] | null => {
    if (h === '') return [];
    const groups = h.split(':');
    const out: number[] = [];
    for (const g of groups) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = parseGroups(halves[0]);
  const rest = halves.length === 2 ? parseGroups(halves[1]) : [];
  if (!head || !rest) return null;
  let groups: number[];
  if (halves.length === 2) {
    if (head.length + rest.length > 7) return null;
    groups = [...head, ...new Array<number>(8 - head.length - rest.length).fill(0), ...rest];
  } else {
    if (head.length !== 8) return null;
    groups = head;
  }
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    out[2 * i] = groups[i] >> 8;
    out[2 * i + 1] = groups[i] & 0xff;
  }
  if (tail) out.set(tail, 12);
  return out;
}

/** RFC 5952 text form: lowercase, longest run (>= 2) of zero groups shortened to `::`. */
export function formatIpv6(b: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push((b[2 * i] << 8) | b[2 * i + 1]);
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (g: number[]) => g.map((x) => x.toString(16)).join(':');
  if (bestLen < 2) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLen))}`;
}

/** Encode a socket address into Nym's 32-byte node address. */
export function encodeNodeAddress(addr: NodeSocketAddress): Uint8Array {
  if (addr === null || typeof addr !== 'object' || typeof addr.host !== 'string') {
    throw new InvalidNodeAddressError('host must be a string');
  }
  const { host, port } = addr;
  if (!Number.isInteger(port) || port < 0 || port > 0xffff) {
    throw new InvalidNodeAddressError(`port ${String(port)} is not in 0..65535`);
  }
  const out = new Uint8Array(NODE_ADDRESS_LENGTH);
  out[1] = port >> 8;
  out[2] = port & 0xff;
  const v4 = parseIpv4(host);
  if (v4) {
    out[0] = IPV4_TAG;
    out.set(v4, 3);
    return out;
  }
  const v6 = parseIpv6(host);
  if (v6) {
    out[0] = IPV6_TAG;
    out.set(v6, 3);
    return out;
  }
  throw new InvalidNodeAddressError(`host ${JSON.stringify(host)} is not an IPv4 or IPv6 literal`);
}

/** Decode Nym's 32-byte node address. Throws `WrongSizeError` or `InvalidNodeAddressError`. */
export function decodeNodeAddress(bytes: Uint8Array): DecodedNodeAddress {
  if (!(bytes instanceof Uint8Array)) throw new InvalidNodeAddressError('address must be a Uint8Array');
  if (bytes.length !== NODE_ADDRESS_LENGTH)
    throw new WrongSizeError('node address', NODE_ADDRESS_LENGTH, bytes.length);
  const port = (bytes[1] << 8) | bytes[2];
  switch (bytes[0]) {
    case IPV4_TAG:
      return { family: 4, host: `${bytes[3]}.${bytes[4]}.${bytes[5]}.${bytes[6]}`, port };
    case IPV6_TAG:
      return { family: 6, host: formatIpv6(bytes.subarray(3, 19)), port };
    default:
      throw new InvalidNodeAddressError(`unknown IP version tag ${bytes[0]}`);
  }
}
