/**
 * Nym's allow-list format, parsed and matched (pure: text in, decisions out).
 *
 * The file (Nym: service-providers/network-requester/allowed.list.sample, and the
 * request filter that read it until 2024, src/request_filter/allowed_hosts/{hosts,host,
 * group,filter}.rs): one host per line; `#` starts a comment; blank lines are skipped.
 *
 *   example.com          the domain and every subdomain (Nym matched a request's root domain)
 *   *.example.com        subdomains only (Nymph's explicit wildcard)
 *   1.2.3.4  ::1         one address (IPv4, IPv6; brackets allowed)
 *   10.0.0.0/8  fc00::/7 CIDR ranges
 *
 * Where Nymph differs: Nym reduced a requested domain to its root with the public suffix
 * list (fetched at start), so an entry `sub.example.com` never matched; here an entry
 * matches itself and what lies below it, which needs no download and agrees with Nym for
 * every root-domain entry. A line that is neither a host name nor an address is reported
 * (Nym kept it as a "domain" that nothing matched).
 */
import {
  ipToString,
  normalizeDomain,
  parseIp,
  prefixMatches,
  unmapIpv4,
  type RemoteHost,
} from '../socks5/protocol/index.js';

export interface IpNet {
  readonly bytes: Uint8Array;
  readonly prefix: number;
}

export interface AllowList {
  /** Domains allowed with their subdomains. */
  readonly domains: ReadonlySet<string>;
  /** Domains whose subdomains (only) are allowed. */
  readonly wildcards: ReadonlySet<string>;
  readonly nets: readonly IpNet[];
}

export interface ParsedAllowList {
  readonly list: AllowList;
  /** Lines that are neither a host name nor an address, with their line numbers. */
  readonly invalid: readonly { readonly line: number; readonly text: string }[];
}

export const EMPTY_ALLOW_LIST: AllowList = { domains: new Set(), wildcards: new Set(), nets: [] };

/** Nym's `trim_comment`: what comes before `#`, trimmed; undefined when nothing is left. */
export function trimComment(line: string): string | undefined {
  const content = line.split('#', 1)[0].trim();
  return content === '' ? undefined : content;
}

/** An address or CIDR range (`1.2.3.0/24`, `[::1]`, `2001:db8::/32`), or undefined. */
export function parseIpNet(entry: string): IpNet | undefined {
  const slash = entry.indexOf('/');
  let addr = slash < 0 ? entry : entry.slice(0, slash);
  if (addr.startsWith('[') && addr.endsWith(']')) addr = addr.slice(1, -1);
  const bytes = parseIp(addr);
  if (!bytes) return undefined;
  if (slash < 0) return { bytes, prefix: bytes.length * 8 };
  const p = entry.slice(slash + 1);
  if (!/^[0-9]{1,3}$/.test(p) || Number(p) > bytes.length * 8) return undefined;
  return { bytes, prefix: Number(p) };
}

/**
 * One entry per line (allowed.list, as Nym read it: the whole trimmed line), or, with
 * `splitWhitespace`, any whitespace between entries (Nym's standard list).
 */
export function parseAllowList(text: string, o: { splitWhitespace?: boolean } = {}): ParsedAllowList {
  const domains = new Set<string>();
  const wildcards = new Set<string>();
  const nets: IpNet[] = [];
  const invalid: { line: number; text: string }[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const content = trimComment(raw);
    if (content === undefined) return;
    for (const entry of o.splitWhitespace ? content.split(/\s+/) : [content]) {
      const net = parseIpNet(entry);
      if (net) {
        nets.push(net);
        continue;
      }
      const wild = entry.startsWith('*.') ? normalizeDomain(entry.slice(2)) : undefined;
      if (wild) {
        wildcards.add(wild);
        continue;
      }
      const domain = normalizeDomain(entry);
      if (domain && !/^[0-9.]+$/.test(domain)) domains.add(domain);
      else invalid.push({ line: i + 1, text: entry.slice(0, 200) });
    }
  });
  return { list: { domains, wildcards, nets }, invalid };
}

/** Whether `list` allows a domain (its own entry or one of a parent) or an address. */
export function allowsHost(list: AllowList, host: RemoteHost): boolean {
  if (host.type !== 'domain') return allowsIp(list, host.bytes);
  const labels = host.host.split('.');
  for (let i = 0; i < labels.length; i++) {
    const suffix = labels.slice(i).join('.');
    if (list.domains.has(suffix)) return true;
    if (i > 0 && list.wildcards.has(suffix)) return true;
  }
  return false;
}

export function allowsIp(list: AllowList, ip: Uint8Array): boolean {
  const plain = unmapIpv4(ip);
  return list.nets.some(
    (n) => prefixMatches(n.bytes, n.prefix, plain) || prefixMatches(n.bytes, n.prefix, ip),
  );
}

/** Both lists at once (the operator's list, then the standard list). */
export function mergeAllowLists(a: AllowList, b: AllowList): AllowList {
  return {
    domains: new Set([...a.domains, ...b.domains]),
    wildcards: new Set([...a.wildcards, ...b.wildcards]),
    nets: [...a.nets, ...b.nets],
  };
}

/** What goes into unknown.list for a refused host: the domain as asked, or the address. */
export function unknownListEntry(host: RemoteHost): string {
  return host.type === 'domain' ? host.host : ipToString(unmapIpv4(host.bytes));
}

/**
 * Addresses no public service has: loopback, private, link-local, CGNAT, multicast,
 * unspecified and reserved. A name that resolves to one of them is refused unless the list
 * names that address itself (a public name pointing at the requester's own network).
 */
const SPECIAL_NETS: readonly IpNet[] = [
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.0.0.0/24',
  '192.168.0.0/16',
  '198.18.0.0/15',
  '224.0.0.0/4',
  '240.0.0.0/4',
  '::/128',
  '::1/128',
  'fc00::/7',
  'fe80::/10',
  'ff00::/8',
].map((s) => parseIpNet(s)!);

export function isSpecialAddress(ip: Uint8Array): boolean {
  const plain = unmapIpv4(ip);
  return SPECIAL_NETS.some((n) => prefixMatches(n.bytes, n.prefix, plain));
}
