/**
 * The Coconut threshold credential scheme (Sonnino et al., NDSS 2019) in the shape Nym's
 * `nymcoconut` crate used it: private attributes committed with per-attribute Pedersen
 * commitments, blind issuance by each authority, unblinding with the client's openings,
 * Lagrange aggregation of any t shares, and showing with a randomised signature, a
 * blinded message kappa, and a blinded serial number zeta (double-spend tag).
 *
 * Nymph's choices where it differs from Nym's crate (so no byte compatibility with Nym):
 * - Fiat-Shamir challenges hash uncompressed affine coordinates under a domain tag (fr.ts).
 * - The blind-sign proof also binds the public attributes, so a request cannot be signed
 *   with public attributes other than those it was made for.
 * - The credential proof also binds the randomised signature (h', s'), so a shown
 *   credential cannot be re-randomised by someone else.
 *
 * Every function is pure and takes its randomness (a {@link RandomBytes}) as a parameter.
 */
import type { G1, G2, GroupBackend, PreparedG2 } from './backend.js';
import {
  AttributeCountError,
  CommitmentHashMismatchError,
  InvalidCredentialError,
  InvalidParametersError,
  InvalidProofError,
  InvalidShareIndexError,
  InvalidSignatureError,
  MismatchedSharesError,
  NotEnoughSharesError,
  TooManyAttributesError,
} from './errors.js';
import * as fr from './fr.js';
import type { RandomBytes } from './fr.js';

/** Domain tag for the attribute generators hs[i] = H("h" ‖ i), i = 1..q. */
export const HS_DST = 'NYMPH-COCONUT-V01-CS02-with-BLS12381G1_XMD:SHA-256_SSWU_RO_HS_';
/** Domain tag for h = H(commitment), the base of the issued signature. */
export const COMMITMENT_HASH_DST = 'NYMPH-COCONUT-V01-CS02-with-BLS12381G1_XMD:SHA-256_SSWU_RO_CM_';
/** Upper bound on attributes per credential, so decoders never allocate on a hostile count. */
export const MAX_ATTRIBUTES = 32;
/** Upper bound on authorities (share indices are 1..n). */
export const MAX_AUTHORITIES = 1024;

/** An attribute is a scalar of Fr (hash strings with {@link fr.hashToScalar}). */
export type Attribute = bigint;

/** Public parameters: generators and q attribute bases, for one backend. */
export interface Parameters {
  readonly backend: GroupBackend;
  readonly g1: G1;
  readonly g2: G2;
  /** hs[i] for attribute i (private attributes first, then public). */
  readonly hs: readonly G1[];
  /** g2 with Miller-loop lines precomputed (verification's fixed pairing input). */
  readonly g2Prepared: PreparedG2;
  /** Affine bytes of g1, g2 and hs: the fixed prefix of every challenge transcript. */
  readonly transcriptPrefix: Uint8Array;
}

/** Secret key (x, y₁..y_q) of one authority (or of a single issuer). */
export interface SecretKey {
  readonly x: bigint;
  readonly ys: readonly bigint[];
}

/** Verification key (α = g2ˣ, β_G1 = g1^y, β_G2 = g2^y). */
export interface VerificationKey {
  readonly alpha: G2;
  readonly betaG1: readonly G1[];
  readonly betaG2: readonly G2[];
}

/** An authority's key pair; `index` is its Shamir share index (1..n), absent for keygen. */
export interface KeyPair {
  readonly index?: number;
  readonly secretKey: SecretKey;
  readonly verificationKey: VerificationKey;
}

/** Proof of knowledge of the openings and private attributes of a blind-sign request. */
export interface BlindSignProof {
  readonly challenge: bigint;
  readonly responseOpening: bigint;
  readonly responseOpenings: readonly bigint[];
  readonly responseAttributes: readonly bigint[];
}

/** Lambda: what a client sends an authority to be blind-signed. */
export interface BlindSignRequest {
  /** cm = g1^r · ∏ hs[j]^m_j over the private attributes. */
  readonly commitment: G1;
  /** h = H(cm): the base of the signature. */
  readonly commitmentHash: G1;
  /** c_j = g1^o_j · h^m_j, one Pedersen commitment per private attribute. */
  readonly privateAttributeCommitments: readonly G1[];
  readonly proof: BlindSignProof;
}

/** A blinded signature share (h, c) from one authority. */
export interface BlindedSignature {
  readonly h: G1;
  readonly c: G1;
}

/** A Coconut signature (h, s) = (h, h^(x + Σ y_i m_i)). */
export interface Signature {
  readonly h: G1;
  readonly s: G1;
}

/** A signature (or verification key) share tagged with the authority index. */
export interface Share<T> {
  readonly index: number;
  readonly value: T;
}

/** Proof of knowledge in a shown credential: of the blinder and the private attributes. */
export interface CredentialProof {
  readonly challenge: bigint;
  readonly responseBlinder: bigint;
  readonly responseAttributes: readonly bigint[];
}

/** Theta: a shown credential. */
export interface Theta {
  /** kappa = g2^r · α · ∏ β_G2[i]^m_i over the private attributes. */
  readonly blindedMessage: G2;
  /** zeta = g2^m₀ (m₀ = serial number): equal for every showing of one credential. */
  readonly blindedSerialNumber: G2;
  /** The randomised signature (h', s'). */
  readonly credential: Signature;
  readonly proof: CredentialProof;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function checkScalars(what: string, xs: readonly bigint[]): void {
  for (const x of xs) {
    if (typeof x !== 'bigint' || x < 0n || x >= fr.FR_ORDER) {
      throw new InvalidParametersError(`${what}: attribute is not a scalar in [0, r)`);
    }
  }
}

/**
 * Public parameters for up to q attributes (private + public) on the given backend.
 * Deterministic: the same q gives the same points in every backend.
 */
export function setup(backend: GroupBackend, q: number): Parameters {
  if (!Number.isInteger(q) || q < 1 || q > MAX_ATTRIBUTES) {
    throw new InvalidParametersError(`q must be an integer in 1..${MAX_ATTRIBUTES}`);
  }
  const enc = new TextEncoder();
  const hs: G1[] = [];
  for (let i = 1; i <= q; i++) hs.push(backend.hashToG1(enc.encode(`h${i}`), HS_DST));
  const g1 = backend.g1.generator;
  const g2 = backend.g2.generator;
  const transcriptPrefix = concat([
    backend.g1.affineBytes(g1),
    backend.g2.affineBytes(g2),
    ...hs.map((h) => backend.g1.affineBytes(h)),
  ]);
  return { backend, g1, g2, hs, g2Prepared: backend.prepareG2(g2), transcriptPrefix };
}

function verificationKeyOf(params: Parameters, sk: SecretKey): VerificationKey {
  const { g1, g2 } = params.backend;
  return {
    alpha: g2.mul(params.g2, sk.x),
    betaG1: sk.ys.map((y) => g1.mul(params.g1, y)),
    betaG2: sk.ys.map((y) => g2.mul(params.g2, y)),
  };
}

/** A single issuer's key pair for q = params.hs.length attributes. */
export function keygen(params: Parameters, rng: RandomBytes): KeyPair {
  const x = fr.random(rng);
  const ys = fr.randomVec(rng, params.hs.length);
  const secretKey = { x, ys };
  return { secretKey, verificationKey: verificationKeyOf(params, secretKey) };
}

/**
 * Trusted-dealer key generation: Shamir shares (degree t-1 polynomials) of one secret
 * key for n authorities with indices 1..n. Any t of them can issue.
 */
export function ttpKeygen(params: Parameters, t: number, n: number, rng: RandomBytes): KeyPair[] {
  if (!Number.isInteger(n) || n < 1 || n > MAX_AUTHORITIES) {
    throw new InvalidParametersError(`n must be an integer in 1..${MAX_AUTHORITIES}`);
  }
  if (!Number.isInteger(t) || t < 1 || t > n) {
    throw new InvalidParametersError(`threshold t must be an integer in 1..n (n = ${n})`);
  }
  const v = fr.randomVec(rng, t);
  const ws = params.hs.map(() => fr.randomVec(rng, t));
  const out: KeyPair[] = [];
  for (let i = 1; i <= n; i++) {
    const idx = BigInt(i);
    const secretKey = { x: fr.polyEval(v, idx), ys: ws.map((w) => fr.polyEval(w, idx)) };
    out.push({ index: i, secretKey, verificationKey: verificationKeyOf(params, secretKey) });
  }
  return out;
}

function checkAttributeCounts(
  params: Parameters,
  nPrivate: number,
  nPublic: number,
  keyAttrs?: number,
): void {
  if (nPrivate < 1) throw new AttributeCountError('private attributes', 1, nPrivate);
  const max = Math.min(params.hs.length, keyAttrs ?? params.hs.length);
  if (nPrivate + nPublic > max) throw new TooManyAttributesError(max, nPrivate + nPublic);
}

/** h = H(affine bytes of cm). */
export function commitmentHash(params: Parameters, commitment: G1): G1 {
  return params.backend.hashToG1(params.backend.g1.affineBytes(commitment), COMMITMENT_HASH_DST);
}

function blindSignChallenge(
  params: Parameters,
  req: Omit<BlindSignRequest, 'proof'>,
  witnessCm: G1,
  witnessCs: readonly G1[],
  publicAttributes: readonly bigint[],
): bigint {
  const a = (p: G1): Uint8Array => params.backend.g1.affineBytes(p);
  return fr.challenge([
    params.transcriptPrefix,
    a(req.commitmentHash),
    a(req.commitment),
    ...req.privateAttributeCommitments.map(a),
    a(witnessCm),
    ...witnessCs.map(a),
    ...publicAttributes.map(fr.toBytes),
  ]);
}

/** What {@link prepareBlindSign} returns: the request to send and the openings to keep. */
export interface PreparedBlindSign {
  readonly request: BlindSignRequest;
  /** The Pedersen openings o_j; needed to unblind the shares. Keep them secret. */
  readonly pedersenOpenings: readonly bigint[];
}

/**
 * Build a blind-sign request for `privateAttributes` (committed, hidden from the
 * authorities) to be signed together with `publicAttributes` (sent in the clear).
 * Randomness is drawn in this order: r, o₁..o_k, then the proof witnesses.
 */
export function prepareBlindSign(
  params: Parameters,
  privateAttributes: readonly Attribute[],
  publicAttributes: readonly Attribute[],
  rng: RandomBytes,
): PreparedBlindSign {
  checkAttributeCounts(params, privateAttributes.length, publicAttributes.length);
  checkScalars('private attributes', privateAttributes);
  checkScalars('public attributes', publicAttributes);
  const { g1 } = params.backend;
  const k = privateAttributes.length;
  const r = fr.random(rng);
  const openings = fr.randomVec(rng, k);
  // Secret scalars: constant-time multiplications throughout.
  let commitment = g1.mul(params.g1, r);
  for (let j = 0; j < k; j++) commitment = g1.add(commitment, g1.mul(params.hs[j], privateAttributes[j]));
  const h = commitmentHash(params, commitment);
  const cs = privateAttributes.map((m, j) => g1.add(g1.mul(params.g1, openings[j]), g1.mul(h, m)));

  const wr = fr.random(rng);
  const wo = fr.randomVec(rng, k);
  const wm = fr.randomVec(rng, k);
  let witnessCm = g1.mul(params.g1, wr);
  for (let j = 0; j < k; j++) witnessCm = g1.add(witnessCm, g1.mul(params.hs[j], wm[j]));
  const witnessCs = wm.map((m, j) => g1.add(g1.mul(params.g1, wo[j]), g1.mul(h, m)));
  const base = { commitment, commitmentHash: h, privateAttributeCommitments: cs };
  const c = blindSignChallenge(params, base, witnessCm, witnessCs, publicAttributes);
  const proof: BlindSignProof = {
    challenge: c,
    responseOpening: fr.sub(wr, fr.mul(c, r)),
    responseOpenings: wo.map((w, j) => fr.sub(w, fr.mul(c, openings[j]))),
    responseAttributes: wm.map((w, j) => fr.sub(w, fr.mul(c, privateAttributes[j]))),
  };
  return { request: { ...base, proof }, pedersenOpenings: openings };
}

/**
 * Check a blind-sign request: h = H(cm) and the proof of knowledge (bound to the
 * public attributes). Throws {@link CommitmentHashMismatchError} or {@link InvalidProofError}.
 */
export function verifyBlindSignRequest(
  params: Parameters,
  request: BlindSignRequest,
  publicAttributes: readonly Attribute[],
): void {
  const k = request.privateAttributeCommitments.length;
  checkAttributeCounts(params, k, publicAttributes.length);
  checkScalars('public attributes', publicAttributes);
  const { proof } = request;
  if (proof.responseOpenings.length !== k || proof.responseAttributes.length !== k) {
    throw new InvalidProofError('blind-sign-request');
  }
  const { g1 } = params.backend;
  if (!g1.equals(commitmentHash(params, request.commitment), request.commitmentHash)) {
    throw new CommitmentHashMismatchError();
  }
  const c = proof.challenge;
  const witnessCm = g1.msmPublic(
    [request.commitment, params.g1, ...params.hs.slice(0, k)],
    [c, proof.responseOpening, ...proof.responseAttributes],
  );
  const witnessCs = request.privateAttributeCommitments.map((cj, j) =>
    g1.msmPublic(
      [cj, params.g1, request.commitmentHash],
      [c, proof.responseOpenings[j], proof.responseAttributes[j]],
    ),
  );
  if (blindSignChallenge(params, request, witnessCm, witnessCs, publicAttributes) !== c) {
    throw new InvalidProofError('blind-sign-request');
  }
}

/**
 * An authority's blind signature on a request: verifies the request first, then
 * returns (h, ∏ c_j^y_j · h^(x + Σ y_(k+i) · pub_i)).
 */
export function blindSign(
  params: Parameters,
  secretKey: SecretKey,
  request: BlindSignRequest,
  publicAttributes: readonly Attribute[],
): BlindedSignature {
  const k = request.privateAttributeCommitments.length;
  checkAttributeCounts(params, k, publicAttributes.length, secretKey.ys.length);
  verifyBlindSignRequest(params, request, publicAttributes);
  const { g1 } = params.backend;
  const h = request.commitmentHash;
  // The key is secret: constant-time multiplications; one for h covers x and the public part.
  let e = secretKey.x;
  publicAttributes.forEach((m, i) => (e = fr.add(e, fr.mul(m, secretKey.ys[k + i]))));
  let c = g1.mul(h, e);
  request.privateAttributeCommitments.forEach((cj, j) => (c = g1.add(c, g1.mul(cj, secretKey.ys[j]))));
  return { h, c };
}

/**
 * Remove the Pedersen blinding from one authority's share with the client's openings
 * and that authority's verification key: s = c · ∏ β_G1[j]^(-o_j).
 */
export function unblind(
  params: Parameters,
  blinded: BlindedSignature,
  pedersenOpenings: readonly bigint[],
  partialVerificationKey: VerificationKey,
): Signature {
  const k = pedersenOpenings.length;
  if (partialVerificationKey.betaG1.length < k) {
    throw new TooManyAttributesError(partialVerificationKey.betaG1.length, k);
  }
  const { g1 } = params.backend;
  let blind = g1.identity;
  for (let j = 0; j < k; j++)
    blind = g1.add(blind, g1.mul(partialVerificationKey.betaG1[j], pedersenOpenings[j]));
  return { h: blinded.h, s: g1.sub(blinded.c, blind) };
}

/**
 * Verify a (partial or aggregated) signature on all attributes in the clear (private
 * first, then public): e(h, α · ∏ β_G2[i]^m_i) = e(s, g2). Throws {@link InvalidSignatureError}.
 */
export function verifySignature(
  params: Parameters,
  verificationKey: VerificationKey,
  signature: Signature,
  attributes: readonly Attribute[],
  what = 'signature',
): void {
  if (attributes.length > verificationKey.betaG2.length) {
    throw new TooManyAttributesError(verificationKey.betaG2.length, attributes.length);
  }
  checkScalars('attributes', attributes);
  const { g1, g2 } = params.backend;
  if (g1.isIdentity(signature.h)) throw new InvalidSignatureError(what);
  // Attributes may be secret (the caller's own): constant-time multiplications.
  let k = verificationKey.alpha;
  attributes.forEach((m, i) => (k = g2.add(k, g2.mul(verificationKey.betaG2[i], m))));
  if (
    !params.backend.pairingProductIsOne([
      [signature.h, k],
      [g1.neg(signature.s), params.g2Prepared],
    ])
  ) {
    throw new InvalidSignatureError(what);
  }
}

function checkShareSet(
  what: string,
  indices: readonly number[],
  threshold: number,
  authorities?: number,
): void {
  if (!Number.isInteger(threshold) || threshold < 1)
    throw new InvalidParametersError('threshold must be >= 1');
  if (authorities !== undefined && (!Number.isInteger(authorities) || authorities < threshold)) {
    throw new InvalidParametersError('authorities must be an integer >= threshold');
  }
  const max = authorities ?? MAX_AUTHORITIES;
  const seen = new Set<number>();
  for (const i of indices) {
    if (!Number.isInteger(i) || i < 1 || i > max) throw new InvalidShareIndexError(i, `not in 1..${max}`);
    if (seen.has(i)) throw new InvalidShareIndexError(i, 'duplicate');
    seen.add(i);
  }
  if (indices.length < threshold) throw new NotEnoughSharesError(what, threshold, indices.length);
}

/** Options of the aggregation functions. */
export interface AggregateOptions {
  /** t: the minimum number of shares. */
  readonly threshold: number;
  /** n: share indices must lie in 1..n (default: any up to {@link MAX_AUTHORITIES}). */
  readonly authorities?: number;
}

/**
 * Combine signature shares from at least t distinct authorities by Lagrange
 * interpolation at 0. All shares must carry the same h.
 */
export function aggregateSignatureShares(
  params: Parameters,
  shares: readonly Share<Signature>[],
  options: AggregateOptions,
): Signature {
  checkShareSet(
    'signature shares',
    shares.map((s) => s.index),
    options.threshold,
    options.authorities,
  );
  const { g1 } = params.backend;
  const h = shares[0].value.h;
  for (const s of shares) {
    if (!g1.equals(s.value.h, h)) throw new MismatchedSharesError('signature shares have different h');
  }
  if (g1.isIdentity(h)) throw new InvalidSignatureError('signature share');
  const l = fr.lagrangeAtZero(shares.map((s) => BigInt(s.index)));
  return {
    h,
    s: g1.msmPublic(
      shares.map((s) => s.value.s),
      l,
    ),
  };
}

/** Combine verification-key shares from at least t authorities (Lagrange at 0). */
export function aggregateVerificationKeys(
  params: Parameters,
  shares: readonly Share<VerificationKey>[],
  options: AggregateOptions,
): VerificationKey {
  checkShareSet(
    'verification-key shares',
    shares.map((s) => s.index),
    options.threshold,
    options.authorities,
  );
  const q = shares[0].value.betaG2.length;
  for (const s of shares) {
    if (s.value.betaG1.length !== q || s.value.betaG2.length !== q) {
      throw new MismatchedSharesError('verification keys have different attribute counts');
    }
  }
  const { g1, g2 } = params.backend;
  const l = fr.lagrangeAtZero(shares.map((s) => BigInt(s.index)));
  return {
    alpha: g2.msmPublic(
      shares.map((s) => s.value.alpha),
      l,
    ),
    betaG1: Array.from({ length: q }, (_, i) =>
      g1.msmPublic(
        shares.map((s) => s.value.betaG1[i]),
        l,
      ),
    ),
    betaG2: Array.from({ length: q }, (_, i) =>
      g2.msmPublic(
        shares.map((s) => s.value.betaG2[i]),
        l,
      ),
    ),
  };
}

/**
 * Re-randomise a signature: (h^r', s^r' · h'^r) and the blinder r, so that the result
 * verifies against kappa = g2^r · α · ∏ β^m. Randomness order: r', then r.
 */
export function randomise(
  params: Parameters,
  signature: Signature,
  rng: RandomBytes,
): { signature: Signature; blinder: bigint } {
  const { g1 } = params.backend;
  const rPrime = fr.random(rng);
  const r = fr.random(rng);
  const h = g1.mul(signature.h, rPrime);
  const s = g1.add(g1.mul(signature.s, rPrime), g1.mul(h, r));
  return { signature: { h, s }, blinder: r };
}

function credentialChallenge(
  params: Parameters,
  vk: VerificationKey,
  k: number,
  theta: Omit<Theta, 'proof'>,
  witnessKappa: G2,
  witnessZeta: G2,
): bigint {
  const { g1, g2 } = params.backend;
  return fr.challenge([
    params.transcriptPrefix,
    g2.affineBytes(vk.alpha),
    ...vk.betaG2.slice(0, k).map((b) => g2.affineBytes(b)),
    g2.affineBytes(theta.blindedMessage),
    g2.affineBytes(theta.blindedSerialNumber),
    g1.affineBytes(theta.credential.h),
    g1.affineBytes(theta.credential.s),
    g2.affineBytes(witnessKappa),
    g2.affineBytes(witnessZeta),
  ]);
}

/**
 * Show a credential: randomise the signature, blind the private attributes into kappa,
 * reveal zeta = g2^m₀ (private attribute 0 is the serial number), and prove knowledge.
 * Randomness order: r', r (randomise), then the witnesses w_r, w_m₁..w_m_k.
 */
export function proveCredential(
  params: Parameters,
  verificationKey: VerificationKey,
  signature: Signature,
  privateAttributes: readonly Attribute[],
  rng: RandomBytes,
): Theta {
  const k = privateAttributes.length;
  if (k < 1) throw new AttributeCountError('private attributes', 1, 0);
  if (k > verificationKey.betaG2.length) throw new TooManyAttributesError(verificationKey.betaG2.length, k);
  checkScalars('private attributes', privateAttributes);
  const { g2 } = params.backend;
  const { signature: credential, blinder } = randomise(params, signature, rng);
  const blind = (t: bigint, ms: readonly bigint[]): G2 => {
    let acc = g2.add(g2.mul(params.g2, t), verificationKey.alpha);
    ms.forEach((m, i) => (acc = g2.add(acc, g2.mul(verificationKey.betaG2[i], m))));
    return acc;
  };
  const blindedMessage = blind(blinder, privateAttributes);
  const blindedSerialNumber = g2.mul(params.g2, privateAttributes[0]);
  const wt = fr.random(rng);
  const wm = fr.randomVec(rng, k);
  const witnessKappa = blind(wt, wm);
  const witnessZeta = g2.mul(params.g2, wm[0]);
  const base = { blindedMessage, blindedSerialNumber, credential };
  const c = credentialChallenge(params, verificationKey, k, base, witnessKappa, witnessZeta);
  return {
    ...base,
    proof: {
      challenge: c,
      responseBlinder: fr.sub(wt, fr.mul(c, blinder)),
      responseAttributes: wm.map((w, i) => fr.sub(w, fr.mul(c, privateAttributes[i]))),
    },
  };
}

/** How many distinct public-attribute tuples a prepared key remembers. */
export const PREPARED_KEY_CACHE_SIZE = 64;

/**
 * A verification key prepared for repeated verification (a gateway's steady state):
 * it remembers Σ β_G2[k+j] · pub_j for the public-attribute tuples it has seen (vouchers
 * share a handful of values), saving a G2 multi-scalar multiplication per check.
 * Create with {@link prepareVerificationKey}; use wherever a key is accepted for verifying.
 */
export interface PreparedVerificationKey {
  readonly verificationKey: VerificationKey;
  /** Cached public parts, keyed by private-count and attribute values; bounded (LRU). */
  readonly publicParts: Map<string, G2>;
}

/** Prepare a verification key for repeated {@link verifyCredential} calls. */
export function prepareVerificationKey(verificationKey: VerificationKey): PreparedVerificationKey {
  return { verificationKey, publicParts: new Map() };
}

function isPrepared(k: VerificationKey | PreparedVerificationKey): k is PreparedVerificationKey {
  return (k as PreparedVerificationKey).publicParts instanceof Map;
}

function publicPart(
  params: Parameters,
  key: VerificationKey | PreparedVerificationKey,
  k: number,
  publicAttributes: readonly Attribute[],
): G2 {
  const vk = isPrepared(key) ? key.verificationKey : key;
  const compute = (): G2 =>
    params.backend.g2.msmPublic(vk.betaG2.slice(k, k + publicAttributes.length), publicAttributes);
  if (!isPrepared(key)) return compute();
  const id = `${k}:${publicAttributes.join(',')}`;
  let part = key.publicParts.get(id);
  if (part) {
    key.publicParts.delete(id); // re-insert: most recently used last
  } else {
    part = compute();
    if (key.publicParts.size >= PREPARED_KEY_CACHE_SIZE) {
      key.publicParts.delete(key.publicParts.keys().next().value as string);
    }
  }
  key.publicParts.set(id, part);
  return part;
}

/**
 * Verify a shown credential with the (aggregated) verification key, plain or prepared
 * ({@link prepareVerificationKey}), and the public attributes in the clear. Throws {@link InvalidProofError} when the proof of knowledge
 * fails, {@link InvalidCredentialError} when the signature does not verify (wrong
 * attributes, wrong key, degenerate h'), and count errors for attribute mismatches.
 */
export function verifyCredential(
  params: Parameters,
  key: VerificationKey | PreparedVerificationKey,
  theta: Theta,
  publicAttributes: readonly Attribute[],
): void {
  const verificationKey = isPrepared(key) ? key.verificationKey : key;
  const { proof, credential } = theta;
  const k = proof.responseAttributes.length;
  if (k < 1) throw new AttributeCountError('private attributes', 1, 0);
  const q = verificationKey.betaG2.length;
  if (k + publicAttributes.length > q) throw new TooManyAttributesError(q, k + publicAttributes.length);
  checkScalars('public attributes', publicAttributes);
  const { g1, g2 } = params.backend;
  if (g1.isIdentity(credential.h)) throw new InvalidCredentialError("h' is the identity");
  const c = proof.challenge;
  // kappa_w = α + (κ - α)·c + g2·r_t + Σ β_i·r_m_i   (= g2^w_t · α · ∏ β^w_m when honest)
  const witnessKappa = g2.add(
    verificationKey.alpha,
    g2.msmPublic(
      [g2.sub(theta.blindedMessage, verificationKey.alpha), params.g2, ...verificationKey.betaG2.slice(0, k)],
      [c, proof.responseBlinder, ...proof.responseAttributes],
    ),
  );
  const witnessZeta = g2.msmPublic([theta.blindedSerialNumber, params.g2], [c, proof.responseAttributes[0]]);
  if (credentialChallenge(params, verificationKey, k, theta, witnessKappa, witnessZeta) !== c) {
    throw new InvalidProofError('credential');
  }
  let kappa = theta.blindedMessage;
  if (publicAttributes.length > 0) kappa = g2.add(kappa, publicPart(params, key, k, publicAttributes));
  if (
    !params.backend.pairingProductIsOne([
      [credential.h, kappa],
      [g1.neg(credential.s), params.g2Prepared],
    ])
  ) {
    throw new InvalidCredentialError('pairing check failed');
  }
}
