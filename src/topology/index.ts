/** Topology model, validation, route and gateway selection. Pure: randomness is passed in. */
export { Topology, LAYERS, randomIndex, describeIssue } from './topology.js';
export type {
  BuildResult,
  GatewayEntry,
  Layer,
  MixNodeEntry,
  RandomBytes,
  SkipCode,
  SkippedNode,
  TopologyJson,
} from './topology.js';
export {
  CoinSchema,
  GatewayBondSchema,
  GatewaySchema,
  HostSchema,
  IntervalSchema,
  MixNodeBondSchema,
  MixNodeSchema,
  PortSchema,
  PublicKeySchema,
  PUBLIC_KEY_BYTES,
  Rfc3339Schema,
  TopologyDocumentSchema,
  decodeBase58,
  u32,
} from './schema.js';
export {
  GatewayNotFoundError,
  NoGatewayError,
  NoRouteError,
  TopologyError,
  TopologyFormatError,
} from './errors.js';
