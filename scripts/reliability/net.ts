/**
 * The reliability suite's local network: `localnetUp` (the `nymph localnet up` machinery,
 * one process per node, free ports, a temp home) with the roles the scenarios need, and
 * what the scenarios do to its processes: kill -9, SIGSTOP/SIGCONT, restart a role from
 * its home by its documented command (`nymph <role> run --home DIR`), sample each role's
 * RSS from /proc. Restarted roles hold their home's lock file, so `localnetDown` finds and
 * stops them at teardown as well as the ones `up` spawned.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROLES, type RoleName } from '../../src/roles.js';
import { roleBundle } from '../../localnet/network/bundle.js';
import { hostOf, nodesOf, type NodePlan } from '../../localnet/network/plan.js';
import { isAlive, startRole, type PidRecord, type RoleProcess } from '../../localnet/network/supervisor.js';
import {
  localnetDown,
  localnetUp,
  type LocalnetInfo,
  type RunningLocalnet,
} from '../../localnet/network/up.js';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A wait that did not see its condition in time. */
export class ReliabilityTimeoutError extends Error {
  readonly code = 'reliability_timeout';
  constructor(what: string, ms: number) {
    super(`reliability: ${what} not seen within ${ms} ms`);
  }
}

/** A pid that does not name one process of ours: signalling its group would hit others. */
export class ReliabilityBadPidError extends Error {
  readonly code = 'reliability_bad_pid';
  constructor(pid: number) {
    super(`reliability: refusing to kill pid ${pid}`);
  }
}

/** Polls `cond` every `everyMs` until it holds; throws ReliabilityTimeoutError after `ms`. */
export async function until(
  cond: () => boolean | Promise<boolean>,
  ms: number,
  what: string,
  everyMs = 100,
): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > deadline) throw new ReliabilityTimeoutError(what, ms);
    await sleep(everyMs);
  }
}

export interface NetOptions {
  /** Native clients (the scenarios use the first two; load uses all). */
  clients: number;
  logLevel?: string;
}

export interface ReliabilityNet {
  home: string;
  info: LocalnetInfo;
  /** Current pid of every role by node name (restarts update it). */
  pid(name: string): number;
  names(role: RoleName): string[];
  /** SIGKILL to the role's process group; resolves once it is gone, every thread of it (`killAndReap`). */
  kill9(name: string): Promise<void>;
  signal(name: string, sig: NodeJS.Signals): void;
  /** Starts the role again from its home; resolves with its ready event. */
  restart(name: string): Promise<Record<string, unknown>>;
  /** Roles whose process is gone though no scenario stopped it: crashed. */
  crashed(): string[];
  /** Starts again every role that is not running (stopped by a scenario that failed half-way). */
  repair(): Promise<string[]>;
  /** When the role's current process started (performance.now() ms). */
  startedAt(name: string): number;
  /** Resident set size of each role, in KiB (roles that are not running are left out). */
  rss(): Record<string, number>;
  /** A gateway's metrics counter (Prometheus text), 0 when absent. */
  gatewayCounter(name: string, counter: string): Promise<number>;
  stop(): Promise<void>;
}

/** Waits for a `{"event": name}` line written to `logFile` after byte `offset`. */
async function readyEvent(
  logFile: string,
  offset: number,
  event: string,
  role: RoleProcess,
  ms: number,
): Promise<Record<string, unknown>> {
  const needle = `"event":"${event}"`;
  let exited: number | string | undefined;
  void role.exited.then((c) => (exited = c));
  const deadline = Date.now() + ms;
  for (;;) {
    if (existsSync(logFile)) {
      const text = readFileSync(logFile).subarray(offset).toString('utf8');
      for (const line of text.split('\n'))
        if (line.includes(needle))
          try {
            return JSON.parse(line) as Record<string, unknown>;
          } catch {
            // a partial line: read again
          }
    }
    if (exited !== undefined) throw new Error(`${role.name} exited (${exited}) before it was ready`);
    if (Date.now() > deadline) throw new ReliabilityTimeoutError(`${role.name} ready`, ms);
    await sleep(50);
  }
}

/** RSS in KiB from /proc/<pid>/status (VmRSS), or undefined for a process that is gone. */
export function rssKiB(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Gone: the process exited and so did every thread of it, so its sockets are closed. */
export function processGone(pid: number): boolean {
  return !isAlive(pid); // a zombie with live threads is alive (supervisor.ts liveThreads)
}

/**
 * SIGKILL to the process group of `pid` (or to the process alone); resolves once the
 * process and all its threads are gone, so that its peers have its sockets' FIN or RST.
 */
export async function killAndReap(pid: number, what: string, ms = 10_000): Promise<void> {
  // -pid signals a group: 1 (every process), 0 (our own group) or a negative pid must never get there
  if (!Number.isSafeInteger(pid) || pid <= 1) throw new ReliabilityBadPidError(pid);
  signalPid(pid, 'SIGKILL');
  await until(() => processGone(pid), ms, `${what} gone after SIGKILL`, 5);
}

/** A signal to a role's process group, or to the process alone; a process already gone is fine. */
function signalPid(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    try {
      process.kill(pid, sig);
    } catch {
      // gone already
    }
  }
}

export async function startNet(opts: NetOptions): Promise<ReliabilityNet> {
  const home = mkdtempSync(join(tmpdir(), 'nymph-reliab-'));
  let up: RunningLocalnet;
  try {
    up = await localnetUp({
      home,
      ports: 'auto',
      clients: opts.clients,
      requesters: 0,
      socks5Clients: 0,
      logLevel: opts.logLevel ?? 'warn',
      roleTimeoutMs: 60_000,
    });
  } catch (err) {
    await localnetDown(home).catch(() => undefined);
    rmSync(home, { recursive: true, force: true });
    throw err;
  }
  const pids = new Map<string, number>(up.pids.map((p: PidRecord) => [p.name, p.pid]));
  const started = new Map<string, number>(
    up.pids.map((p: PidRecord) => [p.name, performance.now() - up.upMs]),
  );
  const restarted: RoleProcess[] = [];
  /** Roles a scenario stopped on purpose and has not restarted yet. */
  const stopped = new Set<string>();
  const node = (name: string): NodePlan => {
    const n = up.plan.nodes.find((x) => x.name === name);
    if (!n) throw new Error(`reliability: no node ${name} in the plan`);
    return n;
  };
  const bundle = await roleBundle();

  const net: ReliabilityNet = {
    home,
    info: up.info,
    pid: (name) => {
      const p = pids.get(name);
      if (p === undefined) throw new Error(`reliability: no process for ${name}`);
      return p;
    },
    names: (role) => nodesOf(up.plan, role).map((n) => n.name),
    async kill9(name) {
      const pid = net.pid(name);
      stopped.add(name);
      await killAndReap(pid, name);
    },
    signal(name, sig) {
      if (sig === 'SIGTERM' || sig === 'SIGKILL' || sig === 'SIGINT') stopped.add(name);
      signalPid(net.pid(name), sig);
    },
    async restart(name) {
      const n = node(name);
      const spec = ROLES.find((r) => r.name === n.role)!;
      const flags =
        spec.runFlags?.({
          node: n,
          host: hostOf(up.plan, n),
          chainAccounts: up.plan.chainAccounts,
          blockIntervalMs: up.plan.layout.blockIntervalMs,
        }) ?? {};
      const logFile = join(home, 'logs', `${name}.log`);
      const offset = existsSync(logFile) ? statSync(logFile).size : 0;
      const role = startRole({
        name,
        args: [
          spec.command,
          'run',
          '--home',
          n.home,
          ...Object.entries(flags).flatMap(([k, v]) => [`--${k}`, v]),
          '--log-level',
          opts.logLevel ?? 'warn',
        ],
        logDir: join(home, 'logs'),
        light: true,
        bundle,
      });
      restarted.push(role);
      pids.set(name, role.pid);
      started.set(name, performance.now());
      stopped.delete(name);
      return readyEvent(logFile, offset, spec.readyEvent, role, 60_000);
    },
    crashed: () =>
      [...pids].filter(([name, pid]) => !stopped.has(name) && !isAlive(pid)).map(([name]) => name),
    async repair() {
      const down = [...pids].filter(([, pid]) => !isAlive(pid)).map(([name]) => name);
      // the chain first, then the rest in plan order
      for (const name of down) await net.restart(name);
      return down;
    },
    startedAt: (name) => started.get(name) ?? 0,
    rss() {
      const out: Record<string, number> = {};
      for (const [name, pid] of pids) {
        const kb = rssKiB(pid);
        if (kb !== undefined) out[name] = kb;
      }
      return out;
    },
    async gatewayCounter(name, counter) {
      const gw = up.info.gateways.find((g) => g.name === name);
      if (!gw?.metrics) return 0;
      const text = await (await fetch(gw.metrics, { signal: AbortSignal.timeout(3_000) })).text();
      const m = new RegExp(`^${counter} (\\d+)`, 'm').exec(text);
      return m ? Number(m[1]) : 0;
    },
    async stop() {
      // thaw anything left frozen, so that it can stop
      for (const pid of pids.values())
        try {
          process.kill(-pid, 'SIGCONT');
        } catch {
          // gone
        }
      await up.stop().catch(() => undefined);
      await localnetDown(home, 3_000).catch(() => undefined);
      for (const r of restarted)
        if (isAlive(r.pid))
          try {
            process.kill(-r.pid, 'SIGKILL');
          } catch {
            // gone
          }
      if (!process.env.NYMPH_RELIABILITY_KEEP) rmSync(home, { recursive: true, force: true });
    },
  };
  return net;
}
