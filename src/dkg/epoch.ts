/**
 * One DKG epoch judged from public data alone (what the chain holds): which dealers
 * qualify, the combined commitments, every member's expected verification-key share, and
 * the master key. Every honest party computes the same answer from the same chain state.
 *
 * Qualified set Q: dealers whose `keySize` dealings are all present, decode, pass the public
 * checks (dealing.ts), and draw no upheld complaint (complaint.ts). When resharing, only
 * dealers of the previous epoch with a verified share deal, and each dealing's C₀ must be
 * that share's component.
 *
 * Combination: weights w_d = 1 in a fresh epoch (the key is Σ_d a₀,d), or the Lagrange
 * coefficients at 0 over the old indices of Q when resharing (the key stays Σ_d λ_d·s_d =
 * the old key). Combined commitments A_{k,j} = Σ_d w_d·C_{d,k,j}; member i's share of scalar
 * k is Σ_d w_d·f_{d,k}(i), its verification key component Σ_j i^j·A_{k,j}, the master's A_{k,0}.
 */
import { fr } from '../coconut/index.js';
import type { G1, G2, GroupBackend, Parameters, RandomBytes, VerificationKey } from '../coconut/index.js';
import { complaintUpheld, makeComplaint } from './complaint.js';
import {
  checkDealingPublic,
  checkResharingCommitment,
  committedShare,
  decodeDealing,
  decryptShare,
  shareMatchesCommitments,
  type Dealing,
} from './dealing.js';
import { DkgError, InvalidVerificationKeyShareError, NotEnoughDealersError } from './errors.js';

export interface EpochDealer {
  address: string;
  index: number;
  publicKey: G1;
}

export interface EpochComplaint {
  complainer: string;
  dealer: string;
  dealingIndex: number;
  proof: Uint8Array;
}

export interface EpochInput {
  backend: GroupBackend;
  epochId: number;
  threshold: number;
  /** Dealings per dealer: x and the y's. */
  keySize: number;
  /** The epoch's registered dealers (the receivers), any order. */
  dealers: readonly EpochDealer[];
  /** Complete dealings by dealer address, indexed by dealing index; absent: did not deal. */
  dealings: ReadonlyMap<string, readonly (Uint8Array | undefined)[]>;
  complaints: readonly EpochComplaint[];
  /** Resharing: the previous epoch's threshold and its verified key shares by dealer address. */
  resharing?: { previousThreshold: number; previousShares: ReadonlyMap<string, VerificationKey> };
  /**
   * Decoded and publicly checked dealings (or why they fail) by dealer address, filled on
   * first use: a reader that judges the same epoch twice (review, then derive) decodes once.
   */
  checked?: Map<string, Dealing[] | string>;
}

export interface ExcludedDealer {
  address: string;
  reason: string;
}

export interface EpochResult {
  epochId: number;
  threshold: number;
  keySize: number;
  qualified: { address: string; index: number; weight: bigint }[];
  excluded: ExcludedDealer[];
  /** Decoded dealings of the qualified dealers, by address. */
  dealings: Map<string, Dealing[]>;
  /** A[k][j]: combined commitments. */
  combined: G2[][];
}

const sorted = (dealers: readonly EpochDealer[]) => [...dealers].sort((a, b) => a.index - b.index);

/** Decode and publicly check one dealer's dealings; the reason it fails, or its dealings. */
function publicDealings(input: EpochInput, dealer: EpochDealer, receivers: number[]): Dealing[] | string {
  const have = input.checked?.get(dealer.address);
  if (have !== undefined) return have;
  const r = checkDealings(input, dealer, receivers);
  input.checked?.set(dealer.address, r);
  return r;
}

function checkDealings(input: EpochInput, dealer: EpochDealer, receivers: number[]): Dealing[] | string {
  const raw = input.dealings.get(dealer.address);
  if (!raw) return 'no dealings';
  const out: Dealing[] = [];
  for (let k = 0; k < input.keySize; k++) {
    const bytes = raw[k];
    if (!bytes) return `dealing ${k} missing`;
    try {
      const d = decodeDealing(input.backend, bytes);
      checkDealingPublic(
        d,
        { epochId: input.epochId, dealerIndex: dealer.index, dealingIndex: k },
        input.threshold,
        receivers,
      );
      if (input.resharing) {
        const prev = input.resharing.previousShares.get(dealer.address);
        if (!prev) return 'not a dealer of the previous epoch';
        checkResharingCommitment(input.backend, d, k === 0 ? prev.alpha : prev.betaG2[k - 1]);
      }
      out.push(d);
    } catch (e) {
      if (e instanceof DkgError) return e.message;
      throw e;
    }
  }
  return out;
}

/** Judge the epoch from its public data. */
export function evaluateEpoch(input: EpochInput): EpochResult {
  const dealers = sorted(input.dealers);
  const receivers = dealers.map((d) => d.index);
  const byAddress = new Map(dealers.map((d) => [d.address, d]));
  const excluded: ExcludedDealer[] = [];
  const candidates = new Map<string, Dealing[]>();
  for (const dealer of dealers) {
    if (!input.dealings.has(dealer.address)) continue;
    const r = publicDealings(input, dealer, receivers);
    if (typeof r === 'string') excluded.push({ address: dealer.address, reason: r });
    else candidates.set(dealer.address, r);
  }
  for (const c of input.complaints) {
    const dealings = candidates.get(c.dealer);
    const complainer = byAddress.get(c.complainer);
    if (!dealings || !complainer || c.complainer === c.dealer) continue;
    const dealing = dealings[c.dealingIndex];
    if (!dealing) continue;
    let upheld = false;
    try {
      upheld = complaintUpheld(input.backend, dealing, complainer.index, complainer.publicKey, c.proof);
    } catch (e) {
      if (!(e instanceof DkgError)) throw e;
    }
    if (upheld) {
      candidates.delete(c.dealer);
      excluded.push({
        address: c.dealer,
        reason: `upheld complaint by ${c.complainer} on dealing ${c.dealingIndex}`,
      });
    }
  }
  const qualifiedDealers = dealers.filter((d) => candidates.has(d.address));
  let weights: bigint[];
  if (input.resharing) {
    const need = input.resharing.previousThreshold;
    if (qualifiedDealers.length < need) throw new NotEnoughDealersError(need, qualifiedDealers.length);
    weights = fr.lagrangeAtZero(qualifiedDealers.map((d) => BigInt(d.index)));
  } else {
    if (qualifiedDealers.length < 1) throw new NotEnoughDealersError(1, 0);
    weights = qualifiedDealers.map(() => 1n);
  }
  const { g2 } = input.backend;
  const combined: G2[][] = [];
  for (let k = 0; k < input.keySize; k++) {
    const row: G2[] = [];
    for (let j = 0; j < input.threshold; j++)
      row.push(
        g2.msmPublic(
          qualifiedDealers.map((d) => candidates.get(d.address)![k].commitments[j]),
          weights,
        ),
      );
    combined.push(row);
  }
  return {
    epochId: input.epochId,
    threshold: input.threshold,
    keySize: input.keySize,
    qualified: qualifiedDealers.map((d, n) => ({ address: d.address, index: d.index, weight: weights[n] })),
    excluded,
    dealings: candidates,
    combined,
  };
}

/**
 * A receiver's review of the dealings: a complaint (with proof) for every publicly valid
 * dealing whose share for it fails the commitments. Run before the qualified set is final.
 */
export function reviewDealings(
  input: EpochInput,
  self: { address: string; index: number; secret: bigint },
  rng: RandomBytes,
): EpochComplaint[] {
  const receivers = sorted(input.dealers).map((d) => d.index);
  const { g2 } = input.backend;
  const mine: { dealer: string; dealingIndex: number; dealing: Dealing; share: bigint | null }[] = [];
  for (const dealer of sorted(input.dealers)) {
    if (dealer.address === self.address || !input.dealings.has(dealer.address)) continue;
    const r = publicDealings(input, dealer, receivers);
    if (typeof r === 'string') continue; // everyone excludes it already
    r.forEach((dealing, k) =>
      mine.push({
        dealer: dealer.address,
        dealingIndex: k,
        dealing,
        share: decryptShare(input.backend, dealing, self.index, self.secret),
      }),
    );
  }
  // One random linear combination checks every share at once (Σ ρ·(g2^s − Σ_j i^j·C_j) = 0
  // fails with probability 1/r for any bad share); only when it fails is each share checked.
  const present = mine.filter((m) => m.share !== null);
  let allGood = present.length === mine.length;
  if (allGood && present.length) {
    const x = BigInt(self.index);
    const points: G2[] = [];
    const scalars: bigint[] = [];
    let sum = 0n;
    for (const m of present) {
      const rho = fr.random(rng);
      sum = fr.add(sum, fr.mul(rho, m.share!));
      let p = rho;
      for (const c of m.dealing.commitments) {
        points.push(c);
        scalars.push(p);
        p = fr.mul(p, x);
      }
    }
    allGood = g2.equals(g2.mul(g2.generator, sum), g2.msmPublic(points, scalars));
  }
  const bad = allGood
    ? []
    : mine.filter(
        (m) => m.share === null || !shareMatchesCommitments(input.backend, m.dealing, self.index, m.share),
      );
  return bad.map((m) => ({
    complainer: self.address,
    dealer: m.dealer,
    dealingIndex: m.dealingIndex,
    proof: makeComplaint(input.backend, m.dealing, self.index, self.secret, rng),
  }));
}

/** This member's secret share of each key scalar (x, y₁..y_q). */
export function deriveSecretShare(
  backend: GroupBackend,
  result: EpochResult,
  index: number,
  secret: bigint,
): { x: bigint; ys: bigint[] } {
  const scalars: bigint[] = [];
  for (let k = 0; k < result.keySize; k++) {
    let acc = 0n;
    for (const q of result.qualified) {
      const dealing = result.dealings.get(q.address)![k];
      const share = decryptShare(backend, dealing, index, secret);
      if (share === null) throw new DkgError(`dealer ${q.index} has no share for ${index}`);
      acc = fr.add(acc, fr.mul(q.weight, share));
    }
    scalars.push(acc);
  }
  return { x: scalars[0], ys: scalars.slice(1) };
}

/** The G2 parts of member `index`'s verification-key share: α_i and β_{G2,i}. */
export function expectedVerificationKeyShare(
  backend: GroupBackend,
  result: EpochResult,
  index: number,
): { alpha: G2; betaG2: G2[] } {
  const parts = result.combined.map((row) => committedShare(backend, row, index));
  return { alpha: parts[0], betaG2: parts.slice(1) };
}

/** The master key's G2 parts: A_{k,0}. */
export function masterVerificationKeyG2(result: EpochResult): { alpha: G2; betaG2: G2[] } {
  return { alpha: result.combined[0][0], betaG2: result.combined.slice(1).map((row) => row[0]) };
}

/**
 * Check a submitted verification-key share: its G2 parts must be the ones the commitments
 * give `index`, and each β_G1 must pair with its β_G2 (e(β_G1, g2) = e(g1, β_G2)).
 */
export function checkVerificationKeyShare(
  params: Parameters,
  result: EpochResult,
  index: number,
  vk: VerificationKey,
): void {
  const b = params.backend;
  const want = expectedVerificationKeyShare(b, result, index);
  if (vk.betaG2.length !== want.betaG2.length || vk.betaG1.length !== want.betaG2.length)
    throw new InvalidVerificationKeyShareError(
      index,
      `has ${vk.betaG2.length} attributes, expected ${want.betaG2.length}`,
    );
  if (!b.g2.equals(vk.alpha, want.alpha))
    throw new InvalidVerificationKeyShareError(index, 'alpha does not match the commitments');
  want.betaG2.forEach((w, k) => {
    if (!b.g2.equals(vk.betaG2[k], w))
      throw new InvalidVerificationKeyShareError(index, `beta_g2[${k}] does not match the commitments`);
    const pairs = [
      [vk.betaG1[k], params.g2Prepared],
      [b.g1.neg(params.g1), vk.betaG2[k]],
    ] as const;
    if (!b.pairingProductIsOne(pairs))
      throw new InvalidVerificationKeyShareError(index, `beta_g1[${k}] does not pair with beta_g2[${k}]`);
  });
}

/** The full verification key of a secret share (what a member submits). */
export function verificationKeyOfShare(
  params: Parameters,
  share: { x: bigint; ys: readonly bigint[] },
): VerificationKey {
  const { g1, g2 } = params.backend;
  return {
    alpha: g2.mul(params.g2, share.x),
    betaG1: share.ys.map((y) => g1.mul(params.g1, y)),
    betaG2: share.ys.map((y) => g2.mul(params.g2, y)),
  };
}
