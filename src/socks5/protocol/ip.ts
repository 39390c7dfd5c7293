/**
 * IP addresses as bytes, without node:net (this room is pure): strict parsing of dotted
 * IPv4 (no leading zeros, as Rust's `Ipv4Addr::from_str`) and of IPv6 (RFC 4291 text forms,
 * `::` and a trailing dotted IPv4), RFC 5952 formatting, and prefix matching for CIDR.
 */

/** 4 or 16 bytes, or undefined when `s` is not an IPv4 address. */
export function parseIpv4(s: string): Uint8Array | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i];
    if (!/^[0-9]{1,3}$/.test(p) || (p.length > 1 && p[0] === '0')) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out[i] = n;
  }
  return out;
}

export function parseIpv6(s: string): Uint8Array | undefined {
  if (s.length < 2 || s.length > 45) return undefined;
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  // groups of one half; a dotted IPv4 may end the address and counts as two groups
  const parseHalf = (part: string, endsAddress: boolean): number[] | undefined => {
    if (part === '') return [];
    const texts = part.split(':');
    const out: number[] = [];
    for (let i = 0; i < texts.length; i++) {
      const g = texts[i];
      if (endsAddress && i === texts.length - 1 && g.includes('.')) {
        const v4 = parseIpv4(g);
        if (!v4) return undefined;
        out.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(g)) out.push(parseInt(g, 16));
      else return undefined;
    }
    return out;
  };
  const head = parseHalf(halves[0], halves.length === 1);
  const tail = halves.length === 2 ? parseHalf(halves[1], true) : [];
  if (!head || !tail) return undefined;
  let groups: number[];
  if (halves.length === 2) {
    if (head.length + tail.length > 7) return undefined;
    groups = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  } else {
    if (head.length !== 8) return undefined;
    groups = head;
  }
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

export function parseIp(s: string): Uint8Array | undefined {
  return parseIpv4(s) ?? parseIpv6(s);
}

export function ipv4ToString(b: Uint8Array): string {
  return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
}

/** RFC 5952: lower case, the longest run (>= 2) of zero groups as `::`, the first on a tie. */
export function ipv6ToString(b: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push((b[2 * i] << 8) | b[2 * i + 1]);
  let bestStart = -1;
  let bestLen = 1;
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
  const hex = (gs: number[]) => gs.map((g) => g.toString(16)).join(':');
  if (bestStart < 0) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLen))}`;
}

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
