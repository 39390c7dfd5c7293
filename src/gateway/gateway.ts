/**
 * A gateway: the clients' door to the mixnet, speaking Nym's client protocol (v5).
 *
 * - Clients connect over a websocket; each connection is a ClientConnection (fresh.ts)
 *   until it registers or authenticates, then an AuthenticatedSession (authenticated.ts)
 *   that forwards its mix packets into layer 1, charging each packet's size.
 * - On its mix port the gateway is the final Sphinx hop (src/node's pipeline: worker
 *   threads, replay store); delivery.ts pushes each message to the client, or stores it in
 *   the SQLite inbox (until the client returns, or, for a client with delivery receipts,
 *   until it confirms it), and sends its SURB-ack back into the mixnet once it is pushed or
 *   stored.
 *
 * This file only wires those parts to sockets, the store, the chain and the timers.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import { base58 } from '@scure/base';
import pino, { type Logger } from 'pino';
import { Registry } from 'prom-client';
import { connectChain, ensureGatewayBonded, type ChainConfig } from '../node/bond.js';
import type { ConnectionPoolOptions } from '../node/connection-pool.js';
import type { NodeKeys } from '../node/keys.js';
import { startMetricsServer, type PacketMetrics } from '../node/metrics.js';
import { PacketPipeline } from '../node/pipeline.js';
import { replayDirOf, SphinxRotation } from '../node/key-rotation.js';
import type { NodeAnnounceOptions } from '../node/node-config.js';
import { ReplayFilters } from '../node/replay-store.js';
import { decodeAddress } from '../node/sphinx-adapter.js';
import { encodeNodeAddress } from '../sphinx/index.js';
import { ClientListener } from './client-listener.js';
import { ClientRegistry, type GatewayContext } from './context.js';
import {
  chainSpendLedger,
  CredentialVerifier,
  type CredentialConfig,
  type SpendLedger,
} from './credentials.js';
import { finalHopDelivery } from './delivery.js';
import { ClientConnection } from './fresh.js';
import { GatewayMetrics } from './metrics.js';
import { nodeAead } from '../crypto/node.js';
import { AUTH_MAX_SKEW_MS, HANDSHAKE_STEP_TIMEOUT_MS } from './protocol/index.js';
import { CLOSE_GOING_AWAY } from './session-socket.js';
import { GatewayStore } from './store.js';
import { readTlsFiles } from './tls.js';

export interface GatewayConfig {
  /** Home directory: `<home>/data/gateway.sqlite` and `<home>/data/replay`. */
  home: string;
  host: string;
  /** Mix port (final hop, from layer 3); 0 picks a free one. */
  mixPort: number;
  /** Client websocket port; 0 picks a free one. */
  clientsPort: number;
  /**
   * TLS on a second client port (`wss`, Nym's `clients_wss_port`): the port (0 picks one) and
   * the PEM certificate and key files. Absent: no `wss`.
   */
  tls?: { port: number; certFile: string; keyFile: string };
  /** Browser origins allowed on the client ports (`*`: any); others get 403. Default none. */
  allowedOrigins?: string[];
  /** Open client-port connections at most (Nym's maximum_open_connections: 8192). */
  maxConnections?: number;
  /** Open client-port connections from one IP address at most (default 64). */
  maxConnectionsPerIp?: number;
  /** A connection must complete its websocket upgrade within this (Nym: 1.5 s). */
  upgradeTimeoutMs?: number;
  /** A websocket from which nothing (not even a pong) arrives this long is dropped (default 60 s). */
  idleTimeoutMs?: number;
  announceHost?: string;
  metrics?: { host: string; port: number } | null;
  keys: NodeKeys;
  workers?: number;
  batchSize?: number;
  /**
   * Sphinx key rotation (schedule, announcements, replay filter sizing); absent: one key.
   * The announcements also carry the client ports (`ws`, and `wss` when TLS is on).
   */
  sphinx?: NodeAnnounceOptions;
  outbound?: ConnectionPoolOptions;
  /** Largest websocket message accepted (default 64 KiB; a 32 KiB packet frame fits). */
  maxMessageBytes?: number;
  /** Stored messages pushed per batch on reconnection (default 100). */
  inboxBatch?: number;
  /** Stored messages older than this are purged (default 24 h). */
  maxMessageAgeMs?: number;
  purgeIntervalMs?: number;
  /** The first request of a connection (Nym: 10 s). */
  initialMessageTimeoutMs?: number;
  /** Each registration handshake step (Nym: 5 s). */
  handshakeTimeoutMs?: number;
  /** authenticateV2 timestamp skew (Nym: 120 s). */
  authMaxSkewMs?: number;
  /** A connected client must answer a ping within this to keep its session (Nym: 1 s). */
  pingTimeoutMs?: number;
  /**
   * Grants `claimFreeTestnetBandwidth` (64 GiB per claim), the opposite of Nym's
   * `enforce_zk_nyms`: on in localnet, off by default, so that clients need credentials.
   */
  freeBandwidth?: boolean;
  /** How credentials are verified; absent: credentials are refused. */
  credentials?: CredentialConfig;
  /** Chain: bonding at start, and the spend record of credentials. */
  chain?: ChainConfig;
  /** Bonds at start when `chain` is set (default true). */
  bond?: boolean;
  location?: string;
  /** Override the store file (`':memory:'` in unit tests). */
  storeFile?: string;
  /** Use this spend ledger instead of the chain's (tests). */
  spendLedger?: SpendLedger;
  logger?: Logger;
  now?: () => number;
}

export interface Gateway {
  start(signal?: AbortSignal): Promise<void>;
  stop(): Promise<void>;
  /** Mix port socket address (valid after start). */
  readonly address: { host: string; port: number };
  /** 32-byte Sphinx node address of the mix port. */
  readonly nodeAddress: Uint8Array;
  /** `ws://host:port` of the client endpoint. */
  readonly clientsUrl: string;
  readonly clientsPort: number;
  /** `wss://host:port`, when TLS is on. */
  readonly clientsWssUrl: string | undefined;
  readonly clientsWssPort: number | undefined;
  /** TCP connections open on the client ports, authenticated or not. */
  readonly clientConnections: number;
  readonly identityKey: string;
  readonly sphinxKey: string;
  readonly metricsUrl: string | undefined;
  readonly packetMetrics: PacketMetrics;
  readonly registry: Registry;
  /** Messages waiting in the inbox for a client (tests, operators). */
  storedMessages(client: Uint8Array): number;
  /** Connected, authenticated clients. */
  readonly connectedClients: number;
  /** The sessions' shared state while running (tests, operators). */
  readonly context: GatewayContext | null;
}

export function createGateway(config: GatewayConfig): Gateway {
  const logger = config.logger ?? pino({ name: 'gateway', level: process.env.NYMPH_LOG_LEVEL ?? 'info' });
  const now = config.now ?? (() => Date.now());
  const random = (n: number) => new Uint8Array(crypto.randomBytes(n));
  const maxMessageBytes = config.maxMessageBytes ?? 64 * 1024;
  const announceHost = config.announceHost ?? config.host;
  const identityKey = base58.encode(config.keys.identityPublic);
  const sphinxKey = base58.encode(config.keys.sphinxPublic);
  if (config.freeBandwidth)
    logger.warn('free bandwidth is on: claimFreeTestnetBandwidth is granted to every client');

  const clients = new ClientRegistry();
  const registry = new Registry();
  let listener: ClientListener | null = null;
  const metrics = new GatewayMetrics(
    registry,
    () => clients.size,
    () => listener?.connections ?? 0,
  );
  let store: GatewayStore | null = null;
  let ctx: GatewayContext | null = null;
  let ledger: SpendLedger | undefined = config.spendLedger;
  let disconnectChain: (() => void) | null = null;
  let metricsServer: http.Server | null = null;
  let metricsUrl: string | undefined;
  let clientsPort = 0;
  let clientsWssPort: number | undefined;
  const timers: ReturnType<typeof setInterval>[] = [];
  let running = false;

  // the client's key-rotation marker goes on with the packet (Nym's MixPacket key_rotation)
  const sendTo = (address: Uint8Array, packet: Uint8Array, keyRotation = 0): boolean => {
    const dest = decodeAddress(address);
    return dest !== undefined && pipeline.sendTo(dest, packet, keyRotation);
  };
  const filters = new ReplayFilters({ dir: replayDirOf(config.home) });
  let rotation: SphinxRotation | undefined;
  const pipeline: PacketPipeline = new PacketPipeline({
    host: config.host,
    port: config.mixPort,
    keys: [],
    replay: filters,
    workers: config.workers,
    batchSize: config.batchSize,
    pool: config.outbound,
    metricsPrefix: 'nymph_gateway',
    logger,
    acceptForward: false,
    onFinal: finalHopDelivery({
      clients,
      store: () => store,
      sendAck: sendTo,
      drop: (reason) => pipeline.drop(reason),
      metrics,
      now,
      logger,
    }),
  });

  const gw: Gateway = {
    async start(signal) {
      if (running) return;
      // a missing or mismatched certificate stops the start before anything listens
      const tls = config.tls
        ? { port: config.tls.port, ...readTlsFiles(config.tls.certFile, config.tls.keyFile) }
        : undefined;
      running = true;
      fs.mkdirSync(path.join(config.home, 'data'), { recursive: true });
      const st = new GatewayStore(config.storeFile ?? path.join(config.home, 'data', 'gateway.sqlite'));
      store = st;
      for (const id of st.clientIdentities()) clients.markRegistered(ClientRegistry.id(id));
      const verifier = config.credentials
        ? await CredentialVerifier.create(config.credentials, signal)
        : undefined;
      if (config.chain && !ledger && config.chain.contracts.bandwidth) {
        const c = await connectChain(config.chain, signal);
        ledger = chainSpendLedger(c.bandwidth);
        disconnectChain = () => c.disconnect();
      }
      const context: GatewayContext = {
        identity: { secretKey: config.keys.identitySecret, publicKey: config.keys.identityPublic },
        store: st,
        clients,
        freeBandwidth: config.freeBandwidth ?? false,
        credentials: verifier ? { verifier, ledger } : undefined,
        forward: sendTo,
        random,
        now,
        aead: nodeAead,
        metrics,
        limits: {
          initialMessageTimeoutMs: config.initialMessageTimeoutMs ?? 10_000,
          handshakeTimeoutMs: config.handshakeTimeoutMs ?? HANDSHAKE_STEP_TIMEOUT_MS,
          authMaxSkewMs: config.authMaxSkewMs ?? AUTH_MAX_SKEW_MS,
          pingTimeoutMs: config.pingTimeoutMs ?? 1_000,
          inboxBatch: config.inboxBatch ?? 100,
          maxMessageBytes,
        },
        logger,
      };
      ctx = context;
      const announce = config.sphinx?.announce;
      rotation = await SphinxRotation.open(
        {
          ...config.sphinx,
          // the first announcement is after the listener is up: the ports are the bound ones
          announce:
            announce &&
            ((held, s) =>
              announce({ ...held, websockets: { wsPort: clientsPort, wssPort: clientsWssPort ?? null } }, s)),
          home: config.home,
          filters,
          initialSecret: config.keys.sphinxSecret,
          logger,
        },
        signal,
      );
      pipeline.setKeys(rotation.workerKeys);
      await pipeline.start(signal);

      listener = new ClientListener({
        host: config.host,
        port: config.clientsPort,
        tls,
        allowedOrigins: config.allowedOrigins ?? [],
        maxConnections: config.maxConnections ?? 8192,
        maxConnectionsPerIp: config.maxConnectionsPerIp ?? 64,
        upgradeTimeoutMs: config.upgradeTimeoutMs ?? 1_500,
        idleTimeoutMs: config.idleTimeoutMs ?? 60_000,
        // frames above the limit close the socket (1009) before they are read whole
        maxPayload: maxMessageBytes * 2,
        metrics,
        logger,
        onConnection: (socket) => new ClientConnection(context, socket),
      });
      await listener.start();
      clientsPort = listener.port;
      clientsWssPort = listener.tlsPort;

      if (config.metrics) {
        const m = await startMetricsServer(
          [pipeline.metrics.registry, registry],
          config.metrics.host,
          config.metrics.port,
        );
        metricsServer = m.server;
        metricsUrl = `http://${config.metrics.host}:${m.port}/metrics`;
      }
      const purge = () => {
        const n = store?.purgeOlderThan(now() - (config.maxMessageAgeMs ?? 24 * 3600_000)) ?? 0;
        if (n) {
          metrics.purged.inc(n);
          logger.info({ purged: n }, 'purged old stored messages');
        }
      };
      purge();
      timers.push(setInterval(purge, config.purgeIntervalMs ?? 3600_000));
      timers.push(
        setInterval(() => {
          for (const s of clients.all()) s.flushBandwidth();
        }, 1000),
      );
      for (const t of timers) t.unref();
      if (config.chain && config.bond !== false)
        await ensureGatewayBonded({
          chain: config.chain,
          keys: config.keys,
          gateway: { host: announceHost, mixPort: pipeline.port, clientsPort, identityKey, sphinxKey },
          location: config.location,
          logger,
          signal,
        });
      // after bonding: nym-api takes key announcements from bonded nodes only
      rotation.start(pipeline);
      logger.info(
        { identityKey, mixPort: pipeline.port, clientsPort, clientsWssPort, metricsUrl },
        'gateway running',
      );
    },
    async stop() {
      if (!running) return;
      running = false;
      for (const t of timers) clearInterval(t);
      timers.length = 0;
      for (const s of clients.all()) {
        s.flushBandwidth();
        s.close(CLOSE_GOING_AWAY, 'gateway stopping');
      }
      await listener?.stop();
      listener = null;
      if (metricsServer) await new Promise<void>((r) => metricsServer!.close(() => r()));
      rotation?.stop();
      await pipeline.stop();
      disconnectChain?.();
      store?.close();
      store = null;
      ctx = null;
    },
    get address() {
      return { host: announceHost, port: pipeline.port };
    },
    get nodeAddress() {
      return encodeNodeAddress({ host: announceHost, port: pipeline.port });
    },
    get clientsUrl() {
      return `ws://${announceHost}:${clientsPort}`;
    },
    get clientsPort() {
      return clientsPort;
    },
    get clientsWssUrl() {
      return clientsWssPort === undefined ? undefined : `wss://${announceHost}:${clientsWssPort}`;
    },
    get clientsWssPort() {
      return clientsWssPort;
    },
    get clientConnections() {
      return listener?.connections ?? 0;
    },
    identityKey,
    sphinxKey,
    get metricsUrl() {
      return metricsUrl;
    },
    packetMetrics: pipeline.metrics,
    registry,
    storedMessages(client) {
      return store?.countMessages(client) ?? 0;
    },
    get connectedClients() {
      return clients.size;
    },
    get context() {
      return ctx;
    },
  };
  return gw;
}
