/**
 * The native client as a role: its config (./../client/native-config.ts) written from a
 * local network's plan, and the client run from it (./../client/native-runner.ts).
 */
import { pino } from 'pino';
import {
  defaultNativeConfig,
  readNativeConfig,
  writeNativeConfig,
  NativeConfigError,
} from '../client/native-config.js';
import type { RoleInitContext, RoleStartOptions, RunningRole } from '../roles.js';

/** The client's code, loaded when it starts (localnet's planner loads this module for `init`). */
export const preload = () => import('../client/native-runner.js');

/** Deposit per credential in a local network: 1,000,000 unym is about 1 GB of packets. */
const LOCALNET_DEPOSIT = 1_000_000;

export async function init({ node, host, net }: RoleInitContext): Promise<void> {
  const c = defaultNativeConfig();
  const gateways = net.gatewayIdentities ?? [];
  c.client.nym_api_urls = net.apiUrls;
  c.client.mode = net.mode as typeof c.client.mode;
  // spread the clients over the gateways, in a stable order
  c.client.gateway = gateways.length ? gateways[node.index % gateways.length] : '';
  c.socket = { host, port: node.ports.websocket };
  c.chain = {
    rpc_url: net.chain.rpc,
    mixnet_contract: net.chain.contracts.mixnet,
    bandwidth_contract: net.chain.contracts.bandwidth,
  };
  c.bandwidth = {
    ...c.bandwidth,
    mnemonic: net.chain.mnemonic,
    account_index: node.account,
    amount: LOCALNET_DEPOSIT,
    threshold: net.threshold,
    // the nym-apis start with the client: wait for t of them, and ask at once
    share_retries: 200,
    share_retry_ms: 50,
    prefetch: true,
  };
  // the whole network in its first topology: any client can reach any other at once
  c.startup = {
    ...c.startup,
    wait_mixnodes: net.counts.mixnode ?? 0,
    wait_gateways: net.counts.gateway ?? 0,
  };
  c.debug.topology_refresh_ms = 60_000;
  writeNativeConfig(node.home, c, '# nymph native client (written by nymph localnet up)');
}

/** `--port` overrides socket.port; `--set section.key=value` any key. */
export async function start(o: RoleStartOptions): Promise<RunningRole> {
  const config = readNativeConfig(o.home, o.set ?? []);
  const port = o.flags?.port;
  if (port !== undefined) {
    const n = Number(port);
    if (!Number.isInteger(n) || n < 0 || n > 65_535)
      throw new NativeConfigError('socket.port', `--port ${String(port)}`);
    config.socket.port = n;
  }
  const level = o.logLevel ?? process.env.LOG_LEVEL ?? 'info';
  const logger = o.logger ?? pino({ name: 'client', level }, pino.destination(2));
  const { startNativeClient } = await preload();
  const c = await startNativeClient({ home: o.home, config, logger, signal: o.signal });
  return {
    ready: {
      address: c.address,
      port: c.port,
      websocket: c.websocket,
      metrics: c.metrics,
      // from process start (performance's time origin) to registered with topology
      ready_ms: Math.round(performance.now()),
    },
    stop: () => c.close(),
  };
}
