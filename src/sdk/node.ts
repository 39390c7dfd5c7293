/**
 * Node entry of the SDK: `connect({ nymApi })` with the `ws` websocket, and keys plus reply
 * state in `home` when given (in memory otherwise).
 */
import { createNodeClient, type NodeClientOptions } from '../client/node.js';
import { nymApiTopologySource } from '../client/topology-source.js';
import { MixnetClient, type CallOptions } from './client.js';

export type ConnectOptions = Omit<NodeClientOptions, 'topology'> &
  CallOptions & {
    /** nym-api base URLs (topology); or pass `topology` yourself */
    readonly nymApi?: readonly string[];
    readonly topology?: NodeClientOptions['topology'];
  };

class NodeMixnetClient extends MixnetClient {
  static async connect(opts: ConnectOptions): Promise<MixnetClient> {
    const topology = opts.topology ?? nymApiTopologySource(opts.nymApi ?? []);
    const core = createNodeClient({ ...opts, topology });
    try {
      await core.start(opts.signal);
    } catch (e) {
      await core.stop();
      throw e;
    }
    core.setIdle(false);
    return new NodeMixnetClient(core);
  }
}

/** Start a mixnet client in this process and connect it to its gateway. */
export function connect(opts: ConnectOptions): Promise<MixnetClient> {
  return NodeMixnetClient.connect(opts);
}
