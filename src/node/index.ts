/**
 * What mix nodes and gateways share: node-to-node framing, the packet pipeline (TCP
 * listener, unwrap on worker threads, replay store, Loopix delay queue, connection pool to
 * next hops), node keys, TOML config helpers, Prometheus packet metrics and self-bonding.
 */
export { PacketPipeline, type PipelineOptions, type FinalPacket, type InboundLimits } from './pipeline.js';
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
export {
  ReplayFilters,
  BloomFilter,
  bloomSizing,
  falsePositiveRate,
  REPLAY_TAG_SIZE,
  type ReplayFiltersOptions,
  type BloomSizing,
} from './replay-store.js';
export {
  SphinxRotation,
  DEFAULT_REPLAY_SIZING,
  type NodeSphinxOptions,
  type SphinxKeyAnnouncement,
} from './key-rotation.js';
export { SphinxKeyStore, type RotationKey } from './sphinx-keys.js';
export * from './rotation-schedule.js';
export { DelayQueue } from './delay-queue.js';
export { ConnectionPool, type ConnectionPoolOptions, type Destination } from './connection-pool.js';
export { WorkerPool, type WorkerPoolOptions } from './worker-pool.js';
export { PacketMetrics, startMetricsServer, type DropCause } from './metrics.js';
export { generateNodeKeys, readNodeKeys, writeNodeKeys, hasNodeKeys, type NodeKeys } from './keys.js';
export { applyOverrides, readToml, writeToml, configPath, type TomlTable } from './config.js';
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
export {
  chainFromToml,
  chainToml,
  inboundFromToml,
  outboundFromToml,
  sphinxFromToml,
  sphinxToml,
  type NodeChainOptions,
} from './node-config.js';
