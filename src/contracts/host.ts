/**
 * Host names and IP addresses as the mixnet contract accepts them for a node's `host`
 * (Nym: `mixnet-contract` validates the host as an IP or a DNS name). Pure; shared by the
 * contract, the topology validator and anything that checks a node's advertised address.
 */

/** A DNS name is at most 253 characters (RFC 1035 §2.3.4, without the trailing dot). */
export const MAX_HOST_LEN = 253;

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const LABEL = /^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/;

export function isValidIpv6(s: string): boolean {
  if (!/^[0-9a-fA-F:.]+$/.test(s) || s.length > 45) return false;
  const dbl = s.split('::');
  if (dbl.length > 2) return false;
  const groups = (part: string): string[] | null => {
    if (part === '') return [];
    const g = part.split(':');
    return g.some((x) => x === '') ? null : g;
  };
  const head = groups(dbl[0]);
  const tail = dbl.length === 2 ? groups(dbl[1]) : [];
  if (!head || !tail) return false;
  const all = [...head, ...tail];
  let count = 0;
  for (let i = 0; i < all.length; i++) {
    const g = all[i];
    if (g.includes('.')) {
      // An embedded IPv4 tail counts as two groups and must be last.
      if (i !== all.length - 1 || !IPV4.test(g)) return false;
      count += 2;
    } else {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return false;
      count += 1;
    }
  }
  return dbl.length === 2 ? count < 8 : count === 8;
}

/** An IPv4 address, an IPv6 address, or a DNS host name. */
export function isValidHost(s: string): boolean {
  if (s.length === 0 || s.length > MAX_HOST_LEN) return false;
  if (IPV4.test(s)) return true;
  if (s.includes(':')) return isValidIpv6(s);
  // All-numeric dotted strings that are not IPv4 (e.g. 300.1.1.1) are refused.
  if (/^[\d.]+$/.test(s)) return false;
  const name = s.endsWith('.') ? s.slice(0, -1) : s;
  return name.split('.').every((l) => LABEL.test(l));
}
