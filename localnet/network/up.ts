/**
 * `localnetUp`: the one-command network. Chain first; then every nym-api, mix node and
 * gateway at once (each node bonds itself from its own funded account through CosmJS);
 * then wait until nym-api's topology shows them all; then the native clients, each
 * obtaining a bandwidth credential the real way; then a message to itself.
 *
 * Roles run as child processes by default (`per-node`), optionally one process per role
 * hosting several nodes (`per-role`), or all inside this process (`in-process`, tests).
 * Everything lives under one home directory; see ./plan.ts for the layout and ports.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import { join, resolve } from 'node:path';
import { pino, type Logger } from 'pino';
import { base58 } from '@scure/base';
import type { ChainInfo, RunningChain } from '../chain/index.js';
import {
  awaitReady,
  isAlive,
  readPidFile,
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
  makePlan,
  readPlan,
  validateLayout,
  writeJson,
  type LayoutOptions,
  type NetworkPlan,
  type NodePlan,
  type PlacementFn,
  type ProcessModel,
  hostOf,
} from './plan.js';
import { defaultClientConfig, readClientConfig, writeClientConfig } from './client-config.js';
import { LocalnetError, LocalnetOptionError, LocalnetRunningError, TopologyTimeoutError } from './errors.js';
import { selfTest } from './ws-client.js';
import { roleBundle } from './bundle.js';

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
  clients: { name: string; websocket: string; address: string; home: string }[];
  processes: { name: string; pid: number; log: string }[];
  self_test: { rtt_ms: number } | null;
}

export type ProgressEvent =
  | { step: 'reset' | 'resume' | 'fresh'; home: string }
  | { step: 'spawn'; name: string; pid: number }
  | { step: 'chain'; rpc: string; ms: number }
  | { step: 'role'; name: string; ms: number }
  | { step: 'topology'; mixnodes: number; gateways: number; ms: number }
  | { step: 'client'; name: string; address: string; websocket: string; ms: number }
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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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

function aliveRecords(home: string): PidRecord[] {
  return readPidFile(home).filter((p) => isAlive(p.pid));
}

/** Stops every process of the network at `home` (from its pid file). */
export async function localnetDown(homeArg: string, graceMs = 5_000): Promise<PidRecord[]> {
  const home = resolve(homeArg);
  const pids = readPidFile(home);
  await stopAll(pids, graceMs);
  removePidFile(home);
  return pids;
}

function loadLayout(opts: UpOptions): LayoutOptions {
  const l: LayoutOptions = { ...DEFAULT_LAYOUT };
  for (const k of Object.keys(DEFAULT_LAYOUT) as (keyof LayoutOptions)[]) {
    const v = opts[k];
    if (v !== undefined) (l as unknown as Record<string, unknown>)[k] = v;
  }
  return validateLayout(l);
}

export async function localnetUp(opts: UpOptions = {}): Promise<RunningLocalnet> {
  const t0 = performance.now();
  const since = () => Math.round(performance.now() - t0);
  const home = resolve(opts.home ?? '.localnet');
  const model: ProcessModel = opts.processes ?? 'per-node';
  const progress = opts.onProgress ?? (() => undefined);
  const roleTimeoutMs = opts.roleTimeoutMs ?? 30_000;
  const logLevel = opts.logLevel ?? 'info';
  const logDir = join(home, 'logs');

  if (opts.reset) {
    await localnetDown(home);
    rmSync(home, { recursive: true, force: true });
    progress({ step: 'reset', home });
  }
  const running = aliveRecords(home);
  if (running.length)
    throw new LocalnetRunningError(
      home,
      running.map((p) => p.pid),
    );
  removePidFile(home);
  mkdirSync(logDir, { recursive: true });

  let plan = readPlan(home);
  if (plan) {
    // A resumed network keeps its shape (keys, bonds and ports are in its state); traffic
    // settings may change from run to run.
    const flags: Record<string, string> = {
      mixnodesPerLayer: 'mixnodes-per-layer',
      gateways: 'gateways',
      apis: 'apis',
      threshold: 'threshold',
      clients: 'clients',
      ports: 'ports',
      basePort: 'base-port',
      host: 'host',
    };
    for (const [k, flag] of Object.entries(flags)) {
      const v = opts[k as keyof LayoutOptions];
      if (v !== undefined && v !== plan.layout[k as keyof LayoutOptions])
        throw new LocalnetOptionError(
          flag,
          `the network under ${home} was made with ${String(plan.layout[k as keyof LayoutOptions])}; add --reset to start afresh with ${String(v)}`,
        );
    }
    if (opts.mode !== undefined) plan.layout = validateLayout({ ...plan.layout, mode: opts.mode });
    progress({ step: 'resume', home });
  } else {
    plan = await makePlan(home, loadLayout(opts), opts.placement);
    writeJson(join(home, PLAN_FILE), plan);
    progress({ step: 'fresh', home });
  }
  const layout = plan.layout;

  const handles: Handle[] = [];
  const records = (): PidRecord[] => handles.flatMap((h) => (h.record ? [h.record] : []));
  const inProcLog: Logger = pino(
    { level: model === 'in-process' ? logLevel : 'silent' },
    pino.destination(2),
  );
  let exitResolve!: (v: { name: string; code: number | string }) => void;
  const roleExited = new Promise<{ name: string; code: number | string }>((r) => (exitResolve = r));
  let stopping = false;

  const stopEverything = async (): Promise<void> => {
    stopping = true;
    const inproc = handles.filter((h) => h.stop).reverse();
    for (const h of inproc) await h.stop!().catch(() => undefined);
    await stopAll(records());
    removePidFile(home);
  };

  /** Child process running `role-main.ts <args>`; resolves with its ready event. */
  const spawnRole = async (
    name: string,
    args: string[],
    event: string,
    gated = false,
    wrap?: string[],
  ): Promise<Record<string, unknown>> => {
    if (stopping) throw new LocalnetError(`not starting ${name}: the network is stopping`);
    const logFile = join(logDir, `${name}.log`);
    const offset = existsSync(logFile) ? statSync(logFile).size : 0;
    const role = startRole({
      name,
      args,
      logDir,
      light: true,
      bundle,
      wrap,
      detached: opts.detach,
      env: gated ? { NYMPH_LOCALNET_GO: goFile } : undefined,
    });
    const record = { name, pid: role.pid, logFile };
    handles.push({ name, record, role });
    // Roles load their modules while the chain starts; the chain comes first for the CPU.
    if (gated) setNice(role.pid, GATED_NICE);
    writePidFile(home, records());
    progress({ step: 'spawn', name, pid: role.pid });
    void role.exited.then((code) => {
      if (!stopping) exitResolve({ name, code });
    });
    let ev: Record<string, unknown> = {};
    await awaitReady(
      role,
      async (signal) => {
        ev = await waitForEvent(logFile, offset, event, signal);
      },
      gated ? 2 * roleTimeoutMs : roleTimeoutMs,
    );
    return ev;
  };
  const goFile = join(home, '.go');
  rmSync(goFile, { force: true });
  const bundle = model === 'in-process' ? undefined : await roleBundle();

  const run = async (): Promise<RunningLocalnet> => {
    // Config writers and node keys load while the chain starts.
    const cfgModule = import('./configs.js');
    const keysReady = prepareKeys(plan);
    keysReady.catch(() => undefined);
    const apiUrls = plan.apis.map((a) => `http://${urlHost(hostOf(plan!, a))}:${a.port}`);
    const mixInfo: LocalnetInfo['mixnodes'] = [];
    const gwInfo: LocalnetInfo['gateways'] = [];
    const clients: LocalnetInfo['clients'] = [];
    const done = (name: string) => progress({ step: 'role', name, ms: since() });
    const mixReady = (m: NodePlan, ev: Record<string, unknown>) => {
      mixInfo.push({
        name: m.name,
        identity_key: String(ev.identityKey),
        host: String(ev.host),
        mix_port: Number(ev.port),
        metrics: typeof ev.metrics === 'string' ? ev.metrics : null,
      });
      done(m.name);
    };
    const gwReady = (g: NodePlan, ev: Record<string, unknown>) => {
      gwInfo.push({
        name: g.name,
        identity_key: String(ev.identityKey),
        host: String(ev.host),
        mix_port: Number(ev.mixPort),
        clients_url: String(ev.clientsUrl),
        metrics: typeof ev.metrics === 'string' ? ev.metrics : null,
      });
      done(g.name);
    };
    const clientReady = (c: NodePlan, address: string, websocket: string) => {
      clients.push({ name: c.name, websocket, address, home: c.home });
      progress({ step: 'client', name: c.name, address, websocket, ms: since() });
    };

    // ---- chain (and, as processes, every other role waiting for its config) --------------
    let chainInfo: ChainInfo;
    const started: Promise<unknown>[] = [];
    if (model === 'in-process') {
      const { startChain } = await import('../chain/index.js');
      const chain: RunningChain = await startChain({
        home: plan.chain.home,
        rpcHost: hostOf(plan, plan.chain),
        rpcPort: plan.chain.port,
        accounts: plan.chain.accounts,
        blockIntervalMs: layout.blockIntervalMs,
        logger: inProcLog.child({ role: 'chain' }),
      });
      handles.push({ name: 'chain', stop: () => chain.close() });
      chainInfo = chain.chainInfo;
    } else {
      const chainUp = spawnRole(
        'chain',
        [
          'chain',
          'run',
          '--home',
          plan.chain.home,
          '--rpc',
          `${hostOf(plan, plan.chain)}:${plan.chain.port}`,
          '--accounts',
          String(plan.chain.accounts),
          '--block-interval-ms',
          String(layout.blockIntervalMs),
          '--log-level',
          logLevel,
        ],
        'chain_ready',
        false,
        plan.chain.wrap,
      );
      const gated = (
        name: string,
        args: string[],
        event: string,
        ready: (ev: Record<string, unknown>) => void,
        wrap?: string[],
      ) => {
        const p = spawnRole(name, [...args, '--log-level', logLevel], event, true, wrap).then(ready);
        p.catch(() => undefined);
        started.push(p);
      };
      if (model === 'per-role')
        gated(
          'nym-apis',
          ['api-group', 'api', ...plan.apis.flatMap((a) => ['--home', a.home])],
          'group_ready',
          () => plan!.apis.forEach((a) => done(a.name)),
        );
      else
        for (const a of plan.apis)
          gated(a.name, ['api', 'run', '--home', a.home], 'api_ready', () => done(a.name), a.wrap);
      if (model === 'per-role') {
        const group = (role: 'mixnode' | 'gateway', nodes: NodePlan[], ready: typeof mixReady) =>
          gated(
            `${role}s`,
            [`${role}-group`, role, ...nodes.flatMap((n) => ['--home', n.home])],
            'group_ready',
            (ev) => nodes.forEach((n, i) => ready(n, (ev.nodes as Record<string, unknown>[])[i])),
          );
        group('mixnode', plan.mixnodes, mixReady);
        group('gateway', plan.gateways, gwReady);
      } else {
        for (const m of plan.mixnodes)
          gated(
            m.name,
            ['mixnode', 'run', '--home', m.home],
            'mixnode_ready',
            (ev) => mixReady(m, ev),
            m.wrap,
          );
        for (const g of plan.gateways)
          gated(
            g.name,
            ['gateway', 'run', '--home', g.home],
            'gateway_ready',
            (ev) => gwReady(g, ev),
            g.wrap,
          );
      }
      for (const c of plan.clients)
        gated(
          c.name,
          ['localnet-client', '--home', c.home],
          'client_ready',
          (ev) => clientReady(c, String(ev.address), String(ev.websocket)),
          c.wrap,
        );
      await chainUp;
      chainInfo = JSON.parse(readFileSync(join(plan.chain.home, 'chain.json'), 'utf8')) as ChainInfo;
    }
    progress({ step: 'chain', rpc: chainInfo.rpc, ms: since() });
    const needAccounts = Math.max(
      ...[...plan.mixnodes, ...plan.gateways, ...plan.clients].map((n) => n.account),
    );
    if (chainInfo.accounts.length <= needAccounts)
      throw new RoleStartError(
        'chain',
        `genesis has ${chainInfo.accounts.length} accounts, the network needs ${needAccounts + 1} (start afresh with --reset)`,
      );

    // ---- configs, then release the roles -------------------------------------------------
    const keys = await keysReady;
    const cfg = await cfgModule;
    cfg.writeApiConfigs(plan, chainInfo);
    cfg.writeMixnodeConfigs(plan, chainInfo);
    cfg.writeGatewayConfigs(plan, chainInfo, keys.verificationKey);
    plan.clients.forEach((c, k) => {
      const conf = defaultClientConfig();
      conf.client.nym_api_urls = apiUrls;
      conf.client.mode = layout.mode;
      // spread clients over the gateways, in a stable order
      conf.client.gateway = keys.gatewayIdentities[k % keys.gatewayIdentities.length];
      conf.socket = { host: hostOf(plan, c), port: c.port };
      // the whole network in its first topology: any client can reach any other at once
      conf.startup = { wait_mixnodes: plan.mixnodes.length, wait_gateways: plan.gateways.length };
      conf.bandwidth = {
        ...conf.bandwidth,
        rpc_url: chainInfo.rpc,
        mnemonic: chainInfo.mnemonic,
        account_index: c.account,
        mixnet_contract: chainInfo.contracts.mixnet,
        bandwidth_contract: chainInfo.contracts.bandwidth,
        api_urls: apiUrls,
        threshold: layout.threshold,
      };
      writeClientConfig(c.home, conf, {
        // the same file also runs under `nymph client run --home <client home>`
        chain: {
          rpc_url: chainInfo.rpc,
          mixnet_contract: chainInfo.contracts.mixnet,
          bandwidth_contract: chainInfo.contracts.bandwidth,
        },
        bandwidth: { amount: Number(conf.bandwidth.deposit_amount) },
      });
    });
    writeFileSync(goFile, `${Date.now()}\n`);
    for (const r of records()) if (r.name !== 'chain') setNice(r.pid, 0);

    if (model === 'in-process') {
      const ip = await import('./in-process.js');
      const { startLocalnetClient } = await import('./client-runner.js');
      for (const a of plan.apis)
        started.push(ip.startApi(a, inProcLog).then((h) => (handles.push(h), done(a.name))));
      for (const m of plan.mixnodes)
        started.push(
          ip
            .startMixnode(m, inProcLog)
            .then(({ handle, info }) => (handles.push(handle), mixInfo.push(info), done(m.name))),
        );
      for (const g of plan.gateways)
        started.push(
          ip
            .startGateway(g, inProcLog)
            .then(({ handle, info }) => (handles.push(handle), gwInfo.push(info), done(g.name))),
        );
      for (const c of plan.clients)
        started.push(
          startLocalnetClient({
            home: c.home,
            config: readClientConfig(c.home),
            logger: inProcLog.child({ role: c.name }),
          }).then((r) => {
            handles.push({ name: c.name, stop: () => r.close() });
            clientReady(c, r.address, r.websocket);
          }),
        );
      for (const p of started) p.catch(() => undefined);
    }

    // ---- every role ready, the topology complete -----------------------------------------
    await Promise.all([
      ...started,
      waitForTopology(
        apiUrls,
        plan.mixnodes.length,
        plan.gateways.length,
        2 * roleTimeoutMs,
        opts.signal,
      ).then(() =>
        progress({
          step: 'topology',
          mixnodes: plan.mixnodes.length,
          gateways: plan.gateways.length,
          ms: since(),
        }),
      ),
    ]);
    const byName = (a: { name: string }, b: { name: string }) =>
      a.name.localeCompare(b.name, 'en', { numeric: true });
    mixInfo.sort(byName);
    gwInfo.sort(byName);
    clients.sort(byName);

    const info: LocalnetInfo = {
      home,
      chain: chainInfo,
      nym_apis: apiUrls,
      coconut: {
        threshold: layout.threshold,
        authorities: plan.apis.length,
        verification_key: keys.verificationKey,
      },
      mixnodes: mixInfo,
      gateways: gwInfo,
      client: clients[0] ? { websocket: clients[0].websocket, address: clients[0].address } : null,
      clients,
      processes: records().map((r) => ({ name: r.name, pid: r.pid, log: r.logFile })),
      self_test: null,
    };

    // ---- a message to itself -------------------------------------------------------------
    if (clients[0] && !opts.skipSelfTest) {
      const { rttMs } = await selfTest(clients[0].websocket);
      info.self_test = { rtt_ms: Math.round(rttMs * 10) / 10 };
      progress({ step: 'self-test', rttMs, ms: since() });
    }
    writeJson(join(home, LOCALNET_FILE), info);
    return {
      info,
      plan,
      upMs: since(),
      pids: records(),
      roleExited,
      stop: stopEverything,
    };
  };
  // Ctrl-C while starting: stop what has started, start nothing more.
  const interrupted = new Promise<never>((_, reject) => {
    const onAbort = () => reject(new LocalnetError('start interrupted'));
    if (opts.signal?.aborted) onAbort();
    else opts.signal?.addEventListener('abort', onAbort, { once: true });
  });
  interrupted.catch(() => undefined);
  try {
    return await Promise.race([run(), interrupted]);
  } catch (err) {
    await stopEverything();
    throw err;
  }
}

const GATED_NICE = 10;

/** Best effort: lowering a niceness back needs privileges, and is harmless to skip. */
function setNice(pid: number, nice: number): void {
  try {
    setPriority(pid, nice);
  } catch {
    // not permitted: the role keeps the lower priority, relative to the chain only
  }
}

export const urlHost = (h: string): string => (h.includes(':') ? `[${h}]` : h);

/** Node keys (kept across restarts) and the Coconut key shares of the nym-apis. */
async function prepareKeys(
  plan: NetworkPlan,
): Promise<{ verificationKey: string; gatewayIdentities: string[] }> {
  const { generateNodeKeys, hasNodeKeys, readNodeKeys, writeNodeKeys } =
    await import('../../src/node/keys.js');
  for (const n of [...plan.mixnodes, ...plan.gateways]) {
    mkdirSync(n.home, { recursive: true });
    if (!hasNodeKeys(n.home)) writeNodeKeys(n.home, generateNodeKeys());
  }
  const keyFile = (a: NodePlan) => join(a.home, 'coconut-key.json');
  if (!plan.apis.every((a) => existsSync(keyFile(a)))) {
    const { loadBackend } = await import('../../src/coconut/backend.js');
    const { secureRandom } = await import('../../src/coconut/random.js');
    const { generateKeyShares, writeKeyFile } = await import('../../src/api/index.js');
    const backend = await loadBackend('mcl');
    const shares = generateKeyShares(backend, plan.layout.threshold, plan.apis.length, secureRandom);
    plan.apis.forEach((a, i) => {
      mkdirSync(a.home, { recursive: true });
      writeKeyFile(backend, keyFile(a), shares[i]);
    });
  }
  const doc = JSON.parse(readFileSync(keyFile(plan.apis[0]), 'utf8')) as {
    aggregated_verification_key: string;
  };
  // sanity: base58 that decodes (the gateway checks the group elements)
  base58.decode(doc.aggregated_verification_key);
  return {
    verificationKey: doc.aggregated_verification_key,
    gatewayIdentities: plan.gateways.map((g) => base58.encode(readNodeKeys(g.home).identityPublic)),
  };
}

async function waitForTopology(
  apiUrls: string[],
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
  let pending = [...apiUrls];
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
