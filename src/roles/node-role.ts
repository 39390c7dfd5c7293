/**
 * What the mix node and gateway roles share: keys made before start (kept across
 * restarts), a local network's tuning of their configs, and reading `<home>/config.toml`
 * with `--set` overrides.
 */
import { pino, type Logger } from 'pino';
import {
  applyOverrides,
  configPath,
  generateNodeKeys,
  hasNodeKeys,
  readToml,
  writeNodeKeys,
  type TomlTable,
} from '../node/index.js';
import type { PreparedFacts, RoleInitContext, RoleNode, RoleStartOptions } from '../roles.js';

/**
 * A development network's expected packet rate: its replay filters are sized from it and
 * from the rotation length (20/s over Nym's 25 h key life: 8 MiB a filter at 1e-5).
 */
const LOCALNET_PACKETS_PER_SECOND = 20;
/** How often nodes look at the rotation schedule and re-announce their keys. */
const LOCALNET_SPHINX_POLL_MS = 2_000;

export async function makeNodeKeys(nodes: RoleNode[]): Promise<Partial<PreparedFacts>> {
  for (const n of nodes) if (!hasNodeKeys(n.home)) writeNodeKeys(n.home, generateNodeKeys());
  return {};
}

export const chainOf = ({ node, net }: RoleInitContext) => ({
  rpcUrl: net.chain.rpc,
  mnemonic: net.chain.mnemonic,
  accountIndex: node.account,
  mixnetContract: net.chain.contracts.mixnet,
  bandwidthContract: net.chain.contracts.bandwidth,
});

/**
 * What a local network changes beyond a node's `init` defaults, only where the role's own
 * writer produced the key (so a key the role no longer has is never introduced): no
 * unwrap worker threads (`workers = -1`: many nodes share few cores, where a worker costs
 * more CPU than it saves; src/node/worker-pool.ts), replay filters sized for its rate,
 * a faster look at the key rotation schedule, and the
 * metrics listener on the node's address.
 */
export function tuneForLocalnet(t: TomlTable, host: string): void {
  const want: Record<string, unknown> = {
    workers: -1,
    packets_per_second: LOCALNET_PACKETS_PER_SECOND,
    poll_ms: LOCALNET_SPHINX_POLL_MS,
    announce_every_ms: LOCALNET_SPHINX_POLL_MS,
    http_api_host: host,
  };
  for (const section of Object.values(t)) {
    if (typeof section !== 'object' || section === null || Array.isArray(section)) continue;
    const s = section as TomlTable;
    for (const [k, v] of Object.entries(want)) if (k in s) s[k] = v;
  }
}

export function loggerOf(o: RoleStartOptions, name: string): Logger {
  return o.logger ?? pino({ name, level: o.logLevel ?? 'info' }, pino.destination(2));
}

export const tableOf = (o: RoleStartOptions): TomlTable =>
  applyOverrides(readToml(configPath(o.home)), [...(o.set ?? [])]);
