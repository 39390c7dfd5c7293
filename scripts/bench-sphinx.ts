/**
 * Sphinx benchmark: packet creation (3 mix hops + gateway; default format 259, and 258 for
 * comparison), forward and final unwrap, against
 * one node:crypto X25519 shared-secret computation with ready KeyObjects measured in the same
 * process, in interleaved slices. Times are wall-clock per call, with the process's CPU time
 * beside them (`*_cpu` ratios). Prints per-round figures, then one JSON line (medians over
 * rounds) last.
 *
 *   npm run bench:sphinx             # default: 7 rounds
 *   NYMPH_BENCH_ROUNDS=3 npm run bench:sphinx
 */
import { diffieHellman, generateKeyPairSync, randomBytes } from 'node:crypto';
import type { CryptoBackend } from '../src/crypto/index.js';
import { pureBackend, webBackend } from '../src/crypto/index.js';
import { nodeBackend } from '../src/crypto/node.js';
import {
  createPacket,
  encodeNodeAddress,
  SphinxNodeKey,
  unwrapPacket,
  type RouteNode,
} from '../src/sphinx/index.js';

// Randomness as a client would draw it: slices of a pool refilled from the OS CSPRNG.
let pool = new Uint8Array(randomBytes(1 << 16));
let poolAt = 0;
const random = (n: number): Uint8Array => {
  if (poolAt + n > pool.length) {
    pool = new Uint8Array(randomBytes(Math.max(1 << 16, n)));
    poolAt = 0;
  }
  poolAt += n;
  return pool.slice(poolAt - n, poolAt);
};
const rounds = Number(process.env.NYMPH_BENCH_ROUNDS ?? 7);

/**
 * Wall-clock time per call in microseconds, the usual measure of one operation, and the
 * process's CPU time per call (process.cpuUsage: user + system of all its threads) beside
 * it. The CPU figure also counts V8's parallel GC helper threads, which charges more to
 * allocation-heavy packet creation than to a bare DH; under load from other processes
 * the wall figure includes time spent descheduled. Both are reported.
 */
let cpuAcc = 0;
function timeUs(iterations: number, f: () => void): number {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) f();
  const wall = Number(process.hrtime.bigint() - t0) / 1000;
  const c = process.cpuUsage(c0);
  cpuAcc = (c.user + c.system) / iterations;
  return wall / iterations;
}
/** CPU time per call of the latest `timeUs`. */
const lastCpuUs = () => cpuAcc;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

interface Fixture {
  keys: SphinxNodeKey[];
  create: () => Uint8Array;
  /** Nym's older format (192-byte payload keys in the header HKDF; no second HKDF). */
  create258: () => Uint8Array;
  firstHopPacket: Uint8Array;
  lastHopPacket: Uint8Array;
}

function fixture(backend: CryptoBackend): Fixture {
  const keys = [0, 1, 2, 3].map(() => SphinxNodeKey.generate(random, backend));
  const route: RouteNode[] = keys.map((k, i) => ({
    address: encodeNodeAddress({ host: `10.0.0.${i + 1}`, port: 1789 }),
    publicKey: k.publicKey,
  }));
  const payload = random(2048);
  const destination = { address: random(32), surbId: random(16) };
  const delaysNs = [50_000_000n, 50_000_000n, 50_000_000n, 0n];
  const create = () =>
    createPacket({ route, delaysNs, destination, payload, size: 'regular', random, backend });
  const create258 = () =>
    createPacket({ route, delaysNs, destination, payload, size: 'regular', random, backend, version: 258 });
  const firstHopPacket = create();
  let p = firstHopPacket;
  for (let i = 0; i < 3; i++) {
    const r = unwrapPacket(keys[i], p);
    if (r.kind !== 'forward') throw new Error('expected a forward hop');
    p = r.packet;
  }
  return { keys, create, create258, firstHopPacket, lastHopPacket: p };
}

const dhA = generateKeyPairSync('x25519');
const dhB = generateKeyPairSync('x25519');
const dh = () => diffieHellman({ privateKey: dhA.privateKey, publicKey: dhB.publicKey });

const node = fixture(nodeBackend);
const pure = fixture(pureBackend);
const web = fixture(webBackend);

// warm up JIT and caches
timeUs(2000, dh);
timeUs(300, node.create);
timeUs(1000, () => unwrapPacket(node.keys[0], node.firstHopPacket));
timeUs(1000, () => unwrapPacket(node.keys[3], node.lastHopPacket));
timeUs(5, pure.create);
timeUs(10, () => unwrapPacket(pure.keys[0], pure.firstHopPacket));
timeUs(50, web.create);
timeUs(100, () => unwrapPacket(web.keys[0], web.firstHopPacket));

const r = {
  dh: [] as number[],
  create: [] as number[],
  create258: [] as number[],
  create258Ratio: [] as number[],
  fwd: [] as number[],
  fin: [] as number[],
  unwrapRatio: [] as number[],
  createRatio: [] as number[],
  unwrapRatioCpu: [] as number[],
  createRatioCpu: [] as number[],
  pcreate: [] as number[],
  pfwd: [] as number[],
  pfin: [] as number[],
  wcreate: [] as number[],
  wfwd: [] as number[],
};
// Other processes share the CPU, so each round interleaves short slices of the baseline and
// of each measurement; load changes then hit both sides of a ratio alike.
const SLICES = 12;
for (let i = 0; i < rounds; i++) {
  let dhT = 0;
  let dhC = 0;
  let createC = 0;
  let fwdC = 0;
  let createT = 0;
  let create258T = 0;
  let fwdT = 0;
  let finT = 0;
  for (let s = 0; s < SLICES; s++) {
    dhT += timeUs(250, dh);
    dhC += lastCpuUs();
    createT += timeUs(40, node.create);
    createC += lastCpuUs();
    create258T += timeUs(20, node.create258);
    dhT += timeUs(250, dh);
    dhC += lastCpuUs();
    fwdT += timeUs(120, () => unwrapPacket(node.keys[0], node.firstHopPacket));
    fwdC += lastCpuUs();
    finT += timeUs(120, () => unwrapPacket(node.keys[3], node.lastHopPacket));
  }
  const dhRound = dhT / (2 * SLICES);
  const create = createT / SLICES;
  const create258 = create258T / SLICES;
  const fwd = fwdT / SLICES;
  const fin = finT / SLICES;
  const pcreate = timeUs(6, pure.create);
  const pfwd = timeUs(15, () => unwrapPacket(pure.keys[0], pure.firstHopPacket));
  const pfin = timeUs(15, () => unwrapPacket(pure.keys[3], pure.lastHopPacket));
  const wcreate = timeUs(40, web.create);
  const wfwd = timeUs(80, () => unwrapPacket(web.keys[0], web.firstHopPacket));
  r.dh.push(dhRound);
  r.create.push(create);
  r.create258.push(create258);
  r.create258Ratio.push(create258 / dhRound);
  r.fwd.push(fwd);
  r.fin.push(fin);
  r.unwrapRatio.push(fwd / (2 * dhRound));
  r.createRatio.push(create / dhRound);
  r.unwrapRatioCpu.push(fwdC / SLICES / (2 * (dhC / (2 * SLICES))));
  r.createRatioCpu.push(createC / SLICES / (dhC / (2 * SLICES)));
  r.pcreate.push(pcreate);
  r.pfwd.push(pfwd);
  r.pfin.push(pfin);
  r.wcreate.push(wcreate);
  r.wfwd.push(wfwd);
  console.log(
    `round ${i + 1}: x25519 ${dhRound.toFixed(1)} us | node create ${create.toFixed(1)} fwd ${fwd.toFixed(1)} ` +
      `final ${fin.toFixed(1)} (unwrap ratio ${(fwd / (2 * dhRound)).toFixed(2)}, create ratio ` +
      `${(create / dhRound).toFixed(2)}) | pure create ${pcreate.toFixed(0)} fwd ${pfwd.toFixed(0)} final ${pfin.toFixed(0)}` +
      ` | web create ${wcreate.toFixed(0)} fwd ${wfwd.toFixed(0)}`,
  );
}

const x = median(r.dh);
const round1 = (v: number) => Math.round(v * 10) / 10;
const round2 = (v: number) => Math.round(v * 100) / 100;
const result = {
  bench: 'sphinx',
  backend: nodeBackend.name,
  rounds,
  packet_size: 'regular',
  hops: 4,
  create_us: round1(median(r.create)),
  unwrap_forward_us: round1(median(r.fwd)),
  unwrap_final_us: round1(median(r.fin)),
  x25519_dh_us: round1(x),
  // medians of per-round ratios (each round's own baseline)
  unwrap_ratio: round2(median(r.unwrapRatio)),
  create_ratio: round2(median(r.createRatio)),
  unwrap_ratio_cpu: round2(median(r.unwrapRatioCpu)),
  create_ratio_cpu: round2(median(r.createRatioCpu)),
  create_v258_us: round1(median(r.create258)),
  create_v258_ratio: round2(median(r.create258Ratio)),
  pure_create_us: round1(median(r.pcreate)),
  pure_unwrap_forward_us: round1(median(r.pfwd)),
  pure_unwrap_final_us: round1(median(r.pfin)),
  pure_unwrap_ratio: round2(median(r.pfwd) / (2 * x)),
  pure_create_ratio: round2(median(r.pcreate) / x),
  // the browser default: wasm X25519 and hashes, @noble ciphers
  web_create_us: round1(median(r.wcreate)),
  web_unwrap_forward_us: round1(median(r.wfwd)),
};
console.log(JSON.stringify(result));
