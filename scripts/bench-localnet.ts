/**
 * The one-command network, timed as a person runs it: `npm start -- --detach` (here
 * `node --import tsx src/cli/start.ts`, what `npm start` runs, on free ports in a temp home).
 *
 *   up_ms      command start to the first message delivered to self (the command prints
 *              that line once the client's message came back through the mixnet)
 *   down_ms    `localnet down` (same entry): command start to every process gone
 *   rtt_ms     the self-test's round trip
 *   baseline_process_ms  one bare role process on this machine (node + tsx, the mix node's
 *              CLI module loaded, `--help`): the unit the network's start-up is made of
 *   load_1m    the machine's 1-minute load average before and after (it may be shared)
 *
 * BENCH_PROCESSES=per-role times the one-process-per-role model instead.
 * Prints figures, then one JSON line last.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isAlive, readPidFile, ROLE_MAIN, TSX_LOADER } from '../localnet/network/supervisor.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const START = join(ROOT, 'src/cli/start.ts');
const model = process.env.BENCH_PROCESSES ?? 'per-node';

function baselineProcess(): number {
  const runs: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const r = spawnSync(
      process.execPath,
      ['--import', TSX_LOADER, ROLE_MAIN, 'mixnode', 'mixnode', '--help'],
      {
        encoding: 'utf8',
      },
    );
    if (r.status !== 0) throw new Error(`baseline process failed: ${r.stderr}`);
    runs.push(performance.now() - t0);
  }
  return runs.sort((a, b) => a - b)[1];
}

async function up(home: string): Promise<{ upMs: number; rttMs: number; exitMs: number }> {
  const t0 = performance.now();
  const child = spawn(
    process.execPath,
    ['--import', TSX_LOADER, START, '--ports', 'auto', '--home', home, '--detach', '--processes', model],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let err = '';
  let upMs = 0;
  let rttMs = 0;
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => {
    err += d;
    const m = /message to self delivered through the mixnet in ([0-9.]+) ms/.exec(err);
    if (m && !upMs) {
      upMs = performance.now() - t0;
      rttMs = Number(m[1]);
    }
    for (const line of d.split('\n')) if (/^\[/.test(line)) console.log(`  ${line}`);
  });
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  if (code !== 0 || !upMs) throw new Error(`localnet up failed (exit ${code}):\n${err}`);
  return { upMs, rttMs, exitMs: performance.now() - t0 };
}

function down(home: string): number {
  const pids = readPidFile(home);
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--import', TSX_LOADER, START, 'down', '--home', home], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`localnet down failed: ${r.stderr}`);
  const ms = performance.now() - t0;
  const left = pids.filter((p) => isAlive(p.pid));
  if (left.length) throw new Error(`processes left after down: ${left.map((p) => p.name).join(', ')}`);
  return ms;
}

const home = mkdtempSync(join(tmpdir(), 'nymph-bench-localnet-'));
const loadBefore = loadavg()[0];
try {
  const baseline = baselineProcess();
  console.log(`baseline: one role process (node + tsx + mix node CLI, --help): ${baseline.toFixed(0)} ms`);
  console.log(`localnet up (${model}, ${availableParallelism()} cores):`);
  const u = await up(home);
  const processes = readPidFile(home).length;
  console.log(
    `up: ${u.upMs.toFixed(0)} ms to the first message to self (round trip ${u.rttMs} ms), ${processes} processes`,
  );
  const d = down(home);
  console.log(`down: ${d.toFixed(0)} ms`);
  console.log(
    JSON.stringify({
      bench: 'localnet',
      processes_model: model,
      processes,
      cores: availableParallelism(),
      up_ms: Math.round(u.upMs),
      down_ms: Math.round(d),
      rtt_ms: u.rttMs,
      baseline_process_ms: Math.round(baseline),
      up_in_baseline_processes: Math.round((u.upMs / baseline) * 10) / 10,
      load_1m: [Math.round(loadBefore * 100) / 100, Math.round(loadavg()[0] * 100) / 100],
    }),
  );
} finally {
  const left = readPidFile(home);
  for (const p of left) if (isAlive(p.pid)) process.kill(-p.pid, 'SIGKILL');
  rmSync(home, { recursive: true, force: true });
}
