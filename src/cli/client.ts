/**
 * `nymph client init --home DIR --nym-api URL [...]` creates keys and DIR/config.toml and
 * registers with a gateway; `nymph client run --home DIR [--port 1977] [--set k=v ...]`
 * runs the native websocket client until SIGINT/SIGTERM. On start `run` prints one JSON
 * line on stdout ({"event":"client_ready", address, port, ready_ms}); logs go to stderr.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import pino from 'pino';
import { parse as parseToml, stringify as stringifyToml } from 'smol-toml';
import { TRAFFIC_MODES, type TrafficMode } from '../client/config.js';
import type { ClientConfigInput } from '../client/config.js';
import {
  fallbackTopologySource,
  nymApiTopologySource,
  type TopologySource,
} from '../client/topology-source.js';
// the client, chain and credential code load when a command needs them, not at CLI start
const loadClient = async () => ({
  ...(await import('../client/node.js')),
  ...(await import('../client/address.js')),
  ...(await import('../client/ws-api/server.js')),
  ...(await import('../client/metrics.js')),
});

const collect = (v: string, acc: string[]) => [...acc, v];

interface ClientToml {
  client: { nym_api_urls: string[]; gateway: string; mode: string };
  socket: { host: string; port: number };
  metrics: { host: string; port: number };
  chain: { rpc_url: string; mixnet_contract: string; bandwidth_contract: string };
  bandwidth: { mnemonic: string; account_index: number; amount: number; threshold: number };
  debug: {
    max_retransmissions: number;
    ack_wait_addition_ms: number;
    topology_refresh_ms: number;
    reassembly_timeout_ms: number;
  };
}

function defaults(): ClientToml {
  return {
    client: { nym_api_urls: [], gateway: '', mode: 'nym' },
    socket: { host: '127.0.0.1', port: 1977 },
    // Prometheus /metrics; -1 turns it off, 0 picks a free port
    metrics: { host: '127.0.0.1', port: -1 },
    chain: { rpc_url: '', mixnet_contract: '', bandwidth_contract: '' },
    // with a mnemonic the client deposits and obtains credentials itself; without one it
    // only works with free-bandwidth (localnet) gateways
    bandwidth: { mnemonic: '', account_index: 0, amount: 1_000_000, threshold: 0 },
    debug: {
      max_retransmissions: 10,
      ack_wait_addition_ms: 1500,
      topology_refresh_ms: 300_000,
      reassembly_timeout_ms: 300_000,
    },
  };
}

const configFile = (home: string) => path.join(home, 'config.toml');

function readConfig(home: string): ClientToml {
  const file = configFile(home);
  if (!fs.existsSync(file)) throw new Error(`client: ${file} not found (run nymph client init first)`);
  const t = parseToml(fs.readFileSync(file, 'utf8')) as unknown as Partial<ClientToml>;
  const d = defaults();
  return {
    client: { ...d.client, ...t.client },
    socket: { ...d.socket, ...t.socket },
    metrics: { ...d.metrics, ...t.metrics },
    chain: { ...d.chain, ...t.chain },
    bandwidth: { ...d.bandwidth, ...t.bandwidth },
    debug: { ...d.debug, ...t.debug },
  };
}

/** `--set section.key=value` overrides; numbers and arrays (comma-separated) are parsed by the default's type. */
function applySet(cfg: ClientToml, sets: string[]): void {
  for (const s of sets) {
    const m = /^([a-z_]+)\.([a-z_]+)=(.*)$/.exec(s);
    if (!m) throw new Error(`client: --set expects section.key=value, got ${s}`);
    const section = (cfg as unknown as Record<string, Record<string, unknown>>)[m[1]];
    if (!section || !(m[2] in section)) throw new Error(`client: unknown config key ${m[1]}.${m[2]}`);
    const old = section[m[2]];
    if (typeof old === 'number') {
      const n = Number(m[3]);
      if (!Number.isFinite(n)) throw new Error(`client: ${m[1]}.${m[2]} must be a number`);
      section[m[2]] = n;
    } else if (Array.isArray(old)) section[m[2]] = m[3] ? m[3].split(',') : [];
    else section[m[2]] = m[3];
  }
}

function coreConfig(t: ClientToml): ClientConfigInput {
  if (!(t.client.mode in TRAFFIC_MODES))
    throw new Error(`client: mode must be one of ${Object.keys(TRAFFIC_MODES).join(', ')}`);
  return {
    mode: t.client.mode as TrafficMode,
    topologyRefreshMs: t.debug.topology_refresh_ms,
    reassemblyTimeoutMs: t.debug.reassembly_timeout_ms,
    retransmit: {
      maxRetransmissions: t.debug.max_retransmissions,
      ackWaitAdditionMs: t.debug.ack_wait_addition_ms,
    },
  };
}

function topologySource(t: ClientToml): TopologySource {
  const sources: TopologySource[] = [];
  if (t.client.nym_api_urls.length) sources.push(nymApiTopologySource(t.client.nym_api_urls));
  if (t.chain.rpc_url && t.chain.mixnet_contract) {
    const { rpc_url, mixnet_contract, bandwidth_contract } = t.chain;
    sources.push(async (signal) => {
      const { connectQueryClients } = await import('../chain/index.js');
      const { chainTopologySource } = await import('../client/topology-source.js');
      const q = await connectQueryClients({
        rpcUrl: rpc_url,
        contracts: { mixnet: mixnet_contract, bandwidth: bandwidth_contract || mixnet_contract },
        signal,
      });
      try {
        return await chainTopologySource(q.mixnet)(signal);
      } finally {
        q.disconnect();
      }
    });
  }
  if (!sources.length)
    throw new Error('client: set client.nym_api_urls or chain.rpc_url + chain.mixnet_contract');
  return fallbackTopologySource(...sources);
}

async function credentialSource(t: ClientToml, home: string) {
  const b = t.bandwidth;
  if (!b.mnemonic) return undefined;
  if (!t.chain.rpc_url || !t.chain.bandwidth_contract)
    throw new Error('client: bandwidth.mnemonic needs chain.rpc_url and chain.bandwidth_contract');
  if (!t.client.nym_api_urls.length)
    throw new Error('client: bandwidth credentials need client.nym_api_urls');
  const { connectSigningClients } = await import('../chain/index.js');
  const { coconutCredentialSource } = await import('../client/bandwidth.js');
  const s = await connectSigningClients({
    rpcUrl: t.chain.rpc_url,
    mnemonic: b.mnemonic,
    accountIndex: b.account_index,
    contracts: { mixnet: t.chain.mixnet_contract, bandwidth: t.chain.bandwidth_contract },
  });
  const urls = t.client.nym_api_urls;
  return coconutCredentialSource({
    apiUrls: urls,
    threshold: b.threshold || Math.floor((2 * urls.length) / 3) + 1,
    bandwidth: s.bandwidth,
    amount: b.amount,
    storePath: path.join(home, 'credentials.json'),
  });
}

export function register(program: Command): void {
  const cmd = program
    .command('client')
    .description('the native websocket client (Nym native client API, port 1977)');
  cmd
    .command('init')
    .description('create keys and DIR/config.toml, then register with a gateway')
    .requiredOption('--home <dir>', 'home directory')
    .option('--nym-api <url>', 'nym-api base URL (repeatable)', collect, [])
    .option('--gateway <identity>', 'gateway identity (default: lowest latency)')
    .option('--mode <mode>', `traffic mode: ${Object.keys(TRAFFIC_MODES).join(', ')}`)
    .option('--port <port>', 'websocket API port (default 1977)')
    .option('--offline', 'do not register now (the first run will)')
    .option('--force', 'overwrite an existing config (keys are kept)')
    .action(
      async (f: {
        home: string;
        nymApi: string[];
        gateway?: string;
        mode?: string;
        port?: string;
        offline?: boolean;
        force?: boolean;
      }) => {
        const file = configFile(f.home);
        if (fs.existsSync(file) && !f.force) throw new Error(`client: ${file} exists (use --force)`);
        const t = defaults();
        t.client.nym_api_urls = f.nymApi;
        if (f.gateway) t.client.gateway = f.gateway;
        if (f.mode) t.client.mode = f.mode;
        if (f.port) t.socket.port = Number(f.port);
        coreConfig(t);
        fs.mkdirSync(f.home, { recursive: true, mode: 0o700 });
        fs.writeFileSync(file, `# nymph native client\n${stringifyToml(t)}\n`);
        let address: string | null = null;
        if (!f.offline) {
          const { createNodeClient, recipientToString } = await loadClient();
          const core = createNodeClient({
            home: f.home,
            topology: topologySource(t),
            gateway: t.client.gateway || undefined,
            config: coreConfig(t),
            credentials: await credentialSource(t, f.home),
          });
          try {
            await core.start(AbortSignal.timeout(30_000));
            address = recipientToString(core.address);
          } finally {
            await core.stop();
          }
        }
        process.stdout.write(
          `${JSON.stringify({ event: 'client_init', home: f.home, config: file, address })}\n`,
        );
      },
    );
  cmd
    .command('run')
    .description('run the client and its websocket API until SIGINT/SIGTERM')
    .requiredOption('--home <dir>', 'home directory')
    .option('--port <port>', 'websocket API port (overrides socket.port)')
    .option('--set <key=value>', 'override a config key, e.g. client.mode=localnet (repeatable)', collect, [])
    .action(async (f: { home: string; port?: string; set: string[] }) => {
      const log = pino({ name: 'client', level: process.env.LOG_LEVEL ?? 'info' }, pino.destination(2));
      const { createNodeClient, recipientToString, startWsApi, startClientMetrics } = await loadClient();
      const t = readConfig(f.home);
      applySet(t, f.set);
      if (f.port !== undefined) t.socket.port = Number(f.port);
      const core = createNodeClient({
        home: f.home,
        topology: topologySource(t),
        gateway: t.client.gateway || undefined,
        config: coreConfig(t),
        credentials: await credentialSource(t, f.home),
        logger: log,
      });
      await core.start(AbortSignal.timeout(30_000));
      const api = await startWsApi(core, { host: t.socket.host, port: t.socket.port, logger: log });
      const metrics =
        t.metrics.port >= 0 ? await startClientMetrics(core, t.metrics.host, t.metrics.port) : undefined;
      process.stdout.write(
        `${JSON.stringify({
          event: 'client_ready',
          address: recipientToString(core.address),
          port: api.port,
          metrics: metrics?.url ?? null,
          // from process start (performance's time origin) to registered with topology
          ready_ms: Math.round(performance.now()),
        })}\n`,
      );
      const shutdown = async () => {
        await api.close();
        await metrics?.close();
        await core.stop();
        process.exit(0);
      };
      process.once('SIGINT', shutdown);
      process.once('SIGTERM', shutdown);
    });
}
