/**
 * The roles of a local network inside this process (tests, and `--processes in-process`):
 * the same factories and the same config files as the role processes use.
 */
import type { Logger } from 'pino';
import { createNymApi, loadConfig } from '../../src/api/index.js';
import { createMixnode, mixnodeConfigFromToml } from '../../src/mixnode/index.js';
import { configPath, readNodeKeys, readToml } from '../../src/node/index.js';
import { createGateway, gatewayConfigFromToml } from '../../src/gateway/index.js';
import type { NodePlan } from './plan.js';
import type { LocalnetInfo } from './up.js';

interface Handle {
  name: string;
  stop: () => Promise<void>;
}

export async function startApi(a: NodePlan, log: Logger): Promise<Handle> {
  const api = createNymApi(loadConfig(a.home), { logger: log.child({ role: a.name }), shutdownGraceMs: 200 });
  await api.start();
  return { name: a.name, stop: () => api.stop() };
}

export async function startMixnode(
  m: NodePlan,
  log: Logger,
): Promise<{ handle: Handle; info: LocalnetInfo['mixnodes'][number] }> {
  const node = createMixnode(
    mixnodeConfigFromToml(
      m.home,
      readToml(configPath(m.home)),
      readNodeKeys(m.home),
      log.child({ role: m.name }),
    ),
  );
  await node.start();
  return {
    handle: { name: m.name, stop: () => node.stop() },
    info: {
      name: m.name,
      identity_key: node.identityKey,
      host: node.address.host,
      mix_port: node.address.port,
      metrics: node.metricsUrl ?? null,
    },
  };
}

export async function startGateway(
  g: NodePlan,
  log: Logger,
): Promise<{ handle: Handle; info: LocalnetInfo['gateways'][number] }> {
  const gw = createGateway(
    gatewayConfigFromToml(
      g.home,
      readToml(configPath(g.home)),
      readNodeKeys(g.home),
      log.child({ role: g.name }),
    ),
  );
  await gw.start();
  return {
    handle: { name: g.name, stop: () => gw.stop() },
    info: {
      name: g.name,
      identity_key: gw.identityKey,
      host: gw.address.host,
      mix_port: gw.address.port,
      clients_url: gw.clientsUrl,
      metrics: gw.metricsUrl ?? null,
    },
  };
}
