/**
 * Coconut benchmark: the scheme's operations for a voucher (2 private + 2 public
 * attributes, 3-of-5) on each backend, with one 2-pairing product check measured in the
 * same run as the baseline. Prints one line per backend and the JSON line last.
 * Figures are medians in milliseconds. `verify` uses a prepared aggregated key, as a
 * gateway does (see prepareVerificationKey); `verify_unprepared_key` does not;
 * `*_with_decode` include decoding the request/theta bytes with subgroup checks.
 *
 *   npm run bench:coconut            (BENCH_ITERS=n to change the iteration count)
 */
import {
  aggregateSignatureShares,
  aggregateVerificationKeys,
  blindSign,
  codecsFor,
  fr,
  loadBackend,
  prepareBlindSign,
  prepareVerificationKey,
  proveCredential,
  seededRandom,
  setup,
  ttpKeygen,
  unblind,
  verifyCredential,
  verifySignature,
  type BackendName,
} from '../src/coconut/index.js';

const ITERS = Number(process.env.BENCH_ITERS ?? 0);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Operations are registered first, then run interleaved, one of each per round, so that
 * load from other processes spreads evenly over all of them (and over the baseline).
 */
class Rounds {
  private ops: [string, () => void][] = [];
  add(name: string, f: () => void): void {
    this.ops.push([name, f]);
  }
  run(iters: number): Record<string, number> {
    for (let i = 0; i < 3; i++) for (const [, f] of this.ops) f(); // warm-up (noble's pairings start 2x slower)
    const xs = new Map<string, number[]>(this.ops.map(([n]) => [n, []]));
    for (let i = 0; i < iters; i++) {
      for (const [n, f] of this.ops) {
        const t = performance.now();
        f();
        xs.get(n)?.push(performance.now() - t);
      }
    }
    return Object.fromEntries([...xs].map(([n, v]) => [n, Math.round(median(v) * 100) / 100]));
  }
}

async function bench(name: BackendName): Promise<Record<string, number>> {
  const iters = ITERS || (name === 'mcl' ? 40 : 12);
  const backend = await loadBackend(name);
  const rng = seededRandom(`bench ${name}`);
  const params = setup(backend, 4);
  const c = codecsFor(backend);
  const keys = ttpKeygen(params, 3, 5, rng);
  const priv = [fr.random(rng), fr.random(rng)];
  const pub = [fr.hashToScalar('1024'), fr.hashToScalar('BandwidthVoucher')];
  const all = [...priv, ...pub];
  const { g1, g2 } = backend;
  const P = [g1.mul(g1.generator, fr.random(rng)), g1.mul(g1.generator, fr.random(rng))];
  const Q = [g2.mul(g2.generator, fr.random(rng)), g2.mul(g2.generator, fr.random(rng))];

  const r = new Rounds();
  r.add('pairing2_ms', () => {
    backend.pairingProductIsOne([
      [P[0], Q[0]],
      [P[1], Q[1]],
    ]);
  });
  let prepared = prepareBlindSign(params, priv, pub, rng);
  r.add('prepare_blind_sign', () => {
    prepared = prepareBlindSign(params, priv, pub, rng);
  });
  const { request, pedersenOpenings } = prepared;
  let blinded = blindSign(params, keys[0].secretKey, request, pub);
  r.add('blind_sign', () => {
    blinded = blindSign(params, keys[0].secretKey, request, pub);
  });
  const requestBytes = c.blindSignRequest.encode(request);
  r.add('blind_sign_with_decode', () => {
    blindSign(params, keys[0].secretKey, c.blindSignRequest.decode(backend, requestBytes), pub);
  });
  r.add('unblind', () => {
    unblind(params, blinded, pedersenOpenings, keys[0].verificationKey);
  });
  r.add('unblind_and_verify_share', () => {
    const s = unblind(params, blinded, pedersenOpenings, keys[0].verificationKey);
    verifySignature(params, keys[0].verificationKey, s, all);
  });
  const shares = keys.slice(0, 3).map((k) => ({
    index: k.index ?? 0,
    value: unblind(params, blindSign(params, k.secretKey, request, pub), pedersenOpenings, k.verificationKey),
  }));
  r.add('aggregate', () => {
    aggregateSignatureShares(params, shares, { threshold: 3 });
  });
  const vkShares = keys.slice(0, 3).map((k) => ({ index: k.index ?? 0, value: k.verificationKey }));
  r.add('aggregate_verification_keys', () => {
    aggregateVerificationKeys(params, vkShares, { threshold: 3 });
  });
  const vk = aggregateVerificationKeys(params, vkShares, { threshold: 3 });
  const sig = aggregateSignatureShares(params, shares, { threshold: 3 });
  let theta = proveCredential(params, vk, sig, priv, rng);
  r.add('prove', () => {
    theta = proveCredential(params, vk, sig, priv, rng);
  });
  // A gateway verifies with a prepared aggregated key (public-attribute part cached).
  const preparedKey = prepareVerificationKey(vk);
  r.add('verify', () => {
    verifyCredential(params, preparedKey, theta, pub);
  });
  r.add('verify_unprepared_key', () => {
    verifyCredential(params, vk, theta, pub);
  });
  const thetaBytes = c.theta.encode(theta);
  r.add('verify_with_decode', () => {
    verifyCredential(params, preparedKey, c.theta.decode(backend, thetaBytes), pub);
  });
  return r.run(iters);
}

const results: Record<string, Record<string, number>> = {};
for (const name of ['noble', 'mcl'] as const) {
  results[name] = await bench(name);
  const r = results[name];
  console.log(
    `${name.padEnd(5)} pairing2 ${r.pairing2_ms} ms | prepare ${r.prepare_blind_sign} | blind_sign ${r.blind_sign}` +
      ` | unblind ${r.unblind} | aggregate(t=3) ${r.aggregate} | prove ${r.prove} | verify ${r.verify}` +
      ` (${(r.verify / r.pairing2_ms).toFixed(2)}x pairing2)`,
  );
}
console.log(
  JSON.stringify({ bench: 'coconut', attributes: { private: 2, public: 2 }, threshold: 3, ...results }),
);
