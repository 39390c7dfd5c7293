/**
 * The pure DKG (src/dkg) end to end in memory: n dealers deal, review, and derive t-of-n
 * Coconut keys; any t shares sign, t-1 cannot; a cheating dealer is excluded by a public
 * complaint; a false complaint is void; a wrong verification-key share is caught; and a
 * resharing to a new group keeps the master key, so old signatures still verify.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  aggregateSignatureShares,
  aggregateVerificationKeys,
  blindSign,
  codecsFor,
  fr,
  InvalidSignatureError,
  loadBackend,
  prepareBlindSign,
  seededRandom,
  setup,
  unblind,
  verifySignature,
  type Parameters,
  type SecretKey,
  type Signature,
  type VerificationKey,
} from '../../src/coconut/index.js';
import {
  COMPLAINT_PROOF_BYTES,
  checkVerificationKeyShare,
  complaintUpheld,
  createDealing,
  decodeDealerKey,
  decodeDealing,
  deriveSecretShare,
  dkgThreshold,
  encodeDealerKey,
  evaluateEpoch,
  generateDealerKey,
  InvalidComplaintError,
  InvalidDealerKeyError,
  InvalidDealingError,
  InvalidVerificationKeyShareError,
  makeComplaint,
  masterVerificationKeyG2,
  NotEnoughDealersError,
  reviewDealings,
  verificationKeyOfShare,
  type DealerKeyPair,
  type EpochComplaint,
  type EpochDealer,
  type EpochInput,
} from '../../src/dkg/index.js';

const KEY_SIZE = 5;
const rng = seededRandom('dkg tests');
let params: Parameters;
const priv = [fr.hashToScalar('serial'), fr.hashToScalar('binding')];
const pub = [fr.hashToScalar('1024'), fr.hashToScalar('BandwidthVoucher')];

interface Member extends EpochDealer {
  key: DealerKeyPair;
}

function members(n: number, first = 1): Member[] {
  return Array.from({ length: n }, (_, k) => {
    const key = generateDealerKey(params.backend, rng);
    return { address: `n1member${first + k}`, index: first + k, publicKey: key.publicKey, key };
  });
}

interface RunOptions {
  epochId?: number;
  dealers?: Member[];
  cheat?: { dealer: string; against: number[] };
  previous?: { threshold: number; shares: Map<string, { secret: SecretKey; vk: VerificationKey }> };
}

/** One epoch: every dealer deals, every member reviews; returns the epoch input and result. */
function runEpoch(group: Member[], o: RunOptions = {}) {
  const epochId = o.epochId ?? 0;
  const t = dkgThreshold(group.length);
  const dealers = o.dealers ?? group;
  const dealings = new Map<string, Uint8Array[]>();
  for (const d of dealers) {
    const prev = o.previous?.shares.get(d.address);
    if (o.previous && !prev) continue;
    const out: Uint8Array[] = [];
    for (let k = 0; k < KEY_SIZE; k++) {
      const secret = prev ? (k === 0 ? prev.secret.x : prev.secret.ys[k - 1]) : undefined;
      const corrupt = o.cheat?.dealer === d.address ? o.cheat.against : [];
      out.push(
        createDealing(
          params.backend,
          { epochId, dealerIndex: d.index, dealingIndex: k },
          t,
          group,
          rng,
          secret,
          corrupt,
        ),
      );
    }
    dealings.set(d.address, out);
  }
  const base: EpochInput = {
    backend: params.backend,
    epochId,
    threshold: t,
    keySize: KEY_SIZE,
    dealers: group,
    dealings,
    complaints: [],
    resharing: o.previous
      ? {
          previousThreshold: o.previous.threshold,
          previousShares: new Map([...o.previous.shares].map(([a, s]) => [a, s.vk])),
        }
      : undefined,
  };
  const complaints: EpochComplaint[] = group.flatMap((m) =>
    reviewDealings(base, { address: m.address, index: m.index, secret: m.key.secret }, rng),
  );
  const input = { ...base, complaints };
  const result = evaluateEpoch(input);
  const shares = new Map(
    group.map((m) => {
      const secret = deriveSecretShare(params.backend, result, m.index, m.key.secret);
      return [m.address, { secret, vk: verificationKeyOfShare(params, secret) }] as const;
    }),
  );
  return { t, input, result, complaints, shares };
}

function sign(keys: { index: number; secret: SecretKey; vk: VerificationKey }[]): Signature[] {
  const { request, pedersenOpenings } = prepareBlindSign(params, priv, pub, rng);
  return keys.map((k) => unblind(params, blindSign(params, k.secret, request, pub), pedersenOpenings, k.vk));
}

const enc = (vk: VerificationKey) => codecsFor(params.backend).verificationKey.toBase58(vk);

beforeAll(async () => {
  params = setup(await loadBackend('mcl'), 4);
});

describe('dealer keys', () => {
  it('a registration proves possession for one address only', () => {
    const key = generateDealerKey(params.backend, rng);
    const text = encodeDealerKey(params.backend, key, 'n1alice', rng);
    expect(params.backend.g1.equals(decodeDealerKey(params.backend, text, 'n1alice'), key.publicKey)).toBe(
      true,
    );
    expect(() => decodeDealerKey(params.backend, text, 'n1mallory')).toThrow(InvalidDealerKeyError);
    expect(() => decodeDealerKey(params.backend, 'not-base58!', 'n1alice')).toThrow(InvalidDealerKeyError);
    expect(() => decodeDealerKey(params.backend, '3mJr7AoUXx2Wqd', 'n1alice')).toThrow(/bytes, expected 112/);
  });
});

describe('joint-Feldman DKG, 3 and 5 dealers', () => {
  it('t-of-n keys: any t shares sign under the master key, t-1 cannot', () => {
    for (const n of [3, 5]) {
      const group = members(n);
      const { t, result, shares, complaints } = runEpoch(group);
      expect(t).toBe(dkgThreshold(n));
      expect(complaints).toEqual([]);
      expect(result.qualified.map((q) => q.index)).toEqual(group.map((m) => m.index));
      const keys = group.map((m) => ({ index: m.index, ...shares.get(m.address)! }));
      for (const k of keys) checkVerificationKeyShare(params, result, k.index, k.vk);
      const vkShares = keys.map((k) => ({ index: k.index, value: k.vk }));
      const master = aggregateVerificationKeys(params, vkShares.slice(0, t), { threshold: t });
      // the master key is the commitments' constant terms, whichever t shares interpolate it
      const g2 = masterVerificationKeyG2(result);
      expect(params.backend.g2.equals(master.alpha, g2.alpha)).toBe(true);
      expect(enc(aggregateVerificationKeys(params, vkShares.slice(n - t), { threshold: t }))).toBe(
        enc(master),
      );
      const sigs = sign(keys);
      const withIndex = sigs.map((s, i) => ({ index: keys[i].index, value: s }));
      const sig = aggregateSignatureShares(params, withIndex.slice(n - t), { threshold: t });
      verifySignature(params, master, sig, [...priv, ...pub]);
      const forced = aggregateSignatureShares(params, withIndex.slice(0, t - 1), { threshold: t - 1 });
      expect(() => verifySignature(params, master, forced, [...priv, ...pub])).toThrow(InvalidSignatureError);
    }
  });

  it('a dealer that deals a bad share is excluded by a public complaint; the others finish', () => {
    const group = members(5);
    const cheater = group[1];
    const { t, result, complaints, shares } = runEpoch(group, {
      cheat: { dealer: cheater.address, against: [4] },
    });
    expect(complaints.map((c) => [c.complainer, c.dealer])).toEqual(
      Array.from({ length: KEY_SIZE }, () => [group[3].address, cheater.address]),
    );
    expect(result.excluded).toEqual([
      { address: cheater.address, reason: expect.stringContaining('upheld complaint') },
    ]);
    expect(result.qualified.map((q) => q.address)).not.toContain(cheater.address);
    const keys = group.map((m) => ({ index: m.index, ...shares.get(m.address)! }));
    for (const k of keys) checkVerificationKeyShare(params, result, k.index, k.vk);
    const master = aggregateVerificationKeys(
      params,
      keys.slice(0, t).map((k) => ({ index: k.index, value: k.vk })),
      { threshold: t },
    );
    const sigs = sign(keys);
    const sig = aggregateSignatureShares(
      params,
      sigs.slice(1, 1 + t).map((s, i) => ({ index: keys[i + 1].index, value: s })),
      { threshold: t },
    );
    verifySignature(params, master, sig, [...priv, ...pub]);
  });

  it('a false complaint is void, a forged proof is rejected, a silent dealer just is not counted', () => {
    const group = members(3);
    const [a, b, c] = group;
    // c deals nothing (silent)
    const { input, result } = runEpoch(group, { dealers: [a, b] });
    expect(result.qualified.map((q) => q.address)).toEqual([a.address, b.address]);
    const dealing = decodeDealing(params.backend, input.dealings.get(a.address)![0]!);
    // b complains although its share is good: the revealed share matches, the complaint is void
    const falseProof = makeComplaint(params.backend, dealing, b.index, b.key.secret, rng);
    expect(falseProof.length).toBe(COMPLAINT_PROOF_BYTES);
    expect(complaintUpheld(params.backend, dealing, b.index, b.publicKey, falseProof)).toBe(false);
    const again = evaluateEpoch({
      ...input,
      complaints: [{ complainer: b.address, dealer: a.address, dealingIndex: 0, proof: falseProof }],
    });
    expect(again.qualified.map((q) => q.address)).toContain(a.address);
    // c cannot complain in b's name: the DLEQ proof binds b's key
    const forged = makeComplaint(params.backend, dealing, b.index, c.key.secret, rng);
    expect(() => complaintUpheld(params.backend, dealing, b.index, b.publicKey, forged)).toThrow(
      InvalidComplaintError,
    );
    const bytes = falseProof.slice();
    bytes[60] ^= 1;
    expect(() => complaintUpheld(params.backend, dealing, b.index, b.publicKey, bytes)).toThrow(
      InvalidComplaintError,
    );
  });

  it('malformed or misbound dealings are excluded without complaints', () => {
    const group = members(3);
    const t = dkgThreshold(3);
    const good = () =>
      Array.from({ length: KEY_SIZE }, (_, k) =>
        createDealing(
          params.backend,
          { epochId: 0, dealerIndex: group[0].index, dealingIndex: k },
          t,
          group,
          rng,
        ),
      );
    const truncated = good();
    truncated[2] = truncated[2].subarray(0, 100);
    const wrongEpoch = good().map((_, k) =>
      createDealing(
        params.backend,
        { epochId: 9, dealerIndex: group[1].index, dealingIndex: k },
        t,
        group,
        rng,
      ),
    );
    const stolen = good(); // group[0]'s dealings reposted by group[2]
    const input: EpochInput = {
      backend: params.backend,
      epochId: 0,
      threshold: t,
      keySize: KEY_SIZE,
      dealers: group,
      dealings: new Map([
        [group[0].address, truncated],
        [group[1].address, wrongEpoch],
        [group[2].address, stolen],
      ]),
      complaints: [],
    };
    expect(() => decodeDealing(params.backend, truncated[2])).toThrow(InvalidDealingError);
    expect(() => evaluateEpoch(input)).toThrow(NotEnoughDealersError);
  });

  it('a wrong verification-key share is caught against the commitments', () => {
    const group = members(3);
    const { result, shares } = runEpoch(group);
    const own = shares.get(group[0].address)!;
    const other = shares.get(group[1].address)!;
    expect(() => checkVerificationKeyShare(params, result, group[0].index, other.vk)).toThrow(
      InvalidVerificationKeyShareError,
    );
    // right G2 parts, wrong G1 part
    const mixed = { ...own.vk, betaG1: [other.vk.betaG1[0], ...own.vk.betaG1.slice(1)] };
    expect(() => checkVerificationKeyShare(params, result, group[0].index, mixed)).toThrow(/does not pair/);
  });

  it('resharing to a changed group keeps the master key: old signatures still verify', () => {
    const group = members(4);
    const first = runEpoch(group);
    const keys0 = group.map((m) => ({ index: m.index, ...first.shares.get(m.address)! }));
    const master0 = aggregateVerificationKeys(
      params,
      keys0.map((k) => ({ index: k.index, value: k.vk })),
      { threshold: first.t },
    );
    const sigs = sign(keys0);
    const oldSig = aggregateSignatureShares(
      params,
      sigs.slice(0, first.t).map((s, i) => ({ index: keys0[i].index, value: s })),
      { threshold: first.t },
    );
    // member 4 leaves, two join (indices 5, 6); the old members reshare their shares
    const next = [...group.slice(0, 3), ...members(2, 5)];
    const second = runEpoch(next, {
      epochId: 1,
      previous: {
        threshold: first.t,
        shares: new Map(group.slice(0, 3).map((m) => [m.address, first.shares.get(m.address)!])),
      },
    });
    expect(second.result.qualified.map((q) => q.index)).toEqual([1, 2, 3]);
    const keys1 = next.map((m) => ({ index: m.index, ...second.shares.get(m.address)! }));
    for (const k of keys1) checkVerificationKeyShare(params, second.result, k.index, k.vk);
    const master1 = aggregateVerificationKeys(
      params,
      keys1.slice(1, 1 + second.t).map((k) => ({ index: k.index, value: k.vk })),
      { threshold: second.t },
    );
    expect(enc(master1)).toBe(enc(master0));
    verifySignature(params, master1, oldSig, [...priv, ...pub]);
    // new shares sign too, under the same key
    const newSigs = sign(keys1);
    const sig = aggregateSignatureShares(
      params,
      newSigs.slice(5 - second.t).map((s, i) => ({ index: keys1[5 - second.t + i].index, value: s })),
      { threshold: second.t },
    );
    verifySignature(params, master0, sig, [...priv, ...pub]);
    // a resharing dealer that deals a fresh secret instead of its share is excluded
    expect(() =>
      runEpoch(next, {
        epochId: 1,
        previous: {
          threshold: first.t,
          shares: new Map(
            group.slice(0, 3).map((m, i) => {
              const s = first.shares.get(m.address)!;
              return [m.address, i === 0 ? { ...s, secret: { ...s.secret, x: s.secret.x + 1n } } : s];
            }),
          ),
        },
      }),
    ).toThrow(NotEnoughDealersError);
  });
});
