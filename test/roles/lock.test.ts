/**
 * A role's home lock (src/roles/lock.ts): taken by the running process, refused to a second
 * one while the holder lives (typed error naming it), taken over from a dead holder or a
 * reused pid, released by its holder only, and gone when the holder exits.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { HomeLockedError, roleByName, runRole } from '../../src/roles.js';
import {
  acquireHomeLock,
  LOCK_FILE,
  liveHomeLock,
  readHomeLock,
  type HomeLockRecord,
} from '../../src/roles/lock.js';

const root = mkdtempSync(join(tmpdir(), 'nymph-lock-'));
let n = 0;
const freshHome = () => join(root, `home-${n++}`);
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A live process that is not this one. */
function sleeper(): ChildProcess {
  const c = spawn('sleep', ['30'], { stdio: 'ignore' });
  children.push(c);
  return c;
}
const plant = (home: string, r: HomeLockRecord) => {
  spawnSync('mkdir', ['-p', home]);
  writeFileSync(join(home, LOCK_FILE), JSON.stringify(r));
};
const exited = (c: ChildProcess) =>
  new Promise((r) => (c.exitCode !== null ? r(c.exitCode) : c.once('exit', r)));

describe('home lock', () => {
  it('records the holder and refuses a second holder, even this process', () => {
    const home = freshHome();
    const lock = acquireHomeLock(home, 'mixnode', ['nymph', 'mixnode', 'run']);
    expect(readHomeLock(home)).toMatchObject({
      pid: process.pid,
      role: 'mixnode',
      command: ['nymph', 'mixnode', 'run'],
    });
    expect(liveHomeLock(home)?.pid).toBe(process.pid);
    const err = (() => {
      try {
        acquireHomeLock(home, 'gateway');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(HomeLockedError);
    expect((err as HomeLockedError).code).toBe('home_locked');
    expect((err as HomeLockedError).holder.pid).toBe(process.pid);
    expect((err as Error).message).toContain(`mixnode process ${process.pid}`);
    lock.release();
    expect(existsSync(join(home, LOCK_FILE))).toBe(false);
    lock.release(); // idempotent
  });

  it('refuses while another live process holds it, and takes it over once that one is gone', async () => {
    const home = freshHome();
    const other = sleeper();
    plant(home, {
      pid: other.pid!,
      role: 'gateway',
      started_at: new Date().toISOString(),
      command: ['sleep'],
    });
    expect(() => acquireHomeLock(home, 'gateway')).toThrow(HomeLockedError);
    other.kill('SIGKILL');
    await exited(other);
    const lock = acquireHomeLock(home, 'gateway');
    expect(readHomeLock(home)?.pid).toBe(process.pid);
    lock.release();
  });

  it.skipIf(process.platform !== 'linux')(
    'takes over a lock whose pid now belongs to a newer process',
    () => {
      const home = freshHome();
      const other = sleeper(); // alive, but started long after this lock says it was written
      plant(home, { pid: other.pid!, role: 'api', started_at: '2001-01-01T00:00:00.000Z', command: ['old'] });
      expect(liveHomeLock(home)).toBeUndefined();
      acquireHomeLock(home, 'api').release();
    },
  );

  it('takes over an unreadable lock (a lock is never half-written, so it names no live holder)', () => {
    const home = freshHome();
    spawnSync('mkdir', ['-p', home]);
    writeFileSync(join(home, LOCK_FILE), '{"pid": "nope"');
    expect(readHomeLock(home)).toBeUndefined();
    acquireHomeLock(home, 'client').release();
  });

  it('is released by its holder only', () => {
    const home = freshHome();
    const mine = acquireHomeLock(home, 'mixnode');
    // someone removed it and another process took the home meanwhile
    const other = sleeper();
    const theirs = { pid: other.pid!, role: 'mixnode', started_at: new Date().toISOString(), command: ['x'] };
    writeFileSync(join(home, LOCK_FILE), JSON.stringify(theirs));
    mine.release();
    expect(readHomeLock(home)).toEqual(theirs);
  });

  it('disappears when its process exits without releasing it', () => {
    const home = freshHome();
    const lockModule = resolve('src/roles/lock.ts');
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        `const { acquireHomeLock } = await import(${JSON.stringify(lockModule)});
         acquireHomeLock(process.argv[1], 'chain'); process.stdout.write('held'); process.exit(0);`,
        home,
      ],
      { encoding: 'utf8', timeout: 30_000 },
    );
    expect(r.stdout).toBe('held');
    expect(existsSync(join(home, LOCK_FILE))).toBe(false);
  });

  it('is taken by runRole for the start, and released when the start fails', async () => {
    const home = freshHome(); // no config: the mix node cannot start
    await expect(runRole(roleByName('mixnode'), { home })).rejects.toThrow(/config/);
    expect(existsSync(join(home, LOCK_FILE))).toBe(false);
    // a live holder: the role is not started at all
    const other = sleeper();
    plant(home, { pid: other.pid!, role: 'mixnode', started_at: new Date().toISOString(), command: ['x'] });
    await expect(runRole(roleByName('mixnode'), { home })).rejects.toThrow(HomeLockedError);
    expect(JSON.parse(readFileSync(join(home, LOCK_FILE), 'utf8')).pid).toBe(other.pid);
  });
});
