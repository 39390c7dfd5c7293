/**
 * The registry of roles: everything the CLI, the local network's planner, placement, the
 * role processes and the supervisor need to know about a role, in one entry per role. A new
 * role is one more entry here plus its own room (the network requester and the SOCKS client
 * were added so).
 *
 * Per role: its name, CLI command and subcommands, how many a local network runs (and the
 * `localnet up` flag for it), the ports it listens on (and where they sit with
 * `--ports fixed`), the chain accounts it needs, when localnet starts it (its stage), its
 * ready event and log name, and its code, loaded only when asked for (a role process loads
 * one role, not all): `prepare` (keys made before the network starts), `init` (its config,
 * written through the role's own writer from localnet's plan) and `start` (the role itself,
 * in this process: what `nymph <role> run`, a process hosting several nodes and the
 * in-process network all call).
 *
 * Fixed ports from the base port B (`--base-port`, default 20000): block `base` of a role
 * holds its nodes i = 0..PORT_BLOCK-1 at B + base + i; `absolute` ports count up from a
 * well-known port (the chain's 26657, the client's 1977).
 */
import type { Command } from 'commander';
import type { Logger } from 'pino';
import { UnknownRoleError } from './roles/errors.js';

export * from './roles/errors.js';

export type RoleName = 'chain' | 'api' | 'mixnode' | 'gateway' | 'client' | 'requester' | 'socks5';

/** Localnet starts its roles stage by stage; the roles of one stage start together. */
export const STAGES = ['chain', 'apis', 'nodes', 'clients'] as const;
export type RoleStage = (typeof STAGES)[number];

/** Nodes of one role per block of fixed ports. */
export const PORT_BLOCK = 50;

export interface RolePort {
  /** Name of the port in the plan (`NodePlan.ports[key]`). */
  key: string;
  /** With `--ports fixed`: base port + `base` + i, or `absolute` + i. */
  fixed: { base: number } | { absolute: number };
}

/** How many of a role a local network runs: a `localnet up` flag and a layout option. */
export interface RoleCount {
  option: CountOption;
  flag: string;
  default: number;
  min: number;
  max: number;
  /** Nodes per unit of the option (3 mix nodes per "per layer"). */
  nodesPerUnit: number;
  help: string;
}
export type CountOption =
  'apis' | 'mixnodesPerLayer' | 'gateways' | 'clients' | 'requesters' | 'socks5Clients';

/** One node of a role in a local network's plan. */
export interface RoleNode {
  role: RoleName;
  /** `<logName>-<i+1>`, or the log name alone for a singleton. */
  name: string;
  index: number;
  home: string;
  /** Listen/announce address when not the network's. */
  host?: string;
  /** Command prefix that starts the role's process where it belongs (placement). */
  wrap?: string[];
  ports: Record<string, number>;
  /** Account of the test mnemonic it bonds or pays from (-1: none). */
  account: number;
}

/** What localnet knows once the chain is up and keys are made: input of every `init`. */
export interface NetworkFacts {
  chain: { rpc: string; mnemonic: string; contracts: { mixnet: string; bandwidth: string } };
  apiUrls: string[];
  /** Coconut threshold. */
  threshold: number;
  /** Client traffic mode. */
  mode: string;
  topologyRefreshMs: number;
  /**
   * A short Sphinx key rotation (localnet `rotationSecs`): epochs a rotation lasts (nym-api's
   * `key_rotation_validity_epochs`) and the epoch length; absent: Nym's (24 × 1 h).
   */
  keyRotation?: { validityEpochs: number; epochMs: number };
  /** Nodes of each role in the network. */
  counts: Partial<Record<RoleName, number>>;
  /**
   * Made by `prepare`: the nym-apis' aggregated verification key (trusted dealer only; with
   * the DKG it exists once the nym-apis are up, and gateways fetch it from them), the
   * gateways' identities.
   */
  verificationKey?: string;
  /** The coconut-dkg contract, when the nym-apis run the DKG (no trusted dealer). */
  dkgContract?: string;
  gatewayIdentities?: string[];
  /** Origins of the network's own web pages (nym-api allows them by CORS). */
  webOrigins?: string[];
  /** Gateways grant Nym's free testnet bandwidth (default true); false: credentials only. */
  gatewayFreeBandwidth?: boolean;
}

export type PreparedFacts = Pick<NetworkFacts, 'verificationKey' | 'gatewayIdentities'>;

export interface RoleInitContext {
  node: RoleNode;
  /** The address it listens on and announces. */
  host: string;
  net: NetworkFacts;
}

/** Flags of `run` that localnet passes (roles configured by flags rather than a file). */
export interface RunFlagsContext {
  node: RoleNode;
  host: string;
  chainAccounts: number;
  blockIntervalMs: number;
  /** Browser origins to let in (CORS): localnet's pages' origin. */
  webOrigins?: readonly string[];
}

export interface RoleStartOptions {
  home: string;
  /** `section.key=value` overrides of the role's config. */
  set?: readonly string[];
  /** The role's own `run` flags (commander's camelCase names). */
  flags?: Record<string, unknown>;
  logLevel?: string;
  /** Default: pino on stderr, named by the role's log name. */
  logger?: Logger;
  signal?: AbortSignal;
}

export interface RunningRole {
  /** Fields of the ready event (`{"event": readyEvent, ...ready}`). */
  ready: Record<string, unknown>;
  stop(): Promise<void>;
}

/** What a role's module (`load()`) exports. */
export interface RoleModule {
  /** Localnet: keys and shares made before the chain starts, for every node of the role. */
  prepare?(
    nodes: RoleNode[],
    threshold: number,
    opts?: { trustedDealer: boolean },
  ): Promise<Partial<PreparedFacts>>;
  /** Localnet: the node's config, written through the role's own writer. */
  init?(ctx: RoleInitContext): Promise<void>;
  /** The role itself, in this process. */
  start(opts: RoleStartOptions): Promise<RunningRole>;
  /**
   * Loads what `start` loads lazily (kept out of this module so that localnet's planner,
   * which only prepares and writes configs, stays light): a role process calls it while
   * the chain starts.
   */
  preload?(): Promise<unknown>;
}

export interface RoleSpec {
  name: RoleName;
  /** `nymph <command> <subcommand>`. */
  command: string;
  subcommands: readonly string[];
  description: string;
  /** Registers `nymph <command> …` (the role's CLI module). */
  cli(): Promise<(program: Command) => void>;
  /** pino name, log file and node names (`nym-api-1`, `logs/nym-api-1.log`). */
  logName: string;
  stage: RoleStage;
  /** Absent: exactly one (the chain). */
  count?: RoleCount;
  /** May share one process with the other nodes of its role (`--processes per-role`). */
  groupable: boolean;
  ports: readonly RolePort[];
  /** Funded accounts of the test mnemonic each node needs (bonding, deposits). */
  accounts: number;
  readyEvent: string;
  /** The role's code (`prepare`, `init`, `start`), loaded on first use. */
  load(): Promise<RoleModule>;
  /** Flags of `run` that localnet passes (the chain: it is configured by flags). */
  runFlags?(ctx: RunFlagsContext): Record<string, string>;
  /** Where its nodes appear in localnet.json, and how. */
  info?: { section: string; entry(node: RoleNode, ready: Record<string, unknown>): Record<string, unknown> };
  /** One line about a node once it is ready (`localnet up`'s progress). */
  summary?(ready: Record<string, unknown>): string;
}

const str = (v: unknown): string => String(v);
const orNull = (v: unknown): string | null => (typeof v === 'string' ? v : null);

export const ROLES: readonly RoleSpec[] = [
  {
    name: 'chain',
    command: 'chain',
    subcommands: ['run'],
    description: 'the localnet chain (CometBFT JSON-RPC, Cosmos SDK txs, built-in contracts)',
    cli: async () => (await import('./cli/chain.js')).register,
    logName: 'chain',
    stage: 'chain',
    groupable: false,
    ports: [{ key: 'rpc', fixed: { absolute: 26_657 } }],
    accounts: 0,
    readyEvent: 'chain_ready',
    runFlags: ({ node, host, chainAccounts, blockIntervalMs, webOrigins }) => ({
      rpc: `${host}:${node.ports.rpc}`,
      accounts: String(chainAccounts),
      'block-interval-ms': String(blockIntervalMs),
      ...(webOrigins?.length ? { 'cors-allowed-origins': webOrigins.join(',') } : {}),
    }),
    load: () => import('./cli/chain.js'),
  },
  {
    name: 'api',
    command: 'api',
    subcommands: ['init', 'keygen', 'run'],
    description: 'nym-api: topology cache over REST and Coconut bandwidth credential issuance',
    cli: async () => (await import('./cli/api.js')).register,
    logName: 'nym-api',
    stage: 'apis',
    count: {
      option: 'apis',
      flag: 'apis',
      default: 3,
      min: 1,
      max: 20,
      nodesPerUnit: 1,
      help: 'nym-api instances, each holding a Coconut key share',
    },
    groupable: true,
    ports: [{ key: 'http', fixed: { base: 0 } }],
    // each nym-api is a DKG dealer signing with its own account
    accounts: 1,
    readyEvent: 'api_ready',
    load: () => import('./roles/api.js'),
  },
  {
    name: 'mixnode',
    command: 'mixnode',
    subcommands: ['init', 'run'],
    description: 'a Loopix mix node (Sphinx unwrap, delay, forward)',
    cli: async () => (await import('./cli/mixnode.js')).register,
    logName: 'mixnode',
    stage: 'nodes',
    count: {
      option: 'mixnodesPerLayer',
      flag: 'mixnodes-per-layer',
      default: 2,
      min: 1,
      max: 50,
      nodesPerUnit: 3,
      help: 'mix nodes in each of the 3 layers',
    },
    groupable: true,
    ports: [
      { key: 'mix', fixed: { base: 100 } },
      { key: 'metrics', fixed: { base: 150 } },
    ],
    accounts: 1,
    readyEvent: 'mixnode_ready',
    load: () => import('./roles/mixnode.js'),
    info: {
      section: 'mixnodes',
      entry: (n, r) => ({
        name: n.name,
        identity_key: str(r.identityKey),
        host: str(r.host),
        mix_port: Number(r.port),
        metrics: orNull(r.metrics),
      }),
    },
  },
  {
    name: 'gateway',
    command: 'gateway',
    subcommands: ['init', 'run'],
    description: 'a gateway: client websocket endpoint, final hop, inbox',
    cli: async () => (await import('./cli/gateway.js')).register,
    logName: 'gateway',
    stage: 'nodes',
    count: {
      option: 'gateways',
      flag: 'gateways',
      default: 2,
      min: 1,
      max: 50,
      nodesPerUnit: 1,
      help: 'gateways',
    },
    groupable: true,
    ports: [
      { key: 'mix', fixed: { base: 200 } },
      { key: 'clients', fixed: { base: 250 } },
      { key: 'metrics', fixed: { base: 300 } },
    ],
    accounts: 1,
    readyEvent: 'gateway_ready',
    load: () => import('./roles/gateway.js'),
    info: {
      section: 'gateways',
      entry: (n, r) => ({
        name: n.name,
        identity_key: str(r.identityKey),
        host: str(r.host),
        mix_port: Number(r.mixPort),
        clients_url: str(r.clientsUrl),
        metrics: orNull(r.metrics),
      }),
    },
  },
  {
    name: 'client',
    command: 'client',
    subcommands: ['init', 'run'],
    description: 'the native websocket client (Nym native client API, port 1977)',
    cli: async () => (await import('./cli/client.js')).register,
    logName: 'client',
    stage: 'clients',
    count: {
      option: 'clients',
      flag: 'clients',
      default: 1,
      min: 0,
      max: 20,
      nodesPerUnit: 1,
      help: 'native websocket clients (the first listens on 1977)',
    },
    groupable: false,
    ports: [
      { key: 'websocket', fixed: { absolute: 1977 } },
      { key: 'metrics', fixed: { base: 350 } },
    ],
    accounts: 1,
    readyEvent: 'client_ready',
    load: () => import('./roles/client.js'),
    info: {
      section: 'clients',
      entry: (n, r) => ({
        name: n.name,
        websocket: str(r.websocket),
        address: str(r.address),
        metrics: orNull(r.metrics),
        home: n.home,
      }),
    },
    summary: (r) => `with a bandwidth credential: ${str(r.websocket)}`,
  },
  {
    name: 'requester',
    command: 'requester',
    subcommands: ['init', 'run'],
    description:
      'a network requester: opens TCP connections for anonymous SOCKS clients (allow list or open proxy)',
    cli: async () => (await import('./cli/requester.js')).register,
    logName: 'requester',
    stage: 'clients',
    count: {
      option: 'requesters',
      flag: 'requesters',
      default: 1,
      min: 0,
      max: 20,
      nodesPerUnit: 1,
      help: "network requesters (a local network's allow loopback hosts only)",
    },
    groupable: false,
    ports: [{ key: 'metrics', fixed: { base: 400 } }],
    accounts: 1,
    readyEvent: 'requester_ready',
    load: () => import('./roles/requester.js'),
    info: {
      section: 'requesters',
      entry: (n, r) => ({
        name: n.name,
        address: str(r.address),
        allowed_list: str(r.allowed_list),
        open_proxy: r.open_proxy === true,
        metrics: orNull(r.metrics),
        home: n.home,
      }),
    },
    summary: (r) => `at ${str(r.address)} (allow list ${str(r.allowed_list)})`,
  },
  {
    name: 'socks5',
    command: 'socks5',
    subcommands: ['init', 'run'],
    description:
      'the SOCKS client (SOCKS4/4a/5 on port 1080): app connections as streams to a network requester',
    cli: async () => (await import('./cli/socks5.js')).register,
    logName: 'socks5',
    stage: 'clients',
    count: {
      option: 'socks5Clients',
      flag: 'socks5-clients',
      default: 1,
      min: 0,
      max: 20,
      nodesPerUnit: 1,
      help: 'SOCKS clients (the first listens on 1080), each using a requester',
    },
    groupable: false,
    ports: [
      { key: 'socks', fixed: { absolute: 1080 } },
      { key: 'metrics', fixed: { base: 450 } },
    ],
    accounts: 1,
    readyEvent: 'socks5_ready',
    load: () => import('./roles/socks5.js'),
    info: {
      section: 'socks5_clients',
      entry: (n, r) => ({
        name: n.name,
        socks: str(r.socks),
        address: str(r.address),
        provider: str(r.provider),
        metrics: orNull(r.metrics),
        home: n.home,
      }),
    },
    summary: (r) =>
      `SOCKS on ${str(r.socks)} (curl --socks5-hostname ${str(r.socks).replace(/^socks5h:\/\//, '')} URL)`,
  },
];

export const ROLE_NAMES: readonly RoleName[] = ROLES.map((r) => r.name);

export function roleByName(name: string): RoleSpec {
  const r = ROLES.find((x) => x.name === name);
  if (!r) throw new UnknownRoleError(name, ROLE_NAMES);
  return r;
}

export function roleByCommand(command: string): RoleSpec {
  const r = ROLES.find((x) => x.command === command);
  if (!r)
    throw new UnknownRoleError(
      command,
      ROLES.map((x) => x.command),
    );
  return r;
}

/** Nodes of a role for a layout's counts (1 for a role without a count). */
export function nodeCount(spec: RoleSpec, counts: Partial<Record<CountOption, number>>): number {
  if (!spec.count) return 1;
  return (counts[spec.count.option] ?? spec.count.default) * spec.count.nodesPerUnit;
}

/** A node's name in a local network: `chain`, `nym-api-2`, `mixnode-5`. */
export const nodeName = (spec: RoleSpec, index: number): string =>
  spec.count ? `${spec.logName}-${index + 1}` : spec.logName;

/** The name of the process hosting every node of a role (`--processes per-role`). */
export const groupName = (spec: RoleSpec): string => `${spec.logName}s`;

/**
 * Starts a role in this process holding its home's lock (./roles/lock.ts): refused while
 * another live process runs from the same home; released when it stops.
 */
export async function runRole(spec: RoleSpec, opts: RoleStartOptions): Promise<RunningRole> {
  const { acquireHomeLock } = await import('./roles/lock.js');
  const lock = acquireHomeLock(opts.home, spec.name);
  let running: RunningRole;
  try {
    running = await (await spec.load()).start(opts);
  } catch (e) {
    lock.release();
    throw e;
  }
  return {
    ready: running.ready,
    stop: async () => {
      try {
        await running.stop();
      } finally {
        lock.release();
      }
    },
  };
}
