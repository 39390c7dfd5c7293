/**
 * Host names of bonded nodes resolved to addresses, for Nym's `ip_addresses` (Nym's nodes
 * declare their addresses; Nymph's bonds carry a host, which may be a DNS name). Answers
 * are kept for a while so a refresh every few seconds does not query DNS every time.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

/** Addresses of `host`, IPv4 first; empty when it does not resolve. */
export type HostResolver = (host: string, signal: AbortSignal) => Promise<string[]>;

export interface CachingResolverOptions {
  /** How long an answer (or a failure) is kept, ms. */
  ttlMs?: number;
  /** The lookup itself (default: the system resolver, as every Node program connects). */
  lookupAll?: (host: string) => Promise<{ address: string; family: number }[]>;
  now?: () => number;
}

export function cachingResolver(opts: CachingResolverOptions = {}): HostResolver {
  const ttl = opts.ttlMs ?? 60_000;
  const now = opts.now ?? Date.now;
  const lookupAll = opts.lookupAll ?? ((host: string) => lookup(host, { all: true }));
  const cache = new Map<string, { at: number; addresses: Promise<string[]> }>();

  const resolve = async (host: string): Promise<string[]> => {
    try {
      const found = await lookupAll(host);
      // A node listens on one family most often; Nym clients dial the first address.
      const v4 = found.filter((a) => a.family === 4).map((a) => a.address);
      const v6 = found.filter((a) => a.family === 6).map((a) => a.address);
      return [...new Set([...v4, ...v6])].filter((a) => isIP(a) !== 0);
    } catch {
      return [];
    }
  };

  return (host, signal) => {
    if (isIP(host) !== 0) return Promise.resolve([host]);
    let hit = cache.get(host);
    if (!hit || now() - hit.at > ttl) {
      hit = { at: now(), addresses: resolve(host) };
      cache.set(host, hit);
    }
    // The system lookup cannot be cancelled; stop waiting for it instead.
    return new Promise<string[]>((res, rej) => {
      if (signal.aborted) return rej(signal.reason as Error);
      const onAbort = () => rej(signal.reason as Error);
      signal.addEventListener('abort', onAbort, { once: true });
      void hit.addresses.then((a) => {
        signal.removeEventListener('abort', onAbort);
        res(a);
      });
    });
  };
}

/** Resolve every distinct non-IP host at once. */
export async function resolveHosts(
  hosts: Iterable<string>,
  resolver: HostResolver,
  signal: AbortSignal,
): Promise<Map<string, string[]>> {
  const names = [...new Set(hosts)].filter((h) => isIP(h) === 0);
  const answers = await Promise.all(names.map((h) => resolver(h, signal)));
  return new Map(names.map((h, i) => [h, answers[i]]));
}
