/**
 * The load scenario's memory probe on a real process: a node started with
 * `--inspect=127.0.0.1:0` (as the suite's long form starts every role) and one worker
 * thread; through its inspector the probe collects both threads, reads RSS and heaps, and
 * finds the function that keeps memory by the sampling heap profiler's diff.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkInspectorArgs, RoleInspectorAddressError } from '../../localnet/network/supervisor.js';
import { growthBySite, sizesBySite, type SamplingNode } from '../../scripts/reliability/heap-profile.js';
import {
  connectInspector,
  inspectorUrl,
  liveSample,
  type Inspector,
} from '../../scripts/reliability/inspector.js';
import { rssKiB, until } from '../../scripts/reliability/net.js';

// keeps ~8 KiB every 10 ms in `keepForever`, makes as much garbage in `throwAway`
const CHILD = `
const { Worker } = require('node:worker_threads');
new Worker('const held = new Array(100000).fill(1); setInterval(() => held.length, 1000);', { eval: true });
const kept = [];
function keepForever() { kept.push(new Array(1024).fill(kept.length)); }
function throwAway() { return new Array(1024).fill(0).length; }
setInterval(() => { keepForever(); throwAway(); }, 10);
`;

describe('reliability inspector probe', () => {
  let dir: string;
  let child: ChildProcess;
  let log: string;
  let insp: Inspector | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nymph-insp-'));
    log = join(dir, 'role.log');
    const fd = openSync(log, 'a');
    child = spawn(process.execPath, ['--inspect=127.0.0.1:0', '-e', CHILD], { stdio: ['ignore', fd, fd] });
    closeSync(fd);
    await until(() => inspectorUrl(log) !== undefined, 10_000, 'inspector announced');
    insp = await connectInspector(log);
  });

  afterAll(() => {
    insp?.close();
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('collects every thread and reads RSS and heaps right after', async () => {
    expect(insp).toBeDefined();
    await insp!.attachWorkers();
    await until(() => insp!.workers().length === 1, 10_000, 'worker attached');
    const s = await liveSample(insp!, () => rssKiB(child.pid!));
    expect(s).toBeDefined();
    expect(s!.rss).toBeGreaterThan(10_000);
    // the worker holds an array of 100,000 small integers: ~800 KiB of its own heap
    expect(s!.workerHeap).toBeGreaterThan(700);
    expect(s!.heap).toBeGreaterThan(s!.workerHeap);
    // what is kept grows between samples; the garbage does not count
    await new Promise((r) => setTimeout(r, 1_000));
    const s2 = await liveSample(insp!, () => rssKiB(child.pid!));
    expect(s2!.heap - s!.heap).toBeGreaterThan(300);
  });

  it('names the function that keeps memory, not the one that makes garbage', async () => {
    await insp!.call('HeapProfiler.startSampling', { samplingInterval: 4096 });
    const read = async () => {
      await insp!.call('HeapProfiler.collectGarbage');
      const p = (await insp!.call('HeapProfiler.getSamplingProfile')) as { profile: { head: SamplingNode } };
      return sizesBySite(p.profile.head);
    };
    const before = await read();
    await new Promise((r) => setTimeout(r, 1_500));
    const after = await read();
    await insp!.call('HeapProfiler.stopSampling');
    const grew = growthBySite(before, after);
    expect(grew[0].site).toMatch(/^keepForever /);
    expect(grew.some((g) => g.site.startsWith('throwAway '))).toBe(false);
  });

  it('rejects an unknown method with a typed error', async () => {
    await expect(insp!.call('NoSuch.method')).rejects.toMatchObject({ code: 'inspector_call_failed' });
  });

  it('finds no inspector in a log that announced none', async () => {
    const quiet = join(dir, 'quiet.log');
    writeFileSync(quiet, 'no debugger here\n');
    expect(await connectInspector(quiet)).toBeUndefined();
    expect(await connectInspector(join(dir, 'absent.log'))).toBeUndefined();
  });

  it('refuses role inspectors that do not bind 127.0.0.1', () => {
    for (const bad of ['--inspect', '--inspect=0.0.0.0:9229', '--inspect-brk=9229', '--inspect=localhost:0'])
      expect(() => checkInspectorArgs([bad])).toThrow(RoleInspectorAddressError);
    expect(() => checkInspectorArgs(['--inspect=127.0.0.1:0', '--cpu-prof'])).not.toThrow();
  });
});
