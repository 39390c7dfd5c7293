/**
 * The native client as it runs: keys and reply state in its home, the client core, Nym's
 * native websocket API and, when configured, Prometheus metrics. `nymph client run`, a
 * local network's clients and the in-process localnet all start it here from the one
 * config schema (./native-config.ts).
 *
 * Bandwidth: with `bandwidth.mnemonic` set the client deposits on the bandwidth contract
 * from its own account and obtains a Coconut credential from t nym-apis whenever the gateway
 * reports too little bandwidth; with `bandwidth.prefetch` the first one is requested at once,
 * while the client waits for its routes and registers.
 *
 * Receiving is durable (delivered-store.ts, `inbox.sqlite` in the home): messages are kept
 * on disk from the moment they complete until an app's socket took them, fragments of
 * incomplete ones until they complete, and the gateway is asked for delivery receipts, so
 * a gateway and client killed together lose nothing; what was accepted before is dropped
 * when it comes again.
 */
import { mkdirSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { recipientToString } from './address.js';
import { coconutCredentialSource, type CoconutCredentialSource } from './bandwidth.js';
import type { CredentialSource } from './bandwidth.js';
import type { MixnetClientCore } from './client.js';
import { startClientMetrics } from './metrics.js';
import { DeliveredStore } from './delivered-store.js';
import { coreConfigOf, NativeConfigError, type NativeClientConfig } from './native-config.js';
import { createNodeClient } from './node.js';
import { fallbackTopologySource, nymApiTopologySource, type TopologySource } from './topology-source.js';
import { silentLogger } from './transport.js';
import { receiveInto } from './ws-api/feed.js';
import { startWsApi } from './ws-api/server.js';

/** How often delivered-message digests past their retention are forgotten. */
const PRUNE_DELIVERED_MS = 3600_000;

export interface RunningNativeClient {
  /** Nym address (`identity.encryption@gateway`). */
  readonly address: string;
  /** Websocket API port and URL. */
  readonly port: number;
  readonly websocket: string;
  /** Prometheus URL, or null when `metrics.port` is -1. */
  readonly metrics: string | null;
  readonly core: MixnetClientCore;
  close(): Promise<void>;
}

export interface NativeClientOptions {
  home: string;
  config: NativeClientConfig;
  logger?: Logger;
  /** Aborts the start; `startup.timeout_ms` applies as well. */
  signal?: AbortSignal;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const urlHost = (h: string) => (h.includes(':') ? `[${h}]` : h);

function acceptsConnections(host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.setTimeout(timeoutMs, () => socket.destroy());
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('close', () => resolve(false));
  });
}

/** nym-api first, the mixnet contract through CosmJS when no nym-api answers. */
export function topologySourceOf(c: NativeClientConfig): TopologySource {
  const sources: TopologySource[] = [];
  if (c.client.nym_api_urls.length) sources.push(nymApiTopologySource(c.client.nym_api_urls));
  const { rpc_url, mixnet_contract, bandwidth_contract } = c.chain;
  if (rpc_url && mixnet_contract) {
    sources.push(async (signal) => {
      const { connectQueryClients } = await import('../chain/index.js');
      const { chainTopologySource } = await import('./topology-source.js');
      const q = await connectQueryClients({
        rpcUrl: rpc_url,
        contracts: { mixnet: mixnet_contract, bandwidth: bandwidth_contract || mixnet_contract },
        signal,
      });
      try {
        return await chainTopologySource(q.mixnet)(signal);
      } finally {
        q.disconnect();
      }
    });
  }
  if (!sources.length)
    throw new NativeConfigError('client.nym_api_urls', 'empty, and no chain.rpc_url + chain.mixnet_contract');
  return fallbackTopologySource(...sources);
}

/** The credential source of a client that pays for bandwidth, connecting in the background. */
export function credentialsOf(
  c: NativeClientConfig,
  home: string,
  log: Logger,
  signal: AbortSignal,
): { credentials: CredentialSource; close(): Promise<void> } | undefined {
  const b = c.bandwidth;
  if (!b.mnemonic) return undefined;
  if (!c.chain.rpc_url) throw new NativeConfigError('chain.rpc_url', 'required with bandwidth.mnemonic');
  if (!c.chain.bandwidth_contract)
    throw new NativeConfigError('chain.bandwidth_contract', 'required with bandwidth.mnemonic');
  const urls = c.client.nym_api_urls;
  if (!urls.length) throw new NativeConfigError('client.nym_api_urls', 'bandwidth credentials need nym-apis');
  const threshold = b.threshold || Math.floor((2 * urls.length) / 3) + 1;
  if (threshold > urls.length)
    throw new NativeConfigError('bandwidth.threshold', `${threshold} exceeds the ${urls.length} nym-apis`);
  const source: Promise<{ credentials: CoconutCredentialSource; disconnect(): void }> =
    import('../chain/index.js')
      .then(({ connectSigningClients }) =>
        connectSigningClients({
          rpcUrl: c.chain.rpc_url,
          mnemonic: b.mnemonic,
          accountIndex: b.account_index,
          contracts: { mixnet: c.chain.mixnet_contract, bandwidth: c.chain.bandwidth_contract },
          signal,
        }),
      )
      .then((signer) => {
        const credentials = coconutCredentialSource({
          apiUrls: urls,
          threshold,
          bandwidth: signer.bandwidth,
          amount: b.amount,
          storePath: join(home, 'credentials.json'),
          backend: b.backend,
          logger: log,
          sharesRetry: b.share_retries ? { attempts: b.share_retries, delayMs: b.share_retry_ms } : undefined,
        });
        if (b.prefetch) credentials.prefetch(signal);
        return { credentials, disconnect: () => signer.disconnect() };
      });
  source.catch(() => undefined); // reported when the core asks for a credential
  return {
    credentials: { next: async (keys, s) => (await source).credentials.next(keys, s) },
    close: async () => (await source.catch(() => undefined))?.disconnect(),
  };
}

/**
 * Until every nym-api shows this client's gateway (when pinned), a mix node in every layer
 * and at least `startup.wait_*` nodes, and those nodes accept connections: a client started
 * together with its network waits for it here (bonds outlive processes, so a resumed
 * network's nodes must also be listening).
 */
export async function waitForRoutes(c: NativeClientConfig, signal: AbortSignal): Promise<void> {
  const want = c.startup;
  const ready = async (url: string): Promise<boolean> => {
    try {
      const { topology } = await nymApiTopologySource([url], { timeoutMs: 2_000 })(signal);
      const mixes = topology.mixnodes;
      const gateways = topology.gateways;
      const layers = new Set(mixes.map((m) => m.layer));
      const mine = c.client.gateway
        ? gateways.filter((g) => g.identityKey === c.client.gateway)
        : gateways.slice(0, 1);
      if (![1, 2, 3].every((l) => layers.has(l as 1 | 2 | 3)) || mine.length === 0) return false;
      if (mixes.length < want.wait_mixnodes || gateways.length < want.wait_gateways) return false;
      const endpoints: [string, number][] = [
        ...mixes.map((m): [string, number] => [m.host, m.mixPort]),
        [mine[0].host, mine[0].mixPort],
        [mine[0].host, mine[0].clientsPort],
      ];
      const open = await Promise.all(endpoints.map(([h, p]) => acceptsConnections(h, p)));
      return open.every(Boolean);
    } catch {
      return false; // not up yet
    }
  };
  // every nym-api: the topology source may ask any of them
  let pending = [...c.client.nym_api_urls];
  while (pending.length) {
    signal.throwIfAborted();
    const ok = await Promise.all(pending.map(ready));
    pending = pending.filter((_, i) => !ok[i]);
    if (pending.length) await sleep(50);
  }
}

/** Starts the client core (registering with a gateway on first run) and its websocket API. */
export async function startNativeClient(opts: NativeClientOptions): Promise<RunningNativeClient> {
  const { config: c, home } = opts;
  const log = opts.logger ?? (silentLogger as unknown as Logger);
  const timeout = AbortSignal.timeout(c.startup.timeout_ms);
  const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
  const topology = topologySourceOf(c);
  const paid = credentialsOf(c, home, log, signal);
  let core: MixnetClientCore | undefined;
  let inbox: DeliveredStore | undefined;
  let prune: ReturnType<typeof setInterval> | undefined;
  let api: Awaited<ReturnType<typeof startWsApi>> | undefined;
  try {
    if (c.startup.wait_mixnodes > 0 || c.startup.wait_gateways > 0) await waitForRoutes(c, signal);
    mkdirSync(home, { recursive: true, mode: 0o700 });
    const store = (inbox = new DeliveredStore(join(home, 'inbox.sqlite'), {
      maxHeld: c.socket.max_held_messages,
    }));
    store.pruneDelivered(Date.now());
    prune = setInterval(() => store.pruneDelivered(Date.now()), PRUNE_DELIVERED_MS);
    prune.unref();
    core = createNodeClient({
      home,
      topology,
      gateway: c.client.gateway || undefined,
      config: coreConfigOf(c),
      credentials: paid?.credentials,
      logger: log,
      inbound: store,
    });
    // before start: the first pushed messages are confirmed to the gateway once kept here
    const feed = receiveInto(core, store);
    await core.start(signal);
    const s = c.socket;
    api = await startWsApi(core, {
      host: s.host,
      port: s.port,
      allowedOrigins: s.allowed_origins,
      limits: {
        maxConnections: s.max_connections,
        maxConnectionsPerHost: s.max_connections_per_host,
        handshakeTimeoutMs: s.handshake_timeout_ms,
        idleTimeoutMs: s.idle_timeout_ms,
      },
      maxHeldMessages: s.max_held_messages,
      feed,
      logger: log,
    });
    const metrics =
      c.metrics.port >= 0 ? await startClientMetrics(core, c.metrics.host, c.metrics.port) : undefined;
    const started = core;
    const listening = api;
    return {
      address: recipientToString(core.address),
      port: listening.port,
      websocket: `ws://${urlHost(c.socket.host)}:${listening.port}`,
      metrics: metrics?.url ?? null,
      core,
      close: async () => {
        await listening.close();
        await metrics?.close();
        await started.stop();
        feed.close();
        clearInterval(prune);
        store.close();
        await paid?.close();
      },
    };
  } catch (e) {
    // what was opened before the failure (a busy metrics port), or the process stays up
    await api?.close().catch(() => undefined);
    await core?.stop().catch(() => undefined);
    clearInterval(prune);
    inbox?.close();
    await paid?.close();
    throw e;
  }
}

/**
 * `nymph client init` without `--offline`: registers with a gateway (keys saved in the
 * home), then stops; returns the client's address.
 */
export async function registerNativeClient(opts: NativeClientOptions): Promise<string> {
  const { config: c, home } = opts;
  const timeout = AbortSignal.timeout(c.startup.timeout_ms);
  const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
  const paid = credentialsOf(c, home, opts.logger ?? (silentLogger as unknown as Logger), signal);
  const core = createNodeClient({
    home,
    topology: topologySourceOf(c),
    gateway: c.client.gateway || undefined,
    config: coreConfigOf(c),
    credentials: paid?.credentials,
    logger: opts.logger,
  });
  try {
    await core.start(signal);
    return recipientToString(core.address);
  } finally {
    await core.stop();
    await paid?.close();
  }
}
