/** Topology model, validation, route and gateway selection. Pure: randomness is passed in. */
export { Topology, LAYERS, randomIndex } from './topology.js';
export type {
  BuildResult,
  GatewayEntry,
  Layer,
  MixNodeEntry,
  RandomBytes,
  SkippedNode,
  TopologyJson,
} from './topology.js';
export { GatewayNotFoundError, NoGatewayError, NoRouteError, TopologyFormatError } from './errors.js';
