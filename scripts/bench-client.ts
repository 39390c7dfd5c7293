/**
 * Client latency and throughput on an in-process local network (chain, nym-api, one mix
 * node per layer, one gateway; `localnet` traffic mode: no per-hop delays, no cover).
 *
 *   ready_ms      `nymph client run` as its own process: process start to registered with
 *                 the gateway and holding a topology (the CLI reports it), median of 3
 *   ready_ms_in_process  the same for a fresh in-process SDK client (key generation,
 *                 topology fetch, registration handshake)
 *   rtt_ms_p50/p99  send-to-self round trips of 1 KB messages, one at a time (resolves
 *                 when the message arrives; the SURB-ack travels in parallel)
 *   msgs_per_sec  1 KB messages to self, 2,000 in flight at once, until all arrived
 *   baseline      X25519 and one 4-hop Sphinx packet on this machine (a message costs
 *                 two packets at the sender: the message and its SURB-ack)
 *
 * Prints figures, then one JSON line last.
 */
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultBackend } from '../src/crypto/index.js';
import { createPacket, encodeNodeAddress } from '../src/sphinx/index.js';
import { startLocalNet } from '../test/client/harness.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const random = (n: number) => new Uint8Array(crypto.randomBytes(n));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const r2 = (x: number) => Math.round(x * 100) / 100;

function baseline() {
  const sk = random(32);
  const pk = defaultBackend.x25519Base(random(32));
  let t = performance.now();
  for (let i = 0; i < 2000; i++) defaultBackend.x25519(sk, pk);
  const x25519Us = ((performance.now() - t) / 2000) * 1000;
  const route = Array.from({ length: 4 }, (_, i) => ({
    address: encodeNodeAddress({ host: '127.0.0.1', port: 1000 + i }),
    publicKey: defaultBackend.x25519Base(random(32)),
  }));
  const make = () =>
    createPacket({
      route,
      delaysNs: [0n, 0n, 0n],
      destination: { address: random(32), surbId: new Uint8Array(16) },
      payload: random(1500),
      size: 'regular',
      random,
    });
  for (let i = 0; i < 50; i++) make();
  t = performance.now();
  for (let i = 0; i < 500; i++) make();
  const packetUs = ((performance.now() - t) / 500) * 1000;
  return { x25519Us, packetUs };
}

function cli(args: string[]): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [path.join(ROOT, 'bin/nymph.js'), ...args], {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`nymph ${args.join(' ')}: timed out`));
    }, 60_000);
    p.stdout.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (!line) return;
      clearTimeout(timer);
      const j = JSON.parse(line);
      if (j.event === 'client_ready') {
        p.once('exit', () => resolve(j));
        p.kill('SIGTERM');
      } else p.once('exit', () => resolve(j));
    });
    p.once('error', reject);
  });
}

async function main() {
  const base = baseline();
  console.log(`baseline: X25519 ${r2(base.x25519Us)} µs, 4-hop Sphinx packet ${r2(base.packetUs)} µs`);
  const net = await startLocalNet();
  try {
    // ready: the CLI, as its own process
    const home = path.join(net.dir, 'cli-client');
    await cli([
      'client',
      'init',
      '--home',
      home,
      '--nym-api',
      net.apiUrl,
      '--mode',
      'localnet',
      '--port',
      '0',
    ]);
    const readies: number[] = [];
    for (let i = 0; i < 3; i++)
      readies.push(Number((await cli(['client', 'run', '--home', home]))['ready_ms']));
    fs.rmSync(home, { recursive: true, force: true });
    const readyMs = median(readies);
    console.log(`nymph client run: ready in ${readies.join(', ')} ms (process start to registered)`);

    const inproc: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      await net.client();
      inproc.push(performance.now() - t);
    }
    const readyInProcess = median(inproc);
    console.log(`in-process client: ready in ${inproc.map((x) => Math.round(x)).join(', ')} ms`);

    // round trips to self
    const a = await net.client();
    const msg = random(1024);
    const rtts: number[] = [];
    for (let i = 0; i < 550; i++) {
      const t = performance.now();
      const got = a.nextMessage({ signal: AbortSignal.timeout(10_000) });
      void a.send(a.address, msg);
      await got;
      if (i >= 50) rtts.push(performance.now() - t);
    }
    const p50 = pct(rtts, 50);
    const p99 = pct(rtts, 99);
    console.log(`send-to-self RTT (1 KB, delays off): p50 ${r2(p50)} ms, p99 ${r2(p99)} ms`);

    // throughput
    const N = 2000;
    let received = 0;
    let done!: () => void;
    const all = new Promise<void>((r) => (done = r));
    const off = a.onMessage(() => {
      if (++received === N) done();
    });
    const t = performance.now();
    const sends: Promise<void>[] = [];
    for (let i = 0; i < N; i++) sends.push(a.send(a.address, msg));
    await Promise.race([
      all,
      new Promise((_, j) => setTimeout(() => j(new Error('throughput run timed out')), 120_000)),
    ]);
    const secs = (performance.now() - t) / 1000;
    await Promise.all(sends);
    off();
    const mps = N / secs;
    console.log(
      `throughput: ${N} × 1 KB to self in ${r2(secs)} s = ${Math.round(mps)} msgs/s`,
      JSON.stringify(a.core.stats),
    );
    console.log(
      JSON.stringify({
        ready_ms: readyMs,
        ready_ms_in_process: Math.round(readyInProcess),
        rtt_ms_p50: r2(p50),
        rtt_ms_p99: r2(p99),
        msgs_per_sec: Math.round(mps),
        baseline_x25519_us: r2(base.x25519Us),
        baseline_sphinx_packet_us: r2(base.packetUs),
        rtt_over_packet_cost: r2((p50 * 1000) / base.packetUs),
      }),
    );
  } finally {
    await net.close();
  }
}

await main();
