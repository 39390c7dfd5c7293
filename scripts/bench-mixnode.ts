/**
 * Mix node throughput and added latency: one mix node process (`nymph mixnode run`, one
 * unwrap worker per core), TCP in and TCP out, all delays zero; load from a separate
 * process on loopback that also runs the next-hop sink, so send and receive times share
 * one clock. Packets are built in advance (route: the node, then the sink), each with
 * the id of the packet the node will emit (its first 16 bytes), found by unwrapping it
 * once at build time with the node's key.
 *
 *   phase A (throughput): send with a window of in-flight packets; pkts_per_sec is the
 *                         rate at the sink after a warm-up
 *   phase B (latency):    paced well below capacity; p99_added_ms is send -> receive
 *   baseline:             X25519 (the node backend) and one unwrap, in this process
 *
 * Prints figures, then one JSON line last.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { defaultBackend } from '../src/crypto/index.js';
import { FrameDecoder, encodeFrame } from '../src/node/framing.js';
import { generateNodeKeys, writeNodeKeys } from '../src/node/keys.js';
import { defaultMixnodeToml } from '../src/mixnode/node-config.js';
import { writeToml } from '../src/node/config.js';
import { startTsWorker } from '../src/node/worker-pool.js';
import { SphinxNodeKey, createPacket, encodeNodeAddress, unwrapPacket } from '../src/sphinx/index.js';

const SELF = fileURLToPath(import.meta.url);
const ROOT = path.resolve(path.dirname(SELF), '..');
const FRAME = 4 + 2413;
const random = (n: number) => new Uint8Array(crypto.randomBytes(n));

interface LoadParams {
  mixPort: number;
  nodePid: number;
  mixSecret: string;
  mixPublic: string;
  countA: number;
  countB: number;
  rateB: number;
  window: number;
}
interface BuildParams {
  n: number;
  mixPort: number;
  mixSecret: string;
  mixPublic: string;
  sinkPort: number;
  sinkPublic: string;
}

/** CPU seconds (user + system) a process has used so far; NaN where /proc is missing. */
function cpuSeconds(pid: number): number {
  try {
    const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const parts = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return (Number(parts[11]) + Number(parts[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
  } catch {
    return NaN;
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

// ------------------------------------------------------------ builder worker
function buildPackets(p: BuildParams): { frames: Uint8Array; ids: string[] } {
  const mixKey = SphinxNodeKey.fromSecret(Buffer.from(p.mixSecret, 'hex'));
  const route = [
    {
      address: encodeNodeAddress({ host: '127.0.0.1', port: p.mixPort }),
      publicKey: Buffer.from(p.mixPublic, 'hex'),
    },
    {
      address: encodeNodeAddress({ host: '127.0.0.1', port: p.sinkPort }),
      publicKey: Buffer.from(p.sinkPublic, 'hex'),
    },
  ];
  const frames = new Uint8Array(p.n * FRAME);
  const ids: string[] = [];
  const payload = new Uint8Array(1024);
  for (let i = 0; i < p.n; i++) {
    const pkt = createPacket({
      route,
      delaysNs: [0n, 0n],
      destination: { address: random(32), surbId: new Uint8Array(16) },
      payload,
      size: 'regular',
      random,
    });
    frames.set(encodeFrame(pkt), i * FRAME);
    const r = unwrapPacket(mixKey, pkt);
    if (r.kind !== 'forward') throw new Error('bench: expected a forward hop');
    ids.push(Buffer.from(r.packet.subarray(0, 16)).toString('latin1'));
  }
  return { frames, ids };
}

// ------------------------------------------------------------ load process
async function runLoad(p: LoadParams): Promise<void> {
  const sinkKey = SphinxNodeKey.generate(random);
  const sent = new Map<string, number>();
  const latA: number[] = [];
  const latB: number[] = [];
  let phase: 'A' | 'B' = 'A';
  let received = 0;
  let onRecv: () => void = () => {};
  const recvTimes: number[] = [];
  const server = net.createServer((s) => {
    const d = new FrameDecoder((pkt) => {
      const now = performance.now();
      const id = Buffer.from(pkt.buffer, pkt.byteOffset, 16).toString('latin1');
      const t = sent.get(id);
      if (t !== undefined) (phase === 'A' ? latA : latB).push(now - t);
      received++;
      recvTimes.push(now);
    });
    s.on('data', (c) => {
      d.push(c);
      onRecv();
    });
    s.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const sinkPort = (server.address() as net.AddressInfo).port;

  // build phase A and B packets on one worker per core
  const total = p.countA + p.countB;
  const nWorkers = Math.max(1, os.availableParallelism());
  const per = Math.ceil(total / nWorkers);
  const tBuild = performance.now();
  const parts = await Promise.all(
    Array.from({ length: nWorkers }, (_, i) => {
      const n = Math.min(per, total - i * per);
      const w = startTsWorker(new URL(import.meta.url), {
        n,
        mixPort: p.mixPort,
        mixSecret: p.mixSecret,
        mixPublic: p.mixPublic,
        sinkPort,
        sinkPublic: Buffer.from(sinkKey.publicKey).toString('hex'),
      } satisfies BuildParams);
      return new Promise<{ frames: Uint8Array; ids: string[] }>((resolve, reject) => {
        w.once('message', (m: { frames: Uint8Array; ids: string[] }) => {
          void w.terminate();
          resolve(m);
        });
        w.once('error', reject);
      });
    }),
  );
  const frames = new Uint8Array(total * FRAME);
  const ids: string[] = [];
  let off = 0;
  for (const part of parts) {
    frames.set(part.frames, off);
    off += part.frames.length;
    ids.push(...part.ids);
  }
  const buildMs = performance.now() - tBuild;

  const sock = net.connect({ host: '127.0.0.1', port: p.mixPort, noDelay: true });
  await new Promise<void>((r, j) => {
    sock.once('connect', () => r());
    sock.once('error', j);
  });

  // phase A: windowed blast
  const cpuNode0 = cpuSeconds(p.nodePid);
  const cpuSelf0 = process.cpuUsage();
  let next = 0;
  const CHUNK = 32;
  await new Promise<void>((resolve) => {
    const pump = () => {
      while (next < p.countA && next - received < p.window) {
        const end = Math.min(p.countA, next + CHUNK);
        const now = performance.now();
        for (let i = next; i < end; i++) sent.set(ids[i], now);
        sock.write(frames.subarray(next * FRAME, end * FRAME));
        next = end;
      }
      if (received >= p.countA) resolve();
    };
    onRecv = pump;
    pump();
  });
  const phaseASeconds = (recvTimes[p.countA - 1] - recvTimes[0]) / 1000;
  const nodeCores = (cpuSeconds(p.nodePid) - cpuNode0) / phaseASeconds;
  const selfUsage = process.cpuUsage(cpuSelf0);
  const loadCores = (selfUsage.user + selfUsage.system) / 1e6 / phaseASeconds;
  const warm = Math.floor(p.countA * 0.1);
  const rate = (p.countA - warm) / ((recvTimes[p.countA - 1] - recvTimes[warm - 1]) / 1000);

  // phase B: paced
  phase = 'B';
  onRecv = () => {};
  const startB = p.countA;
  await new Promise<void>((resolve) => {
    const t0 = performance.now();
    let i = startB;
    const tick = () => {
      const due = startB + Math.min(p.countB, Math.floor(((performance.now() - t0) / 1000) * p.rateB));
      if (due > i) {
        const now = performance.now();
        for (let k = i; k < due; k++) sent.set(ids[k], now);
        sock.write(frames.subarray(i * FRAME, due * FRAME));
        i = due;
      }
      if (i < startB + p.countB) setTimeout(tick, 1);
      else resolve();
    };
    tick();
  });
  const deadline = Date.now() + 10_000;
  while (received < total && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  sock.destroy();
  server.close();
  latA.sort((a, b) => a - b);
  latB.sort((a, b) => a - b);
  process.stdout.write(
    JSON.stringify({
      buildMs,
      pktsPerSec: rate,
      nodeCores,
      loadCores,
      receivedA: latA.length,
      receivedB: latB.length,
      lostB: p.countB - latB.length,
      p50A: percentile(latA, 50),
      p99A: percentile(latA, 99),
      p50B: percentile(latB, 50),
      p99B: percentile(latB, 99),
    }) + '\n',
  );
}

// ------------------------------------------------------------ orchestration
function spawnTs(args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  return spawn(process.execPath, [...process.execArgv, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

function firstJsonLine(child: ChildProcess, timeoutMs: number): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const t = setTimeout(() => reject(new Error('bench: child did not answer in time')), timeoutMs);
    child.stdout!.on('data', (c: Buffer) => {
      buf += c.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(t);
        resolve(JSON.parse(buf.slice(0, nl)) as Record<string, unknown>);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`bench: child exited with ${code}`));
    });
  });
}

async function main(): Promise<void> {
  const countA = Number(process.env.BENCH_PACKETS ?? 24_000);
  const countB = Number(process.env.BENCH_LATENCY_PACKETS ?? 3_000);
  const rateB = Number(process.env.BENCH_LATENCY_RATE ?? 3_000);

  const loadAtStart = Number(os.loadavg()[0].toFixed(2));
  // baselines in this process
  const b = defaultBackend;
  const s1 = random(32);
  const pub = b.x25519Base(random(32));
  for (let i = 0; i < 500; i++) b.x25519(s1, pub);
  let t0 = performance.now();
  const N = 5000;
  for (let i = 0; i < N; i++) b.x25519(s1, pub);
  const dhUs = ((performance.now() - t0) / N) * 1000;
  const k1 = SphinxNodeKey.generate(random);
  const k2 = SphinxNodeKey.generate(random);
  const route = [
    { address: encodeNodeAddress({ host: '127.0.0.1', port: 1 }), publicKey: k1.publicKey },
    { address: encodeNodeAddress({ host: '127.0.0.1', port: 2 }), publicKey: k2.publicKey },
  ];
  const pkts = Array.from({ length: 400 }, () =>
    createPacket({
      route,
      delaysNs: [0n, 0n],
      destination: { address: random(32), surbId: new Uint8Array(16) },
      payload: new Uint8Array(1024),
      size: 'regular',
      random,
    }),
  );
  for (const p of pkts.slice(0, 100)) unwrapPacket(k1, p);
  t0 = performance.now();
  for (const p of pkts.slice(100)) unwrapPacket(k1, p);
  const unwrapUs = ((performance.now() - t0) / 300) * 1000;

  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'nymph-bench-mix-'));
  const keys = generateNodeKeys();
  writeNodeKeys(home, keys);
  writeToml(path.join(home, 'config.toml'), defaultMixnodeToml({ mixPort: 0, httpApiPort: -1 }), '# bench');
  const node = spawnTs([
    path.join(ROOT, 'bin/nymph.js'),
    'mixnode',
    'run',
    '--home',
    home,
    '--log-level',
    'warn',
  ]);
  let load: ChildProcess | undefined;
  try {
    const ready = await firstJsonLine(node, 30_000);
    const params: LoadParams = {
      mixPort: ready.port as number,
      nodePid: node.pid!,
      mixSecret: Buffer.from(keys.sphinxSecret).toString('hex'),
      mixPublic: Buffer.from(keys.sphinxPublic).toString('hex'),
      countA,
      countB,
      rateB,
      window: 2048,
    };
    load = spawnTs([SELF, '--role=load'], { NYMPH_BENCH_LOAD: JSON.stringify(params) });
    const r = await firstJsonLine(load, 180_000);
    const pps = Math.round(r.pktsPerSec as number);
    console.log(
      `baseline: X25519 ${dhUs.toFixed(1)} us, one forward unwrap ${unwrapUs.toFixed(1)} us (this process)`,
    );
    console.log(`build: ${countA + countB} packets in ${Math.round(r.buildMs as number)} ms (load process)`);
    console.log(
      `phase A: ${countA} packets, window ${params.window}: ${pps} pkts/s; latency p50 ${(r.p50A as number).toFixed(2)} ms, p99 ${(r.p99A as number).toFixed(2)} ms (queueing included)`,
    );
    console.log(
      `phase A CPU: mix node process ${(r.nodeCores as number).toFixed(2)} cores, load process ${(r.loadCores as number).toFixed(2)} cores`,
    );
    console.log(
      `phase B: ${countB} packets at ${rateB}/s: added latency p50 ${(r.p50B as number).toFixed(2)} ms, p99 ${(r.p99B as number).toFixed(2)} ms, lost ${r.lostB as number}`,
    );
    console.log(
      `ratio: ${((pps * unwrapUs) / 1e6).toFixed(2)} cores' worth of single-thread unwrap (${os.availableParallelism()} cores)`,
    );
    console.log(
      JSON.stringify({
        bench: 'mixnode',
        pkts_per_sec: pps,
        p99_added_ms: Number((r.p99B as number).toFixed(3)),
        p50_added_ms: Number((r.p50B as number).toFixed(3)),
        p99_saturated_ms: Number((r.p99A as number).toFixed(3)),
        x25519_dh_us: Number(dhUs.toFixed(2)),
        node_cpu_cores: Number((r.nodeCores as number).toFixed(2)),
        // packets per CPU-second the node spent: what 2 idle cores would give, halved
        pkts_per_node_cpu_sec: Math.round(pps / (r.nodeCores as number)),
        unwrap_us: Number(unwrapUs.toFixed(2)),
        cores: os.availableParallelism(),
        // other work on the machine skews every figure: the 1-minute load average at start
        loadavg_1m: loadAtStart,
      }),
    );
  } finally {
    load?.kill('SIGKILL');
    node.kill('SIGTERM');
    await new Promise((r) => node.once('exit', r));
    fs.rmSync(home, { recursive: true, force: true });
  }
}

if (!isMainThread) {
  const out = buildPackets(workerData as BuildParams);
  parentPort!.postMessage(out, [out.frames.buffer as ArrayBuffer]);
} else if (process.argv.includes('--role=load')) {
  await runLoad(JSON.parse(process.env.NYMPH_BENCH_LOAD!) as LoadParams);
  process.exit(0);
} else {
  await main();
}
