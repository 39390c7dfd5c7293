/**
 * The gateway as a role: config through the gateway's own `defaultGatewayToml`, the node
 * from `<home>/config.toml` with `--set` overrides; its identity key is what clients pin.
 */
import { base58 } from '@scure/base';
import {
  createGateway,
  defaultGatewayToml,
  gatewayConfigFromToml,
  initGatewayTls,
} from '../gateway/index.js';
import { configPath, readNodeKeys, writeToml } from '../node/index.js';
import type { PreparedFacts, RoleInitContext, RoleNode, RoleStartOptions, RunningRole } from '../roles.js';
import { chainOf, loggerOf, makeNodeKeys, tableOf, tuneForLocalnet } from './node-role.js';

/**
 * Browser origins let in on the gateways' client ports (`[gateway] allowed_origins`)
 * besides those of localnet's own pages (`net.webOrigins`): none.
 */
export const LOCALNET_PAGE_ORIGINS: readonly string[] = [];

/** Every client of a localnet connects from one address. */
const LOCALNET_CONNECTIONS_PER_IP = 1024;

export async function prepare(nodes: RoleNode[]): Promise<Partial<PreparedFacts>> {
  await makeNodeKeys(nodes);
  return { gatewayIdentities: nodes.map((g) => base58.encode(readNodeKeys(g.home).identityPublic)) };
}

export async function init(ctx: RoleInitContext): Promise<void> {
  const { node, host, net } = ctx;
  const t = defaultGatewayToml({
    host,
    announceHost: host,
    mixPort: node.ports.mix,
    clientsPort: node.ports.clients,
    httpApiPort: node.ports.metrics,
    verificationKey: net.verificationKey,
    // from the DKG: fetched from the nym-apis at start (they are up before the gateways)
    apiUrls: net.verificationKey ? undefined : net.apiUrls,
    // localnet grants Nym's free testnet bandwidth (Nym's own clients claim it) unless told not to
    freeBandwidth: net.gatewayFreeBandwidth ?? true,
    // no wss in localnet: it would need a port of its own in the plan (src/roles.ts)
    clientsWssPort: -1,
    allowedOrigins: [...LOCALNET_PAGE_ORIGINS, ...(net.webOrigins ?? [])],
    maxConnectionsPerIp: LOCALNET_CONNECTIONS_PER_IP,
    chain: chainOf(ctx),
    sphinxApiUrls: net.apiUrls,
  });
  tuneForLocalnet(t, host);
  if (!net.verificationKey) (t.credentials as Record<string, unknown>).threshold = net.threshold;
  writeToml(configPath(node.home), t, '# nymph gateway (written by nymph localnet up)');
  initGatewayTls(node.home, t);
}

export async function start(o: RoleStartOptions): Promise<RunningRole> {
  const gw = createGateway(
    gatewayConfigFromToml(o.home, tableOf(o), readNodeKeys(o.home), loggerOf(o, 'gateway')),
  );
  await gw.start(o.signal);
  return {
    ready: {
      host: gw.address.host,
      mixPort: gw.address.port,
      clientsPort: gw.clientsPort,
      clientsUrl: gw.clientsUrl,
      clientsWssUrl: gw.clientsWssUrl ?? null,
      identityKey: gw.identityKey,
      sphinxKey: gw.sphinxKey,
      metrics: gw.metricsUrl ?? null,
    },
    stop: () => gw.stop(),
  };
}
