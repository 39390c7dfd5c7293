/**
 * One process per role home: a role that runs takes `<home>/nymph.lock`, a JSON record of
 * who holds it, so that a second `run` on the same home is refused with a clear error, and
 * so that `localnet status` and `localnet down` find a role through its home whether
 * localnet spawned it or a person started it by hand (`nymph <role> run --home …`).
 *
 *   {"pid": 4242, "role": "mixnode", "started_at": "2025-…Z", "command": ["node", "…"]}
 *
 * The lock is created whole (written to a temporary file, then hard-linked into place, which
 * fails if a lock exists), so a reader never sees half a record. A lock whose process is
 * gone (kill -9, a crash) is stale and the next start takes it over; so is one whose pid now
 * belongs to a process that started after the lock was written (the pid was reused).
 */
import { existsSync, linkSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as v from 'valibot';
import { HomeLockError, HomeLockedError } from './errors.js';

export const LOCK_FILE = 'nymph.lock';

const LockSchema = v.object({
  pid: v.pipe(v.number(), v.integer(), v.minValue(1)),
  role: v.string(),
  started_at: v.pipe(v.string(), v.isoTimestamp()),
  command: v.array(v.string()),
});

export type HomeLockRecord = v.InferOutput<typeof LockSchema>;

export interface HomeLock {
  readonly home: string;
  readonly record: HomeLockRecord;
  /** Removes the lock if it is still this holder's; idempotent. */
  release(): void;
}

export const lockPath = (home: string): string => join(home, LOCK_FILE);

/** The lock record of a home; undefined when there is none or it cannot be read. */
export function readHomeLock(home: string): HomeLockRecord | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(lockPath(home), 'utf8'));
  } catch {
    return undefined;
  }
  const r = v.safeParse(LockSchema, raw);
  return r.success ? r.output : undefined;
}

const HAVE_PROC = process.platform === 'linux' && existsSync('/proc/self/stat');
/** Linux reports process start times in clock ticks; USER_HZ is 100 on every architecture. */
const CLOCK_TICKS_PER_S = 100;
let bootTimeMs: number | undefined;

function procStat(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // pid (comm) state ppid ...; comm may hold spaces and parentheses
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** When a process started (ms since the epoch), where the OS says; undefined elsewhere. */
function processStartMs(pid: number): number | undefined {
  if (!HAVE_PROC) return undefined;
  const st = procStat(pid);
  if (!st) return undefined;
  if (bootTimeMs === undefined) {
    const btime = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'));
    if (!btime) return undefined;
    bootTimeMs = Number(btime[1]) * 1000;
  }
  // field 22 of /proc/<pid>/stat is starttime; st[0] is field 3 (state)
  return bootTimeMs + (Number(st[19]) / CLOCK_TICKS_PER_S) * 1000;
}

function pidAlive(pid: number): boolean {
  if (HAVE_PROC) {
    const st = procStat(pid);
    return st !== undefined && st[0] !== 'Z'; // a zombie has exited
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether the process that wrote this record still runs (and is the same process). */
export function lockHolderAlive(r: HomeLockRecord): boolean {
  if (!pidAlive(r.pid)) return false;
  const started = processStartMs(r.pid);
  // the holder writes its lock after it starts; a later start means the pid was reused
  // (btime is rounded to the second, so allow for it)
  return started === undefined || started <= Date.parse(r.started_at) + 2_000;
}

/** The live holder of a home's lock, if any. */
export function liveHomeLock(home: string): HomeLockRecord | undefined {
  const r = readHomeLock(home);
  return r && lockHolderAlive(r) ? r : undefined;
}

const held = new Map<string, HomeLock>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // process.exit() after a stop, or an uncaught error: leave no lock naming a dead process
  process.once('exit', () => {
    for (const l of [...held.values()]) l.release();
  });
}

/**
 * Takes `<home>/nymph.lock` for `role`. Refused with HomeLockedError while a live process
 * (this one included) holds it; a stale lock is taken over.
 */
export function acquireHomeLock(
  home: string,
  role: string,
  command: readonly string[] = process.argv,
): HomeLock {
  mkdirSync(home, { recursive: true });
  const file = lockPath(home);
  const record: HomeLockRecord = {
    pid: process.pid,
    role,
    started_at: new Date().toISOString(),
    command: [...command],
  };
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(record)}\n`, { mode: 0o644 });
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(tmp, file);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST')
          throw new HomeLockError(home, (e as Error).message);
      }
      const existing = readHomeLock(home);
      if (existing && lockHolderAlive(existing)) throw new HomeLockedError(home, existing);
      // stale (or unreadable: a lock is never half-written, so it is not a live holder's)
      if (attempt >= 3) throw new HomeLockError(home, `cannot take over the stale lock ${file}`);
      rmSync(file, { force: true });
    }
  } finally {
    rmSync(tmp, { force: true });
  }
  // two processes taking over the same stale lock: the one whose record is there won
  const now = readHomeLock(home);
  if (!now || now.pid !== record.pid || now.started_at !== record.started_at) {
    if (now && lockHolderAlive(now)) throw new HomeLockedError(home, now);
    throw new HomeLockError(home, 'lost the lock to another process');
  }
  const lock: HomeLock = {
    home,
    record,
    release() {
      if (held.get(file) !== lock) return;
      held.delete(file);
      const cur = readHomeLock(home);
      if (cur && cur.pid === record.pid && cur.started_at === record.started_at)
        rmSync(file, { force: true });
    },
  };
  held.set(file, lock);
  installExitHook();
  return lock;
}

/** Homes directly under `dir` that hold a lock file (a localnet home's roles). */
export function lockedHomesUnder(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.map((e) => join(dir, e)).filter((h) => existsSync(lockPath(h)));
}
