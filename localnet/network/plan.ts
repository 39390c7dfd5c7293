/**
 * The shape of a local network: how many of each role, where each listens, which account
 * of the test mnemonic each node bonds from, and where its home is. Persisted as
 * DIR/network.json so that a second `up` resumes the same network on the same ports.
 *
 * Fixed ports (the default), from a base port B (default 20000):
 *   chain JSON-RPC 26657, native client k websocket 1977 + k,
 *   nym-api i B + i, mix node i B + 100 + i (metrics B + 150 + i),
 *   gateway j mix B + 200 + j, clients B + 250 + j (metrics B + 300 + j).
 * `--ports auto` takes free ports from the OS instead (what tests use).
 * Accounts (m/44'/118'/0'/0/n of the test mnemonic): 0 is the contracts' admin, mix node i
 * bonds from 1 + i, gateway j from 1 + M + j, client k deposits from 1 + M + G + k.
 */
import { existsSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { TRAFFIC_MODES, type TrafficMode } from '../../src/client/config.js';
import { LocalnetConfigError, LocalnetOptionError } from './errors.js';

export const PLAN_FILE = 'network.json';
export const PLAN_VERSION = 1;
export const DEFAULT_BASE_PORT = 20_000;
export const DEFAULT_CHAIN_PORT = 26_657;
export const DEFAULT_CLIENT_PORT = 1977;

export type ProcessModel = 'per-node' | 'per-role' | 'in-process';

export interface LayoutOptions {
  mixnodesPerLayer: number;
  gateways: number;
  apis: number;
  threshold: number;
  clients: number;
  mode: TrafficMode;
  /** 'fixed' (well-known ports from basePort) or 'auto' (free ports). */
  ports: 'fixed' | 'auto';
  basePort: number;
  /** Address every role listens on and announces. */
  host: string;
  /** How often nym-api refreshes its contract cache, ms. */
  topologyRefreshMs: number;
  /** Idle block interval of the chain, ms. */
  blockIntervalMs: number;
}

export const DEFAULT_LAYOUT: LayoutOptions = {
  mixnodesPerLayer: 2,
  gateways: 2,
  apis: 3,
  threshold: 2,
  clients: 1,
  mode: 'localnet',
  ports: 'fixed',
  basePort: DEFAULT_BASE_PORT,
  host: '127.0.0.1',
  topologyRefreshMs: 250,
  blockIntervalMs: 500,
};

/**
 * Where a role runs: the address it listens on and announces, and a command prefix that
 * starts its process there (e.g. `ip netns exec <ns>`; on real separate hosts the same
 * TOML files are used by `nymph <role> run` on each host).
 */
export interface Placement {
  host: string;
  wrap?: string[];
}

export type RoleKind = 'chain' | 'api' | 'mixnode' | 'gateway' | 'client';
/** Placement of the i-th node of a kind (undefined: this machine, `layout.host`). */
export type PlacementFn = (kind: RoleKind, index: number) => Placement | undefined;

export interface NodePlan {
  name: string;
  home: string;
  /** Listen/announce address when not `layout.host`. */
  host?: string;
  /** Command prefix that starts the role's process where it belongs. */
  wrap?: string[];
  port: number;
  metricsPort: number;
  /** Gateways: client websocket port. */
  clientsPort?: number;
  account: number;
}

export interface NetworkPlan {
  version: number;
  layout: LayoutOptions;
  chain: { home: string; port: number; accounts: number; host?: string; wrap?: string[] };
  apis: NodePlan[];
  mixnodes: NodePlan[];
  gateways: NodePlan[];
  clients: NodePlan[];
}

function checkInt(name: string, v: number, min: number, max: number): void {
  if (!Number.isInteger(v) || v < min || v > max)
    throw new LocalnetOptionError(name, `must be an integer in [${min}, ${max}], got ${v}`);
}

export function validateLayout(l: LayoutOptions): LayoutOptions {
  checkInt('mixnodes-per-layer', l.mixnodesPerLayer, 1, 50);
  checkInt('gateways', l.gateways, 1, 50);
  checkInt('apis', l.apis, 1, 20);
  checkInt('threshold', l.threshold, 1, l.apis);
  checkInt('clients', l.clients, 0, 20);
  checkInt('base-port', l.basePort, 1024, 65_000 - 400);
  checkInt('topology-refresh-ms', l.topologyRefreshMs, 50, 600_000);
  checkInt('block-interval-ms', l.blockIntervalMs, 10, 60_000);
  if (!(l.mode in TRAFFIC_MODES))
    throw new LocalnetOptionError('mode', `one of ${Object.keys(TRAFFIC_MODES).join(', ')}`);
  if (l.ports !== 'fixed' && l.ports !== 'auto') throw new LocalnetOptionError('ports', "'fixed' or 'auto'");
  return l;
}

/**
 * Free TCP ports for `--ports auto`, below the kernel's ephemeral range: a port taken from
 * that range (port 0) can meanwhile become the local port of some outgoing connection
 * before the role that is to listen on it starts. All are held open at once while
 * choosing, so none is handed out twice.
 */
export async function freePorts(n: number, host = '127.0.0.1'): Promise<number[]> {
  const low = 10_000;
  let high = 32_767;
  try {
    const [ephemeralLow] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    if (Number.isInteger(ephemeralLow) && ephemeralLow > low + 4 * n) high = ephemeralLow - 1;
  } catch {
    // not Linux: the usual default range starts above 32767 (IANA: 49152)
  }
  const held: Server[] = [];
  const ports: number[] = [];
  const tryListen = (port: number) =>
    new Promise<Server | undefined>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(undefined));
      s.listen({ port, host, exclusive: true }, () => resolve(s));
    });
  try {
    for (let attempts = 0; ports.length < n && attempts < 50 * n; attempts++) {
      const port = low + Math.floor(Math.random() * (high - low + 1));
      if (ports.includes(port)) continue;
      const s = await tryListen(port);
      if (s) {
        held.push(s);
        ports.push(port);
      }
    }
    // crowded range: let the OS choose the rest
    while (ports.length < n) {
      const s = await tryListen(0);
      if (!s) throw new LocalnetOptionError('ports', `cannot bind ${host}`);
      held.push(s);
      ports.push((s.address() as { port: number }).port);
    }
    return ports;
  } finally {
    await Promise.all(held.map((s) => new Promise((r) => s.close(r))));
  }
}

export async function makePlan(
  home: string,
  layout: LayoutOptions,
  place?: PlacementFn,
): Promise<NetworkPlan> {
  validateLayout(layout);
  const M = layout.mixnodesPerLayer * 3;
  const G = layout.gateways;
  const A = layout.apis;
  const C = layout.clients;
  let port: (what: string, i: number) => number;
  if (layout.ports === 'auto') {
    const need = 1 + A + 2 * M + 3 * G + C;
    const free = await freePorts(need, layout.host);
    let next = 0;
    const taken = new Map<string, number>();
    port = (what, i) => {
      const key = `${what}/${i}`;
      if (!taken.has(key)) taken.set(key, free[next++]);
      return taken.get(key)!;
    };
  } else {
    const B = layout.basePort;
    const offsets: Record<string, number> = {
      api: 0,
      mix: 100,
      mixMetrics: 150,
      gwMix: 200,
      gwClients: 250,
      gwMetrics: 300,
    };
    port = (what, i) => {
      if (what === 'chain') return DEFAULT_CHAIN_PORT;
      if (what === 'client') return DEFAULT_CLIENT_PORT + i;
      return B + offsets[what] + i;
    };
  }
  const kinds: Record<string, RoleKind> = {
    'nym-api': 'api',
    mixnode: 'mixnode',
    gateway: 'gateway',
    client: 'client',
  };
  const node = (name: string, i: number, extra: Partial<NodePlan>): NodePlan => ({
    name: `${name}-${i + 1}`,
    home: join(home, `${name}-${i + 1}`),
    port: 0,
    metricsPort: -1,
    account: 0,
    ...extra,
    ...place?.(kinds[name], i),
  });
  return {
    version: PLAN_VERSION,
    layout,
    chain: {
      home: join(home, 'chain'),
      port: port('chain', 0),
      accounts: 1 + M + G + C + 4,
      ...place?.('chain', 0),
    },
    apis: Array.from({ length: A }, (_, i) => node('nym-api', i, { port: port('api', i) })),
    mixnodes: Array.from({ length: M }, (_, i) =>
      node('mixnode', i, { port: port('mix', i), metricsPort: port('mixMetrics', i), account: 1 + i }),
    ),
    gateways: Array.from({ length: G }, (_, i) =>
      node('gateway', i, {
        port: port('gwMix', i),
        clientsPort: port('gwClients', i),
        metricsPort: port('gwMetrics', i),
        account: 1 + M + i,
      }),
    ),
    clients: Array.from({ length: C }, (_, i) =>
      node('client', i, { port: port('client', i), account: 1 + M + G + i }),
    ),
  };
}

/** The address a node listens on and announces. */
export const hostOf = (plan: NetworkPlan, n: { host?: string }): string => n.host ?? plan.layout.host;

export function readPlan(home: string): NetworkPlan | undefined {
  const file = join(home, PLAN_FILE);
  if (!existsSync(file)) return undefined;
  let p: NetworkPlan;
  try {
    p = JSON.parse(readFileSync(file, 'utf8')) as NetworkPlan;
  } catch (e) {
    throw new LocalnetConfigError(file, (e as Error).message);
  }
  if (p.version !== PLAN_VERSION || !p.chain || !Array.isArray(p.mixnodes))
    throw new LocalnetConfigError(file, 'unknown format (start afresh with --reset)');
  return p;
}

export function writeJson(file: string, value: unknown): void {
  writeFileSync(`${file}.tmp`, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}
