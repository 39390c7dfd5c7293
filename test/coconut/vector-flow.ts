/**
 * The deterministic issuance-and-show flow behind test/vectors/coconut-voucher.json,
 * shared by scripts/gen-coconut-vectors.ts (which writes the file with the reference
 * backend) and test/coconut/vectors.test.ts (which replays it on every backend).
 */
import {
  BandwidthVoucher,
  aggregateVerificationKeys,
  codecsFor,
  issueVoucherShare,
  seededRandom,
  ttpKeygen,
  verifyVoucherCredential,
  voucherParameters,
  type GroupBackend,
} from '../../src/coconut/index.js';

export const VECTOR_SEED = 'nymph coconut vectors v1';
export const VECTOR_THRESHOLD = 3;
export const VECTOR_AUTHORITIES = 5;
/** Authorities whose shares are aggregated in the vector. */
export const VECTOR_SIGNERS = [1, 3, 5];
export const VECTOR_VALUE = 1024n;
export const VECTOR_INFO = 'BandwidthVoucher';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** Everything the vector records, as hex strings. */
export interface CoconutVector {
  seed: string;
  threshold: number;
  authorities: number;
  signers: number[];
  value: string;
  info: string;
  hs: string[];
  publicAttributes: string[];
  secretKeys: string[];
  verificationKeys: string[];
  aggregatedVerificationKey: string;
  privateAttributes: string;
  pedersenOpenings: string;
  blindSignRequest: string;
  blindedShares: string[];
  signatureShares: string[];
  signature: string;
  theta: string;
  blindedSerialNumber: string;
  blindedSerialNumberBase58: string;
}

/** Run the flow on a backend with the seeded randomness; verifies on the way. */
export function runVectorFlow(backend: GroupBackend): CoconutVector {
  const rng = seededRandom(VECTOR_SEED);
  const params = voucherParameters(backend);
  const c = codecsFor(backend);
  const keys = ttpKeygen(params, VECTOR_THRESHOLD, VECTOR_AUTHORITIES, rng);
  const voucher = BandwidthVoucher.create(params, VECTOR_VALUE, VECTOR_INFO, rng);
  const req = voucher.prepareRequest();
  const signers = keys.filter((k) => VECTOR_SIGNERS.includes(k.index ?? 0));
  const blinded = signers.map((k) =>
    issueVoucherShare(params, k.secretKey, req.request, VECTOR_VALUE, VECTOR_INFO),
  );
  const shares = signers.map((k, i) => voucher.unblindShare(blinded[i], k.index ?? 0, k.verificationKey));
  const vk = aggregateVerificationKeys(
    params,
    keys.map((k) => ({ index: k.index ?? 0, value: k.verificationKey })),
    { threshold: VECTOR_THRESHOLD, authorities: VECTOR_AUTHORITIES },
  );
  const credential = voucher.aggregate(shares, vk, {
    threshold: VECTOR_THRESHOLD,
    authorities: VECTOR_AUTHORITIES,
  });
  const theta = credential.prove(vk, rng);
  const verified = verifyVoucherCredential(params, vk, c.theta.encode(theta), VECTOR_VALUE, VECTOR_INFO);
  return {
    seed: VECTOR_SEED,
    threshold: VECTOR_THRESHOLD,
    authorities: VECTOR_AUTHORITIES,
    signers: VECTOR_SIGNERS,
    value: VECTOR_VALUE.toString(),
    info: VECTOR_INFO,
    hs: params.hs.map((h) => hex(backend.g1.toBytes(h))),
    publicAttributes: req.publicAttributes.map((a) => a.toString(16)),
    secretKeys: keys.map((k) => hex(c.secretKey.encode(k.secretKey))),
    verificationKeys: keys.map((k) => hex(c.verificationKey.encode(k.verificationKey))),
    aggregatedVerificationKey: hex(c.verificationKey.encode(vk)),
    privateAttributes: hex(c.scalars.encode(voucher.privateAttributes)),
    pedersenOpenings: hex(c.scalars.encode(voucher.pedersenOpenings)),
    blindSignRequest: hex(c.blindSignRequest.encode(req.request)),
    blindedShares: blinded.map((b) => hex(c.blindedSignature.encode(b))),
    signatureShares: shares.map((s) => hex(c.signatureShare.encode(s))),
    signature: hex(c.signature.encode(credential.signature)),
    theta: hex(c.theta.encode(theta)),
    blindedSerialNumber: hex(verified.blindedSerialNumber),
    blindedSerialNumberBase58: verified.blindedSerialNumberBase58,
  };
}
