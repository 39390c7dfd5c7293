/**
 * SOCKS throughput: a 20 MB download with curl through the SOCKS client, the mixnet and the
 * network requester of a local network (role processes, one mix node per layer, one
 * gateway; `localnet` traffic mode: no per-hop delays, no cover), against the same download
 * without the mixnet, and against what the crypto of each packet allows on this machine's
 * cores, measured in the same run.
 *
 *   mb_per_sec           20 MB (10^6 bytes) through the mixnet, checksum verified; the median
 *                        of NYMPH_BENCH_RUNS runs (default 5), after one untimed warm-up
 *                        download (NYMPH_BENCH_WARMUP_MB, default 10: compiled code, SURB stock
 *                        and socket windows as a running network has them)
 *   direct_mb_per_sec    the same download from the same server, no proxy
 *   ceiling_mb_per_sec   cores × data per packet / all the crypto a download's data packet
 *                        costs, src/sphinx and the gateway links' AEAD with the default
 *                        backends, at the packet size the local network's SOCKS client and
 *                        requester use: the requester's reply on a SURB (Lioness under each
 *                        hop's key) and its SURB-ack (a Sphinx packet through 4 hops), the
 *                        SOCKS client's new reply SURB and the reply's decryption, 3 forward
 *                        unwraps and the final one for the data packet and for its ack, and
 *                        AES-GCM-SIV on both gateway links (seal and open). No download can go
 *                        faster on these cores, whatever else it does.
 *   sphinx_ceiling_mb_per_sec
 *                        what this bench called the ceiling before: one Sphinx creation with 4
 *                        hops + 3 forward unwraps + the final one per data packet. It leaves out
 *                        the ack packet, the SURB and the AEAD the download must do, and the
 *                        download makes no such creation (its data goes on SURBs): a figure for
 *                        comparison, not a bound
 *   cpu_s_per_mb         CPU seconds all the network's processes spent per MB (load-proof),
 *                        and by role: where the time goes
 *   mix_packets_per_data_packet
 *                        packets each mix node took per data packet of the download (its
 *                        Prometheus counter): 1 data packet + 1 SURB-ack + the SURB top-ups
 *                        is a little over 2; more means retransmissions
 *   meets_targets        mb_per_sec >= 5 and >= 0.5 × ceiling_mb_per_sec (the issue's targets)
 *   load_1m              the machine's load average before and after (it is shared)
 *
 *   npm run bench:socks5
 *   NYMPH_BENCH_MB=5 NYMPH_BENCH_RUNS=1 NYMPH_BENCH_WARMUP_MB=0 npm run bench:socks5
 *
 * Prints figures, then one JSON line last.
 */
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { localnetUp } from '../localnet/network/up.js';
import { fragmentLength } from '../src/client/client.js';
import { defaultAead, defaultBackend } from '../src/crypto/index.js';
import {
  createPacket,
  createSurb,
  decryptSurbReply,
  encodeNodeAddress,
  useSurb,
  SphinxNodeKey,
  unwrapPacket,
  type RouteNode,
} from '../src/sphinx/index.js';
import { curl, patternBytes, sha256, startHttpServer } from '../test/socks5/helpers.js';

const MB = Number(process.env.NYMPH_BENCH_MB ?? 20);
const RUNS = Number(process.env.NYMPH_BENCH_RUNS ?? 5);
const WARMUP_MB = Number(process.env.NYMPH_BENCH_WARMUP_MB ?? 10);
const SIZE = MB * 1_000_000;
/** What a local network's SOCKS client and requester use (src/roles/{socks5,requester}.ts). */
const PACKET_SIZE = 'extended32' as const;
const r2 = (x: number) => Math.round(x * 100) / 100;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const random = (n: number) => new Uint8Array(randomBytes(n));

/** Per packet: creation through 4 hops, 3 forward unwraps and the final one (µs). */
function sphinxCosts(): Record<
  | 'createUs'
  | 'forwardUs'
  | 'finalUs'
  | 'ackCreateUs'
  | 'ackForwardUs'
  | 'ackFinalUs'
  | 'surbCreateUs'
  | 'replyUs'
  | 'replyDecryptUs'
  | 'aeadSealUs'
  | 'aeadOpenUs',
  number
> {
  const keys = [0, 1, 2, 3].map(() => SphinxNodeKey.generate(random, defaultBackend));
  const route: RouteNode[] = keys.map((k, i) => ({
    address: encodeNodeAddress({ host: `10.0.0.${i + 1}`, port: 1789 }),
    publicKey: k.publicKey,
  }));
  const payload = random(fragmentLength(PACKET_SIZE));
  const make = () =>
    createPacket({
      route,
      delaysNs: [0n, 0n, 0n, 0n],
      destination: { address: random(32), surbId: random(16) },
      payload,
      size: PACKET_SIZE,
      random,
      backend: defaultBackend,
    });
  // the best of 5 batches: the cost without interference from the machine's other work, so
  // the ceiling is as high as this machine allows (the conservative side for the ratio)
  const time = (n: number, f: () => void) => {
    for (let i = 0; i < Math.max(5, n / 10); i++) f(); // warm up
    let best = Infinity;
    for (let batch = 0; batch < 5; batch++) {
      const t0 = performance.now();
      for (let i = 0; i < n / 5; i++) f();
      best = Math.min(best, ((performance.now() - t0) / (n / 5)) * 1000);
    }
    return best;
  };
  const first = make();
  let p = first;
  for (let i = 0; i < 3; i++) {
    const r = unwrapPacket(keys[i], p);
    if (r.kind !== 'forward') throw new Error('expected a forward hop');
    p = r.packet;
  }
  const last = p;
  const createUs = time(200, make);
  const forwardUs = time(300, () => unwrapPacket(keys[0], first));
  const finalUs = time(300, () => unwrapPacket(keys[3], last));

  // what else a download's data packet costs in crypto (see protocol_ceiling_mb_per_sec)
  const destination = { address: random(32), surbId: random(16) };
  const makeAck = () =>
    createPacket({
      route,
      delaysNs: [0n, 0n, 0n, 0n],
      destination,
      payload: random(21),
      size: 'ack',
      random,
      backend: defaultBackend,
    });
  let ack = makeAck();
  const ackFirst = ack;
  for (let i = 0; i < 3; i++) {
    const r = unwrapPacket(keys[i], ack);
    if (r.kind !== 'forward') throw new Error('expected a forward hop');
    ack = r.packet;
  }
  const ackLast = ack;
  const makeSurb = () =>
    createSurb({ route, delaysNs: [0n, 0n, 0n, 0n], destination, random, backend: defaultBackend });
  const { surb, replyKey } = makeSurb();
  const reply = useSurb(surb, payload, { size: PACKET_SIZE, backend: defaultBackend });
  const aeadKey = random(16);
  const nonce = random(12);
  const frame = random(reply.packet.length);
  const sealed = defaultAead.seal(aeadKey, nonce, frame);
  const extra = {
    ackCreateUs: time(200, makeAck),
    ackForwardUs: time(300, () => unwrapPacket(keys[0], ackFirst)),
    ackFinalUs: time(300, () => unwrapPacket(keys[3], ackLast)),
    surbCreateUs: time(200, makeSurb),
    replyUs: time(200, () => useSurb(surb, payload, { size: PACKET_SIZE, backend: defaultBackend })),
    replyDecryptUs: time(300, () => decryptSurbReply(replyKey, payload, defaultBackend)),
    aeadSealUs: time(200, () => defaultAead.seal(aeadKey, nonce, frame)),
    aeadOpenUs: time(200, () => defaultAead.open(aeadKey, nonce, sealed)),
  };
  return { createUs, forwardUs, finalUs, ...extra };
}

/** CPU seconds (user + system) a process has used so far. */
function cpuSeconds(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return 0;
  }
}

const cores = availableParallelism();
const loadBefore = loadavg()[0];
const sphinx = sphinxCosts();
const dataPerPacket = fragmentLength(PACKET_SIZE) - 64; // the requester's NetworkData chunk
/** Sphinx creation through 4 hops, 3 forward unwraps and the final one (the old ceiling). */
const sphinxPerPacketUs = sphinx.createUs + 3 * sphinx.forwardUs + sphinx.finalUs;
const sphinxCeiling = (cores * dataPerPacket) / sphinxPerPacketUs; // bytes per µs = MB/s
/** All the crypto of a download's data packet (see ceiling_mb_per_sec above). */
const perPacketUs =
  sphinx.ackCreateUs +
  sphinx.replyUs +
  sphinx.surbCreateUs +
  sphinx.replyDecryptUs +
  3 * (sphinx.forwardUs + sphinx.ackForwardUs) +
  sphinx.finalUs +
  sphinx.ackFinalUs +
  2 * (sphinx.aeadSealUs + sphinx.aeadOpenUs);
const ceiling = (cores * dataPerPacket) / perPacketUs;
console.log(
  `all the crypto of a download's data packet (${PACKET_SIZE}): ${perPacketUs.toFixed(0)} µs ` +
    `(reply on a SURB ${sphinx.replyUs.toFixed(0)}, SURB-ack ${sphinx.ackCreateUs.toFixed(0)}, new SURB ${sphinx.surbCreateUs.toFixed(0)}, ` +
    `reply decryption ${sphinx.replyDecryptUs.toFixed(0)}, unwraps ${sphinx.forwardUs.toFixed(0)}/${sphinx.finalUs.toFixed(0)}, ` +
    `ack unwraps ${sphinx.ackForwardUs.toFixed(0)}/${sphinx.ackFinalUs.toFixed(0)}, GCM-SIV seal/open ${sphinx.aeadSealUs.toFixed(0)}/${sphinx.aeadOpenUs.toFixed(0)}) ` +
    `per ${dataPerPacket} data bytes, ${cores} cores: ceiling ${ceiling.toFixed(1)} MB/s`,
);
console.log(
  `Sphinx creation + 4 unwraps alone (the old ceiling): ${sphinxPerPacketUs.toFixed(0)} µs ` +
    `(create ${sphinx.createUs.toFixed(0)}): ${sphinxCeiling.toFixed(1)} MB/s`,
);

const http = await startHttpServer();
// curl writes the body to a file, checked after the download: reading it through a pipe
// would spend this process's CPU, on the same cores, during the timed download
const bodyDir = mkdtempSync(join(tmpdir(), 'nymph-bench-socks5-body-'));
const bodyFile = join(bodyDir, 'body');
const want = sha256(patternBytes(SIZE, 5));
const url = `http://localhost:${http.port}/download?size=${SIZE}&seed=5`;
const directRuns: number[] = [];
for (let i = 0; i < 3; i++) {
  const d = await curl(['-o', bodyFile, url], { timeoutMs: 120_000 });
  if (d.code !== 0 || sha256(readFileSync(bodyFile)) !== want)
    throw new Error(`direct download failed: ${d.stderr}`);
  directRuns.push(MB / (d.ms / 1000));
}
const direct = median(directRuns);
console.log(`direct: ${direct.toFixed(1)} MB/s (curl, loopback, no proxy)`);

const home = mkdtempSync(join(tmpdir(), 'nymph-bench-socks5-'));
const net = await localnetUp({
  home,
  ports: 'auto',
  apis: 1,
  threshold: 1,
  mixnodesPerLayer: 1,
  gateways: 1,
  clients: 0,
  mode: 'localnet',
  logLevel: 'warn',
});
const runs: number[] = [];
const mixPacketRuns: number[] = [];
/** Packets all mix nodes have received so far (their metrics endpoints; NaN without them). */
async function mixPacketsReceived(): Promise<number> {
  let n = 0;
  for (const m of net.info.mixnodes) {
    if (!m.metrics) return NaN;
    const text = await (await fetch(m.metrics)).text();
    const line = /^nymph_mixnode_packets_received_total (\S+)$/m.exec(text);
    n += line ? Number(line[1]) : NaN;
  }
  return n;
}
const cpuRuns: Record<string, number>[] = [];
try {
  const socks = (net.info.socks5_clients as { socks: string }[])[0].socks.replace('socks5h://', '');
  const roleOf = (name: string) => name.replace(/-\d+$/, '');
  if (WARMUP_MB > 0) {
    const size = WARMUP_MB * 1_000_000;
    const warm = `http://localhost:${http.port}/download?size=${size}&seed=6`;
    const w = await curl(['--socks5-hostname', socks, '-o', bodyFile, warm], { timeoutMs: 600_000 });
    if (w.code !== 0 || sha256(readFileSync(bodyFile)) !== sha256(patternBytes(size, 6)))
      throw new Error(`warm-up download through the mixnet failed: ${w.stderr}`);
    console.log(`warm-up: ${WARMUP_MB} MB in ${(w.ms / 1000).toFixed(1)} s (untimed)`);
  }
  for (let i = 0; i < RUNS; i++) {
    const before = new Map(net.pids.map((p) => [p.name, cpuSeconds(p.pid)]));
    const mixBefore = await mixPacketsReceived();
    const t0 = process.hrtime.bigint();
    if (process.env.NYMPH_BENCH_MARKS) console.log(`download_start_us ${t0 / 1000n}`);
    const r = await curl(['--socks5-hostname', socks, '-o', bodyFile, url], { timeoutMs: 600_000 });
    // monotonic µs, the clock of `node --cpu-prof` profiles: to cut a profile to the download
    if (process.env.NYMPH_BENCH_MARKS)
      console.log(`marks_us ${t0 / 1000n} ${process.hrtime.bigint() / 1000n}`);
    if (r.code !== 0 || sha256(readFileSync(bodyFile)) !== want)
      throw new Error(`download through the mixnet failed: ${r.stderr}`);
    const rate = MB / (r.ms / 1000);
    runs.push(rate);
    const cpu: Record<string, number> = {};
    for (const p of net.pids)
      cpu[roleOf(p.name)] = (cpu[roleOf(p.name)] ?? 0) + cpuSeconds(p.pid) - before.get(p.name)!;
    cpuRuns.push(cpu);
    const dataPackets = SIZE / dataPerPacket;
    mixPacketRuns.push(((await mixPacketsReceived()) - mixBefore) / net.info.mixnodes.length / dataPackets);
    const total = Object.values(cpu).reduce((a, b) => a + b, 0);
    console.log(
      `run ${i + 1}: ${MB} MB in ${(r.ms / 1000).toFixed(1)} s = ${rate.toFixed(2)} MB/s; CPU ${total.toFixed(1)} s ` +
        `(${Object.entries(cpu)
          .map(([k, v]) => `${k} ${v.toFixed(1)}`)
          .join(', ')}), load ${loadavg()[0].toFixed(1)}`,
    );
  }
} finally {
  await net.stop();
  await http.close();
  rmSync(home, { recursive: true, force: true });
  rmSync(bodyDir, { recursive: true, force: true });
}

const mbPerSec = median(runs);
const medianCpu = cpuRuns[runs.indexOf(mbPerSec)];
const totalCpu = Object.values(medianCpu).reduce((a, b) => a + b, 0);
console.log(
  JSON.stringify({
    bench: 'socks5',
    mb: MB,
    packet_size: PACKET_SIZE,
    mb_per_sec: r2(mbPerSec),
    runs_mb_per_sec: runs.map(r2),
    direct_mb_per_sec: r2(direct),
    ceiling_mb_per_sec: r2(ceiling),
    ratio_to_ceiling: r2(mbPerSec / ceiling),
    sphinx_ceiling_mb_per_sec: r2(sphinxCeiling),
    ratio_to_sphinx_ceiling: r2(mbPerSec / sphinxCeiling),
    meets_targets: mbPerSec >= 5 && mbPerSec >= 0.5 * ceiling,
    sphinx_us: { create: r2(sphinx.createUs), forward: r2(sphinx.forwardUs), final: r2(sphinx.finalUs) },
    protocol_us: Object.fromEntries(Object.entries(sphinx).map(([k, v]) => [k.replace(/Us$/, ''), r2(v)])),
    cpu_s_per_mb: r2(totalCpu / MB),
    cpu_s_per_mb_by_role: Object.fromEntries(Object.entries(medianCpu).map(([k, v]) => [k, r2(v / MB)])),
    mix_packets_per_data_packet: r2(mixPacketRuns[runs.indexOf(mbPerSec)]),
    cores,
    load_1m: [r2(loadBefore), r2(loadavg()[0])],
  }),
);
