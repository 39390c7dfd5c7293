/**
 * The topology straight from the mixnet contract, for clients that fall back from nym-api
 * to the chain: one `get_layered_topology` query, validated by the topology module.
 */
import { Topology } from '../topology/index.js';
import type { BuildResult } from '../topology/index.js';
import type { CallOptions } from './call.js';
import type { MixnetQueryClient } from './mixnet.js';

export interface ChainTopology extends BuildResult {
  intervalId: number;
  epochId: number;
}

export async function fetchTopology(mixnet: MixnetQueryClient, opts?: CallOptions): Promise<ChainTopology> {
  const r = await mixnet.getLayeredTopology(opts);
  const built = Topology.fromBonds(r.mixnodes, r.gateways);
  return { ...built, intervalId: r.interval_id, epochId: r.epoch_id };
}
