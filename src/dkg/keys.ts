/**
 * A dealer's DKG key: a scalar dk and its public key PK = g1^dk, registered on chain as
 * `bte_key_with_proof` (the field Nym's contract uses for its BTE key) with a Schnorr proof
 * of possession bound to the dealer's chain address, so nobody registers someone else's key
 * (and learns the shares encrypted to it).
 *
 *   bte_key_with_proof = base58( PK (48, compressed G1) ‖ c (32) ‖ s (32) )
 *   A = g1^s · PK^c,  c = H(DST_KEY_PROOF, PK, A, address)
 */
import { base58 } from '@scure/base';
import { fr } from '../coconut/index.js';
import type { G1, GroupBackend, RandomBytes } from '../coconut/index.js';
import { InvalidDealerKeyError } from './errors.js';
import { concat, DST_KEY_PROOF, hashToFr, utf8 } from './transcript.js';

export const DEALER_KEY_BYTES = 48 + 32 + 32;

export interface DealerKeyPair {
  readonly secret: bigint;
  readonly publicKey: G1;
}

export function generateDealerKey(backend: GroupBackend, rng: RandomBytes): DealerKeyPair {
  let secret = 0n;
  while (secret === 0n) secret = fr.random(rng);
  return { secret, publicKey: backend.g1.mul(backend.g1.generator, secret) };
}

export function dealerKeyFromSecret(backend: GroupBackend, secret: bigint): DealerKeyPair {
  if (secret <= 0n || secret >= fr.FR_ORDER) throw new InvalidDealerKeyError('secret out of range');
  return { secret, publicKey: backend.g1.mul(backend.g1.generator, secret) };
}

const keyChallenge = (b: GroupBackend, pk: G1, a: G1, address: string): bigint =>
  hashToFr(DST_KEY_PROOF, [b.g1.affineBytes(pk), b.g1.affineBytes(a), utf8(address)]);

/** The registration string for `address`. */
export function encodeDealerKey(
  backend: GroupBackend,
  key: DealerKeyPair,
  address: string,
  rng: RandomBytes,
): string {
  const { g1 } = backend;
  const w = fr.random(rng);
  const a = g1.mul(g1.generator, w);
  const c = keyChallenge(backend, key.publicKey, a, address);
  const s = fr.sub(w, fr.mul(c, key.secret));
  return base58.encode(concat([g1.toBytes(key.publicKey), fr.toBytes(c), fr.toBytes(s)]));
}

/** The public key of a registration string, once its proof holds for `address`. */
export function decodeDealerKey(backend: GroupBackend, text: string, address: string): G1 {
  let bytes: Uint8Array;
  try {
    bytes = base58.decode(text);
  } catch {
    throw new InvalidDealerKeyError('not base58');
  }
  if (bytes.length !== DEALER_KEY_BYTES)
    throw new InvalidDealerKeyError(`${bytes.length} bytes, expected ${DEALER_KEY_BYTES}`);
  const { g1 } = backend;
  let pk: G1;
  let c: bigint;
  let s: bigint;
  try {
    pk = g1.fromBytes(bytes.subarray(0, 48));
    c = fr.fromBytes(bytes.subarray(48, 80));
    s = fr.fromBytes(bytes.subarray(80, 112));
  } catch (e) {
    throw new InvalidDealerKeyError((e as Error).message);
  }
  if (g1.isIdentity(pk)) throw new InvalidDealerKeyError('identity public key');
  const a = g1.add(g1.mulPublic(g1.generator, s), g1.mulPublic(pk, c));
  if (keyChallenge(backend, pk, a, address) !== c)
    throw new InvalidDealerKeyError('proof of possession does not hold for this address');
  return pk;
}
