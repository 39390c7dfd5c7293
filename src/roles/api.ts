/**
 * nym-api as a role: its config written through nym-api's own `defaultConfig`/`writeConfig`,
 * its Coconut key share (by default from the DKG through the coconut-dkg contract, which
 * each nym-api joins as a dealer from its own account; with `--trusted-dealer`, dealt
 * before start as `nymph api keygen` does), and the service itself.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { base58 } from '@scure/base';
import { pino } from 'pino';
import {
  CONFIG_KEYS,
  createNymApi,
  defaultConfig,
  generateKeyShares,
  loadConfig,
  setConfigValue,
  writeConfig,
  writeKeyFile,
} from '../api/index.js';
import { loadBackend, secureRandom } from '../coconut/index.js';
import type { PreparedFacts, RoleInitContext, RoleNode, RoleStartOptions, RunningRole } from '../roles.js';
import { RoleOptionError } from './errors.js';

const KEY_FILE = 'coconut-key.json';
const camel = (flag: string): string => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/**
 * Trusted dealer only: deals the key shares once (kept across restarts) and returns the
 * aggregated verification key. With the DKG there is nothing to make before start.
 */
export async function prepare(
  nodes: RoleNode[],
  threshold: number,
  opts: { trustedDealer: boolean } = { trustedDealer: true },
): Promise<Partial<PreparedFacts>> {
  if (!opts.trustedDealer) return {};
  const keyFile = (n: RoleNode) => join(n.home, KEY_FILE);
  if (!nodes.every((n) => existsSync(keyFile(n)))) {
    const backend = await loadBackend('mcl');
    const shares = generateKeyShares(backend, threshold, nodes.length, secureRandom);
    nodes.forEach((n, i) => {
      mkdirSync(n.home, { recursive: true });
      writeKeyFile(backend, keyFile(n), shares[i]);
    });
  }
  const doc = JSON.parse(readFileSync(keyFile(nodes[0]), 'utf8')) as { aggregated_verification_key: string };
  // sanity: base58 that decodes (the gateways check the group elements)
  base58.decode(doc.aggregated_verification_key);
  return { verificationKey: doc.aggregated_verification_key };
}

export async function init({ node, host, net }: RoleInitContext): Promise<void> {
  const c = defaultConfig(node.home);
  c.http.host = host;
  c.http.port = node.ports.http;
  c.chain.rpcUrl = net.chain.rpc;
  c.chain.mixnetContract = net.chain.contracts.mixnet;
  c.chain.bandwidthContract = net.chain.contracts.bandwidth;
  c.topology.refreshIntervalMs = net.topologyRefreshMs;
  if (net.keyRotation) c.topology.keyRotationValidityEpochs = net.keyRotation.validityEpochs;
  c.coconut.keyFile = KEY_FILE;
  if (net.dkgContract) {
    c.dkg.enabled = true;
    c.dkg.contract = net.dkgContract;
    c.dkg.mnemonic = net.chain.mnemonic;
    c.dkg.account = node.account;
    c.dkg.pollIntervalMs = 250;
  }
  c.storage.database = join(node.home, 'nym-api.sqlite');
  c.http.corsAllowedOrigins = [...(net.webOrigins ?? [])];
  writeConfig(c);
}

/** Flags are nym-api's CONFIG_KEYS flags; `--set` takes their `section.key` paths. */
export async function start(o: RoleStartOptions): Promise<RunningRole> {
  const config = loadConfig(o.home);
  const flags = o.flags ?? {};
  for (const k of CONFIG_KEYS) {
    const v = flags[camel(k.flag)];
    if (v !== undefined) setConfigValue(config, k.path, v);
  }
  for (const s of o.set ?? []) {
    const eq = s.indexOf('=');
    if (eq <= 0) throw new RoleOptionError('api', 'set', `expected section.key=value, got ${s}`);
    setConfigValue(config, s.slice(0, eq), s.slice(eq + 1));
  }
  if (o.logLevel !== undefined) setConfigValue(config, 'log.level', o.logLevel);
  const logger = o.logger ?? pino({ name: 'nym-api', level: config.log.level }, pino.destination(2));
  // alone in its process: process-wide metrics and a full grace period for requests
  const api = createNymApi(
    config,
    o.logger ? { logger, shutdownGraceMs: 200 } : { logger, defaultMetrics: true },
  );
  await api.start();
  return { ready: { url: api.url, home: config.home }, stop: () => api.stop() };
}
