/**
 * The mix node as a role: config through the mix node's own `defaultMixnodeToml`, the node
 * from `<home>/config.toml` with `--set` overrides.
 */
import { createMixnode, defaultMixnodeToml, mixnodeConfigFromToml } from '../mixnode/index.js';
import { configPath, readNodeKeys, writeToml } from '../node/index.js';
import type { RoleInitContext, RoleNode, RoleStartOptions, RunningRole } from '../roles.js';
import { chainOf, loggerOf, makeNodeKeys, tableOf, tuneForLocalnet } from './node-role.js';

export const prepare = (nodes: RoleNode[]) => makeNodeKeys(nodes);

export async function init(ctx: RoleInitContext): Promise<void> {
  const { node, host } = ctx;
  const t = defaultMixnodeToml({
    host,
    announceHost: host,
    mixPort: node.ports.mix,
    httpApiPort: node.ports.metrics,
    chain: chainOf(ctx),
    sphinxApiUrls: ctx.net.apiUrls,
  });
  tuneForLocalnet(t, host);
  writeToml(configPath(node.home), t, '# nymph mix node (written by nymph localnet up)');
}

export async function start(o: RoleStartOptions): Promise<RunningRole> {
  const node = createMixnode(
    mixnodeConfigFromToml(o.home, tableOf(o), readNodeKeys(o.home), loggerOf(o, 'mixnode')),
  );
  await node.start(o.signal);
  return {
    ready: {
      host: node.address.host,
      port: node.address.port,
      identityKey: node.identityKey,
      sphinxKey: node.sphinxKey,
      metrics: node.metricsUrl ?? null,
    },
    stop: () => node.stop(),
  };
}
