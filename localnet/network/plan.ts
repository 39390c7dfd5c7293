/**
 * The shape of a local network, from the registry of roles (src/roles.ts): how many nodes
 * of each role, where each listens, which account of the test mnemonic each bonds or pays
 * from, and where its home is. Persisted as DIR/network.json so that a second `up` resumes
 * the same network on the same ports.
 *
 * Fixed ports (the default) from a base port B (default 20000), as each role's entry says:
 *   chain JSON-RPC 26657, native client k websocket 1977 + k,
 *   nym-api i B + i, mix node i B + 100 + i (metrics B + 150 + i),
 *   gateway j mix B + 200 + j, clients B + 250 + j (metrics B + 300 + j),
 *   metrics of native client k B + 350 + k, requester k B + 400 + k, SOCKS client k
 *   B + 450 + k (its SOCKS port 1080 + k).
 * `--ports auto` takes free ports from the OS instead (what tests use).
 * Accounts (m/44'/118'/0'/0/n of the test mnemonic): 0 is the contracts' admin; then, in
 * registry order, one per node of each role that needs one: mix node i bonds from 1 + i,
 * gateway j from 1 + M + j, client k deposits from 1 + M + G + k.
 */
import { existsSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import * as v from 'valibot';
import { TRAFFIC_MODES, type TrafficMode } from '../../src/client/config.js';
import {
  PORT_BLOCK,
  ROLES,
  ROLE_NAMES,
  nodeCount,
  nodeName,
  type CountOption,
  type RoleName,
  type RoleNode,
  type RolePort,
  type RoleSpec,
} from '../../src/roles.js';
import { LocalnetConfigError, LocalnetOptionError } from './errors.js';

export const PLAN_FILE = 'network.json';
export const PLAN_VERSION = 2;
export const DEFAULT_BASE_PORT = 20_000;

const absolutePort = (role: RoleName): number => {
  const p = ROLES.find((r) => r.name === role)!.ports[0].fixed;
  return 'absolute' in p ? p.absolute : 0;
};
export const DEFAULT_CHAIN_PORT = absolutePort('chain');
export const DEFAULT_CLIENT_PORT = absolutePort('client');

export type ProcessModel = 'per-node' | 'per-role' | 'in-process';

export interface BaseLayout {
  /** Coconut threshold: nym-api shares needed for a credential. */
  threshold: number;
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
  /**
   * Sphinx key rotation period, s: epochs of rotationSecs / ROTATION_EPOCHS, that many a
   * rotation (one of them the overlap). 0: Nym's schedule (1 h epochs, 24 a rotation).
   */
  rotationSecs: number;
  /**
   * Deal the nym-apis' Coconut key from one place (`nymph api keygen`) instead of running
   * the DKG through the coconut-dkg contract (the default). A network planned before the
   * DKG existed reads as true.
   */
  trustedDealer: boolean;
}

/** Epochs per key rotation when `rotationSecs` is set (the overlap is one of them). */
export const ROTATION_EPOCHS = 4;

/** The layout, with one count per counted role (`mixnodesPerLayer`, `gateways`, …). */
export type LayoutOptions = BaseLayout & Record<CountOption, number>;

const COUNTED = ROLES.filter((r): r is RoleSpec & { count: NonNullable<RoleSpec['count']> } => !!r.count);

export const DEFAULT_LAYOUT: LayoutOptions = {
  ...(Object.fromEntries(COUNTED.map((r) => [r.count.option, r.count.default])) as Record<
    CountOption,
    number
  >),
  threshold: 2,
  mode: 'localnet',
  ports: 'fixed',
  basePort: DEFAULT_BASE_PORT,
  host: '127.0.0.1',
  topologyRefreshMs: 250,
  blockIntervalMs: 500,
  rotationSecs: 0,
  trustedDealer: false,
};

/** Layout options that fix a network's shape: a resumed network cannot change them. */
export const SHAPE_OPTIONS: readonly { key: keyof LayoutOptions; flag: string }[] = [
  ...COUNTED.map((r) => ({ key: r.count.option, flag: r.count.flag })),
  { key: 'threshold', flag: 'threshold' },
  { key: 'ports', flag: 'ports' },
  { key: 'basePort', flag: 'base-port' },
  { key: 'host', flag: 'host' },
  { key: 'trustedDealer', flag: 'trusted-dealer' },
];

/**
 * Where a role runs: the address it listens on and announces, and a command prefix that
 * starts its process there (e.g. `ip netns exec <ns>`; on real separate hosts the same
 * TOML files are used by `nymph <role> run` on each host).
 */
export interface Placement {
  host: string;
  wrap?: string[];
}

/** A role's name, as in the registry and the placement file. */
export type RoleKind = RoleName;
/** Placement of the i-th node of a role (undefined: this machine, `layout.host`). */
export type PlacementFn = (kind: RoleKind, index: number) => Placement | undefined;

export type NodePlan = RoleNode;

export interface NetworkPlan {
  version: number;
  layout: LayoutOptions;
  /** Funded genesis accounts: the admin, one per node that needs one, and a few spare. */
  chainAccounts: number;
  /** Every node of every role, in registry order. */
  nodes: NodePlan[];
}

export const nodesOf = (plan: NetworkPlan, role: RoleName): NodePlan[] =>
  plan.nodes.filter((n) => n.role === role);

/** The chain's node (there is exactly one). */
export const chainOf = (plan: NetworkPlan): NodePlan => nodesOf(plan, 'chain')[0];

/** The address a node listens on and announces. */
export const hostOf = (plan: NetworkPlan, n: { host?: string }): string => n.host ?? plan.layout.host;

function checkInt(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max)
    throw new LocalnetOptionError(name, `must be an integer in [${min}, ${max}], got ${value}`);
}

/** The highest base offset of any role's fixed ports, plus its block. */
const FIXED_SPAN = Math.max(
  ...ROLES.flatMap((r) => r.ports.map((p) => ('base' in p.fixed ? p.fixed.base + PORT_BLOCK : 0))),
);

export function validateLayout(l: LayoutOptions): LayoutOptions {
  for (const r of COUNTED) {
    checkInt(r.count.flag, l[r.count.option], r.count.min, r.count.max);
    if (l.ports === 'fixed' && nodeCount(r, l) > PORT_BLOCK)
      throw new LocalnetOptionError(
        r.count.flag,
        `with --ports fixed a role has room for ${PORT_BLOCK} nodes, ${nodeCount(r, l)} asked (use --ports auto)`,
      );
  }
  checkInt('threshold', l.threshold, 1, l.apis);
  checkInt('base-port', l.basePort, 1024, 65_535 - FIXED_SPAN);
  checkInt('topology-refresh-ms', l.topologyRefreshMs, 50, 600_000);
  checkInt('block-interval-ms', l.blockIntervalMs, 10, 60_000);
  if (l.rotationSecs !== 0) checkInt('rotation-secs', l.rotationSecs, 2 * ROTATION_EPOCHS, 30 * 24 * 3600);
  if (!(l.mode in TRAFFIC_MODES))
    throw new LocalnetOptionError('mode', `one of ${Object.keys(TRAFFIC_MODES).join(', ')}`);
  if (l.ports !== 'fixed' && l.ports !== 'auto') throw new LocalnetOptionError('ports', "'fixed' or 'auto'");
  return l;
}

/**
 * With the DKG (no trusted dealer) the threshold is the contract's, ⌈2n/3⌉ of the nym-apis
 * (Nym's): it is set so, and a different `--threshold` asked for is refused.
 */
export function applyDkgThreshold(l: LayoutOptions, asked?: number): LayoutOptions {
  if (l.trustedDealer) return l;
  const t = Math.ceil((2 * l.apis) / 3);
  if (asked !== undefined && asked !== t)
    throw new LocalnetOptionError(
      'threshold',
      `the DKG gives ${l.apis} nym-apis the threshold ${t} (⌈2n/3⌉); add --trusted-dealer to choose another`,
    );
  return { ...l, threshold: t };
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
  const counts = ROLES.map((r) => nodeCount(r, layout));
  let port: (p: RolePort, i: number) => number;
  if (layout.ports === 'auto') {
    const need = ROLES.reduce((sum, r, k) => sum + counts[k] * r.ports.length, 0);
    const free = await freePorts(need, layout.host);
    let next = 0;
    port = () => free[next++];
  } else {
    port = (p, i) => ('absolute' in p.fixed ? p.fixed.absolute : layout.basePort + p.fixed.base) + i;
  }
  let account = 1; // 0 is the contracts' admin
  const nodes: NodePlan[] = [];
  ROLES.forEach((spec, k) => {
    for (let i = 0; i < counts[k]; i++) {
      const name = nodeName(spec, i);
      const ports = Object.fromEntries(spec.ports.map((p) => [p.key, port(p, i)]));
      const node: NodePlan = { role: spec.name, name, index: i, home: join(home, name), ports, account: -1 };
      if (spec.accounts > 0) {
        node.account = account;
        account += spec.accounts;
      }
      nodes.push({ ...node, ...place?.(spec.name, i) });
    }
  });
  return { version: PLAN_VERSION, layout, chainAccounts: account + 4, nodes };
}

const NodeSchema = v.object({
  role: v.picklist(ROLE_NAMES),
  name: v.string(),
  index: v.number(),
  home: v.string(),
  host: v.optional(v.string()),
  wrap: v.optional(v.array(v.string())),
  ports: v.record(v.string(), v.number()),
  account: v.number(),
});
const PlanSchema = v.object({
  version: v.literal(PLAN_VERSION),
  layout: v.record(v.string(), v.unknown()),
  chainAccounts: v.number(),
  nodes: v.array(NodeSchema),
});

interface V1Node {
  name: string;
  home: string;
  host?: string;
  wrap?: string[];
  port: number;
  metricsPort: number;
  clientsPort?: number;
  account: number;
}

/** network.json of version 1 (one list per role): the same network in today's shape. */
function fromV1(p: Record<string, unknown>): NetworkPlan {
  const chain = p.chain as { home: string; port: number; accounts: number; host?: string; wrap?: string[] };
  const list = (k: string) => (Array.isArray(p[k]) ? (p[k] as V1Node[]) : []);
  const node = (role: RoleName, n: V1Node, index: number, ports: Record<string, number>): NodePlan => ({
    role,
    name: n.name,
    index,
    home: n.home,
    ...(n.host ? { host: n.host } : {}),
    ...(n.wrap ? { wrap: n.wrap } : {}),
    ports,
    account: role === 'api' ? -1 : n.account,
  });
  return {
    version: PLAN_VERSION,
    layout: p.layout as LayoutOptions,
    chainAccounts: chain.accounts,
    nodes: [
      {
        role: 'chain',
        name: 'chain',
        index: 0,
        home: chain.home,
        ...(chain.host ? { host: chain.host } : {}),
        ...(chain.wrap ? { wrap: chain.wrap } : {}),
        ports: { rpc: chain.port },
        account: -1,
      },
      ...list('apis').map((n, i) => node('api', n, i, { http: n.port })),
      ...list('mixnodes').map((n, i) => node('mixnode', n, i, { mix: n.port, metrics: n.metricsPort })),
      ...list('gateways').map((n, i) =>
        node('gateway', n, i, { mix: n.port, clients: n.clientsPort ?? 0, metrics: n.metricsPort }),
      ),
      ...list('clients').map((n, i) => node('client', n, i, { websocket: n.port })),
    ],
  };
}

export function readPlan(home: string): NetworkPlan | undefined {
  const file = join(home, PLAN_FILE);
  if (!existsSync(file)) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new LocalnetConfigError(file, (e as Error).message);
  }
  const o = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  if (o.version === 1 && typeof o.chain === 'object' && Array.isArray(o.mixnodes)) raw = fromV1(o);
  const r = v.safeParse(PlanSchema, raw);
  if (!r.success)
    throw new LocalnetConfigError(
      file,
      `unknown format at ${v.getDotPath(r.issues[0]) ?? 'top'}: ${r.issues[0].message} (start afresh with --reset)`,
    );
  const plan = r.output as unknown as NetworkPlan;
  // a counted role added since this network was made has no nodes in it: that is its count
  plan.layout = { ...plan.layout };
  for (const spec of COUNTED)
    if (typeof plan.layout[spec.count.option] !== 'number')
      plan.layout[spec.count.option] = nodesOf(plan, spec.name).length / spec.count.nodesPerUnit;
  // made before the DKG: its nym-apis hold trusted-dealer key files
  if (typeof plan.layout.trustedDealer !== 'boolean') plan.layout.trustedDealer = true;
  return plan;
}

export function writeJson(file: string, value: unknown): void {
  writeFileSync(`${file}.tmp`, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}
