/**
 * Node entry of the SDK: `connect({ nymApi })` with the `ws` websocket, and keys plus reply
 * state in `home` when given (in memory otherwise).
 */
import { createNodeClient, type NodeClientOptions } from '../client/node.js';
import {
  chainTopologySource,
  fallbackTopologySource,
  nymApiTopologySource,
  type TopologySource,
} from '../client/topology-source.js';
import { MixnetClient, type CallOptions } from './client.js';

export type ConnectOptions = Omit<NodeClientOptions, 'topology'> &
  CallOptions & {
    /** nym-api base URLs (topology); or pass `topology` yourself */
    readonly nymApi?: readonly string[];
    /** Fallback when no nym-api answers: the mixnet contract, queried through CosmJS. */
    readonly chain?: { readonly rpcUrl: string; readonly mixnetContract: string };
    readonly topology?: NodeClientOptions['topology'];
  };

function defaultTopology(opts: ConnectOptions): TopologySource {
  const sources: TopologySource[] = [];
  if (opts.nymApi?.length) sources.push(nymApiTopologySource(opts.nymApi));
  const chain = opts.chain;
  if (chain) {
    sources.push(async (signal) => {
      const { connectQueryClients } = await import('../chain/index.js');
      const q = await connectQueryClients({
        rpcUrl: chain.rpcUrl,
        contracts: { mixnet: chain.mixnetContract, bandwidth: chain.mixnetContract },
        signal,
      });
      try {
        return await chainTopologySource(q.mixnet)(signal);
      } finally {
        q.disconnect();
      }
    });
  }
  return fallbackTopologySource(...sources);
}

/** Start a mixnet client in this process and connect it to its gateway. */
export function connect(opts: ConnectOptions): Promise<MixnetClient> {
  const topology = opts.topology ?? defaultTopology(opts);
  return MixnetClient.fromCore(createNodeClient({ ...opts, topology }), opts);
}
