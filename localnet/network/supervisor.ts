/**
 * Supervises the processes of a local network: one child process per role, each with its
 * own log file, started detached in its own process group so that `nymph localnet down`
 * (a different process) can stop them all, and so that a failed start leaves no orphans.
 *
 * A network's processes are found two ways: the spawn record (DIR/pids.json) and the lock
 * file each running role holds in its home (src/roles/lock.ts), so that a role started by
 * hand (`nymph mixnode run --home DIR/mixnode-1`) is seen by `status` and stopped by `down`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  writeFileSync,
  rmSync,
} from 'node:fs';
import { connect } from 'node:net';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { WORKER_BUNDLE_ENV } from '../../src/node/worker-bundle.js';
import { lockedHomesUnder, lockHolderAlive, readHomeLock } from '../../src/roles/lock.js';
import { LocalnetError } from './errors.js';
import { readPlan } from './plan.js';

const here = dirname(fileURLToPath(import.meta.url));
/** The launcher that runs the TypeScript CLI (`nymph`) without a build step. */
export const NYMPH_BIN = resolve(here, '../../bin/nymph.js');
/**
 * The lighter entry used for roles of a local network: it loads only the one role's CLI
 * module (the full `nymph` CLI imports every role, which costs ~1 s of start-up each).
 */
export const ROLE_MAIN = resolve(here, 'role-main.ts');
/** tsx's ESM loader, by absolute URL so that children work from any working directory. */
export const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm')).href;

/** A role did not become ready: it exited, timed out, or reported a failure. */
export class RoleStartError extends LocalnetError {
  override readonly code = 'role_start';
  constructor(
    readonly role: string,
    readonly reason: string,
    readonly logFile?: string,
  ) {
    super(`${role} failed to start: ${reason}${logFile ? ` (log: ${logFile})` : ''}`);
  }
}

/** A role's inspector asked for on a non-loopback address (anyone there could run code in it). */
export class RoleInspectorAddressError extends LocalnetError {
  override readonly code = 'role_inspector_address';
  constructor(readonly flag: string) {
    super(`NYMPH_ROLE_NODE_ARGS: ${flag} must bind 127.0.0.1 (e.g. --inspect=127.0.0.1:0, a free port)`);
  }
}

/** Refuses `--inspect*` flags that do not name 127.0.0.1 (a bare one would also share port 9229). */
export function checkInspectorArgs(nodeArgs: readonly string[]): void {
  for (const a of nodeArgs)
    if (/^--inspect(-brk|-wait)?(=|$)/.test(a) && !/^--inspect(-brk|-wait)?=127\.0\.0\.1:\d+$/.test(a))
      throw new RoleInspectorAddressError(a);
}

export interface RoleProcess {
  name: string;
  pid: number;
  logFile: string;
  child: ChildProcess;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  exited: Promise<number | string>;
}

export interface PidRecord {
  name: string;
  pid: number;
  logFile: string;
  /**
   * Whether the pid leads its own process group (every process localnet spawns does), so
   * that signals go to the group; a role started by hand gets signals to itself only.
   */
  group?: boolean;
}

export interface StartRoleOptions {
  name: string;
  /** Arguments after `nymph`, e.g. ['mixnode', 'run', '--home', dir]. */
  args: string[];
  logDir: string;
  env?: NodeJS.ProcessEnv;
  /** Keep running after this process exits (for `--detach`). */
  detached?: boolean;
  /** Run `role-main.ts <args>` (one role's CLI only) instead of the full `nymph` launcher. */
  light?: boolean;
  /** With `light`: the bundled role entry (./bundle.ts) to run without tsx. */
  bundle?: string;
  /** Command prefix, e.g. ['ip', 'netns', 'exec', 'ns1'] (it must exec node in place). */
  wrap?: string[];
}

/** Starts `nymph <args>` as a child process whose output goes to `<logDir>/<name>.log`. */
export function startRole(opts: StartRoleOptions): RoleProcess {
  mkdirSync(opts.logDir, { recursive: true });
  const logFile = join(opts.logDir, `${opts.name}.log`);
  const fd = openSync(logFile, 'a');
  const argv = !opts.light
    ? [NYMPH_BIN, ...opts.args]
    : opts.bundle
      ? [opts.bundle, ...opts.args]
      : ['--import', TSX_LOADER, ROLE_MAIN, ...opts.args];
  // NYMPH_ROLE_NODE_ARGS: extra node flags for every role (e.g. --cpu-prof when profiling)
  // (the reliability suite's long form: --inspect=127.0.0.1:0, scripts/reliability.ts)
  const nodeArgs = (process.env.NYMPH_ROLE_NODE_ARGS ?? '').split(' ').filter(Boolean);
  checkInspectorArgs(nodeArgs);
  const command = opts.wrap?.length ? opts.wrap[0] : process.execPath;
  const commandArgs = opts.wrap?.length
    ? [...opts.wrap.slice(1), process.execPath, ...nodeArgs, ...argv]
    : [...nodeArgs, ...argv];
  const child = spawn(command, commandArgs, {
    stdio: ['ignore', fd, fd],
    env: {
      ...process.env,
      // roles from the bundle start their worker threads from its prebuilt twins too
      ...(opts.light && opts.bundle ? { [WORKER_BUNDLE_ENV]: dirname(opts.bundle) } : {}),
      ...opts.env,
    },
    // Own process group: signals to the group reach the role and anything it started.
    detached: true,
  });
  closeSync(fd);
  if (opts.detached) child.unref();
  const exited = new Promise<number | string>((res) => {
    child.once('exit', (code, signal) => res(code ?? signal ?? 'unknown'));
    child.once('error', (err) => res(err.message));
  });
  if (child.pid === undefined) throw new RoleStartError(opts.name, 'could not spawn', logFile);
  return { name: opts.name, pid: child.pid, logFile, child, exited };
}

/** Last lines of a role's log, for error messages a person can act on. */
export function tailLog(logFile: string, lines = 15): string {
  if (!existsSync(logFile)) return '';
  const text = readFileSync(logFile, 'utf8').trimEnd().split('\n');
  return text.slice(-lines).join('\n');
}

/** Whether something accepts a TCP connection on host:port within `timeoutMs`. */
export function acceptsConnections(host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.setTimeout(timeoutMs, () => socket.destroy());
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('close', () => resolve(false));
  });
}

/**
 * Waits for `ready()` to resolve while watching the process: if it exits first, or the
 * timeout passes, rejects with a RoleStartError carrying the tail of its log.
 */
export async function awaitReady(
  role: RoleProcess,
  ready: (signal: AbortSignal) => Promise<void>,
  timeoutMs: number,
): Promise<void> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error('timed out')), timeoutMs);
  try {
    const outcome = await Promise.race([
      ready(controller.signal).then(() => ({ ok: true as const })),
      role.exited.then((code) => ({ ok: false as const, reason: `exited with ${code}` })),
      new Promise<{ ok: false; reason: string }>((res) =>
        controller.signal.addEventListener('abort', () =>
          res({ ok: false, reason: `not ready after ${timeoutMs} ms` }),
        ),
      ),
    ]);
    if (!outcome.ok) {
      const tail = tailLog(role.logFile);
      throw new RoleStartError(
        role.name,
        `${outcome.reason}${tail ? `\n--- last lines of its log ---\n${tail}` : ''}`,
        role.logFile,
      );
    }
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}

/** Sends a signal to a role's whole process group, ignoring ones already gone. */
export function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    try {
      process.kill(pid, signal);
      return true;
    } catch {
      return false;
    }
  }
}

/**
 * Linux: state and process group from /proc/<pid>/stat; undefined when gone. An exited
 * process waiting for its parent (or init) to reap it is a zombie: it counts as gone once
 * none of its threads is left (`liveThreads`).
 */
function procStat(pid: number | string): { state: string; pgrp: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // pid (comm) state ppid pgrp ...; comm may hold spaces and parentheses
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: rest[0], pgrp: Number(rest[2]) };
  } catch {
    return undefined;
  }
}

const HAVE_PROC = process.platform === 'linux' && existsSync('/proc/self/stat');

/**
 * Threads of process `pid` that have not exited. A process killed with SIGKILL is a zombie
 * as soon as its main thread has exited, while its other threads (V8's, libuv's, workers)
 * may still be on their way out, and its sockets close only with the last of them: until
 * then it is not gone (a peer still sees its connections open; its ports are still taken).
 */
export function liveThreads(pid: number): number {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return 0;
  }
  return tids.filter((t) => {
    const st = procStat(`${pid}/task/${t}`);
    return st !== undefined && st.state !== 'Z';
  }).length;
}

export function isAlive(pid: number): boolean {
  if (HAVE_PROC) {
    const st = procStat(pid);
    if (st === undefined) return false;
    return st.state !== 'Z' || liveThreads(pid) > 0;
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** True while any process of the group led by `pid` is running (tsx's esbuild service, say). */
export function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
  } catch {
    return false;
  }
  if (!HAVE_PROC) return true;
  // the group exists; running, or only zombies left?
  for (const entry of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(entry)) continue;
    const st = procStat(entry);
    if (st && st.pgrp === pid && st.state !== 'Z') return true;
  }
  return false;
}

const anyAlive = (p: PidRecord): boolean => isAlive(p.pid) || (p.group !== false && groupAlive(p.pid));

function signalRecord(p: PidRecord, signal: NodeJS.Signals): void {
  if (p.group !== false) signalGroup(p.pid, signal);
  else {
    try {
      process.kill(p.pid, signal);
    } catch {
      // gone already
    }
  }
}

/**
 * Stops processes: SIGTERM to each role's process group first (graceful shutdown), SIGKILL
 * for any still alive after `graceMs`. Resolves once every process of every group is gone.
 */
export async function stopAll(pids: PidRecord[], graceMs = 5_000): Promise<void> {
  for (const p of pids) signalRecord(p, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (pids.some(anyAlive) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 25));
  }
  for (const p of pids) if (anyAlive(p)) signalRecord(p, 'SIGKILL');
  const hardDeadline = Date.now() + 5_000;
  while (pids.some(anyAlive) && Date.now() < hardDeadline) await new Promise((r) => setTimeout(r, 10));
}

const PIDS_FILE = 'pids.json';

export function writePidFile(home: string, pids: PidRecord[]): void {
  writeFileSync(join(home, PIDS_FILE), JSON.stringify(pids, null, 2));
}

export function readPidFile(home: string): PidRecord[] {
  const file = join(home, PIDS_FILE);
  if (!existsSync(file)) return [];
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    return Array.isArray(parsed) ? (parsed as PidRecord[]) : [];
  } catch {
    return [];
  }
}

export function removePidFile(home: string): void {
  rmSync(join(home, PIDS_FILE), { force: true });
}

/** A process of a network, as `localnet status` reports it. */
export interface NetworkProcess extends PidRecord {
  alive: boolean;
  /** `spawned`: started by `localnet up` (pids.json); `home-lock`: found by its home's lock. */
  source: 'spawned' | 'home-lock';
  /** Homes whose lock it holds (several for a process hosting a role's nodes). */
  homes: string[];
  command?: string[];
}

/**
 * Every process of the network under `home`: the spawn record, and the live holders of its
 * roles' home locks (the plan's homes, or any locked home directly under `home`). This
 * process is never one of them (an in-process network stops through its own handle).
 */
export function networkProcesses(homeArg: string): NetworkProcess[] {
  const home = resolve(homeArg);
  const out: NetworkProcess[] = readPidFile(home).map((p) => ({
    ...p,
    alive: isAlive(p.pid),
    source: 'spawned' as const,
    homes: [],
  }));
  let homes: { name: string; home: string }[];
  try {
    homes = readPlan(home)?.nodes.map((n) => ({ name: n.name, home: n.home })) ?? [];
  } catch {
    homes = [];
  }
  for (const h of lockedHomesUnder(home))
    if (!homes.some((x) => resolve(x.home) === h)) homes.push({ name: basename(h), home: h });
  for (const { name, home: dir } of homes) {
    const lock = readHomeLock(dir);
    if (!lock || lock.pid === process.pid || !lockHolderAlive(lock)) continue;
    const known = out.find((p) => p.pid === lock.pid);
    if (known) {
      known.homes.push(dir);
      continue;
    }
    out.push({
      name,
      pid: lock.pid,
      logFile: '',
      group: false,
      alive: true,
      source: 'home-lock',
      homes: [dir],
      command: lock.command,
    });
  }
  return out;
}
