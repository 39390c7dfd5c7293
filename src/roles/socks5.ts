/**
 * The SOCKS client as a role: `<home>/config.toml` (the native client's sections for its
 * own mixnet client, and `[socks5]`: src/socks5/config.ts); `init` writes it from a local
 * network's plan, pointed at that network's requester, and `start` runs the SOCKS server
 * (`nymph socks5 run`, localnet, in-process networks).
 *
 * A local network's nodes live side by side under its home (`DIR/<node name>`), and its
 * requesters write their address to `DIR/requester-<k>/address` when their configs are
 * written, before this role's: SOCKS client i uses requester i mod (number of requesters).
 */
import { dirname, join } from 'node:path';
import { pino } from 'pino';
import { parseRecipient } from '../nymsphinx/addressing.js';
import { Socks5Client, Socks5ConfigError, defaultSocks5Section, socks5SectionFrom } from '../socks5/index.js';
import type { TomlTable } from '../node/config.js';
import {
  nodeName,
  roleByName,
  type RoleInitContext,
  type RoleStartOptions,
  type RunningRole,
} from '../roles.js';
import {
  clientSectionsTable,
  localnetClientConfig,
  readAddressFile,
  readServiceConfig,
  startServiceClient,
  startServiceMetrics,
  writeServiceConfig,
} from './service-client.js';

export const preload = () => Promise.all([import('../socks5/index.js'), import('../client/index.js')]);

const urlHost = (h: string) => (h.includes(':') ? `[${h}]` : h);

export async function init({ node, host, net }: RoleInitContext): Promise<void> {
  const requesters = net.counts.requester ?? 0;
  if (requesters === 0)
    throw new Socks5ConfigError(
      'socks5.provider',
      'the local network has no requester to point this SOCKS client at',
    );
  const requesterHome = join(dirname(node.home), nodeName(roleByName('requester'), node.index % requesters));
  const provider = readAddressFile(requesterHome);
  if (!provider)
    throw new Socks5ConfigError('socks5.provider', `no address in ${requesterHome} (its init runs first)`);
  const gatewayIndex = (net.counts.client ?? 0) + requesters + node.index;
  const client = localnetClientConfig(node, net, gatewayIndex, host);
  // bulk transfers in a local network: 32 KiB packets (Nym's default is 2 KiB)
  const section = {
    ...defaultSocks5Section(),
    host,
    port: node.ports.socks,
    provider,
    packet_size: 'extended32' as const,
  };
  const table: TomlTable = { ...clientSectionsTable(client), socks5: section as unknown as TomlTable };
  writeServiceConfig(node.home, table, '# nymph SOCKS client (written by nymph localnet up)');
}

/** `--port` and `--provider` override socks5.port and socks5.provider; `--set` any key. */
export async function start(o: RoleStartOptions): Promise<RunningRole> {
  const cfg = readServiceConfig('socks5', 'socks5', o.home, o.set ?? [], socks5SectionFrom);
  const s = { ...cfg.service };
  if (o.flags?.port !== undefined) {
    const n = Number(o.flags.port);
    if (!Number.isInteger(n) || n < 0 || n > 65_535)
      throw new Socks5ConfigError('socks5.port', `--port ${String(o.flags.port)}`);
    s.port = n;
  }
  if (typeof o.flags?.provider === 'string') s.provider = o.flags.provider;
  if (!s.provider) throw new Socks5ConfigError('socks5.provider', 'the network requester address is not set');
  let provider;
  try {
    provider = parseRecipient(s.provider);
  } catch (e) {
    throw new Socks5ConfigError('socks5.provider', (e as Error).message);
  }
  const level = o.logLevel ?? process.env.LOG_LEVEL ?? 'info';
  const logger = o.logger ?? pino({ name: 'socks5', level }, pino.destination(2));
  const client = await startServiceClient({
    role: 'socks5',
    home: o.home,
    config: cfg.client,
    packetSize: s.packet_size,
    logger,
    signal: o.signal,
  });
  let socks: Socks5Client | undefined;
  try {
    socks = new Socks5Client({
      port: client.core,
      provider,
      host: s.host,
      listenPort: s.port,
      anonymous: s.anonymous,
      versions: { interface: s.provider_interface_version, protocol: s.socks5_protocol_version },
      connectionStartSurbs: s.connection_start_surbs,
      perRequestSurbs: s.per_request_surbs,
      surbStock: s.surb_stock,
      optimisticConnect: s.optimistic_connect,
      connectTimeoutMs: s.connect_timeout_ms,
      handshakeTimeoutMs: s.handshake_timeout_ms,
      keepaliveMs: s.keepalive_ms,
      idleTimeoutMs: s.idle_timeout_ms,
      halfCloseMs: s.half_close_ms,
      errorGraceMs: s.error_grace_ms,
      chunkBytes: s.chunk_bytes,
      windowBytes: s.window_bytes,
      maxBufferedBytes: s.max_buffered_bytes,
      maxConnections: s.max_connections,
      log: logger,
    });
    const listening = socks;
    const at = await listening.listen();
    const metrics = await startServiceMetrics(cfg.client, client.core, 'nymph_socks5', () => ({
      ...listening.stats,
      activeConnections: listening.activeConnections,
      drops: listening.drops.counts,
    }));
    const url = `socks5h://${urlHost(s.host)}:${at.port}`;
    logger.info({ socks: url, provider: s.provider, address: client.address }, 'SOCKS client listening');
    return {
      ready: {
        socks: url,
        host: s.host,
        port: at.port,
        address: client.address,
        provider: s.provider,
        metrics: metrics.url,
        ready_ms: Math.round(performance.now()),
      },
      stop: async () => {
        await listening.close();
        logger.info({ ...listening.stats, drops: listening.drops.counts }, 'SOCKS client stopped');
        await metrics.close();
        await client.close();
      },
    };
  } catch (e) {
    // what was opened before the failure, or the process would stay up with nothing to do
    await socks?.close().catch(() => undefined);
    await client.close();
    throw e;
  }
}
