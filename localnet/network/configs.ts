/**
 * Writes each role's own config file (the same TOML its `init` command writes), so every
 * role of the local network is started by its ordinary `run` command. Keys already in a
 * home are kept; ports and chain settings come from the plan and chain.json.
 */
import { join } from 'node:path';
import type { ChainInfo } from '../chain/index.js';
import { defaultConfig, writeConfig } from '../../src/api/index.js';
import { defaultMixnodeToml } from '../../src/mixnode/index.js';
import { configPath, writeToml, type TomlTable } from '../../src/node/index.js';
import { defaultGatewayToml } from '../../src/gateway/index.js';
import { hostOf, type NetworkPlan, type NodePlan } from './plan.js';

/** Small enough to allocate quickly, large enough for a development network's packets. */
const LOCALNET_BLOOM_BITS = 2 ** 22;

export function writeApiConfigs(plan: NetworkPlan, chain: ChainInfo): void {
  for (const a of plan.apis) {
    const c = defaultConfig(a.home);
    c.http.host = hostOf(plan, a);
    c.http.port = a.port;
    c.chain.rpcUrl = chain.rpc;
    c.chain.mixnetContract = chain.contracts.mixnet;
    c.chain.bandwidthContract = chain.contracts.bandwidth;
    c.topology.refreshIntervalMs = plan.layout.topologyRefreshMs;
    c.coconut.keyFile = 'coconut-key.json';
    c.storage.database = join(a.home, 'nym-api.sqlite');
    writeConfig(c);
  }
}

function chainSection(chain: ChainInfo, n: NodePlan) {
  return {
    rpcUrl: chain.rpc,
    mnemonic: chain.mnemonic,
    accountIndex: n.account,
    mixnetContract: chain.contracts.mixnet,
    bandwidthContract: chain.contracts.bandwidth,
  };
}

/** What a localnet changes in a node's [section] beyond its `init` defaults. */
function tune(t: TomlTable, section: string, host: string): void {
  const s = t[section] as TomlTable;
  s.http_api_host = host;
  // one unwrap worker per node: a localnet runs many nodes on few cores
  s.workers = 1;
  s.replay_bloom_bits = LOCALNET_BLOOM_BITS;
}

export function writeMixnodeConfigs(plan: NetworkPlan, chain: ChainInfo): void {
  for (const m of plan.mixnodes) {
    const host = hostOf(plan, m);
    const t = defaultMixnodeToml({
      host,
      announceHost: host,
      mixPort: m.port,
      httpApiPort: m.metricsPort,
      chain: chainSection(chain, m),
    });
    tune(t, 'mixnode', host);
    writeToml(configPath(m.home), t, '# nymph mix node (written by nymph localnet up)');
  }
}

export function writeGatewayConfigs(plan: NetworkPlan, chain: ChainInfo, verificationKey: string): void {
  for (const g of plan.gateways) {
    const host = hostOf(plan, g);
    const t = defaultGatewayToml({
      host,
      announceHost: host,
      mixPort: g.port,
      clientsPort: g.clientsPort,
      httpApiPort: g.metricsPort,
      verificationKey,
      freeBandwidth: true,
      chain: chainSection(chain, g),
    });
    tune(t, 'gateway', host);
    writeToml(configPath(g.home), t, '# nymph gateway (written by nymph localnet up)');
  }
}
