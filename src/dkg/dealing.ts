/**
 * One dealing: a dealer's Feldman-committed Shamir sharing of one secret scalar (one of the
 * Coconut key's x, y₁..y_q; Nym's `dealing_index`), with every receiver's share encrypted to
 * the receiver's registered key.
 *
 * Sharing: f(z) = a₀ + a₁z + … + a_{t-1}z^{t-1}; receiver i gets f(i); commitments
 * C_j = g2^{a_j} let anyone compute g2^{f(i)} = Σ_j i^j·C_j. In a fresh epoch a₀ is random;
 * when resharing, a₀ is the dealer's current share, so C₀ must equal its previous
 * verification-key component (checked by {@link checkResharingCommitment}).
 *
 * Encryption (hashed ElGamal, additive pad): one ephemeral r per dealing, R = g1^r; for
 * receiver i with key PK_i, K_i = PK_i^r and
 *   e_i = f(i) + H(DST_SHARE_PAD, ctx, i, R, K_i)  (mod r)
 * The receiver computes K_i = R^{dk_i}. A receiver whose share fails the commitment check
 * publishes K_i with a DLEQ proof (complaint.ts), so anyone can decrypt that one share and
 * see who lied.
 *
 * Byte layout (version 1, big-endian):
 *   version u8 = 1 ‖ epoch_id u32 ‖ dealer_index u32 ‖ dealing_index u32 ‖ t u16 ‖
 *   R (48, compressed G1) ‖ C_0..C_{t-1} (t × 96, compressed G2) ‖ n u16 ‖
 *   n × ( receiver_index u32 ‖ e_i (32) )
 * Receivers are listed in ascending index, and must be exactly the epoch's registered dealers.
 */
import { fr } from '../coconut/index.js';
import type { G1, G2, GroupBackend, RandomBytes } from '../coconut/index.js';
import { InvalidDealingError, InvalidDkgParametersError } from './errors.js';
import { concat, DST_SHARE_PAD, hashToFr, u32 } from './transcript.js';

export const DEALING_VERSION = 1;
const HEADER = 1 + 4 + 4 + 4 + 2;

/** What a dealing is bound to: the epoch, its dealer and which key scalar it shares. */
export interface DealingContext {
  epochId: number;
  dealerIndex: number;
  dealingIndex: number;
}

export interface Receiver {
  index: number;
  publicKey: G1;
}

export interface Dealing extends DealingContext {
  threshold: number;
  ephemeral: G1;
  commitments: G2[];
  ciphertexts: { index: number; value: bigint }[];
}

function sharePad(b: GroupBackend, ctx: DealingContext, index: number, ephemeral: G1, dh: G1): bigint {
  return hashToFr(DST_SHARE_PAD, [
    u32(ctx.epochId),
    u32(ctx.dealerIndex),
    u32(ctx.dealingIndex),
    u32(index),
    b.g1.affineBytes(ephemeral),
    b.g1.affineBytes(dh),
  ]);
}

function checkReceivers(receivers: readonly Receiver[]): void {
  for (let k = 0; k < receivers.length; k++) {
    const i = receivers[k].index;
    if (!Number.isInteger(i) || i < 1 || i > 0xffff_ffff)
      throw new InvalidDkgParametersError(`receiver index ${i} is not a positive u32`);
    if (k > 0 && receivers[k - 1].index >= i)
      throw new InvalidDkgParametersError('receivers must be in strictly ascending index order');
  }
}

/**
 * Deal `secret` (random when absent) to `receivers` with threshold t. Returns the dealing's
 * bytes. `corruptFor` (tests only) gives those receivers a wrong share, as a cheating dealer.
 */
export function createDealing(
  backend: GroupBackend,
  ctx: DealingContext,
  threshold: number,
  receivers: readonly Receiver[],
  rng: RandomBytes,
  secret?: bigint,
  corruptFor: readonly number[] = [],
): Uint8Array {
  if (!Number.isInteger(threshold) || threshold < 1 || threshold > receivers.length || threshold > 0xffff)
    throw new InvalidDkgParametersError(`threshold ${threshold} with ${receivers.length} receivers`);
  checkReceivers(receivers);
  const { g1, g2 } = backend;
  const coefficients = fr.randomVec(rng, threshold);
  if (secret !== undefined) coefficients[0] = fr.mod(secret);
  const commitments = coefficients.map((a) => g2.mul(g2.generator, a));
  const r = fr.random(rng);
  const ephemeral = g1.mul(g1.generator, r);
  const parts: Uint8Array[] = [
    Uint8Array.of(DEALING_VERSION),
    u32(ctx.epochId),
    u32(ctx.dealerIndex),
    u32(ctx.dealingIndex),
    Uint8Array.of(threshold >> 8, threshold & 0xff),
    g1.toBytes(ephemeral),
    ...commitments.map((c) => g2.toBytes(c)),
    Uint8Array.of(receivers.length >> 8, receivers.length & 0xff),
  ];
  for (const rc of receivers) {
    const share = fr.polyEval(coefficients, BigInt(rc.index));
    const dh = g1.mul(rc.publicKey, r);
    let e = fr.add(share, sharePad(backend, ctx, rc.index, ephemeral, dh));
    if (corruptFor.includes(rc.index)) e = fr.add(e, 1n);
    parts.push(u32(rc.index), fr.toBytes(e));
  }
  return concat(parts);
}

/** Decode a dealing; every point is checked (on curve, in subgroup, not the identity). */
export function decodeDealing(backend: GroupBackend, bytes: Uint8Array): Dealing {
  if (bytes.length < HEADER)
    throw new InvalidDealingError(`${bytes.length} bytes is shorter than the header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes[0] !== DEALING_VERSION) throw new InvalidDealingError(`unknown version ${bytes[0]}`);
  const epochId = view.getUint32(1, false);
  const dealerIndex = view.getUint32(5, false);
  const dealingIndex = view.getUint32(9, false);
  const threshold = view.getUint16(13, false);
  if (threshold < 1) throw new InvalidDealingError('threshold 0');
  const afterCommitments = HEADER + 48 + threshold * 96;
  if (bytes.length < afterCommitments + 2) throw new InvalidDealingError('truncated commitments');
  const n = view.getUint16(afterCommitments, false);
  const expected = afterCommitments + 2 + n * 36;
  if (bytes.length !== expected)
    throw new InvalidDealingError(`${bytes.length} bytes, expected ${expected} for t=${threshold}, n=${n}`);
  const { g1, g2 } = backend;
  let ephemeral: G1;
  const commitments: G2[] = [];
  const ciphertexts: { index: number; value: bigint }[] = [];
  try {
    ephemeral = g1.fromBytes(bytes.subarray(HEADER, HEADER + 48));
    for (let j = 0; j < threshold; j++) {
      const o = HEADER + 48 + j * 96;
      commitments.push(g2.fromBytes(bytes.subarray(o, o + 96)));
    }
    for (let k = 0; k < n; k++) {
      const o = afterCommitments + 2 + k * 36;
      ciphertexts.push({
        index: view.getUint32(o, false),
        value: fr.fromBytes(bytes.subarray(o + 4, o + 36)),
      });
    }
  } catch (e) {
    throw new InvalidDealingError((e as Error).message);
  }
  if (g1.isIdentity(ephemeral)) throw new InvalidDealingError('identity ephemeral key');
  return { epochId, dealerIndex, dealingIndex, threshold, ephemeral, commitments, ciphertexts };
}

/**
 * The checks anyone can make without secrets: the dealing is bound to this epoch, dealer
 * and dealing index, uses the epoch's threshold, and has one ciphertext for each receiver.
 */
export function checkDealingPublic(
  dealing: Dealing,
  ctx: DealingContext,
  threshold: number,
  receiverIndices: readonly number[],
): void {
  if (dealing.epochId !== ctx.epochId) throw new InvalidDealingError(`for epoch ${dealing.epochId}`);
  if (dealing.dealerIndex !== ctx.dealerIndex)
    throw new InvalidDealingError(`made by dealer ${dealing.dealerIndex}, posted by ${ctx.dealerIndex}`);
  if (dealing.dealingIndex !== ctx.dealingIndex)
    throw new InvalidDealingError(`dealing index ${dealing.dealingIndex}, posted as ${ctx.dealingIndex}`);
  if (dealing.threshold !== threshold)
    throw new InvalidDealingError(`threshold ${dealing.threshold}, the epoch's is ${threshold}`);
  const got = dealing.ciphertexts.map((c) => c.index);
  if (got.length !== receiverIndices.length || got.some((i, k) => i !== receiverIndices[k]))
    throw new InvalidDealingError(`receivers [${got.join(',')}], expected [${receiverIndices.join(',')}]`);
}

/** g2^{f(i)} from the commitments: Σ_j i^j·C_j. */
export function committedShare(backend: GroupBackend, commitments: readonly G2[], index: number): G2 {
  const x = BigInt(index);
  const powers: bigint[] = [];
  let p = 1n;
  for (let j = 0; j < commitments.length; j++) {
    powers.push(p);
    p = fr.mul(p, x);
  }
  return backend.g2.msmPublic(commitments, powers);
}

/** The receiver's share from a DH value K = R^{dk} (own or revealed by a complaint). */
export function shareFromDh(backend: GroupBackend, dealing: Dealing, index: number, dh: G1): bigint | null {
  const c = dealing.ciphertexts.find((x) => x.index === index);
  if (!c) return null;
  return fr.sub(c.value, sharePad(backend, dealing, index, dealing.ephemeral, dh));
}

/** Decrypt this receiver's share; null when the dealing has none for it. */
export function decryptShare(
  backend: GroupBackend,
  dealing: Dealing,
  index: number,
  secret: bigint,
): bigint | null {
  return shareFromDh(backend, dealing, index, backend.g1.mul(dealing.ephemeral, secret));
}

/** Whether g2^share matches the commitments at `index`. */
export function shareMatchesCommitments(
  backend: GroupBackend,
  dealing: Dealing,
  index: number,
  share: bigint,
): boolean {
  const { g2 } = backend;
  return g2.equals(g2.mul(g2.generator, share), committedShare(backend, dealing.commitments, index));
}

/** Resharing: C₀ must be the dealer's previous verification-key component for this scalar. */
export function checkResharingCommitment(backend: GroupBackend, dealing: Dealing, previous: G2): void {
  if (!backend.g2.equals(dealing.commitments[0], previous))
    throw new InvalidDealingError("resharing dealing does not share the dealer's current key share");
}
