/**
 * Node entry of the SDK: `connect({ nymApi })` with the `ws` websocket, and keys plus reply
 * state in `home` when given (in memory otherwise).
 *
 * Bandwidth, as in the browser entry: without `credentials` the client claims the gateway's
 * free bandwidth; a gateway that refuses it fails `connect` with NoBandwidthError, as does a
 * credential source that fails before the gateway granted anything. Later, when the gateway
 * runs out and no more can be had (free bandwidth refused, or the credential source
 * failing), sends fail with NoBandwidthError and the client stops (bandwidth.ts), rather
 * than wait for ever.
 */
import { errorCode } from '../client/errors.js';
import { createNodeClient, nodeWebSocketFactory, type NodeClientOptions } from '../client/node.js';
import { Geometry } from '../sphinx/index.js';
import { BandwidthWatch, NoBandwidthError } from './bandwidth.js';
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
export async function connect(opts: ConnectOptions): Promise<MixnetClient> {
  const topology = opts.topology ?? defaultTopology(opts);
  const watch = new BandwidthWatch(!!opts.credentials);
  const core = createNodeClient({
    ...opts,
    topology,
    credentials: opts.credentials && watch.credentials(opts.credentials),
    wsFactory: watch.watch(opts.wsFactory ?? nodeWebSocketFactory),
  });
  // with credentials, the client waits below one packet's bandwidth for a top-up
  if (opts.credentials) watch.needBytes = Geometry.of(core.config.packetSize).packetLength;
  try {
    return await MixnetClient.fromCore(core, opts, watch);
  } catch (e) {
    // a gateway that refuses free bandwidth to a client without credentials: typed, at once
    if (!opts.credentials && errorCode(e) === 'free_bandwidth_disabled')
      throw new NoBandwidthError('the gateway gives no free bandwidth and no credential source was given', {
        cause: e,
      });
    throw e;
  }
}
