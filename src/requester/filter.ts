/**
 * Which hosts the requester opens connections to: its allow list (`allowed.list`, reloaded
 * when the file changes), an optional standard list fetched from a URL and refreshed, the
 * open-proxy flag, and `unknown.list`, where every refused host is appended once so an
 * operator can copy it over (Nym: service-providers/network-requester, the allowed_hosts
 * filter up to 2024, and `DEFAULT_STANDARD_LIST_UPDATE_INTERVAL` of 30 minutes).
 *
 * Names are resolved here, once, and the connection goes to the addresses checked: a name
 * that the list allows but that resolves to a loopback, private or link-local address is
 * refused unless the list names that address too, open proxy or not (otherwise any client
 * could reach the requester's own network through a public name pointing there).
 */
import { lookup } from 'node:dns/promises';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  statSync,
  writeFileSync,
  type Stats,
} from 'node:fs';
import { dirname } from 'node:path';
import { ipToString, parseIp, type RemoteAddress } from '../socks5/protocol/index.js';
import {
  EMPTY_ALLOW_LIST,
  allowsHost,
  allowsIp,
  isSpecialAddress,
  mergeAllowLists,
  parseAllowList,
  unknownListEntry,
  type AllowList,
} from './allow-list.js';
import type { RequesterLogger } from '../socks5/protocol/drops.js';

export interface FilterOptions {
  readonly allowedListPath: string;
  readonly unknownListPath: string;
  readonly openProxy: boolean;
  /** Poll interval of allowed.list for changes (ms). */
  readonly reloadMs: number;
  /** A standard list to fetch and merge ("" for none), and how often to refresh it (ms). */
  readonly standardListUrl: string;
  readonly standardListRefreshMs: number;
  /** unknown.list stops growing beyond this many entries. */
  readonly maxUnknownEntries: number;
  /** Name resolution (default: the system resolver, every address). */
  readonly resolve?: (name: string) => Promise<Uint8Array[]>;
  readonly log: RequesterLogger;
}

export type FilterDecision =
  | { readonly allowed: true; readonly addresses: readonly string[] }
  | { readonly allowed: false; readonly reason: 'filtered' | 'unreachable'; readonly detail: string };

async function systemResolve(name: string): Promise<Uint8Array[]> {
  const found = await lookup(name, { all: true, verbatim: true });
  return found.map((a) => parseIp(a.address)).filter((b): b is Uint8Array => b !== undefined);
}

export class RequestFilter {
  private local: AllowList = EMPTY_ALLOW_LIST;
  private standard: AllowList = EMPTY_ALLOW_LIST;
  private merged: AllowList = EMPTY_ALLOW_LIST;
  private readonly unknown = new Set<string>();
  private unknownFull = false;
  private standardTimer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  private readonly resolveName: (name: string) => Promise<Uint8Array[]>;
  /** allowed.list as it was when read: a change of time, size or inode means read it again. */
  private loaded: Pick<Stats, 'mtimeMs' | 'size' | 'ino'> | undefined;
  private readonly poll: ReturnType<typeof setInterval>;
  /** Counts of decisions, for logs and metrics. */
  readonly stats = { allowed: 0, refused: 0, reloads: 0, reloadFailures: 0, unresolved: 0 };

  constructor(private readonly o: FilterOptions) {
    this.resolveName = o.resolve ?? systemResolve;
    for (const f of [o.allowedListPath, o.unknownListPath])
      if (!existsSync(f)) {
        mkdirSync(dirname(f), { recursive: true });
        writeFileSync(f, '');
      }
    for (const line of readFileSync(o.unknownListPath, 'utf8').split(/\r?\n/))
      if (line.trim() && this.unknown.size < o.maxUnknownEntries) this.unknown.add(line.trim());
    this.reload();
    this.poll = setInterval(() => this.reloadIfChanged(), o.reloadMs);
    this.poll.unref();
    if (o.standardListUrl) void this.refreshStandardList();
  }

  get openProxy(): boolean {
    return this.o.openProxy;
  }

  /** The lists as they are now (allowed.list merged with the standard list). */
  get allowList(): AllowList {
    return this.merged;
  }

  private reloadIfChanged(): void {
    let st: Stats;
    try {
      st = statSync(this.o.allowedListPath);
    } catch {
      return; // gone for a moment (an editor replacing it): the previous list stays
    }
    const l = this.loaded;
    if (!l || st.mtimeMs !== l.mtimeMs || st.size !== l.size || st.ino !== l.ino) this.reload();
  }

  /** Re-reads allowed.list; on failure the previous list stays. Returns whether it was read. */
  reload(): boolean {
    let text: string;
    try {
      // the state read with the text, so that a write after this read is seen as a change
      this.loaded = statSync(this.o.allowedListPath);
      text = readFileSync(this.o.allowedListPath, 'utf8');
    } catch (e) {
      this.stats.reloadFailures++;
      this.o.log.warn(
        { err: (e as Error).message, file: this.o.allowedListPath },
        'allow list unreadable; keeping the previous one',
      );
      return false;
    }
    const { list, invalid } = parseAllowList(text);
    for (const bad of invalid)
      this.o.log.warn(
        { file: this.o.allowedListPath, line: bad.line, entry: bad.text },
        'allow list: not a host, skipped',
      );
    this.local = list;
    this.merged = mergeAllowLists(this.local, this.standard);
    this.stats.reloads++;
    this.o.log.info(
      { domains: list.domains.size, wildcards: list.wildcards.size, nets: list.nets.length },
      'allow list loaded',
    );
    return true;
  }

  private async refreshStandardList(): Promise<void> {
    try {
      const r = await fetch(this.o.standardListUrl, { signal: AbortSignal.timeout(10_000) });
      if (!r.ok) throw new Error(`HTTP ${r.status}`);
      const { list } = parseAllowList(await r.text(), { splitWhitespace: true });
      this.standard = list;
      this.merged = mergeAllowLists(this.local, this.standard);
      this.o.log.info({ url: this.o.standardListUrl, domains: list.domains.size }, 'standard list refreshed');
    } catch (e) {
      this.o.log.warn(
        { url: this.o.standardListUrl, err: (e as Error).message },
        'standard list not refreshed',
      );
    }
    if (!this.closed) {
      this.standardTimer = setTimeout(() => void this.refreshStandardList(), this.o.standardListRefreshMs);
      this.standardTimer.unref();
    }
  }

  private refuse(remote: RemoteAddress, detail: string): FilterDecision {
    this.stats.refused++;
    const entry = unknownListEntry(remote);
    if (!this.unknown.has(entry)) {
      if (this.unknown.size < this.o.maxUnknownEntries) {
        this.unknown.add(entry);
        try {
          appendFileSync(this.o.unknownListPath, `${entry}\n`);
        } catch (e) {
          this.o.log.warn({ err: (e as Error).message }, 'unknown list not written');
        }
      } else if (!this.unknownFull) {
        this.unknownFull = true;
        this.o.log.warn(
          { max: this.o.maxUnknownEntries },
          'unknown list is full; refused hosts are no longer added',
        );
      }
    }
    this.o.log.info(
      { host: remote.host, detail },
      'refused outbound connection (add it to allowed.list if needed)',
    );
    return { allowed: false, reason: 'filtered', detail };
  }

  /** Whether to connect to `remote`, and to which addresses. */
  async check(remote: RemoteAddress): Promise<FilterDecision> {
    const list = this.merged;
    if (remote.type !== 'domain') {
      const ok = allowsIp(list, remote.bytes) || (this.o.openProxy && !isSpecialAddress(remote.bytes));
      if (!ok) return this.refuse(remote, 'address not allowed');
      this.stats.allowed++;
      return { allowed: true, addresses: [ipToString(remote.bytes)] };
    }
    if (!this.o.openProxy && !allowsHost(list, remote)) return this.refuse(remote, 'domain not allowed');
    let resolved: Uint8Array[];
    try {
      resolved = await this.resolveName(remote.host);
    } catch (e) {
      this.stats.unresolved++;
      return {
        allowed: false,
        reason: 'unreachable',
        detail: (e as { code?: string }).code ?? (e as Error).message,
      };
    }
    const usable = resolved.filter((ip) => !isSpecialAddress(ip) || allowsIp(list, ip));
    if (usable.length === 0)
      return resolved.length === 0
        ? { allowed: false, reason: 'unreachable', detail: 'no address' }
        : this.refuse(remote, 'resolves only to addresses that are not allowed');
    this.stats.allowed++;
    return { allowed: true, addresses: usable.map(ipToString) };
  }

  close(): void {
    this.closed = true;
    clearInterval(this.poll);
    if (this.standardTimer) clearTimeout(this.standardTimer);
  }
}
