/**
 * The network requester as a role: `<home>/config.toml` (the native client's sections for
 * its own mixnet client, and `[requester]`: src/requester/config.ts), `<home>/allowed.list`
 * and `<home>/unknown.list`; `init` writes them from a local network's plan, `start` runs
 * the requester (`nymph requester run`, localnet, in-process networks).
 *
 * A local network's requester allows loopback hosts only (`localhost`, 127.0.0.0/8, ::1),
 * so that tests and demos reach servers on this machine and nothing else; its allow list
 * says so. Its address is written to `<home>/address` when the config is, so that the
 * network's SOCKS clients can be pointed at it before anything runs.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pino } from 'pino';
import { fragmentLength } from '../client/client.js';
import {
  NetworkRequester,
  RequestFilter,
  RequesterConfigError,
  defaultRequesterSection,
  requesterSectionFrom,
  type RequesterSection,
} from '../requester/index.js';
import type { TomlTable } from '../node/config.js';
import type { RoleInitContext, RoleStartOptions, RunningRole } from '../roles.js';
import {
  clientSectionsTable,
  ensureClientAddress,
  localnetClientConfig,
  readServiceConfig,
  startServiceClient,
  startServiceMetrics,
  writeAddressFile,
  writeServiceConfig,
} from './service-client.js';

export const preload = () => Promise.all([import('../requester/index.js'), import('../client/index.js')]);

export const LOCALNET_ALLOW_LIST = `# allowed.list of a Nymph local network's network requester (Nym's allow-list format:
# one host per line; a domain allows its subdomains, *.domain its subdomains only;
# IPv4/IPv6 addresses and CIDR ranges; # starts a comment). Reloaded when it changes.
#
# A local network's requester reaches this machine's loopback only, so that tests and
# demos (curl --socks5-hostname through the local SOCKS client) can fetch from local
# servers. Refused hosts are appended to unknown.list.
localhost
127.0.0.0/8
::1
`;

/** A new allowed.list (it is the operator's file: never overwritten). */
export function writeAllowList(home: string, section: RequesterSection, text: string): string {
  const file = resolve(home, section.allowed_list);
  if (!existsSync(file)) writeFileSync(file, text);
  return file;
}

export async function init({ node, host, net }: RoleInitContext): Promise<void> {
  // a gateway after those of the native clients, in a stable order
  const client = localnetClientConfig(node, net, (net.counts.client ?? 0) + node.index, host);
  // bulk transfers in a local network: one 32 KiB packet per message (Nym's default is 2 KiB)
  const section = { ...defaultRequesterSection(), packet_size: 'extended32' as const };
  const table: TomlTable = { ...clientSectionsTable(client), requester: section as unknown as TomlTable };
  writeServiceConfig(
    node.home,
    table,
    "# nymph network requester (written by nymph localnet up)\n# a local network's requester reaches this machine's loopback only: see allowed.list",
  );
  writeAllowList(node.home, section, LOCALNET_ALLOW_LIST);
  if (client.client.gateway)
    writeAddressFile(node.home, await ensureClientAddress(node.home, client.client.gateway));
}

const BINARY_NAME = 'nymph-network-requester';

/** `--open-proxy` overrides requester.open_proxy; `--set section.key=value` any key. */
export async function start(o: RoleStartOptions): Promise<RunningRole> {
  const cfg = readServiceConfig('requester', 'requester', o.home, o.set ?? [], requesterSectionFrom);
  const section = { ...cfg.service };
  if (o.flags?.openProxy !== undefined) section.open_proxy = o.flags.openProxy === true;
  const level = o.logLevel ?? process.env.LOG_LEVEL ?? 'info';
  const logger = o.logger ?? pino({ name: 'requester', level }, pino.destination(2));
  const client = await startServiceClient({
    role: 'requester',
    home: o.home,
    config: cfg.client,
    packetSize: section.packet_size,
    logger,
    signal: o.signal,
  });
  let filter: RequestFilter | undefined;
  let requester: NetworkRequester | undefined;
  try {
    filter = new RequestFilter({
      allowedListPath: resolve(o.home, section.allowed_list),
      unknownListPath: resolve(o.home, section.unknown_list),
      openProxy: section.open_proxy,
      reloadMs: section.reload_ms,
      standardListUrl: section.standard_list_url,
      standardListRefreshMs: section.standard_list_refresh_ms,
      maxUnknownEntries: section.max_unknown_entries,
      log: logger,
    });
    // one NetworkData per packet: the data a fragment holds, less the message headers
    const chunkBytes = section.chunk_bytes || fragmentLength(section.packet_size) - 64;
    if (chunkBytes < 256)
      throw new RequesterConfigError('requester.chunk_bytes', `${chunkBytes} is too small`);
    requester = new NetworkRequester({
      port: client.core,
      filter,
      chunkBytes,
      windowBytes: section.window_bytes,
      maxBufferedBytes: section.max_buffered_bytes,
      connectTimeoutMs: section.connect_timeout_ms,
      halfCloseMs: section.half_close_ms,
      maxConnectionsPerSender: section.max_connections_per_sender,
      maxConnections: section.max_connections,
      idleTimeoutMs: section.idle_timeout_ms,
      unknownGraceMs: section.unknown_grace_ms,
      maxResends: section.max_resends,
      description: section.description,
      binaryInfo: binaryInfo(),
      log: logger,
    });
    writeAddressFile(o.home, client.address);
    const f = filter;
    const running = requester;
    const metrics = await startServiceMetrics(cfg.client, client.core, 'nymph_requester', () => ({
      ...running.stats,
      activeConnections: running.activeConnections,
      drops: running.drops.counts,
      filterAllowed: f.stats.allowed,
      filterRefused: f.stats.refused,
      filterReloads: f.stats.reloads,
    }));
    logger.info({ address: client.address, open_proxy: section.open_proxy }, 'network requester running');
    return {
      ready: {
        address: client.address,
        home: o.home,
        allowed_list: resolve(o.home, section.allowed_list),
        open_proxy: section.open_proxy,
        metrics: metrics.url,
        ready_ms: Math.round(performance.now()),
      },
      stop: async () => {
        running.stop();
        f.close();
        logger.info(
          { ...running.stats, drops: running.drops.counts, filter: f.stats },
          'network requester stopped',
        );
        await metrics.close();
        await client.close();
      },
    };
  } catch (e) {
    requester?.stop();
    filter?.close();
    await client.close();
    throw e;
  }
}

function binaryInfo() {
  const v = process.env.npm_package_version ?? '0.1.0';
  return {
    binary_name: BINARY_NAME,
    build_information: {
      binary_name: BINARY_NAME,
      build_timestamp: '',
      build_version: v,
      commit_sha: '',
      commit_timestamp: '',
      commit_branch: '',
      rustc_version: `node ${process.versions.node}`,
      rustc_channel: 'n/a',
      cargo_profile: 'n/a',
      cargo_triple: `${process.platform}-${process.arch}`,
    },
  };
}
