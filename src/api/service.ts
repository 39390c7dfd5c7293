/**
 * `createNymApi(config)`: one nym-api instance in-process (tests, the one-command network,
 * and `nymph api run`). It connects to the chain through CosmJS, polls the mixnet
 * contract, and, when it holds a key share, issues credentials.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import type { Logger } from 'pino';
import { connectQueryClients, QueryFailedError } from '../chain/index.js';
import type { QueryClients } from '../chain/index.js';
import { loadBackend, secureRandom, voucherParameters } from '../coconut/index.js';
import type { RandomBytes } from '../coconut/index.js';
import { deadline } from '../api-client/deadline.js';
import { createRequestHandler } from './app.js';
import { createApiHttpServer } from './http-server.js';
import type { ApiConfig } from './config.js';
import { resolveHomePath, validateConfig } from './config.js';
import { SphinxKeyRegistry } from './sphinx-keys.js';
import { ContractCache } from './contract-cache.js';
import type { MixnetSource } from './contract-cache.js';
import { ChainUnavailableError, MalformedContractDataError } from './errors.js';
import { startDkg } from './dkg-service.js';
import type { RunningDkg } from './dkg-service.js';
import { CredentialIssuer } from './issuer.js';
import type { IssuerChain } from './issuer.js';
import { keyShareFromJson, readKeyFile, writeKeyFile } from './keys.js';
import type { KeyFileJson, KeyShare } from './keys.js';
import { createMetrics } from './metrics.js';
import type { ApiMetrics } from './metrics.js';
import { openApiDocument } from './openapi.js';
import type { HostResolver } from './resolve.js';
import { MemoryDepositStore, SqliteDepositStore } from './store.js';
import type { DepositStore } from './store.js';

export const NYM_API_VERSION = '0.1.0';

export interface NymApiOptions {
  logger?: Logger;
  /** Randomness for share encryption (default: WebCrypto). */
  rng?: RandomBytes;
  /**
   * Use this key share instead of reading `coconut.key_file`: the JSON form (any backend),
   * or a decoded share made with the backend named in `coconut.backend`.
   */
  keyShare?: KeyShare | KeyFileJson;
  /** Use this store instead of opening `storage.database`. */
  store?: DepositStore;
  /** Collect Node's default process metrics too (on for `nymph api run`). */
  defaultMetrics?: boolean;
  /** Grace period for in-flight requests at stop, ms (default 5000). */
  shutdownGraceMs?: number;
  /** Resolves bonded host names for Nym's `ip_addresses` (default: the system resolver, cached). */
  resolveHost?: HostResolver;
}

export interface NymApi {
  /** Connect, load keys, first cache refresh, listen. The signal aborts the chain connect. */
  start(signal?: AbortSignal): Promise<void>;
  /** Graceful: stop listening, finish or abort in-flight requests, close everything. */
  stop(): Promise<void>;
  /** `http://host:port` once started. */
  readonly url: string;
  readonly port: number;
  readonly cache: ContractCache;
  readonly metrics: ApiMetrics;
  /** Refresh the contract cache now (tests; the poller runs anyway). */
  refresh(): Promise<void>;
  /** The DKG dealer, when `dkg.enabled` (its chain address, its current key share). */
  readonly dkg: RunningDkg['dealer'] | null;
}

/** Most pages of gateway ids followed in one refresh (a cursor that never ends is the contract's bug). */
const MAX_ID_PAGES = 10_000;

/** Every preassigned gateway id, page by page; null when the contract does not know the query. */
async function allPreassignedGatewayIds(
  q: QueryClients,
  pageLimit: number,
  signal: AbortSignal,
): Promise<unknown[] | null> {
  const out: unknown[] = [];
  let startAfter: string | undefined;
  for (let page = 0; page < MAX_ID_PAGES; page++) {
    let r: unknown;
    try {
      r = await q.mixnet.getPreassignedGatewayIds({ startAfter, limit: pageLimit }, { signal });
    } catch (err) {
      // The query itself is refused (a contract without it); transport errors fail the refresh.
      if (err instanceof QueryFailedError && page === 0) return null;
      throw err;
    }
    const { ids, start_next_after: next } = (r ?? {}) as { ids?: unknown; start_next_after?: unknown };
    if (!Array.isArray(ids))
      throw new MalformedContractDataError('get_preassigned_gateway_ids', 'ids is not an array');
    out.push(...ids);
    if (next === null || next === undefined) return out;
    if (typeof next !== 'string' || next === startAfter)
      throw new MalformedContractDataError(
        'get_preassigned_gateway_ids',
        'the paging cursor does not advance',
      );
    startAfter = next;
  }
  throw new MalformedContractDataError('get_preassigned_gateway_ids', `more than ${MAX_ID_PAGES} pages`);
}

function mixnetSource(q: QueryClients, pageLimit: number): MixnetSource {
  return {
    getMixNodesDetailed: (signal) => q.mixnet.getAllMixNodesDetailed({ signal, pageLimit }),
    getGateways: (signal) => q.mixnet.getAllGateways({ signal, pageLimit }),
    getRewardedSet: (signal) => q.mixnet.getAllRewardedSet({ signal }),
    getCurrentInterval: (signal) => q.mixnet.getCurrentIntervalDetails({ signal }),
    getPreassignedGatewayIds: (signal) => allPreassignedGatewayIds(q, pageLimit, signal),
  };
}

function issuerChain(q: QueryClients, rpcUrl: string, timeoutMs: number): IssuerChain {
  const withTimeout = async <T>(op: string, signal: AbortSignal, run: () => Promise<T>): Promise<T> => {
    if (signal.aborted) throw new ChainUnavailableError(op, 'aborted');
    const time = deadline(timeoutMs, signal);
    return new Promise<T>((resolve, reject) => {
      const onAbort = () =>
        reject(new ChainUnavailableError(op, `aborted or timed out after ${timeoutMs} ms`));
      time.signal.addEventListener('abort', onAbort, { once: true });
      run().then(
        (v) => {
          time.clear();
          resolve(v);
        },
        (err: unknown) => {
          time.clear();
          reject(
            new ChainUnavailableError(op, `${rpcUrl}: ${err instanceof Error ? err.message : String(err)}`),
          );
        },
      );
    });
  };
  return {
    getTx: (hash, signal) => withTimeout('getTx', signal, () => q.client.getTx(hash)),
    isSpent: async (serial, signal) =>
      (await withTimeout('get_spent_credential', signal, () =>
        q.bandwidth.getSpentCredential(serial, { signal }),
      )) !== null,
  };
}

export function createNymApi(config: ApiConfig, options: NymApiOptions = {}): NymApi {
  validateConfig(config);
  const logger = options.logger ?? pino({ level: config.log.level, base: { role: 'nym-api' } });
  const metrics = createMetrics({ defaultMetrics: options.defaultMetrics });
  const shutdown = new AbortController();
  let queries: QueryClients | null = null;
  let server: Server | null = null;
  let store: DepositStore | null = null;
  let dkg: RunningDkg | null = null;
  let address = '';
  let port = 0;
  let started = false;

  // The cache exists from construction so callers can hold it; its source is bound at start.
  let source: MixnetSource | null = null;
  const lazySource: MixnetSource = {
    getMixNodesDetailed: (s) => source!.getMixNodesDetailed(s),
    getGateways: (s) => source!.getGateways(s),
    getRewardedSet: (s) => source!.getRewardedSet(s),
    getCurrentInterval: (s) => source!.getCurrentInterval(s),
    getPreassignedGatewayIds: (s) => source!.getPreassignedGatewayIds(s),
  };
  // nodes' rotating Sphinx keys (sphinx-keys.ts); kept beside the deposits database
  const sphinxKeys = new SphinxKeyRegistry(
    config.storage.database === ':memory:' ? undefined : resolveHomePath(config, 'sphinx-keys.json'),
  );
  const cache = new ContractCache({
    sphinxKeys,
    source: lazySource,
    refreshIntervalMs: config.topology.refreshIntervalMs,
    retryBackoffMs: config.topology.retryBackoffMs,
    timeoutMs: config.chain.queryTimeoutMs,
    logger,
    metrics,
    resolveHost: options.resolveHost,
    keyRotationValidityEpochs: config.topology.keyRotationValidityEpochs,
  });

  async function start(signal?: AbortSignal): Promise<void> {
    if (started) throw new Error('nym-api: already started');
    started = true;
    try {
      await startInner(signal);
    } catch (err) {
      // Leave nothing half-open (chain connection, SQLite file, poller) behind a failed start.
      await stop().catch(() => undefined);
      throw err;
    }
  }

  async function startInner(signal?: AbortSignal): Promise<void> {
    try {
      queries = await connectQueryClients({
        rpcUrl: config.chain.rpcUrl,
        contracts: { mixnet: config.chain.mixnetContract, bandwidth: config.chain.bandwidthContract },
        queryTimeoutMs: config.chain.queryTimeoutMs,
        timeoutMs: config.chain.queryTimeoutMs,
        signal,
      });
    } catch (err) {
      throw new ChainUnavailableError('connect', err instanceof Error ? err.message : String(err));
    }
    source = mixnetSource(queries, config.topology.pageLimit);

    let issuer: CredentialIssuer | null = null;
    let makeIssuer: ((key: KeyShare) => CredentialIssuer) | null = null;
    if (config.coconut.enabled) {
      const backend = await loadBackend(config.coconut.backend);
      const params = voucherParameters(backend);
      store =
        options.store ??
        (config.storage.database === ':memory:'
          ? new MemoryDepositStore()
          : new SqliteDepositStore(resolveHomePath(config, config.storage.database)));
      const chain = issuerChain(queries, config.chain.rpcUrl, config.chain.queryTimeoutMs);
      const deposits = store;
      makeIssuer = (key) =>
        new CredentialIssuer({
          params,
          key,
          chain,
          store: deposits,
          bandwidthContract: config.chain.bandwidthContract,
          denom: config.chain.denom,
          rng: options.rng ?? secureRandom,
        });
      if (!config.dkg.enabled) {
        const given = options.keyShare;
        const key =
          given === undefined
            ? readKeyFile(params, resolveHomePath(config, config.coconut.keyFile))
            : 'type' in given
              ? keyShareFromJson(params, given, 'keyShare option')
              : given;
        issuer = makeIssuer(key);
        logger.info(
          { index: key.index, threshold: key.threshold, authorities: key.authorities },
          'coconut key share loaded',
        );
      }
    }

    await cache.start();
    const deps = {
      sphinxKeys,
      cache,
      issuer,
      metrics,
      logger,
      maxBodyBytes: config.http.maxBodyBytes,
      requestTimeoutMs: config.http.requestTimeoutMs,
      openapi: Buffer.from(JSON.stringify(openApiDocument(NYM_API_VERSION))),
      corsAllowedOrigins: config.http.corsAllowedOrigins,
      startedAt: Date.now(),
      shutdown: shutdown.signal,
    };
    const handler = createRequestHandler(deps);
    const srv = createApiHttpServer(config.http, handler, logger).server;
    server = srv;
    await new Promise<void>((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(config.http.port, config.http.host, () => {
        srv.off('error', reject);
        resolve();
      });
    });
    const a = srv.address() as AddressInfo;
    port = a.port;
    address = `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;
    logger.info({ url: address, rpc: config.chain.rpcUrl }, 'nym-api listening');
    if (config.dkg.enabled && makeIssuer) {
      // the DKG gives the key share; the issuer follows every completed epoch (resharing)
      const backend = await loadBackend(config.coconut.backend);
      const toIssuer = makeIssuer;
      const started = performance.now();
      dkg = await startDkg({
        config,
        params: voucherParameters(backend),
        rng: options.rng ?? secureRandom,
        logger,
        url: address,
        signal: signal ? AbortSignal.any([signal, shutdown.signal]) : shutdown.signal,
        onKey: (key, epochId) => {
          deps.issuer = toIssuer(key);
          writeKeyFile(backend, resolveHomePath(config, config.coconut.keyFile), key);
          logger.info(
            {
              epoch: epochId,
              index: key.index,
              threshold: key.threshold,
              ms: Math.round(performance.now() - started),
            },
            'coconut key share from the DKG',
          );
        },
      });
    }
  }

  async function stop(): Promise<void> {
    const srv = server;
    server = null;
    if (srv) {
      const closed = new Promise<void>((resolve) => srv.close(() => resolve()));
      srv.closeIdleConnections();
      const grace = options.shutdownGraceMs ?? 5000;
      const timer = setTimeout(() => {
        shutdown.abort(new Error('nym-api shutting down'));
        srv.closeAllConnections();
      }, grace);
      await closed;
      clearTimeout(timer);
    }
    shutdown.abort(new Error('nym-api stopped'));
    await dkg?.stop();
    dkg = null;
    await cache.stop();
    store?.close();
    store = null;
    queries?.disconnect();
    queries = null;
    logger.info('nym-api stopped');
  }

  return {
    start,
    stop,
    get url() {
      return address;
    },
    get port() {
      return port;
    },
    cache,
    metrics,
    refresh: () => cache.refresh(),
    get dkg() {
      return dkg?.dealer ?? null;
    },
  };
}
