/**
 * A public complaint: receiver i says dealer d's share for it is wrong, and proves it by
 * revealing the DH value K_i = R^{dk_i} with a Chaum-Pedersen (DLEQ) proof that
 * log_g1(PK_i) = log_R(K_i). Anyone can then decrypt that one share (dealing.ts) and test
 * it against the commitments: a failing share upholds the complaint (the dealer is
 * disqualified), a matching one voids it (the complainer lied, and only revealed its own
 * share of that dealer's polynomial, which t-1 corrupt parties knew anyway).
 *
 *   proof = K (48, compressed G1) ‖ c (32) ‖ s (32)
 *   A₁ = g1^s · PK^c, A₂ = R^s · K^c, c = H(DST_DLEQ, ctx, i, PK, R, K, A₁, A₂)
 */
import { fr } from '../coconut/index.js';
import type { G1, GroupBackend, RandomBytes } from '../coconut/index.js';
import type { Dealing } from './dealing.js';
import { shareFromDh, shareMatchesCommitments } from './dealing.js';
import { InvalidComplaintError } from './errors.js';
import { concat, DST_DLEQ, hashToFr, u32 } from './transcript.js';

export const COMPLAINT_PROOF_BYTES = 48 + 32 + 32;

function dleqChallenge(
  b: GroupBackend,
  dealing: Dealing,
  index: number,
  pk: G1,
  dh: G1,
  a1: G1,
  a2: G1,
): bigint {
  const p = (x: G1) => b.g1.affineBytes(x);
  return hashToFr(DST_DLEQ, [
    u32(dealing.epochId),
    u32(dealing.dealerIndex),
    u32(dealing.dealingIndex),
    u32(index),
    p(pk),
    p(dealing.ephemeral),
    p(dh),
    p(a1),
    p(a2),
  ]);
}

/** Receiver `index` (key dk, PK) complains against `dealing`. */
export function makeComplaint(
  backend: GroupBackend,
  dealing: Dealing,
  index: number,
  secret: bigint,
  rng: RandomBytes,
): Uint8Array {
  const { g1 } = backend;
  const pk = g1.mul(g1.generator, secret);
  const dh = g1.mul(dealing.ephemeral, secret);
  const w = fr.random(rng);
  const a1 = g1.mul(g1.generator, w);
  const a2 = g1.mul(dealing.ephemeral, w);
  const c = dleqChallenge(backend, dealing, index, pk, dh, a1, a2);
  const s = fr.sub(w, fr.mul(c, secret));
  return concat([g1.toBytes(dh), fr.toBytes(c), fr.toBytes(s)]);
}

/**
 * Judge a complaint by receiver `index` (registered key `pk`). Returns true when it is
 * upheld (the revealed share fails the commitments, or there is no share for the receiver);
 * false when the share is fine. Throws InvalidComplaintError when the proof does not hold.
 */
export function complaintUpheld(
  backend: GroupBackend,
  dealing: Dealing,
  index: number,
  pk: G1,
  proof: Uint8Array,
): boolean {
  if (proof.length !== COMPLAINT_PROOF_BYTES)
    throw new InvalidComplaintError(`${proof.length} bytes, expected ${COMPLAINT_PROOF_BYTES}`);
  const { g1 } = backend;
  let dh: G1;
  let c: bigint;
  let s: bigint;
  try {
    dh = g1.fromBytes(proof.subarray(0, 48));
    c = fr.fromBytes(proof.subarray(48, 80));
    s = fr.fromBytes(proof.subarray(80, 112));
  } catch (e) {
    throw new InvalidComplaintError((e as Error).message);
  }
  const a1 = g1.add(g1.mulPublic(g1.generator, s), g1.mulPublic(pk, c));
  const a2 = g1.add(g1.mulPublic(dealing.ephemeral, s), g1.mulPublic(dh, c));
  if (dleqChallenge(backend, dealing, index, pk, dh, a1, a2) !== c)
    throw new InvalidComplaintError('the DLEQ proof does not hold');
  const share = shareFromDh(backend, dealing, index, dh);
  if (share === null) return true;
  return !shareMatchesCommitments(backend, dealing, index, share);
}
