/**
 * The mixnet client of a service role (the SOCKS client, the network requester): the same
 * client sections as the native client's config.toml ([client], [chain], [bandwidth],
 * [startup], [debug], [metrics]: src/client/native-config.ts) beside the service's own
 * section, and the client core started from them (`createNodeClient`): keys and reply
 * state in the role's home, topology from nym-api with the chain as fallback, Coconut
 * bandwidth credentials when a mnemonic is set; and Prometheus metrics of the client and
 * the service together, when asked for. Unlike
 * the native client there is no websocket API: only the service uses this client.
 *
 * Also what a local network needs to write such a config before the network runs: keys
 * made ahead (so a requester's address is known when its SOCKS clients are configured).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { Gauge, type Registry } from 'prom-client';
import {
  FileKeyStore,
  addressOf,
  createNodeClient,
  generateKeys,
  recipientToString,
  secureRandom,
  clientRegistry,
  type ClientConfigInput,
  type MixnetClientCore,
} from '../client/index.js';
import {
  coreConfigOf,
  defaultNativeConfig,
  nativeConfigFromToml,
  type NativeClientConfig,
} from '../client/native-config.js';
import type { MessagePacketSize } from '../client/config.js';
import { credentialsOf, topologySourceOf, waitForRoutes } from '../client/native-runner.js';
import { applyOverrides, configPath, readToml, writeToml, type TomlTable } from '../node/config.js';
import { NodeConfigError } from '../node/errors.js';
import { deadline } from '../api-client/deadline.js';
import { base58 } from '@scure/base';
import type { NetworkFacts, RoleNode } from '../roles.js';

/** The client sections of a service's config.toml. */
export const CLIENT_SECTIONS = ['client', 'chain', 'bandwidth', 'startup', 'debug', 'metrics'] as const;

export class ServiceConfigError extends Error {
  readonly code = 'service_config';
  constructor(
    readonly role: string,
    readonly key: string,
    readonly detail: string,
  ) {
    super(`${role}: config ${key}: ${detail}`);
    this.name = new.target.name;
  }
}

export interface ServiceConfig<S> {
  readonly client: NativeClientConfig;
  readonly service: S;
}

/**
 * `<home>/config.toml` with overrides: the client sections checked by the native client's
 * schema, `[<section>]` by `parseSection`; any other section is an error.
 */
export function readServiceConfig<S>(
  role: string,
  section: string,
  home: string,
  sets: readonly string[],
  parseSection: (raw: unknown) => S,
): ServiceConfig<S> {
  const file = configPath(home);
  if (!existsSync(file))
    throw new ServiceConfigError(role, 'config', `${file} not found (run nymph ${role} init first)`);
  let table: TomlTable;
  try {
    table = applyOverrides(readToml(file), [...sets]);
  } catch (e) {
    if (e instanceof NodeConfigError) throw new ServiceConfigError(role, e.key, e.detail);
    throw e;
  }
  return serviceConfigFrom(role, section, table, parseSection);
}

export function serviceConfigFrom<S>(
  role: string,
  section: string,
  table: TomlTable,
  parseSection: (raw: unknown) => S,
): ServiceConfig<S> {
  const clientPart: TomlTable = {};
  for (const [k, val] of Object.entries(table)) {
    if (k === section) continue;
    if (!(CLIENT_SECTIONS as readonly string[]).includes(k))
      throw new ServiceConfigError(role, k, 'unknown section');
    clientPart[k] = val;
  }
  // a list key may be given as `a,b,c` on the command line
  const urls = (clientPart.client as TomlTable | undefined)?.nym_api_urls;
  if (typeof urls === 'string')
    (clientPart.client as TomlTable).nym_api_urls = urls === '' ? [] : urls.split(',');
  let client: NativeClientConfig;
  try {
    client = nativeConfigFromToml(clientPart);
  } catch (e) {
    throw new ServiceConfigError(
      role,
      (e as { key?: string }).key ?? 'config',
      (e as { detail?: string }).detail ?? (e as Error).message,
    );
  }
  return { client, service: parseSection(table[section]) };
}

/** Writes `<home>/config.toml` (0600: it may hold a mnemonic). */
export function writeServiceConfig(home: string, table: TomlTable, header: string): string {
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const file = configPath(home);
  writeToml(file, table, header);
  chmodSync(file, 0o600);
  return file;
}

/** The client sections as a table (without the native client's [socket]). */
export function clientSectionsTable(c: NativeClientConfig): TomlTable {
  const t = structuredClone(c) as unknown as TomlTable;
  delete t.socket;
  return t;
}

// ---------------------------------------------------------------- a local network

/**
 * The client sections for a client of a local network (the native client, SOCKS client and
 * requester alike): nym-apis, traffic mode, a gateway of its own, the chain,
 * a bandwidth deposit from its account, and the whole network in its first topology.
 */
export function localnetClientConfig(
  node: RoleNode,
  net: NetworkFacts,
  gatewayIndex: number,
  host = '127.0.0.1',
): NativeClientConfig {
  const c = defaultNativeConfig();
  // Prometheus on the port the plan gave the role (every role of a local network has one)
  if (node.ports.metrics !== undefined) c.metrics = { host, port: node.ports.metrics };
  const gateways = net.gatewayIdentities ?? [];
  c.client.nym_api_urls = net.apiUrls;
  c.client.mode = net.mode as typeof c.client.mode;
  c.client.gateway = gateways.length ? gateways[gatewayIndex % gateways.length] : '';
  c.chain = {
    rpc_url: net.chain.rpc,
    mixnet_contract: net.chain.contracts.mixnet,
    bandwidth_contract: net.chain.contracts.bandwidth,
  };
  c.bandwidth = {
    ...c.bandwidth,
    mnemonic: net.chain.mnemonic,
    account_index: node.account,
    amount: 1_000_000,
    threshold: net.threshold,
    share_retries: 200,
    share_retry_ms: 50,
    prefetch: true,
  };
  c.startup = {
    ...c.startup,
    wait_mixnodes: net.counts.mixnode ?? 0,
    wait_gateways: net.counts.gateway ?? 0,
    // the client starts with the mix nodes and waits for all of them: 99 take minutes
    timeout_ms: Math.max(c.startup.timeout_ms, 60_000 + 2_000 * (net.counts.mixnode ?? 0)),
  };
  c.debug.topology_refresh_ms = 60_000;
  // with short key rotations the topology must be newer than the one-epoch overlap
  if (net.keyRotation)
    c.debug.topology_refresh_ms = Math.min(60_000, Math.max(250, net.keyRotation.epochMs / 4));
  return c;
}

/**
 * The client's keys, made now if the home has none, and its address with `gateway`
 * (what the client registers with on its first start, as its config pins that gateway).
 */
export async function ensureClientAddress(home: string, gateway: string): Promise<string> {
  const store = new FileKeyStore(home);
  let state = await store.load();
  if (!state) {
    state = { keys: generateKeys(secureRandom) };
    await store.save(state);
  }
  return recipientToString(addressOf(state.keys, base58.decode(gateway)));
}

export const ADDRESS_FILE = 'address';

export function writeAddressFile(home: string, address: string): void {
  writeFileSync(join(home, ADDRESS_FILE), `${address}\n`);
}

export function readAddressFile(home: string): string | undefined {
  const f = join(home, ADDRESS_FILE);
  return existsSync(f) ? readFileSync(f, 'utf8').trim() : undefined;
}

// ---------------------------------------------------------------- running

export interface RunningServiceClient {
  readonly core: MixnetClientCore;
  readonly address: string;
  close(): Promise<void>;
}

export interface ServiceClientOptions {
  readonly role: string;
  readonly home: string;
  readonly config: NativeClientConfig;
  readonly packetSize: MessagePacketSize;
  readonly logger: Logger;
  readonly signal?: AbortSignal;
}

/** Starts the service's client core (registering with its gateway on first run). */
export async function startServiceClient(o: ServiceClientOptions): Promise<RunningServiceClient> {
  const c = o.config;
  // a timer-held deadline (see src/api-client/deadline.ts for why not AbortSignal.any), which
  // bounds the start only: once started, work begun under it (a credential prefetch) goes on
  const startup = deadline(c.startup.timeout_ms, o.signal);
  const signal = startup.signal;
  // The native client's own start-up pieces: a service's client is a native client's core.
  const topology = topologySourceOf(c);
  const paid = credentialsOf(c, o.home, o.logger, signal);
  let core: MixnetClientCore | undefined;
  try {
    if (c.startup.wait_mixnodes > 0 || c.startup.wait_gateways > 0) await waitForRoutes(c, signal);
    const config: ClientConfigInput = { ...coreConfigOf(c), packetSize: o.packetSize };
    core = createNodeClient({
      home: o.home,
      topology,
      gateway: c.client.gateway || undefined,
      config,
      credentials: paid?.credentials,
      logger: o.logger,
    });
    await core.start(signal);
    core.setIdle(false);
    const started = core;
    return {
      core,
      address: recipientToString(core.address),
      close: async () => {
        await started.stop();
        await paid?.close();
      },
    };
  } catch (e) {
    await core?.stop().catch(() => undefined);
    await paid?.close();
    throw e;
  } finally {
    startup.clear();
  }
}

// ---------------------------------------------------------------- metrics

/** A service's counters: numbers, and tables of numbers by a label (drops by code). */
export type ServiceStats = () => Record<string, number | Record<string, number>>;

const snake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/**
 * `/metrics` (Prometheus) on `[metrics] host:port` when the port is not -1: the client
 * core's gauges (src/client/metrics.ts) and the service's own counters under `prefix`
 * (`nymph_requester_connects`, `nymph_socks5_drops{code="unexpected_sender"}`, ...).
 */
export async function startServiceMetrics(
  c: NativeClientConfig,
  core: MixnetClientCore,
  prefix: string,
  stats: ServiceStats,
): Promise<{ url: string | null; close(): Promise<void> }> {
  if (c.metrics.port < 0) return { url: null, close: async () => undefined };
  const registry: Registry = clientRegistry(core);
  for (const [key, value] of Object.entries(stats())) {
    const name = `${prefix}_${snake(key)}`;
    if (typeof value === 'number')
      new Gauge({
        name,
        help: `${prefix.replace('nymph_', '')}: ${key}`,
        registers: [registry],
        collect() {
          this.set(stats()[key] as number);
        },
      });
    else
      new Gauge({
        name,
        help: `${prefix.replace('nymph_', '')}: ${key}, by code`,
        labelNames: ['code'],
        registers: [registry],
        collect() {
          for (const [code, n] of Object.entries(stats()[key] as Record<string, number>))
            this.set({ code }, n);
        },
      });
  }
  const server = http.createServer((req, res) => {
    if (req.url !== '/metrics') return void res.writeHead(404).end();
    registry.metrics().then(
      (body) => res.writeHead(200, { 'content-type': registry.contentType }).end(body),
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(c.metrics.port, c.metrics.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = c.metrics.host.includes(':') ? `[${c.metrics.host}]` : c.metrics.host;
  return {
    url: `http://${host}:${port}/metrics`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
