/**
 * `localnetUp`: the one-command network, as a list of named phases (PHASES, at the end of
 * this file), each a small function with its own progress event; a failure is a
 * LocalnetPhaseError naming the phase, and stops whatever had started.
 *
 *   prepare home       reset if asked; refuse a home whose network (or a role of it) runs
 *   plan               read DIR/network.json, or plan a new network from the registry
 *   serve pages        the chat page and explorer (./pages.ts), whose origin the chain's
 *                      RPC, nym-api and the gateways let in
 *   launch roles       start every role's process now, the chain first: the others load
 *                      their code while the chain starts, and wait for their configs
 *   make keys          node keys (and, with --trusted-dealer, the nym-apis' Coconut key shares)
 *   start chain        until the chain answers; its addresses are in chain.json
 *   initiate dkg       the admin puts the nym-apis' accounts in the signer group and starts
 *                      the coconut-dkg contract's first epoch (a fresh network only)
 *   write configs      each role's config through its own writer, then release the roles
 *   start apis         until every nym-api is ready: with the DKG, once each holds its share
 *   dkg                until the DKG epoch is in progress (its time is reported)
 *   start nodes        until every mix node and gateway is ready (each bonds itself)
 *   wait for topology  until every nym-api shows every node
 *   start clients      until every native client is ready (with a bandwidth credential)
 *   self-test          a message from the first client to itself through the mixnet
 *   summary            DIR/localnet.json: every endpoint
 *
 * Every role is started by its documented command, `nymph <role> run --home DIR`, as a
 * child process (`per-node`, the default), or several nodes of a role in one process
 * (`per-role`), or all inside this process (`in-process`, tests): the roles, their ports,
 * accounts, config writers and starters come from the registry (src/roles.ts).
 */
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import { join, resolve } from 'node:path';
import { pino, type Logger } from 'pino';
import type { ChainInfo } from '../chain/index.js';
import { connectSigningClients } from '../../src/chain/index.js';
import {
  ROLES,
  STAGES,
  groupName,
  runRole,
  type NetworkFacts,
  type PreparedFacts,
  type RoleName,
  type RoleSpec,
  type RoleStage,
} from '../../src/roles.js';
import {
  awaitReady,
  networkProcesses,
  removePidFile,
  startRole,
  stopAll,
  writePidFile,
  RoleStartError,
  type PidRecord,
  type RoleProcess,
} from './supervisor.js';
import {
  DEFAULT_LAYOUT,
  PLAN_FILE,
  applyDkgThreshold,
  SHAPE_OPTIONS,
  chainOf,
  hostOf,
  makePlan,
  nodesOf,
  ROTATION_EPOCHS,
  readPlan,
  validateLayout,
  writeJson,
  type LayoutOptions,
  type NetworkPlan,
  type PlacementFn,
  type ProcessModel,
} from './plan.js';
import {
  LocalnetError,
  LocalnetInterruptedError,
  LocalnetOptionError,
  LocalnetPhaseError,
  LocalnetRunningError,
  TopologyTimeoutError,
} from './errors.js';
import { selfTest } from './ws-client.js';
import { initiateDkg, waitForDkg } from './dkg.js';
import { roleBundle } from './bundle.js';
import { servePages, type PagesServer } from './pages.js';

export const LOCALNET_FILE = 'localnet.json';

/** DIR/localnet.json: every endpoint of a running network. */
export interface LocalnetInfo {
  home: string;
  chain: ChainInfo;
  nym_apis: string[];
  coconut: { threshold: number; authorities: number; verification_key: string };
  mixnodes: { name: string; identity_key: string; host: string; mix_port: number; metrics: string | null }[];
  gateways: {
    name: string;
    identity_key: string;
    host: string;
    mix_port: number;
    clients_url: string;
    metrics: string | null;
  }[];
  /** The first native client (the one `npm start` sends through). */
  client: { websocket: string; address: string } | null;
  clients: { name: string; websocket: string; address: string; metrics: string | null; home: string }[];
  processes: { name: string; pid: number; log: string }[];
  self_test: { rtt_ms: number } | null;
  /** The chat page and the network explorer (served by `up` itself, see ./pages.ts). */
  web: { chat: string; explorer: string } | null;
  /** Further roles' sections (their registry entry's `info.section`). */
  [section: string]: unknown;
}

export type PhaseName =
  | 'prepare home'
  | 'plan'
  | 'launch roles'
  | 'make keys'
  | 'start chain'
  | 'initiate dkg'
  | 'serve pages'
  | 'write configs'
  | 'dkg'
  | `start ${Exclude<RoleStage, 'chain'>}`
  | 'wait for topology'
  | 'self-test'
  | 'summary';

export type ProgressEvent =
  | { step: 'reset' | 'resume' | 'fresh'; home: string }
  | { step: 'phase'; phase: PhaseName; ms: number }
  | { step: 'spawn'; name: string; pid: number }
  | { step: 'chain'; rpc: string; ms: number }
  | {
      step: 'role';
      name: string;
      role: RoleName;
      ready: Record<string, unknown>;
      summary?: string;
      ms: number;
    }
  | { step: 'topology'; mixnodes: number; gateways: number; ms: number }
  | { step: 'dkg'; epoch: number; threshold: number; dealers: number; ms: number }
  | { step: 'self-test'; rttMs: number; ms: number };

export interface UpOptions extends Partial<LayoutOptions> {
  /** Home of the whole network (default ./.localnet). */
  home?: string;
  /** Start afresh: stop whatever runs from `home` and delete its state. */
  reset?: boolean;
  /** 'per-node' (default), 'per-role' or 'in-process'. */
  processes?: ProcessModel;
  /** Leave child processes running when this process exits. */
  detach?: boolean;
  /** Skip the message to self. */
  skipSelfTest?: boolean;
  /** Time allowed for each role to become ready, ms. */
  roleTimeoutMs?: number;
  logLevel?: string;
  onProgress?: (e: ProgressEvent) => void;
  signal?: AbortSignal;
  /** Where each role runs (a fresh network only; a resumed one keeps its plan). */
  placement?: PlacementFn;
  /** Browser origins nym-api and the gateways let in besides the network's own pages. */
  webOrigins?: string[];
  /**
   * Gateways grant free bandwidth (default true). False: every client pays with a Coconut
   * credential (native clients have one; a browser page needs the SDK's `bandwidth`).
   */
  gatewayFreeBandwidth?: boolean;
}

export interface RunningLocalnet {
  info: LocalnetInfo;
  plan: NetworkPlan;
  /** Milliseconds from the call to the self-test message arriving (or to ready, without it). */
  upMs: number;
  /** Child processes (empty in-process). */
  pids: PidRecord[];
  /** Resolves when any role process exits on its own (with its name and code). */
  roleExited: Promise<{ name: string; code: number | string }>;
  stop(): Promise<void>;
}

interface Handle {
  name: string;
  record?: PidRecord;
  role?: RoleProcess;
  stop?: () => Promise<void>;
}

/** The state the phases share. */
interface Up {
  opts: UpOptions;
  home: string;
  model: ProcessModel;
  logLevel: string;
  logDir: string;
  /** Gated role processes wait for this file (./role-main.ts). */
  goFile: string;
  roleTimeoutMs: number;
  since(): number;
  progress(e: ProgressEvent): void;
  plan: NetworkPlan;
  bundle?: string;
  prepared: PreparedFacts;
  chain: ChainInfo;
  facts: NetworkFacts;
  handles: Handle[];
  /** Each node's ready fields, once it is started (launched early, awaited by its stage). */
  launched: Map<string, Promise<Record<string, unknown>>>;
  ready: Map<string, Record<string, unknown>>;
  /** When each node became ready (ms since the start), for progress reports. */
  readyAt: Map<string, number>;
  inProcessLog: Logger;
  stopping: boolean;
  /** Set once `prepare home` has found the home free: from then on the pid file is ours. */
  ownsHome: boolean;
  exited(name: string, code: number | string): void;
  info?: LocalnetInfo;
  pages?: PagesServer;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const urlHost = (h: string): string => (h.includes(':') ? `[${h}]` : h);
const specOf = (role: RoleName): RoleSpec => ROLES.find((r) => r.name === role)!;
const records = (u: Up): PidRecord[] => u.handles.flatMap((h) => (h.record ? [h.record] : []));
const apiUrls = (plan: NetworkPlan): string[] =>
  nodesOf(plan, 'api').map((a) => `http://${urlHost(hostOf(plan, a))}:${a.ports.http}`);
/** A run flags table as command-line arguments. */
const asArgs = (flags: Record<string, string>): string[] =>
  Object.entries(flags).flatMap(([k, v]) => [`--${k}`, v]);
const camel = (flags: Record<string, string>): Record<string, string> =>
  Object.fromEntries(
    Object.entries(flags).map(([k, v]) => [k.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()), v]),
  );

/**
 * Stops every process of the network at `home`: those `up` spawned and those holding its
 * roles' homes (started by hand); returns the ones that were running.
 */
export async function localnetDown(homeArg: string, graceMs = 5_000): Promise<PidRecord[]> {
  const home = resolve(homeArg);
  const found = networkProcesses(home);
  await stopAll(found, graceMs);
  removePidFile(home);
  return found.filter((p) => p.alive);
}

function loadLayout(opts: UpOptions): LayoutOptions {
  const l: LayoutOptions = { ...DEFAULT_LAYOUT };
  for (const k of Object.keys(DEFAULT_LAYOUT) as (keyof LayoutOptions)[]) {
    const v = opts[k];
    if (v !== undefined) (l as unknown as Record<string, unknown>)[k] = v;
  }
  return validateLayout(applyDkgThreshold(l, opts.threshold));
}

// ---------------------------------------------------------------------------- the phases

async function prepareHome(u: Up): Promise<void> {
  if (u.opts.reset) {
    await localnetDown(u.home);
    rmSync(u.home, { recursive: true, force: true });
    u.progress({ step: 'reset', home: u.home });
  }
  const running = networkProcesses(u.home).filter((p) => p.alive);
  if (running.length)
    throw new LocalnetRunningError(
      u.home,
      running.map((p) => p.pid),
    );
  removePidFile(u.home);
  u.ownsHome = true;
  mkdirSync(u.logDir, { recursive: true });
  rmSync(u.goFile, { force: true });
}

async function planNetwork(u: Up): Promise<void> {
  const plan = readPlan(u.home);
  if (plan) {
    // A resumed network keeps its shape (keys, bonds and ports are in its state); traffic
    // settings may change from run to run.
    for (const { key, flag } of SHAPE_OPTIONS) {
      const v = u.opts[key];
      if (v !== undefined && v !== plan.layout[key])
        throw new LocalnetOptionError(
          flag,
          `the network under ${u.home} was made with ${String(plan.layout[key])}; add --reset to start afresh with ${String(v)}`,
        );
    }
    if (u.opts.mode !== undefined) plan.layout = validateLayout({ ...plan.layout, mode: u.opts.mode });
    u.plan = plan;
    u.progress({ step: 'resume', home: u.home });
  } else {
    u.plan = await makePlan(u.home, loadLayout(u.opts), u.opts.placement);
    writeJson(join(u.home, PLAN_FILE), u.plan);
    u.progress({ step: 'fresh', home: u.home });
  }
}

/** A child process running `role-main.ts <args>`; resolves with its ready event. */
function spawnRole(
  u: Up,
  name: string,
  args: string[],
  event: string,
  gated: boolean,
  wrap?: string[],
  extraMs = 0,
): Promise<Record<string, unknown>> {
  if (u.stopping) throw new LocalnetError(`not starting ${name}: the network is stopping`);
  const logFile = join(u.logDir, `${name}.log`);
  const offset = existsSync(logFile) ? statSync(logFile).size : 0;
  const role = startRole({
    name,
    args: [...args, '--log-level', u.logLevel],
    logDir: u.logDir,
    light: true,
    bundle: u.bundle,
    wrap,
    detached: u.opts.detach,
    env: gated ? { NYMPH_LOCALNET_GO: u.goFile } : undefined,
  });
  const record = { name, pid: role.pid, logFile };
  u.handles.push({ name, record, role });
  // roles load their modules while the chain starts; the chain comes first for the CPU
  if (gated) setNice(role.pid, GATED_NICE);
  writePidFile(u.home, records(u));
  u.progress({ step: 'spawn', name, pid: role.pid });
  void role.exited.then((code) => u.exited(name, code));
  let ev: Record<string, unknown> = {};
  return awaitReady(
    role,
    async (signal) => {
      ev = await waitForEvent(logFile, offset, event, signal);
    },
    (gated ? 2 * u.roleTimeoutMs : u.roleTimeoutMs) + extraMs,
  ).then(() => ev);
}

/** Registers a node's start: its ready time is noted; its stage awaits it (and reports a failure). */
function launch(u: Up, name: string, started: Promise<Record<string, unknown>>): void {
  const p = started.then((ready) => {
    u.readyAt.set(name, u.since());
    return ready;
  });
  p.catch(() => undefined);
  u.launched.set(name, p);
}

async function launchRoles(u: Up): Promise<void> {
  if (u.model === 'in-process') return;
  u.bundle = await roleBundle();
  // a group's nodes start one after the other, and a later stage's roles (clients need the
  // topology) wait for the earlier stages: both get PER_GROUPED_NODE_MS per grouped node
  const grouped = (spec: (typeof ROLES)[number]) =>
    u.model === 'per-role' && spec.groupable ? Math.max(0, nodesOf(u.plan, spec.name).length - 1) : 0;
  const earlierStages = (stage: RoleStage) =>
    ROLES.filter((r) => STAGES.indexOf(r.stage) < STAGES.indexOf(stage)).reduce((a, r) => a + grouped(r), 0);
  for (const spec of ROLES) {
    const nodes = nodesOf(u.plan, spec.name);
    const gated = spec.stage !== 'chain';
    const extraMs = (earlierStages(spec.stage) + grouped(spec)) * PER_GROUPED_NODE_MS;
    if (u.model === 'per-role' && spec.groupable && nodes.length) {
      const group = spawnRole(
        u,
        groupName(spec),
        ['group', spec.command, ...nodes.flatMap((n) => ['--home', n.home])],
        'group_ready',
        gated,
        undefined,
        extraMs,
      );
      nodes.forEach((n, i) =>
        launch(
          u,
          n.name,
          group.then((ev) => (ev.nodes as Record<string, unknown>[])[i]),
        ),
      );
      continue;
    }
    for (const n of nodes) {
      const flags = spec.runFlags?.({
        node: n,
        host: hostOf(u.plan, n),
        chainAccounts: u.plan.chainAccounts,
        blockIntervalMs: u.plan.layout.blockIntervalMs,
        webOrigins: webOriginsOf(u),
      });
      const args = [spec.command, 'run', '--home', n.home, ...asArgs(flags ?? {})];
      launch(u, n.name, spawnRole(u, n.name, args, spec.readyEvent, gated, n.wrap, extraMs));
    }
  }
}

async function makeKeys(u: Up): Promise<void> {
  for (const spec of ROLES) {
    const nodes = nodesOf(u.plan, spec.name);
    const mod = await spec.load();
    if (!mod.prepare || !nodes.length) continue;
    for (const n of nodes) mkdirSync(n.home, { recursive: true });
    Object.assign(
      u.prepared,
      await mod.prepare(nodes, u.plan.layout.threshold, { trustedDealer: u.plan.layout.trustedDealer }),
    );
  }
}

async function startChainPhase(u: Up): Promise<void> {
  const node = chainOf(u.plan);
  const spec = specOf('chain');
  if (u.model === 'in-process') {
    const flags = spec.runFlags?.({
      node,
      host: hostOf(u.plan, node),
      chainAccounts: u.plan.chainAccounts,
      blockIntervalMs: u.plan.layout.blockIntervalMs,
      webOrigins: webOriginsOf(u),
    });
    const chain = await runRole(spec, {
      home: node.home,
      flags: camel(flags ?? {}),
      logger: u.inProcessLog.child({ role: node.name }),
    });
    u.handles.push({ name: node.name, stop: chain.stop });
    u.ready.set(node.name, chain.ready);
  } else u.ready.set(node.name, await u.launched.get(node.name)!);
  u.chain = JSON.parse(readFileSync(join(node.home, 'chain.json'), 'utf8')) as ChainInfo;
  u.progress({ step: 'chain', rpc: u.chain.rpc, ms: u.since() });
  const need = Math.max(0, ...u.plan.nodes.map((n) => n.account));
  if (u.chain.accounts.length <= need)
    throw new RoleStartError(
      'chain',
      `genesis has ${u.chain.accounts.length} accounts, the network needs ${need + 1} (start afresh with --reset)`,
    );
}

/** Browser origins the roles let in (CORS): localnet's pages, and any the caller adds. */
const webOriginsOf = (u: Up): string[] => [
  ...(u.pages ? [u.pages.origin] : []),
  ...(u.opts.webOrigins ?? []),
];

/** The chat page and explorer; their origin goes into the chain's and nym-api's CORS lists. */
async function servePagesPhase(u: Up): Promise<void> {
  const host = u.plan.layout.host;
  u.pages = await servePages(host, u.plan.layout.ports, () => u.info, u.plan.layout.mode);
  const pages = u.pages;
  u.handles.push({ name: 'pages', stop: () => pages.close() });
}

/**
 * A short key rotation period (`rotationSecs`): the contract's epochs shortened by its
 * admin (account 0), nym-api told how many make a rotation. Nym's mixnet contract keeps
 * 720 epochs an interval.
 */
async function shortenEpochs(u: Up): Promise<NetworkFacts['keyRotation']> {
  const secs = u.plan.layout.rotationSecs;
  if (!secs) return undefined;
  const c = await connectSigningClients({
    rpcUrl: u.chain.rpc,
    mnemonic: u.chain.mnemonic,
    accountIndex: 0,
    contracts: { mixnet: u.chain.contracts.mixnet, bandwidth: u.chain.contracts.bandwidth },
    signal: u.opts.signal,
  });
  const epochSecs = Math.max(1, Math.round(secs / ROTATION_EPOCHS));
  try {
    await c.mixnet.updateIntervalConfig(720, epochSecs);
  } finally {
    c.disconnect();
  }
  return { validityEpochs: ROTATION_EPOCHS, epochMs: epochSecs * 1000 };
}

async function writeConfigs(u: Up): Promise<void> {
  const { plan } = u;
  const keyRotation = await shortenEpochs(u);
  u.facts = {
    chain: {
      rpc: u.chain.rpc,
      mnemonic: u.chain.mnemonic,
      contracts: { mixnet: u.chain.contracts.mixnet, bandwidth: u.chain.contracts.bandwidth },
    },
    apiUrls: apiUrls(plan),
    threshold: plan.layout.threshold,
    mode: plan.layout.mode,
    topologyRefreshMs: plan.layout.topologyRefreshMs,
    keyRotation,
    counts: Object.fromEntries(ROLES.map((r) => [r.name, nodesOf(plan, r.name).length])),
    ...u.prepared,
    webOrigins: webOriginsOf(u),
    gatewayFreeBandwidth: u.opts.gatewayFreeBandwidth ?? true,
  };
  if (!plan.layout.trustedDealer) u.facts.dkgContract = u.chain.contracts.coconut_dkg;
  for (const spec of ROLES) {
    const mod = await spec.load();
    if (!mod.init) continue;
    for (const node of nodesOf(plan, spec.name))
      await mod.init({ node, host: hostOf(plan, node), net: u.facts });
  }
  // release the role processes, at the same priority as the chain now
  writeFileSync(u.goFile, `${Date.now()}\n`);
  for (const r of records(u)) if (r.name !== chainOf(plan).name) setNice(r.pid, 0);
  if (u.model !== 'in-process') return;
  for (const spec of ROLES) {
    if (spec.stage === 'chain') continue;
    for (const node of nodesOf(plan, spec.name)) {
      const started = runRole(spec, {
        home: node.home,
        logger: u.inProcessLog.child({ role: node.name }),
      }).then((r) => {
        u.handles.push({ name: node.name, stop: r.stop });
        return r.ready;
      });
      launch(u, node.name, started);
    }
  }
}

/** Until every node of the stage's roles is ready, in plan order. */
async function awaitStage(u: Up, stage: RoleStage): Promise<void> {
  for (const spec of ROLES.filter((r) => r.stage === stage))
    for (const node of nodesOf(u.plan, spec.name)) {
      const ready = await u.launched.get(node.name)!;
      u.ready.set(node.name, ready);
      u.progress({
        step: 'role',
        name: node.name,
        role: spec.name,
        ready,
        summary: spec.summary?.(ready),
        ms: u.readyAt.get(node.name) ?? u.since(),
      });
    }
}

async function initiateDkgPhase(u: Up): Promise<void> {
  if (u.plan.layout.trustedDealer) return;
  const accounts = nodesOf(u.plan, 'api').map((n) => n.account);
  await initiateDkg(u.chain, accounts, u.opts.signal);
}

async function dkgPhase(u: Up): Promise<void> {
  if (u.plan.layout.trustedDealer) return;
  const r = await waitForDkg(u.chain, 2 * u.roleTimeoutMs, u.opts.signal);
  u.prepared.verificationKey = r.verificationKey;
  u.progress({ step: 'dkg', epoch: r.epoch, threshold: r.threshold, dealers: r.dealers, ms: u.since() });
}

async function waitForTopologyPhase(u: Up): Promise<void> {
  const mixnodes = nodesOf(u.plan, 'mixnode').length;
  const gateways = nodesOf(u.plan, 'gateway').length;
  // nym-api takes every node's bond and key announcement into its cache: more nodes, more time
  const allowance = 2 * u.roleTimeoutMs + (mixnodes + gateways) * PER_GROUPED_NODE_MS;
  await waitForTopology(apiUrls(u.plan), mixnodes, gateways, allowance, u.opts.signal);
  u.progress({ step: 'topology', mixnodes, gateways, ms: u.since() });
}

function buildInfo(u: Up): LocalnetInfo {
  const { plan } = u;
  const sections: Record<string, unknown[]> = {};
  for (const spec of ROLES) {
    if (!spec.info) continue;
    sections[spec.info.section] = nodesOf(plan, spec.name).map((n) =>
      spec.info!.entry(n, u.ready.get(n.name) ?? {}),
    );
  }
  const clients = (sections.clients ?? []) as LocalnetInfo['clients'];
  return {
    ...sections,
    home: u.home,
    chain: u.chain,
    nym_apis: apiUrls(plan),
    coconut: {
      threshold: plan.layout.threshold,
      authorities: nodesOf(plan, 'api').length,
      verification_key: u.prepared.verificationKey ?? '',
    },
    mixnodes: (sections.mixnodes ?? []) as LocalnetInfo['mixnodes'],
    gateways: (sections.gateways ?? []) as LocalnetInfo['gateways'],
    client: clients[0] ? { websocket: clients[0].websocket, address: clients[0].address } : null,
    clients,
    processes: records(u).map((r) => ({ name: r.name, pid: r.pid, log: r.logFile })),
    self_test: null,
    web: u.pages ? { chat: u.pages.chatUrl, explorer: u.pages.explorerUrl } : null,
  };
}

async function selfTestPhase(u: Up): Promise<void> {
  u.info = buildInfo(u);
  const first = u.info.clients[0];
  if (!first || u.opts.skipSelfTest) return;
  const { rttMs } = await selfTest(first.websocket);
  u.info.self_test = { rtt_ms: Math.round(rttMs * 10) / 10 };
  u.progress({ step: 'self-test', rttMs, ms: u.since() });
}

async function summary(u: Up): Promise<void> {
  u.info ??= buildInfo(u);
  writeJson(join(u.home, LOCALNET_FILE), u.info);
}

interface Phase {
  name: PhaseName;
  run(u: Up): Promise<void>;
}

const stageName = (s: Exclude<RoleStage, 'chain'>) => `start ${s}` as const;

/** `localnetUp`, in order. The stages after the chain come from the registry's STAGES. */
export const PHASES: readonly Phase[] = [
  { name: 'prepare home', run: prepareHome },
  { name: 'plan', run: planNetwork },
  // before the roles: the chain's RPC and nym-api let the pages' origin in (CORS)
  { name: 'serve pages', run: servePagesPhase },
  { name: 'launch roles', run: launchRoles },
  { name: 'make keys', run: makeKeys },
  { name: 'start chain', run: startChainPhase },
  { name: 'initiate dkg', run: initiateDkgPhase },
  { name: 'write configs', run: writeConfigs },
  ...STAGES.filter((s): s is Exclude<RoleStage, 'chain'> => s !== 'chain').flatMap((s): Phase[] => [
    { name: stageName(s), run: (u) => awaitStage(u, s) },
    ...(s === 'apis' ? [{ name: 'dkg' as const, run: dkgPhase }] : []),
    // clients need the whole network in nym-api's topology
    ...(s === 'nodes' ? [{ name: 'wait for topology' as const, run: waitForTopologyPhase }] : []),
  ]),
  { name: 'self-test', run: selfTestPhase },
  { name: 'summary', run: summary },
];

export async function localnetUp(opts: UpOptions = {}): Promise<RunningLocalnet> {
  const t0 = performance.now();
  const home = resolve(opts.home ?? '.localnet');
  const model: ProcessModel = opts.processes ?? 'per-node';
  const logLevel = opts.logLevel ?? 'info';
  let exitResolve!: (v: { name: string; code: number | string }) => void;
  const roleExited = new Promise<{ name: string; code: number | string }>((r) => (exitResolve = r));
  const u: Up = {
    opts,
    home,
    model,
    logLevel,
    logDir: join(home, 'logs'),
    goFile: join(home, '.go'),
    roleTimeoutMs: opts.roleTimeoutMs ?? 30_000,
    since: () => Math.round(performance.now() - t0),
    progress: opts.onProgress ?? (() => undefined),
    plan: undefined as unknown as NetworkPlan,
    prepared: {},
    chain: undefined as unknown as ChainInfo,
    facts: undefined as unknown as NetworkFacts,
    handles: [],
    launched: new Map(),
    ready: new Map(),
    readyAt: new Map(),
    inProcessLog: pino({ level: model === 'in-process' ? logLevel : 'silent' }, pino.destination(2)),
    stopping: false,
    ownsHome: false,
    exited: (name, code) => {
      if (!u.stopping) exitResolve({ name, code });
    },
  };
  const stopEverything = async (): Promise<void> => {
    u.stopping = true;
    for (const h of u.handles.filter((x) => x.stop).reverse()) await h.stop!().catch(() => undefined);
    await stopAll(records(u));
    if (u.ownsHome) removePidFile(home);
  };
  const run = async (): Promise<void> => {
    for (const phase of PHASES) {
      try {
        await phase.run(u);
      } catch (e) {
        throw new LocalnetPhaseError(phase.name, e);
      }
      u.progress({ step: 'phase', phase: phase.name, ms: u.since() });
    }
  };
  // Ctrl-C while starting: stop what has started, start nothing more.
  const interrupted = new Promise<never>((_, reject) => {
    const onAbort = () => reject(new LocalnetInterruptedError());
    if (opts.signal?.aborted) onAbort();
    else opts.signal?.addEventListener('abort', onAbort, { once: true });
  });
  interrupted.catch(() => undefined);
  try {
    await Promise.race([run(), interrupted]);
  } catch (err) {
    await stopEverything();
    throw err;
  }
  return {
    info: u.info!,
    plan: u.plan,
    upMs: u.since(),
    pids: records(u),
    roleExited,
    stop: stopEverything,
  };
}

// ---------------------------------------------------------------------------- helpers

/** Waits for a `{"event": name}` JSON line written after byte `offset` of a log file. */
async function waitForEvent(
  logFile: string,
  offset: number,
  event: string,
  signal: AbortSignal,
): Promise<Record<string, unknown>> {
  const needle = `"event":"${event}"`;
  for (;;) {
    signal.throwIfAborted();
    if (existsSync(logFile)) {
      const text = readFileSync(logFile).subarray(offset).toString('utf8');
      if (text.includes(needle)) {
        for (const line of text.split('\n')) {
          if (!line.includes(needle)) continue;
          try {
            const o = JSON.parse(line) as Record<string, unknown>;
            if (o.event === event) return o;
          } catch {
            // a partial line: read again
          }
        }
      }
    }
    await sleep(25);
  }
}

const GATED_NICE = 10;
/**
 * Extra start time per node after the first in a `per-role` group: the nodes of one process
 * start side by side on the same cores (each opens its replay filter, starts its unwrap
 * worker and bonds), so a group of 99 mix nodes needs far longer than one node's timeout.
 */
const PER_GROUPED_NODE_MS = 2_000;

/** Best effort: lowering a niceness back needs privileges, and is harmless to skip. */
function setNice(pid: number, nice: number): void {
  try {
    setPriority(pid, nice);
  } catch {
    // not permitted: the role keeps the lower priority, relative to the chain only
  }
}

async function waitForTopology(
  urls: string[],
  mixnodes: number,
  gateways: number,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const seen = new Map<string, { mixnodes: number; gateways: number }>();
  const ok = async (url: string): Promise<boolean> => {
    try {
      const r = await fetch(`${url}/v1/topology`, { signal: AbortSignal.timeout(2_000) });
      if (!r.ok) return false;
      const t = (await r.json()) as { mixnodes?: unknown[]; gateways?: unknown[] };
      const s = { mixnodes: t.mixnodes?.length ?? 0, gateways: t.gateways?.length ?? 0 };
      seen.set(url, s);
      return s.mixnodes >= mixnodes && s.gateways >= gateways;
    } catch {
      return false;
    }
  };
  let pending = [...urls];
  while (pending.length) {
    signal?.throwIfAborted();
    const results = await Promise.all(pending.map(ok));
    pending = pending.filter((_, i) => !results[i]);
    if (!pending.length) return;
    if (Date.now() > deadline) {
      const url = pending[0];
      throw new TopologyTimeoutError(
        { mixnodes, gateways },
        seen.get(url) ?? { mixnodes: 0, gateways: 0 },
        url,
      );
    }
    await sleep(50);
  }
}
