/**
 * The localnet native client's config: DIR/config.toml in the format of `nymph client run`
 * ([client], [socket], [debug]) plus a [bandwidth] section for credentials:
 *
 *   [bandwidth]  rpc_url, mnemonic, account_index, bandwidth_contract, mixnet_contract,
 *                api_urls (nym-api base URLs), threshold, deposit_amount (unym),
 *                backend ("mcl" | "noble")
 *   [startup]    wait_mixnodes, wait_gateways: nodes nym-api must show before the client
 *                starts (so that every recipient's gateway is in its first topology)
 *
 * Kept apart from the runner so that the orchestrator can write it without loading the client.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseToml, stringify as stringifyToml } from 'smol-toml';
import { TRAFFIC_MODES } from '../../src/client/config.js';
import { LocalnetConfigError } from './errors.js';

export interface LocalnetClientConfig {
  client: { nym_api_urls: string[]; gateway: string; mode: string };
  socket: { host: string; port: number };
  debug: {
    max_retransmissions: number;
    ack_wait_addition_ms: number;
    topology_refresh_ms: number;
    reassembly_timeout_ms: number;
  };
  bandwidth: {
    rpc_url: string;
    mnemonic: string;
    account_index: number;
    mixnet_contract: string;
    bandwidth_contract: string;
    api_urls: string[];
    threshold: number;
    deposit_amount: string;
    backend: 'mcl' | 'noble';
  };
  /** Start-up: wait until nym-api shows at least this many nodes (a network starting with us). */
  startup: { wait_mixnodes: number; wait_gateways: number };
}

export function defaultClientConfig(): LocalnetClientConfig {
  return {
    client: { nym_api_urls: [], gateway: '', mode: 'localnet' },
    socket: { host: '127.0.0.1', port: 1977 },
    debug: {
      max_retransmissions: 10,
      ack_wait_addition_ms: 1500,
      topology_refresh_ms: 60_000,
      reassembly_timeout_ms: 300_000,
    },
    bandwidth: {
      rpc_url: '',
      mnemonic: '',
      account_index: 0,
      mixnet_contract: '',
      bandwidth_contract: '',
      api_urls: [],
      threshold: 2,
      // 1 unym buys 1 KiB at the gateway: 1,000,000 unym is about 1 GB of packets.
      deposit_amount: '1000000',
      backend: 'mcl',
    },
    startup: { wait_mixnodes: 0, wait_gateways: 0 },
  };
}

export const clientConfigPath = (home: string): string => join(home, 'config.toml');

/**
 * Writes DIR/config.toml; `extra` adds keys other readers of the file expect (the
 * [chain] section and `bandwidth.amount` of `nymph client run`), merged per section.
 */
export function writeClientConfig(
  home: string,
  c: LocalnetClientConfig,
  extra: Record<string, Record<string, unknown>> = {},
): void {
  const doc: Record<string, Record<string, unknown>> = { ...c };
  for (const [k, v] of Object.entries(extra)) doc[k] = { ...doc[k], ...v };
  mkdirSync(home, { recursive: true, mode: 0o700 });
  writeFileSync(clientConfigPath(home), `# nymph localnet native client\n${stringifyToml(doc)}\n`, {
    mode: 0o600,
  });
}

export function readClientConfig(home: string): LocalnetClientConfig {
  const file = clientConfigPath(home);
  if (!existsSync(file)) throw new LocalnetConfigError(file, 'not found');
  let t: Partial<LocalnetClientConfig>;
  try {
    t = parseToml(readFileSync(file, 'utf8')) as unknown as Partial<LocalnetClientConfig>;
  } catch (e) {
    throw new LocalnetConfigError(file, (e as Error).message);
  }
  const d = defaultClientConfig();
  const c: LocalnetClientConfig = {
    client: { ...d.client, ...t.client },
    socket: { ...d.socket, ...t.socket },
    debug: { ...d.debug, ...t.debug },
    bandwidth: { ...d.bandwidth, ...t.bandwidth },
    startup: { ...d.startup, ...t.startup },
  };
  if (!(c.client.mode in TRAFFIC_MODES))
    throw new LocalnetConfigError(
      file,
      `client.mode must be one of ${Object.keys(TRAFFIC_MODES).join(', ')}`,
    );
  if (!c.client.nym_api_urls.length) throw new LocalnetConfigError(file, 'client.nym_api_urls is empty');
  return c;
}
