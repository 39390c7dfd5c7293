import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  BandwidthCredential,
  BandwidthVoucher,
  CoconutError,
  InvalidCredentialError,
  InvalidLengthError,
  InvalidParametersError,
  InvalidPointError,
  InvalidProofError,
  InvalidScalarError,
  InvalidSignatureError,
  MalformedEncodingError,
  NotEnoughSharesError,
  aggregateVerificationKeys,
  codecsFor,
  fr,
  issueVoucherShare,
  loadBackend,
  seededRandom,
  ttpKeygen,
  verifyVoucherCredential,
  voucherParameters,
  voucherPublicAttributes,
  type Codecs,
  type GroupBackend,
  type KeyPair,
  type Parameters,
  type VerificationKey,
} from '../../src/coconut/index.js';

let backend: GroupBackend;
let params: Parameters;
let c: Codecs;
let keys: KeyPair[];
let vk: VerificationKey;
let credential: BandwidthCredential;
let voucher: BandwidthVoucher;
const rng = seededRandom('encoding tests');
const opts = { threshold: 3, authorities: 5 };

beforeAll(async () => {
  backend = await loadBackend('mcl');
  params = voucherParameters(backend);
  c = codecsFor(backend);
  keys = ttpKeygen(params, 3, 5, rng);
  vk = aggregateVerificationKeys(
    params,
    keys.map((k) => ({ index: k.index ?? 0, value: k.verificationKey })),
    opts,
  );
  voucher = BandwidthVoucher.create(params, 50, 'BandwidthVoucher', rng);
  const shares = keys.slice(0, 3).map((k) => {
    const blinded = issueVoucherShare(params, k.secretKey, voucher.request, 50, 'BandwidthVoucher');
    return voucher.unblindShare(blinded, k.index ?? 0, k.verificationKey);
  });
  credential = voucher.aggregate(shares, vk, opts);
});

/** Decode must either succeed or throw a CoconutError; never anything else. */
function decodeOutcome(f: () => unknown): 'ok' | 'typed' {
  try {
    f();
    return 'ok';
  } catch (e) {
    if (e instanceof CoconutError) return 'typed';
    throw e;
  }
}

describe('coconut encodings (mcl)', () => {
  it('round-trips every object in bytes and base58, also from offset views', () => {
    const theta = credential.prove(vk, rng);
    const req = voucher.request;
    const cases: [keyof Codecs, unknown][] = [
      ['secretKey', keys[0].secretKey],
      ['verificationKey', vk],
      ['verificationKeyShare', { index: 2, value: keys[1].verificationKey }],
      ['blindSignRequest', req],
      ['signature', credential.signature],
      ['signatureShare', { index: 5, value: credential.signature }],
      ['theta', theta],
      ['scalars', voucher.privateAttributes],
      ['g2Point', theta.blindedSerialNumber],
    ];
    for (const [name, value] of cases) {
      const codec = c[name] as unknown as {
        encode(v: unknown): Uint8Array;
        decode(b: GroupBackend, x: Uint8Array): unknown;
        toBase58(v: unknown): string;
        fromBase58(b: GroupBackend, s: string): unknown;
      };
      const bytes = codec.encode(value);
      expect(codec.encode(codec.decode(backend, bytes))).toEqual(bytes);
      expect(codec.encode(codec.fromBase58(backend, codec.toBase58(value)))).toEqual(bytes);
      // Decoding from a view into a larger buffer (as Node's Buffer pool gives).
      const big = new Uint8Array(bytes.length + 13);
      big.set(bytes, 7);
      expect(codec.encode(codec.decode(backend, big.subarray(7, 7 + bytes.length)))).toEqual(bytes);
      expect(() => codec.decode(backend, bytes.subarray(0, bytes.length - 1))).toThrow(CoconutError);
      const longer = new Uint8Array(bytes.length + 1);
      longer.set(bytes);
      expect(() => codec.decode(backend, longer)).toThrow(MalformedEncodingError);
    }
    expect(() => c.theta.fromBase58(backend, '0OIl')).toThrow(MalformedEncodingError);
    expect(() => c.theta.decode(backend, new Uint8Array(10))).toThrow(InvalidLengthError);
  });

  it('property: scalar and signature-share round trips, non-canonical scalars rejected', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: fr.FR_ORDER - 1n }),
        fc.integer({ min: 1, max: 1024 }),
        (s, index) => {
          expect(fr.fromBytes(fr.toBytes(s))).toBe(s);
          const xs = [s, fr.sub(0n, s)];
          expect(c.scalars.decode(backend, c.scalars.encode(xs))).toEqual(xs);
          const share = { index, value: credential.signature };
          const back = c.signatureShare.fromBase58(backend, c.signatureShare.toBase58(share));
          expect(back.index).toBe(index);
        },
      ),
      { numRuns: 200 },
    );
    fc.assert(
      fc.property(fc.bigInt({ min: fr.FR_ORDER, max: (1n << 256n) - 1n }), (s) => {
        const b = Buffer.from(s.toString(16).padStart(64, '0'), 'hex');
        expect(() => fr.fromBytes(new Uint8Array(b))).toThrow(InvalidScalarError);
      }),
      { numRuns: 100 },
    );
  });

  it('property: theta round trips across fresh showings and stays verifiable', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 16 }), (seed) => {
        const theta = credential.prove(vk, seededRandom(seed));
        const text = c.theta.toBase58(theta);
        const back = c.theta.fromBase58(backend, text);
        expect(c.theta.toBase58(back)).toBe(text);
        verifyVoucherCredential(params, vk, back, 50, 'BandwidthVoucher');
      }),
      { numRuns: 8 },
    );
  });

  it('property: any byte flip in theta is a typed error, never a crash or a pass', () => {
    const good = c.theta.encode(credential.prove(vk, rng));
    fc.assert(
      fc.property(fc.nat(good.length - 1), fc.integer({ min: 1, max: 255 }), (i, x) => {
        const bad = good.slice();
        bad[i] ^= x;
        let err: unknown;
        try {
          verifyVoucherCredential(params, vk, bad, 50, 'BandwidthVoucher');
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(CoconutError);
      }),
      { numRuns: 40 },
    );
  });

  it('property: mutated requests and keys decode or fail typed', () => {
    const req = c.blindSignRequest.encode(voucher.request);
    const key = c.verificationKey.encode(vk);
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: 1, max: 255 }), (i, x) => {
        for (const good of [req, key]) {
          const bad = good.slice();
          bad[i % bad.length] ^= x;
          const outcome = decodeOutcome(() =>
            good === req ? c.blindSignRequest.decode(backend, bad) : c.verificationKey.decode(backend, bad),
          );
          expect(['ok', 'typed']).toContain(outcome);
        }
      }),
      { numRuns: 40 },
    );
  });

  it('rejects identity and off-subgroup points inside objects', () => {
    const sig = c.signature.encode(credential.signature);
    const idG1 = new Uint8Array(48);
    idG1[0] = 0xc0;
    const withIdentity = sig.slice();
    withIdentity.set(idG1, 0);
    expect(() => c.signature.decode(backend, withIdentity)).toThrow(InvalidPointError);
    const offSubgroup = sig.slice();
    offSubgroup.set(new Uint8Array(48), 0);
    offSubgroup[0] = 0x80;
    offSubgroup[47] = 4; // x = 4 is on the curve, outside the prime-order subgroup
    expect(() => c.signature.decode(backend, offSubgroup)).toThrow(InvalidPointError);
  });
});

describe('bandwidth voucher API (mcl)', () => {
  it('client, nym-api and gateway talk in base58 end to end', () => {
    // nym-api: serves its key share as base58; client decodes.
    const served = keys.map((k) => ({
      index: k.index ?? 0,
      vk: c.verificationKey.toBase58(k.verificationKey),
    }));
    const v = BandwidthVoucher.create(params, 1024n, 'BandwidthVoucher', rng);
    const req = v.prepareRequest();
    expect(req.publicAttributesPlain).toEqual(['1024', 'BandwidthVoucher']);
    const pick = [served[4], served[0], served[2]];
    const unblinded = pick.map((s) => {
      // nym-api side.
      const k = keys[s.index - 1];
      const request = c.blindSignRequest.fromBase58(backend, req.requestBase58);
      const answer = c.blindedSignature.toBase58(
        issueVoucherShare(
          params,
          k.secretKey,
          request,
          BigInt(req.publicAttributesPlain[0]),
          req.publicAttributesPlain[1],
        ),
      );
      // client side.
      return v.unblindShare(
        c.blindedSignature.fromBase58(backend, answer),
        s.index,
        c.verificationKey.fromBase58(backend, s.vk),
      );
    });
    const aggVk = aggregateVerificationKeys(
      params,
      pick.map((s) => ({ index: s.index, value: c.verificationKey.fromBase58(backend, s.vk) })),
      opts,
    );
    const cred = v.aggregate(unblinded, aggVk, opts);
    expect(cred.bandwidthBytes).toBe(1024n * 1024n);
    // Stored and restored client state.
    const restored = BandwidthCredential.fromJSON(params, JSON.parse(JSON.stringify(cred.toJSON())));
    const restoredVoucher = BandwidthVoucher.fromJSON(params, JSON.parse(JSON.stringify(v.toJSON())));
    expect(restoredVoucher.toJSON()).toEqual(v.toJSON());
    // gateway side.
    const shown1 = restored.proveBase58(aggVk, rng);
    const shown2 = cred.proveBase58(aggVk, rng);
    expect(shown1.theta).not.toBe(shown2.theta);
    const gwVk = c.verificationKey.fromBase58(backend, c.verificationKey.toBase58(aggVk));
    const r1 = verifyVoucherCredential(params, gwVk, shown1.theta, BigInt(shown1.value), shown1.info);
    const r2 = verifyVoucherCredential(params, gwVk, shown2.theta, BigInt(shown2.value), shown2.info);
    expect(r1.blindedSerialNumberBase58).toBe(r2.blindedSerialNumberBase58);
    expect(r1.bandwidthBytes).toBe(1024n * 1024n);
    // Claiming a bigger value or other info fails.
    expect(() => verifyVoucherCredential(params, gwVk, shown1.theta, 1025n, shown1.info)).toThrow(
      InvalidCredentialError,
    );
    expect(() => verifyVoucherCredential(params, gwVk, shown1.theta, 1024n, 'other')).toThrow(
      InvalidCredentialError,
    );
    // The request was made for value 1024: an issuer told 2048 refuses it.
    expect(() => issueVoucherShare(params, keys[0].secretKey, v.request, 2048n, 'BandwidthVoucher')).toThrow(
      InvalidProofError,
    );
  });

  it('voucher values and stored state are validated with typed errors', () => {
    expect(voucherPublicAttributes('1024', 'x')).toEqual(voucherPublicAttributes(1024n, 'x'));
    for (const bad of [-1, 1.5, '01', '1e3', '', 1n << 64n, 'abc']) {
      expect(() => voucherPublicAttributes(bad as never, 'x')).toThrow(InvalidParametersError);
    }
    expect(() => voucherPublicAttributes(1, 7 as never)).toThrow(InvalidParametersError);
    const json = voucher.toJSON();
    for (const broken of [
      { ...json, value: 'x' },
      { ...json, info: 5 },
      { ...json, request: json.request.slice(0, -3) },
      { ...json, privateAttributes: '0' },
    ]) {
      expect(() => BandwidthVoucher.fromJSON(params, broken as never)).toThrow(CoconutError);
    }
    expect(() => BandwidthCredential.fromJSON(params, null as never)).toThrow(MalformedEncodingError);
  });

  it('a faulty share is caught at unblinding; fewer than t shares cannot aggregate', () => {
    const v = BandwidthVoucher.create(params, 7, 'BandwidthVoucher', rng);
    const blinded = issueVoucherShare(params, keys[1].secretKey, v.request, 7, 'BandwidthVoucher');
    expect(() => v.unblindShare(blinded, 1, keys[0].verificationKey)).toThrow(InvalidSignatureError);
    const one = v.unblindShare(blinded, 2, keys[1].verificationKey);
    expect(() => v.aggregate([one], vk, opts)).toThrow(NotEnoughSharesError);
  });
});
