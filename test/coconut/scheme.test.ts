import { beforeAll, describe, expect, it } from 'vitest';
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
  aggregateSignatureShares,
  aggregateVerificationKeys,
  blindSign,
  codecsFor,
  fr,
  keygen,
  loadBackend,
  prepareVerificationKey,
  PREPARED_KEY_CACHE_SIZE,
  prepareBlindSign,
  proveCredential,
  seededRandom,
  setup,
  ttpKeygen,
  unblind,
  verifyCredential,
  verifySignature,
  type KeyPair,
  type Parameters,
  type Share,
  type Signature,
  type Theta,
} from '../../src/coconut/index.js';

// Scheme tests run on mcl (fast); noble runs the vectors and one end-to-end.
const T = 3;
const N = 5;
const priv = [fr.hashToScalar('serial'), fr.hashToScalar('binding')];
const pub = [fr.hashToScalar('1024'), fr.hashToScalar('BandwidthVoucher')];
const all = [...priv, ...pub];

let params: Parameters;
let keys: KeyPair[];
let shares: Share<Signature>[];
const rng = seededRandom('scheme tests');

function subsets<X>(xs: readonly X[], k: number): X[][] {
  if (k === 0) return [[]];
  if (xs.length < k) return [];
  const [head, ...rest] = xs;
  return [...subsets(rest, k - 1).map((s) => [head, ...s]), ...subsets(rest, k)];
}

const vkShares = (ks: readonly KeyPair[]) =>
  ks.map((k) => ({ index: k.index ?? 0, value: k.verificationKey }));

beforeAll(async () => {
  params = setup(await loadBackend('mcl'), 4);
  keys = ttpKeygen(params, T, N, rng);
  const { request, pedersenOpenings } = prepareBlindSign(params, priv, pub, rng);
  shares = keys.map((k) => {
    const blinded = blindSign(params, k.secretKey, request, pub);
    const sig = unblind(params, blinded, pedersenOpenings, k.verificationKey);
    verifySignature(params, k.verificationKey, sig, all);
    return { index: k.index ?? 0, value: sig };
  });
});

describe('coconut scheme, 3-of-5 (mcl)', () => {
  it('issues and verifies with every t-subset of authorities', () => {
    const combos = subsets([0, 1, 2, 3, 4], T);
    expect(combos).toHaveLength(10);
    const fullVk = aggregateVerificationKeys(params, vkShares(keys), { threshold: T, authorities: N });
    for (const combo of combos) {
      const opts = { threshold: T, authorities: N };
      const vk = aggregateVerificationKeys(params, vkShares(combo.map((i) => keys[i])), opts);
      // Any t key shares interpolate to the same aggregated key.
      expect(codecsFor(params.backend).verificationKey.encode(vk)).toEqual(
        codecsFor(params.backend).verificationKey.encode(fullVk),
      );
      const sig = aggregateSignatureShares(
        params,
        combo.map((i) => shares[i]),
        opts,
      );
      verifySignature(params, vk, sig, all);
      const theta = proveCredential(params, vk, sig, priv, rng);
      expect(() => verifyCredential(params, vk, theta, pub)).not.toThrow();
    }
  });

  it('any t-1 shares fail: refused below threshold, and wrong if forced', () => {
    const vk = aggregateVerificationKeys(params, vkShares(keys), { threshold: T });
    for (const pair of subsets([0, 1, 2, 3, 4], T - 1)) {
      const two = pair.map((i) => shares[i]);
      expect(() => aggregateSignatureShares(params, two, { threshold: T })).toThrow(NotEnoughSharesError);
      // Interpolating a degree-2 polynomial through 2 points gives a wrong signature.
      const forced = aggregateSignatureShares(params, two, { threshold: T - 1 });
      expect(() => verifySignature(params, vk, forced, all)).toThrow(InvalidSignatureError);
    }
    expect(() => aggregateVerificationKeys(params, vkShares(keys.slice(0, 2)), { threshold: T })).toThrow(
      NotEnoughSharesError,
    );
  });

  it('a credential shown twice has the same zeta and different proofs; both verify', () => {
    const vk = aggregateVerificationKeys(params, vkShares(keys), { threshold: T });
    const sig = aggregateSignatureShares(params, shares.slice(0, 3), { threshold: T });
    const c = codecsFor(params.backend);
    const a = proveCredential(params, vk, sig, priv, rng);
    const b = proveCredential(params, vk, sig, priv, rng);
    verifyCredential(params, vk, a, pub);
    verifyCredential(params, vk, b, pub);
    expect(c.g2Point.encode(a.blindedSerialNumber)).toEqual(c.g2Point.encode(b.blindedSerialNumber));
    expect(c.g2Point.encode(a.blindedMessage)).not.toEqual(c.g2Point.encode(b.blindedMessage));
    expect(c.signature.encode(a.credential)).not.toEqual(c.signature.encode(b.credential));
    expect(a.proof.challenge).not.toBe(b.proof.challenge);
    // A different serial number gives a different zeta.
    const other = proveCredential(params, vk, sig, [priv[0] + 1n, priv[1]], rng);
    expect(c.g2Point.encode(other.blindedSerialNumber)).not.toEqual(c.g2Point.encode(a.blindedSerialNumber));
    expect(() => verifyCredential(params, vk, other, pub)).toThrow(InvalidCredentialError);
  });

  it('a prepared key verifies the same, caches public parts, and stays bounded', () => {
    const vk = aggregateVerificationKeys(params, vkShares(keys), { threshold: T });
    const sig = aggregateSignatureShares(params, shares.slice(2, 5), { threshold: T });
    const theta = proveCredential(params, vk, sig, priv, rng);
    const prepared = prepareVerificationKey(vk);
    verifyCredential(params, prepared, theta, pub);
    verifyCredential(params, prepared, theta, pub); // cache hit
    expect(prepared.publicParts.size).toBe(1);
    // Other public attributes miss the cache and fail like the plain key does.
    expect(() => verifyCredential(params, prepared, theta, [pub[0], 1n])).toThrow(InvalidCredentialError);
    for (let i = 0; i < PREPARED_KEY_CACHE_SIZE + 3; i++) {
      expect(() => verifyCredential(params, prepared, theta, [BigInt(i + 2), 1n])).toThrow(
        InvalidCredentialError,
      );
    }
    expect(prepared.publicParts.size).toBe(PREPARED_KEY_CACHE_SIZE);
    verifyCredential(params, prepared, theta, pub);
  });

  it('single-issuer keygen works the same way', () => {
    const kp = keygen(params, rng);
    const { request, pedersenOpenings } = prepareBlindSign(params, priv, pub, rng);
    const sig = unblind(
      params,
      blindSign(params, kp.secretKey, request, pub),
      pedersenOpenings,
      kp.verificationKey,
    );
    verifySignature(params, kp.verificationKey, sig, all);
    verifyCredential(
      params,
      kp.verificationKey,
      proveCredential(params, kp.verificationKey, sig, priv, rng),
      pub,
    );
  });
});

describe('coconut scheme rejects bad input with typed errors (mcl)', () => {
  let vk: ReturnType<typeof aggregateVerificationKeys>;
  let sig: Signature;
  let theta: Theta;
  beforeAll(() => {
    vk = aggregateVerificationKeys(params, vkShares(keys), { threshold: T });
    sig = aggregateSignatureShares(params, shares.slice(1, 4), { threshold: T });
    theta = proveCredential(params, vk, sig, priv, rng);
  });

  it('blind sign: tampered proof, other public attributes, bad commitment hash', () => {
    const { request } = prepareBlindSign(params, priv, pub, rng);
    const sk = keys[0].secretKey;
    const tampered = {
      ...request,
      proof: { ...request.proof, responseOpening: fr.add(request.proof.responseOpening, 1n) },
    };
    expect(() => blindSign(params, sk, tampered, pub)).toThrow(InvalidProofError);
    const otherAttrs = {
      ...request,
      proof: { ...request.proof, responseAttributes: [...request.proof.responseAttributes].reverse() },
    };
    expect(() => blindSign(params, sk, otherAttrs, pub)).toThrow(InvalidProofError);
    expect(() => blindSign(params, sk, request, [pub[1], pub[0]])).toThrow(InvalidProofError);
    const g1 = params.backend.g1;
    const badHash = { ...request, commitmentHash: g1.add(request.commitmentHash, g1.generator) };
    expect(() => blindSign(params, sk, badHash, pub)).toThrow(CommitmentHashMismatchError);
    // A request swapped onto another commitment (proof made for other attributes).
    const other = prepareBlindSign(params, [priv[0] + 1n, priv[1]], pub, rng).request;
    expect(() => blindSign(params, sk, { ...other, proof: request.proof }, pub)).toThrow(InvalidProofError);
    expect(() => blindSign(params, sk, request, [...pub, 1n])).toThrow(TooManyAttributesError);
    expect(() => prepareBlindSign(params, [], pub, rng)).toThrow(AttributeCountError);
    expect(() => prepareBlindSign(params, [fr.FR_ORDER], pub, rng)).toThrow(InvalidParametersError);
  });

  it('aggregation: non-member index, duplicates, zero, mismatched shares', () => {
    const opts = { threshold: T, authorities: N };
    const bad = [...shares.slice(0, 2), { index: 6, value: shares[2].value }];
    expect(() => aggregateSignatureShares(params, bad, opts)).toThrow(InvalidShareIndexError);
    const zero = [...shares.slice(0, 2), { index: 0, value: shares[2].value }];
    expect(() => aggregateSignatureShares(params, zero, opts)).toThrow(InvalidShareIndexError);
    const dup = [shares[0], shares[1], shares[1]];
    expect(() => aggregateSignatureShares(params, dup, opts)).toThrow(InvalidShareIndexError);
    const g1 = params.backend.g1;
    const mixed = [...shares.slice(0, 2), { index: 3, value: { h: g1.generator, s: shares[2].value.s } }];
    expect(() => aggregateSignatureShares(params, mixed, opts)).toThrow(MismatchedSharesError);
    const vkBad = [...vkShares(keys.slice(0, 2)), { index: 9, value: keys[2].verificationKey }];
    expect(() => aggregateVerificationKeys(params, vkBad, opts)).toThrow(InvalidShareIndexError);
    // A share presented under another authority's index aggregates to a wrong signature.
    const swapped = [shares[0], shares[1], { index: 4, value: shares[2].value }];
    const wrong = aggregateSignatureShares(params, swapped, opts);
    expect(() => verifySignature(params, vk, wrong, all)).toThrow(InvalidSignatureError);
    expect(() => ttpKeygen(params, 4, 3, rng)).toThrow(InvalidParametersError);
  });

  it('verify credential: tampered proof, other attributes, other key, degenerate signature', () => {
    const bump = (x: bigint) => fr.add(x, 1n);
    const p = theta.proof;
    const variants: Theta[] = [
      { ...theta, proof: { ...p, challenge: bump(p.challenge) } },
      { ...theta, proof: { ...p, responseBlinder: bump(p.responseBlinder) } },
      {
        ...theta,
        proof: { ...p, responseAttributes: [p.responseAttributes[0], bump(p.responseAttributes[1])] },
      },
      { ...theta, blindedSerialNumber: params.backend.g2.add(theta.blindedSerialNumber, params.g2) },
      { ...theta, blindedMessage: params.backend.g2.add(theta.blindedMessage, params.g2) },
      // Re-randomising the shown signature is detected: the proof binds (h', s').
      {
        ...theta,
        credential: {
          h: params.backend.g1.mul(theta.credential.h, 5n),
          s: params.backend.g1.mul(theta.credential.s, 5n),
        },
      },
    ];
    for (const v of variants) expect(() => verifyCredential(params, vk, v, pub)).toThrow(InvalidProofError);
    expect(() => verifyCredential(params, vk, theta, [pub[1], pub[0]])).toThrow(InvalidCredentialError);
    expect(() => verifyCredential(params, vk, theta, [pub[0], fr.add(pub[1], 1n)])).toThrow(
      InvalidCredentialError,
    );
    const otherKey = keygen(params, rng).verificationKey;
    expect(() => verifyCredential(params, otherKey, theta, pub)).toThrow(InvalidProofError);
    const g1 = params.backend.g1;
    const degenerate = { ...theta, credential: { h: g1.identity, s: g1.identity } };
    expect(() => verifyCredential(params, vk, degenerate, pub)).toThrow(InvalidCredentialError);
    expect(() => verifyCredential(params, vk, theta, [...pub, 1n])).toThrow(TooManyAttributesError);
    // A credential proven for three private attributes checked as if it had two.
    expect(() =>
      verifyCredential(params, vk, { ...theta, proof: { ...p, responseAttributes: [] } }, pub),
    ).toThrow(AttributeCountError);
    expect(() => verifyCredential(params, vk, theta, pub)).not.toThrow();
  });
});
