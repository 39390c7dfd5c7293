/**
 * Arithmetic in Fr, the scalar field of BLS12-381, on bigints. Shared by both backends so
 * that every scalar the scheme derives (keys, openings, challenges, responses) is identical
 * whatever group backend runs it; that is what lets the two backends reproduce one set of
 * vectors. Secret-scalar arithmetic on bigints is not constant-time (as in noble); the
 * expensive secret operations, the point multiplications, are.
 */
import { sha512 } from '@noble/hashes/sha2.js';
import { expand_message_xmd } from '@noble/curves/abstract/hash-to-curve.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { InvalidLengthError, InvalidScalarError } from './errors.js';

/** Source of random bytes; pass a CSPRNG in production, a seeded stream for vectors. */
export type RandomBytes = (length: number) => Uint8Array;

/** Order r of G1, G2 and GT (the Fr modulus). */
export const FR_ORDER = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001n;

/** Scalars travel as 32 big-endian bytes, canonical (< r). */
export const SCALAR_LENGTH = 32;

/** Domain tag for hashing strings/bytes (attributes such as voucher info) to scalars. */
export const HASH_TO_SCALAR_DST = 'NYMPH-COCONUT-V01_FR_XMD:SHA-256_';

/** Domain tag prefixed to every Fiat-Shamir challenge transcript. */
export const CHALLENGE_DST = new TextEncoder().encode('NYMPH-COCONUT-V01_CHALLENGE_');

export const mod = (a: bigint): bigint => {
  const r = a % FR_ORDER;
  return r < 0n ? r + FR_ORDER : r;
};
export const add = (a: bigint, b: bigint): bigint => mod(a + b);
export const sub = (a: bigint, b: bigint): bigint => mod(a - b);
export const mul = (a: bigint, b: bigint): bigint => mod(a * b);
export const neg = (a: bigint): bigint => mod(-a);

/** Modular inverse by Fermat; throws on zero. */
export function inv(a: bigint): bigint {
  const x = mod(a);
  if (x === 0n) throw new InvalidScalarError('inverse of zero');
  let result = 1n;
  let base = x;
  let e = FR_ORDER - 2n;
  while (e > 0n) {
    if (e & 1n) result = (result * base) % FR_ORDER;
    base = (base * base) % FR_ORDER;
    e >>= 1n;
  }
  return result;
}

function bytesToBigint(bytes: Uint8Array): bigint {
  let hex = '';
  for (const b of bytes) hex += b.toString(16).padStart(2, '0');
  return hex.length === 0 ? 0n : BigInt('0x' + hex);
}

/** Canonical 32-byte big-endian encoding of a scalar. */
export function toBytes(a: bigint): Uint8Array {
  if (a < 0n || a >= FR_ORDER) throw new InvalidScalarError('scalar out of range');
  const hex = a.toString(16).padStart(64, '0');
  const out = new Uint8Array(SCALAR_LENGTH);
  for (let i = 0; i < SCALAR_LENGTH; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Decode 32 big-endian bytes; rejects non-canonical values (>= r). */
export function fromBytes(bytes: Uint8Array): bigint {
  if (bytes.length !== SCALAR_LENGTH) {
    throw new InvalidLengthError('scalar', SCALAR_LENGTH, bytes.length);
  }
  const a = bytesToBigint(bytes);
  if (a >= FR_ORDER) throw new InvalidScalarError('non-canonical encoding (>= group order)');
  return a;
}

/** Uniform random scalar: 64 random bytes reduced mod r (bias < 2^-256). */
export function random(rng: RandomBytes): bigint {
  const bytes = rng(64);
  if (!(bytes instanceof Uint8Array) || bytes.length !== 64) {
    throw new InvalidLengthError('random bytes', 64, bytes?.length ?? 0);
  }
  return mod(bytesToBigint(bytes));
}

/** `count` random scalars. */
export function randomVec(rng: RandomBytes, count: number): bigint[] {
  const out: bigint[] = [];
  for (let i = 0; i < count; i++) out.push(random(rng));
  return out;
}

/**
 * Hash bytes to a scalar the RFC 9380 hash_to_field way (expand_message_xmd, SHA-256,
 * 48 bytes, reduce mod r) under {@link HASH_TO_SCALAR_DST}.
 */
export function hashToScalar(msg: Uint8Array | string): bigint {
  const bytes = typeof msg === 'string' ? new TextEncoder().encode(msg) : msg;
  return mod(bytesToBigint(expand_message_xmd(bytes, HASH_TO_SCALAR_DST, 48, sha256)));
}

/**
 * Fiat-Shamir challenge: SHA-512 over the domain tag and the length-prefixed transcript
 * parts, reduced mod r. Points enter as their uncompressed affine coordinates (cheap in
 * both backends, unlike compressed encodings with validity checks).
 */
export function challenge(parts: readonly Uint8Array[]): bigint {
  const h = sha512.create();
  h.update(CHALLENGE_DST);
  const len = new Uint8Array(4);
  for (const p of parts) {
    new DataView(len.buffer).setUint32(0, p.length, false);
    h.update(len);
    h.update(p);
  }
  return mod(bytesToBigint(h.digest()));
}

/** Lagrange coefficients at x = 0 for the given distinct non-zero indices. */
export function lagrangeAtZero(indices: readonly bigint[]): bigint[] {
  return indices.map((i, k) => {
    let num = 1n;
    let den = 1n;
    indices.forEach((j, l) => {
      if (l === k) return;
      num = mul(num, j);
      den = mul(den, sub(j, i));
    });
    return mul(num, inv(den));
  });
}

/** Evaluate a polynomial (coefficients low to high) at x (Horner). */
export function polyEval(coefficients: readonly bigint[], x: bigint): bigint {
  let acc = 0n;
  for (let i = coefficients.length - 1; i >= 0; i--) acc = add(mul(acc, x), coefficients[i]);
  return acc;
}
