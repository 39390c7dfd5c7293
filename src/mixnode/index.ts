/**
 * Mix node: TCP listener for framed Sphinx packets, unwrap on worker threads, replay
 * store, Loopix delay queue, connection pool to next hops, Prometheus metrics, and
 * self-bonding on the chain. The pipeline and helpers are shared with the gateway.
 */
export { createMixnode, type Mixnode, type MixnodeConfig, type MixnodeAnnouncement } from './node.js';
export { PacketPipeline, type PipelineOptions, type FinalPacket } from './pipeline.js';
export {
  FrameDecoder,
  encodeFrame,
  frameHeader,
  sizeTagFor,
  isAllowedPacketSize,
  PACKET_SIZES,
  SIZE_TAGS,
  FRAME_HEADER_SIZE,
  FRAME_VERSION,
  MAX_PACKET_SIZE,
} from './framing.js';
export { ReplayStore, BloomFilter, REPLAY_TAG_SIZE, type ReplayStoreOptions } from './replay-store.js';
export { DelayQueue } from './delay-queue.js';
export { ConnectionPool, type ConnectionPoolOptions, type Destination } from './connection-pool.js';
export { WorkerPool, type WorkerPoolOptions } from './worker-pool.js';
export { PacketMetrics, startMetricsServer, type DropCause } from './metrics.js';
export { generateNodeKeys, readNodeKeys, writeNodeKeys, hasNodeKeys, type NodeKeys } from './keys.js';
export { applyOverrides, readToml, writeToml, configPath, type TomlTable } from './config.js';
export { defaultMixnodeToml, mixnodeConfigFromToml, type MixnodeInitOptions } from './node-config.js';
export {
  ensureMixnodeBonded,
  ensureGatewayBonded,
  connectChain,
  BondConflictError,
  DEFAULT_PLEDGE,
  NODE_VERSION,
  type ChainConfig,
} from './bond.js';
export * from './errors.js';
