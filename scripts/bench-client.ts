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
 *   cpu_us_per_msg  CPU of this whole process (client, mix nodes, gateway, chain, all their
 *                 threads) per message of the throughput run: steadier than the rates on a
 *                 shared machine; rtt_cpu_us_per_msg the same over the round trips
 *   nym_wasm_rtt_ms_p50  the same send-to-self round trip (1 KB, delays, cover and Poisson
 *                 pacing off) by Nym's published wasm client (@nymproject/nym-client-wasm-node
 *                 1.4.1) on the same network: its nym-api routes, gateway protocol v5, mix nodes
 *   nym_wasm_1mb_ms  a 1 MB message from Nym's wasm client to a Nymph SDK client: send to
 *                 the whole message reassembled on the Nymph side (one transfer); and
 *   nymph_to_nym_wasm_1mb_ms  the other way, to the whole message in the wasm app's hands
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
import { createRequire } from 'node:module';
import 'fake-indexeddb/auto';
import WebSocket from 'ws';
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

/**
 * `ws` with a browser's event dispatch (a throwing listener is logged, dispatch goes on):
 * wasm-bindgen's close listener throws once the client dropped it, which browsers only log.
 */
class BrowserLikeWebSocket extends WebSocket {
  private readonly wrapped = new Map<unknown, (ev: unknown) => void>();
  override addEventListener(type: string, listener: unknown, options?: unknown): void {
    if (typeof listener !== 'function') return;
    const safe = (ev: unknown) => {
      try {
        (listener as (ev: unknown) => void).call(this, ev);
      } catch {
        // as a browser: reported, not rethrown
      }
    };
    this.wrapped.set(listener, safe);
    super.addEventListener(type as 'close', safe, options as undefined);
  }
  override removeEventListener(type: string, listener: unknown): void {
    const w = this.wrapped.get(listener);
    if (w) super.removeEventListener(type as 'close', w);
  }
}

interface NymWasmClient {
  selfAddress(): string;
  send_regular_message(message: Uint8Array, recipient: string): Promise<unknown>;
  free(): void;
}

type SdkClient = Awaited<ReturnType<Awaited<ReturnType<typeof startLocalNet>>['client']>>;

/** Round trips to self by Nym's own wasm client through this network (1 KB, delays off). */
async function nymWasmRtts(
  apiUrl: string,
  rounds: number,
  nymph: SdkClient,
): Promise<{ rtts: number[]; toNymph: number[]; fromNymph: number[] }> {
  (globalThis as { WebSocket?: unknown }).WebSocket = BrowserLikeWebSocket;
  const nym = createRequire(import.meta.url)('@nymproject/nym-client-wasm-node') as {
    NymClient: new (
      onMessage: (bytes: Uint8Array) => void,
      opts: Record<string, unknown>,
    ) => Promise<NymWasmClient>;
  };
  let waiter: ((bytes: Uint8Array) => void) | undefined;
  const log = console.log;
  console.log = () => {}; // the wasm client logs every send
  try {
    const client = await new nym.NymClient((bytes) => waiter?.(bytes), {
      clientId: `bench-${Date.now()}`,
      nymApiUrl: apiUrl,
      clientOverride: {
        traffic: { averagePacketDelayMs: 0, disableMainPoissonPacketDistribution: true },
        acknowledgements: { averageAckDelayMs: 0 },
        coverTraffic: { disableLoopCoverTrafficStream: true },
        topology: { minimumMixnodePerformance: 0, minimumGatewayPerformance: 0 },
      },
    });
    const me = client.selfAddress();
    const msg = random(1024);
    const rtts: number[] = [];
    for (let i = 0; i < rounds + 10; i++) {
      const t = performance.now();
      const got = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('wasm client: no message in 10 s')), 10_000);
        waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      await client.send_regular_message(msg, me);
      await got;
      if (i >= 10) rtts.push(performance.now() - t);
    }
    // 1 MB between Nym's wasm client and a Nymph client, each way
    const big = random(1 << 20);
    const toNymph: number[] = [];
    const fromNymph: number[] = [];
    for (let i = 0; i < 1; i++) {
      let t = performance.now();
      const got = nymph.nextMessage({ signal: AbortSignal.timeout(300_000) });
      await client.send_regular_message(big, nymph.address);
      const m = await got;
      toNymph.push(performance.now() - t);
      if (m.message.length !== big.length)
        throw new Error(`1 MB from the wasm client arrived as ${m.message.length} bytes`);
      t = performance.now();
      const back = new Promise<Uint8Array>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('wasm client: no 1 MB message in 300 s')), 300_000);
        waiter = (bytes) => {
          clearTimeout(timer);
          resolve(bytes);
        };
      });
      const sent = nymph.send(me, big);
      if ((await back).length !== big.length) throw new Error('1 MB to the wasm client arrived cut');
      fromNymph.push(performance.now() - t);
      await sent; // its last SURB-acks, before the network closes
    }
    client.free();
    return { rtts, toNymph, fromNymph };
  } finally {
    console.log = log;
  }
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
    let rttCpu = process.cpuUsage();
    for (let i = 0; i < 550; i++) {
      if (i === 50) rttCpu = process.cpuUsage();
      const t = performance.now();
      const got = a.nextMessage({ signal: AbortSignal.timeout(10_000) });
      void a.send(a.address, msg);
      await got;
      if (i >= 50) rtts.push(performance.now() - t);
    }
    const rttCpuUsed = process.cpuUsage(rttCpu);
    const rttCpuUs = (rttCpuUsed.user + rttCpuUsed.system) / rtts.length;
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
    const cpu0 = process.cpuUsage();
    const t = performance.now();
    const sends: Promise<void>[] = [];
    for (let i = 0; i < N; i++) sends.push(a.send(a.address, msg));
    await Promise.race([
      all,
      new Promise((_, j) => setTimeout(() => j(new Error('throughput run timed out')), 120_000)),
    ]);
    const secs = (performance.now() - t) / 1000;
    const cpuUsed = process.cpuUsage(cpu0);
    const cpuUsPerMsg = (cpuUsed.user + cpuUsed.system) / N;
    await Promise.all(sends);
    off();
    const mps = N / secs;
    console.log(
      `throughput: ${N} × 1 KB to self in ${r2(secs)} s = ${Math.round(mps)} msgs/s, ${Math.round(cpuUsPerMsg)} µs CPU per message`,
      JSON.stringify(a.core.stats),
    );
    // a fresh Nymph client for the 1 MB transfers: `a` still holds the throughput run's messages
    const wasm = await nymWasmRtts(net.apiUrl, 200, await net.client());
    const wasmRtts = wasm.rtts;
    const wasmP50 = pct(wasmRtts, 50);
    console.log(
      `Nym's wasm client, send-to-self RTT (1 KB, delays off): p50 ${r2(wasmP50)} ms, p99 ${r2(pct(wasmRtts, 99))} ms`,
    );
    console.log(
      `1 MB Nym wasm → Nymph: ${wasm.toNymph.map(Math.round).join(', ')} ms; Nymph → Nym wasm: ${wasm.fromNymph.map(Math.round).join(', ')} ms`,
    );
    console.log(
      JSON.stringify({
        ready_ms: readyMs,
        ready_ms_in_process: Math.round(readyInProcess),
        rtt_ms_p50: r2(p50),
        rtt_ms_p99: r2(p99),
        nym_wasm_rtt_ms_p50: r2(wasmP50),
        nym_wasm_1mb_ms: Math.round(median(wasm.toNymph)),
        nymph_to_nym_wasm_1mb_ms: Math.round(median(wasm.fromNymph)),
        msgs_per_sec: Math.round(mps),
        cpu_us_per_msg: Math.round(cpuUsPerMsg),
        rtt_cpu_us_per_msg: Math.round(rttCpuUs),
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
// Nym's wasm client keeps timers and sockets of its own alive
process.exit(0);
