/**
 * A gateway: the clients' door to the mixnet.
 *
 * - Clients connect over a websocket, register (handshake) or re-authenticate, present
 *   bandwidth credentials, and send encrypted binary frames carrying mix packets, which
 *   the gateway forwards into layer 1, charging each packet's size.
 * - On its mix port the gateway is the final Sphinx hop: it unwraps (worker threads,
 *   replay store: the mix node's pipeline), sends the SURB-ack at the front of the payload
 *   back into the mixnet, and pushes the rest to the client named by the destination
 *   address, or stores it in the SQLite inbox until the client returns.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { base58 } from '@scure/base';
import pino, { type Logger } from 'pino';
import { Counter, Gauge, Registry } from 'prom-client';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { encodeNodeAddress } from '../sphinx/index.js';
import { connectChain, ensureGatewayBonded, type ChainConfig } from '../node/bond.js';
import type { ConnectionPoolOptions } from '../node/connection-pool.js';
import { isAllowedPacketSize } from '../node/framing.js';
import type { NodeKeys } from '../node/keys.js';
import { startMetricsServer, type PacketMetrics } from '../node/metrics.js';
import { PacketPipeline, type FinalPacket } from '../node/pipeline.js';
import { decodeAddress } from '../node/sphinx-adapter.js';
import {
  chainSpendLedger,
  CredentialVerifier,
  type CredentialConfig,
  type SpendLedger,
} from './credentials.js';
import {
  BadPacketError,
  CredentialInvalidError,
  MessageTooLargeError,
  NotAuthenticatedError,
  OutOfBandwidthError,
  UnknownClientError,
} from './errors.js';
import { nodeAead } from './node-aead.js';
import {
  ACK_PACKET_SIZE,
  AUTH_MAX_SKEW_MS,
  FRAME_KIND_FORWARD,
  FRAME_KIND_RECEIVED,
  GatewayProtocolError,
  HANDSHAKE_STEP_TIMEOUT_MS,
  MalformedMessageError,
  PACKET_TYPE_SPHINX,
  PROTOCOL_VERSION,
  SURB_ACK_SIZE,
  authenticateIdentity,
  decodeFrame,
  decodeMixPacket,
  encodeFrame,
  encodeMessage,
  errorResponse,
  gatewayHandshakeComplete,
  gatewayHandshakeRespond,
  openCredential,
  parseClientRequest,
  splitSurbAck,
  verifyAuthenticateRequest,
  type ClientRequest,
  type GatewayHandshakeState,
  type GatewayResponse,
  type IdentityKeys,
} from './protocol/index.js';
import { GatewayStore } from './store.js';

export interface GatewayConfig {
  /** Home directory: `<home>/data/gateway.sqlite` and `<home>/data/replay`. */
  home: string;
  host: string;
  /** Mix port (final hop, from layer 3); 0 picks a free one. */
  mixPort: number;
  /** Client websocket port; 0 picks a free one. */
  clientsPort: number;
  announceHost?: string;
  metrics?: { host: string; port: number } | null;
  keys: NodeKeys;
  workers?: number;
  batchSize?: number;
  keyEpoch?: number;
  replayBloomBits?: number;
  outbound?: ConnectionPoolOptions;
  /** Largest websocket message accepted (default 64 KiB; a 32 KiB packet frame fits). */
  maxMessageBytes?: number;
  /** Stored messages pushed per batch on reconnection (default 100). */
  inboxBatch?: number;
  /** Stored messages older than this are purged (default 24 h). */
  maxMessageAgeMs?: number;
  purgeIntervalMs?: number;
  handshakeTimeoutMs?: number;
  authMaxSkewMs?: number;
  /** Development only: every client has unlimited bandwidth, no credential needed. */
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
  readonly identityKey: string;
  readonly sphinxKey: string;
  readonly metricsUrl: string | undefined;
  readonly packetMetrics: PacketMetrics;
  readonly registry: Registry;
  /** Messages waiting in the inbox for a client (tests, operators). */
  storedMessages(client: Uint8Array): number;
  /** Connected, authenticated clients. */
  readonly connectedClients: number;
}

const UNLIMITED = Number.MAX_SAFE_INTEGER;
const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex');

class GatewayMetrics {
  readonly stored: Counter;
  readonly delivered: Counter;
  readonly acksSent: Counter;
  readonly clientErrors: Counter<'code'>;
  readonly credentials: Counter<'result'>;
  readonly purged: Counter;
  readonly clientPackets: Counter;
  constructor(r: Registry, connected: () => number) {
    const c = (name: string, help: string) =>
      new Counter({ name: `nymph_gateway_${name}`, help, registers: [r] });
    this.stored = c('messages_stored_total', 'Messages stored for offline clients');
    this.delivered = c('messages_delivered_total', 'Messages written to client sockets');
    this.acksSent = c('surb_acks_sent_total', 'SURB-acks sent back into the mixnet');
    this.purged = c('messages_purged_total', 'Stored messages purged for age');
    this.clientPackets = c('client_packets_total', 'Mix packets received from clients and forwarded');
    this.clientErrors = new Counter({
      name: 'nymph_gateway_client_errors_total',
      help: 'Error responses sent to clients, by code',
      labelNames: ['code'],
      registers: [r],
    });
    this.credentials = new Counter({
      name: 'nymph_gateway_credentials_total',
      help: 'Bandwidth credentials, by result',
      labelNames: ['result'],
      registers: [r],
    });
    new Gauge({
      name: 'nymph_gateway_connected_clients',
      help: 'Authenticated client connections',
      registers: [r],
      collect() {
        this.set(connected());
      },
    });
  }
}

/** Closes that end a connection after the error frame. */
const FATAL: ReadonlySet<string> = new Set([
  'handshake_failed',
  'bad_signature',
  'stale_request',
  'unknown_client',
  'unsupported_protocol',
  'decryption_failed',
]);

export function createGateway(config: GatewayConfig): Gateway {
  const logger = config.logger ?? pino({ name: 'gateway', level: process.env.NYMPH_LOG_LEVEL ?? 'info' });
  const now = config.now ?? (() => Date.now());
  const random = (n: number) => new Uint8Array(crypto.randomBytes(n));
  const identity: IdentityKeys = {
    secretKey: config.keys.identitySecret,
    publicKey: config.keys.identityPublic,
  };
  const maxMessageBytes = config.maxMessageBytes ?? 64 * 1024;
  const inboxBatch = config.inboxBatch ?? 100;
  const announceHost = config.announceHost ?? config.host;
  const identityKey = base58.encode(config.keys.identityPublic);
  const sphinxKey = base58.encode(config.keys.sphinxPublic);
  if (config.freeBandwidth) logger.warn('free bandwidth is on: for a local development network only');

  let store: GatewayStore | null = null;
  const knownClients = new Set<string>();
  const sessions = new Map<string, Session>();
  const registry = new Registry();
  const metrics = new GatewayMetrics(registry, () => sessions.size);
  let verifier: CredentialVerifier | null = null;
  let ledger: SpendLedger | undefined = config.spendLedger;
  let disconnectChain: (() => void) | null = null;
  let wss: WebSocketServer | null = null;
  let httpServer: http.Server | null = null;
  let metricsServer: http.Server | null = null;
  let metricsUrl: string | undefined;
  let clientsPort = 0;
  const timers: ReturnType<typeof setInterval>[] = [];
  let running = false;

  const pipeline = new PacketPipeline({
    host: config.host,
    port: config.mixPort,
    sphinxSecret: config.keys.sphinxSecret,
    replayDir: path.join(config.home, 'data', 'replay'),
    keyEpoch: config.keyEpoch,
    replayBloomBits: config.replayBloomBits,
    workers: config.workers,
    batchSize: config.batchSize,
    pool: config.outbound,
    metricsPrefix: 'nymph_gateway',
    logger,
    acceptForward: false,
    onFinal: (packets) => onFinal(packets),
  });

  // ------------------------------------------------------------ final hop
  function onFinal(packets: FinalPacket[]): void {
    const st = store;
    if (!st) return;
    for (const p of packets) {
      const id = hex(p.destination);
      if (!knownClients.has(id)) {
        pipeline.drop('unknown_client');
        continue;
      }
      let message = p.payload;
      // Payloads shorter than a SURB-ack (acks themselves) carry none and go through whole.
      if (p.payload.length >= SURB_ACK_SIZE) {
        const { ack, message: rest } = splitSurbAck(p.payload);
        message = rest;
        const dest = decodeAddress(ack.firstHop);
        if (dest && ack.ackPacket.length === ACK_PACKET_SIZE) {
          // copy: the ack outlives this result buffer in the outbound queue
          if (pipeline.sendTo(dest, ack.ackPacket.slice())) metrics.acksSent.inc();
        } else pipeline.drop('bad_payload');
      }
      const s = sessions.get(id);
      if (s && !s.draining) s.push(message);
      else {
        st.storeMessage(p.destination, message, now());
        metrics.stored.inc();
      }
    }
  }

  // ------------------------------------------------------------ client sessions
  class Session {
    phase: 'fresh' | 'handshake' | 'ready' | 'closed' = 'fresh';
    hs: GatewayHandshakeState | null = null;
    timer: ReturnType<typeof setTimeout> | null = null;
    client: Uint8Array | null = null;
    id = '';
    key: Uint8Array | null = null;
    bandwidth = 0;
    dirty = false;
    draining = false;

    constructor(readonly ws: WebSocket) {
      this.armTimer();
      ws.on('message', (data: RawData, isBinary: boolean) => {
        void this.onMessage(data as Buffer, isBinary).catch((e: unknown) => this.fail(e));
      });
      ws.on('close', () => this.closed());
      ws.on('error', () => {});
    }

    /** (Re)starts the deadline for the current pre-authentication step. */
    armTimer(): void {
      if (this.timer) clearTimeout(this.timer);
      this.timer = setTimeout(
        () => this.close(4008, 'handshake timeout'),
        config.handshakeTimeoutMs ?? HANDSHAKE_STEP_TIMEOUT_MS,
      );
    }

    send(m: GatewayResponse): void {
      if (this.ws.readyState === this.ws.OPEN) this.ws.send(encodeMessage(m));
    }

    fail(e: unknown): void {
      if (e instanceof GatewayProtocolError) {
        metrics.clientErrors.inc({ code: e.code });
        this.send(errorResponse(e.code, e.message));
        if (FATAL.has(e.code)) this.close(4003, e.code);
      } else {
        metrics.clientErrors.inc({ code: 'internal' });
        logger.error(
          { err: (e as Error)?.message, client: this.id || undefined },
          'internal error serving a client',
        );
        this.send(errorResponse('internal', 'internal error'));
      }
    }

    close(code: number, reason: string): void {
      if (this.phase === 'closed') return;
      this.ws.close(code, reason);
      this.closed();
    }

    closed(): void {
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      if (this.phase === 'closed') return;
      this.phase = 'closed';
      if (this.id && sessions.get(this.id) === this) {
        this.flushBandwidth();
        sessions.delete(this.id);
      }
    }

    flushBandwidth(): void {
      if (this.dirty && this.client && store) {
        store.setBandwidth(this.client, this.bandwidth);
        this.dirty = false;
      }
    }

    async onMessage(data: Buffer, isBinary: boolean): Promise<void> {
      if (this.phase === 'closed') return;
      if (data.length > maxMessageBytes) throw new MessageTooLargeError(data.length, maxMessageBytes);
      if (isBinary) return this.onBinary(data);
      return this.onRequest(parseClientRequest(data.toString('utf8')));
    }

    async onRequest(req: ClientRequest): Promise<void> {
      const st = store!;
      switch (req.type) {
        case 'supportedProtocol':
          this.send({ type: 'supportedProtocol', version: PROTOCOL_VERSION });
          return;
        case 'handshakeInit': {
          if (this.phase !== 'fresh') throw new MalformedMessageError(`handshakeInit in phase ${this.phase}`);
          const r = gatewayHandshakeRespond({ identity, init: req, random, aead: nodeAead });
          this.hs = r.state;
          this.phase = 'handshake';
          // each handshake step has its own time limit
          this.armTimer();
          this.send(r.message);
          return;
        }
        case 'handshakeFinish': {
          if (this.phase !== 'handshake' || !this.hs)
            throw new MalformedMessageError(`handshakeFinish in phase ${this.phase}`);
          const { clientIdentity, sharedKey } = gatewayHandshakeComplete(this.hs, req, nodeAead);
          this.hs = null;
          const id = hex(clientIdentity);
          // a new registration replaces the key; a live session of the same client is stale
          sessions.get(id)?.replaced();
          st.putClient(clientIdentity, sharedKey, now());
          knownClients.add(id);
          this.attach(clientIdentity, sharedKey);
          this.send({
            type: 'register',
            status: 'ok',
            protocolVersion: PROTOCOL_VERSION,
            bandwidthRemaining: this.bandwidthRemaining(),
          });
          void this.drain();
          return;
        }
        case 'authenticate': {
          if (this.phase !== 'fresh') throw new MalformedMessageError(`authenticate in phase ${this.phase}`);
          const claimed = authenticateIdentity(req);
          sessions.get(hex(claimed))?.flushBandwidth();
          const rec = st.getClient(claimed);
          if (!rec) throw new UnknownClientError(req.identity);
          const { timestamp } = verifyAuthenticateRequest({
            request: req,
            sharedKey: rec.sharedKey,
            nowMs: now(),
            lastTimestamp: rec.lastAuthTimestamp,
            maxSkewMs: config.authMaxSkewMs ?? AUTH_MAX_SKEW_MS,
            aead: nodeAead,
          });
          st.setLastAuth(claimed, timestamp);
          sessions.get(hex(claimed))?.replaced();
          this.attach(claimed, rec.sharedKey);
          this.send({
            type: 'authenticate',
            status: 'ok',
            protocolVersion: PROTOCOL_VERSION,
            bandwidthRemaining: this.bandwidthRemaining(),
          });
          void this.drain();
          return;
        }
        case 'bandwidthCredential': {
          if (this.phase !== 'ready') throw new NotAuthenticatedError('bandwidthCredential');
          if (!verifier) throw new CredentialInvalidError('this gateway does not accept credentials');
          const payload = openCredential(req, this.key!, nodeAead);
          try {
            await verifier.redeem({
              payload,
              client: this.client!,
              store: st,
              ledger,
              credit: (bytes) => {
                this.bandwidth = Math.min(UNLIMITED, this.bandwidth + bytes);
                this.dirty = false;
                return this.bandwidth;
              },
              nowMs: now(),
            });
          } catch (e) {
            metrics.credentials.inc({ result: e instanceof GatewayProtocolError ? e.code : 'error' });
            throw e;
          }
          metrics.credentials.inc({ result: 'accepted' });
          this.send({ type: 'bandwidth', availableTotal: this.bandwidthRemaining() });
          return;
        }
      }
    }

    onBinary(data: Buffer): void {
      if (this.phase !== 'ready') throw new NotAuthenticatedError('binary frame');
      const f = decodeFrame(data, this.key!, nodeAead);
      if (f.kind !== FRAME_KIND_FORWARD)
        throw new MalformedMessageError('clients may only send forward frames', 'kind');
      const mp = decodeMixPacket(f.plaintext);
      if (mp.packetType !== PACKET_TYPE_SPHINX) throw new BadPacketError(`packet type ${mp.packetType}`);
      if (!isAllowedPacketSize(mp.packet.length)) throw new BadPacketError(`size ${mp.packet.length}`);
      const dest = decodeAddress(mp.nextHop);
      if (!dest) throw new BadPacketError('next hop address');
      if (!config.freeBandwidth) {
        if (this.bandwidth < mp.packet.length)
          throw new OutOfBandwidthError(this.bandwidth, mp.packet.length);
        this.bandwidth -= mp.packet.length;
        this.dirty = true;
      }
      metrics.clientPackets.inc();
      pipeline.sendTo(dest, mp.packet);
    }

    bandwidthRemaining(): number {
      return config.freeBandwidth ? UNLIMITED : this.bandwidth;
    }

    attach(client: Uint8Array, key: Uint8Array): void {
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      this.client = client;
      this.id = hex(client);
      this.key = key;
      this.bandwidth = store!.getClient(client)?.bandwidth ?? 0;
      this.phase = 'ready';
      sessions.set(this.id, this);
    }

    /** A newer connection of the same client takes over. */
    replaced(): void {
      this.flushBandwidth();
      sessions.delete(this.id);
      this.close(4001, 'replaced by a newer connection');
    }

    frame(message: Uint8Array): Uint8Array {
      return encodeFrame(FRAME_KIND_RECEIVED, this.key!, random(12), message, nodeAead);
    }

    /** Live delivery; a message the socket does not take goes to the inbox. */
    push(message: Uint8Array): void {
      const copy = message.slice();
      this.ws.send(this.frame(copy), (err) => {
        if (err) {
          store?.storeMessage(this.client!, copy, now());
          metrics.stored.inc();
        } else metrics.delivered.inc();
      });
    }

    /** Pushes the inbox in batches; each batch is deleted once written to the socket. */
    async drain(): Promise<void> {
      const st = store!;
      this.draining = true;
      try {
        while (this.phase === 'ready' && sessions.get(this.id) === this) {
          const batch = st.messages(this.client!, inboxBatch);
          if (batch.length === 0) break;
          const results = await Promise.all(
            batch.map(
              (m) =>
                new Promise<boolean>((resolve) => {
                  if (this.ws.readyState !== this.ws.OPEN) return resolve(false);
                  this.ws.send(this.frame(m.content), (err) => resolve(!err));
                }),
            ),
          );
          const written = batch.filter((_, i) => results[i]).map((m) => m.id);
          if (written.length) st.deleteMessages(written);
          metrics.delivered.inc(written.length);
          if (written.length < batch.length) break;
        }
      } finally {
        this.draining = false;
      }
    }
  }

  // ------------------------------------------------------------ lifecycle
  const gw: Gateway = {
    async start(signal) {
      if (running) return;
      running = true;
      fs.mkdirSync(path.join(config.home, 'data'), { recursive: true });
      store = new GatewayStore(config.storeFile ?? path.join(config.home, 'data', 'gateway.sqlite'));
      for (const id of store.clientIdentities()) knownClients.add(hex(id));
      if (config.credentials) verifier = await CredentialVerifier.create(config.credentials, signal);
      if (config.chain && !ledger && config.chain.contracts.bandwidth) {
        const c = await connectChain(config.chain, signal);
        ledger = chainSpendLedger(c.bandwidth);
        disconnectChain = () => c.disconnect();
      }
      await pipeline.start(signal);

      httpServer = http.createServer((_req, res) => {
        res.writeHead(426, { 'content-type': 'text/plain' });
        res.end('websocket only\n');
      });
      wss = new WebSocketServer({ server: httpServer, maxPayload: maxMessageBytes * 2 });
      wss.on('connection', (ws) => new Session(ws));
      wss.on('error', (err) => logger.error({ err: err.message }, 'websocket server error'));
      const srv = httpServer;
      await new Promise<void>((resolve, reject) => {
        srv.once('error', reject);
        srv.listen(config.clientsPort, config.host, () => resolve());
      });
      clientsPort = (srv.address() as { port: number }).port;

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
          for (const s of sessions.values()) s.flushBandwidth();
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
      logger.info({ identityKey, mixPort: pipeline.port, clientsPort, metricsUrl }, 'gateway running');
    },
    async stop() {
      if (!running) return;
      running = false;
      for (const t of timers) clearInterval(t);
      timers.length = 0;
      for (const s of [...sessions.values()]) {
        s.flushBandwidth();
        s.close(1001, 'gateway stopping');
      }
      if (wss) {
        for (const c of wss.clients) c.terminate();
        await new Promise<void>((r) => wss!.close(() => r()));
      }
      if (httpServer) await new Promise<void>((r) => httpServer!.close(() => r()));
      if (metricsServer) await new Promise<void>((r) => metricsServer!.close(() => r()));
      await pipeline.stop();
      disconnectChain?.();
      store?.close();
      store = null;
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
      return sessions.size;
    },
  };
  return gw;
}
