/**
 * A mix node: the packet pipeline (listen, unwrap on workers, replay check, Loopix delay,
 * forward) plus its metrics endpoint and, when configured, its bond on the chain.
 */
import { base58 } from '@scure/base';
import pino, { type Logger } from 'pino';
import type http from 'node:http';
import { encodeNodeAddress } from '../sphinx/address.js';
import type { ConnectionPoolOptions } from '../node/connection-pool.js';
import type { NodeKeys } from '../node/keys.js';
import { startMetricsServer, type PacketMetrics } from '../node/metrics.js';
import { PacketPipeline, type InboundLimits } from '../node/pipeline.js';
import { replayDirOf, SphinxRotation, type NodeSphinxOptions } from '../node/key-rotation.js';
import { ReplayFilters } from '../node/replay-store.js';

/** What a node announces (and bonds): Nym's `MixNode` contract struct fields. */
export interface MixnodeAnnouncement {
  host: string;
  mixPort: number;
  httpApiPort: number;
  identityKey: string;
  sphinxKey: string;
}

export interface MixnodeConfig {
  /** Home directory: rotating keys under `<home>/keys`, replay filters under `<home>/data/replay`. */
  home: string;
  /** Listen address for the mix port. */
  host: string;
  /** Mix port; 0 picks a free one. */
  port: number;
  /** Address other nodes use to reach this one (defaults to `host`). */
  announceHost?: string;
  /** Metrics HTTP endpoint; null disables it; port 0 picks a free one. */
  metrics?: { host: string; port: number } | null;
  keys: NodeKeys;
  workers?: number;
  batchSize?: number;
  maxDelayMs?: number;
  /** Sphinx key rotation (schedule, announcements, replay filter sizing); absent: one key. */
  sphinx?: NodeSphinxOptions;
  outbound?: ConnectionPoolOptions;
  inbound?: InboundLimits;
  /** Called once listening, before start() resolves: bonds the node on the chain if needed. */
  bond?: (node: MixnodeAnnouncement, signal?: AbortSignal) => Promise<void>;
  logger?: Logger;
}

export interface Mixnode {
  start(signal?: AbortSignal): Promise<void>;
  stop(): Promise<void>;
  /** Socket address of the mix port (valid after start). */
  readonly address: { host: string; port: number };
  /** 32-byte Sphinx node address (valid after start). */
  readonly nodeAddress: Uint8Array;
  readonly metricsUrl: string | undefined;
  readonly metrics: PacketMetrics;
  readonly announcement: MixnodeAnnouncement;
  readonly identityKey: string;
  /** The bonded Sphinx key (the first rotation's). */
  readonly sphinxKey: string;
  /** The key rotation controller (valid after start). */
  readonly rotation: SphinxRotation | undefined;
}

export function createMixnode(config: MixnodeConfig): Mixnode {
  const logger = config.logger ?? pino({ name: 'mixnode', level: process.env.NYMPH_LOG_LEVEL ?? 'info' });
  const filters = new ReplayFilters({ dir: replayDirOf(config.home) });
  let rotation: SphinxRotation | undefined;
  const pipeline = new PacketPipeline({
    host: config.host,
    port: config.port,
    keys: [],
    replay: filters,
    workers: config.workers,
    batchSize: config.batchSize,
    maxDelayMs: config.maxDelayMs,
    pool: config.outbound,
    inbound: config.inbound,
    metricsPrefix: 'nymph_mixnode',
    logger,
  });
  const identityKey = base58.encode(config.keys.identityPublic);
  const sphinxKey = base58.encode(config.keys.sphinxPublic);
  let metricsServer: http.Server | null = null;
  let metricsUrl: string | undefined;
  let started = false;
  const announceHost = config.announceHost ?? config.host;

  const node: Mixnode = {
    async start(signal) {
      if (started) return;
      started = true;
      rotation = await SphinxRotation.open(
        {
          ...config.sphinx,
          home: config.home,
          filters,
          initialSecret: config.keys.sphinxSecret,
          logger,
        },
        signal,
      );
      pipeline.setKeys(rotation.workerKeys);
      await pipeline.start(signal);
      if (config.metrics) {
        const m = await startMetricsServer(
          [pipeline.metrics.registry],
          config.metrics.host,
          config.metrics.port,
        );
        metricsServer = m.server;
        metricsUrl = `http://${config.metrics.host}:${m.port}/metrics`;
      }
      if (config.bond) await config.bond(node.announcement, signal);
      // after bonding: nym-api takes key announcements from bonded nodes only
      rotation.start(pipeline);
      logger.info({ identityKey, port: pipeline.port, metricsUrl }, 'mix node running');
    },
    async stop() {
      if (!started) return;
      started = false;
      const srv = metricsServer;
      metricsServer = null;
      if (srv) await new Promise<void>((r) => srv.close(() => r()));
      rotation?.stop();
      await pipeline.stop();
    },
    get address() {
      return { host: announceHost, port: pipeline.port };
    },
    get nodeAddress() {
      return encodeNodeAddress({ host: announceHost, port: pipeline.port });
    },
    get metricsUrl() {
      return metricsUrl;
    },
    metrics: pipeline.metrics,
    get announcement() {
      return {
        host: announceHost,
        mixPort: pipeline.port,
        httpApiPort: metricsUrl ? Number(new URL(metricsUrl).port) : 0,
        identityKey,
        sphinxKey,
      };
    },
    identityKey,
    sphinxKey,
    get rotation() {
      return rotation;
    },
  };
  return node;
}
