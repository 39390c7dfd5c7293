/**
 * The bandwidth voucher, the one credential Nym issued with Coconut, as a convenient API
 * for the three parties:
 *
 * - client:  `BandwidthVoucher.create` → `prepareRequest` (send to each nym-api) →
 *            `unblindShare` for each answer → `aggregate` into a {@link BandwidthCredential}
 *            → `prove(verificationKey)` gives theta for a gateway.
 * - nym-api: {@link issueVoucherShare} blind-signs a request for the public attributes
 *            it was told in the clear (value, info).
 * - gateway: {@link verifyVoucherCredential} checks theta against the aggregated key and
 *            returns zeta (the blinded serial number) to spend on chain.
 *
 * Attributes: private [serial number, binding number] (random), public [voucher value,
 * voucher info], the public ones hashed to scalars (value as its decimal string), as Nym.
 * zeta = g2^serial is the same at every showing of one voucher, so a second spend is
 * detected, while the showings stay otherwise unlinkable.
 */
import type { GroupBackend } from './backend.js';
import { codecsFor } from './encoding.js';
import { InvalidParametersError, MalformedEncodingError } from './errors.js';
import * as fr from './fr.js';
import type { RandomBytes } from './fr.js';
import {
  aggregateSignatureShares,
  blindSign,
  prepareBlindSign,
  proveCredential,
  setup,
  unblind,
  verifyCredential,
  verifySignature,
  type AggregateOptions,
  type BlindSignRequest,
  type BlindedSignature,
  type Parameters,
  type PreparedVerificationKey,
  type SecretKey,
  type Share,
  type Signature,
  type Theta,
  type VerificationKey,
} from './scheme.js';

/** Private attributes of a voucher: serial number, binding number. */
export const VOUCHER_PRIVATE_ATTRIBUTES = 2;
/** Public attributes of a voucher: value, info. */
export const VOUCHER_PUBLIC_ATTRIBUTES = 2;
/** q for {@link setup}: the voucher's attribute count. */
export const VOUCHER_ATTRIBUTES = VOUCHER_PRIVATE_ATTRIBUTES + VOUCHER_PUBLIC_ATTRIBUTES;
/** Bandwidth granted per unit of voucher value (Nym: value × 1024 bytes). */
export const BYTES_PER_VOUCHER_UNIT = 1024n;

const paramsCache = new WeakMap<GroupBackend, Parameters>();

/** The parameters for vouchers (q = 4) on a backend, computed once per backend. */
export function voucherParameters(backend: GroupBackend): Parameters {
  let p = paramsCache.get(backend);
  if (!p) {
    p = setup(backend, VOUCHER_ATTRIBUTES);
    paramsCache.set(backend, p);
  }
  return p;
}

/** Voucher value: a non-negative integer (units of bandwidth), or its decimal string. */
export type VoucherValue = bigint | number | string;

/** Upper bound on a voucher value (u64, as Nym's). */
export const MAX_VOUCHER_VALUE = (1n << 64n) - 1n;

function normaliseValue(value: VoucherValue): bigint {
  if (typeof value === 'number' && !Number.isSafeInteger(value)) {
    throw new InvalidParametersError('voucher value must be a safe integer');
  }
  if (typeof value === 'string' && !/^(0|[1-9]\d{0,19})$/.test(value)) {
    throw new InvalidParametersError('voucher value must be a decimal integer');
  }
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'bigint') {
    throw new InvalidParametersError('voucher value must be an integer');
  }
  const v = BigInt(value);
  if (v > MAX_VOUCHER_VALUE) throw new InvalidParametersError('voucher value exceeds u64');
  if (v < 0n) throw new InvalidParametersError('voucher value must be non-negative');
  return v;
}

/** The public attributes as scalars: [H(decimal value), H(info)]. */
export function voucherPublicAttributes(value: VoucherValue, info: string): [bigint, bigint] {
  if (typeof info !== 'string') throw new InvalidParametersError('voucher info must be a string');
  return [fr.hashToScalar(normaliseValue(value).toString()), fr.hashToScalar(info)];
}

/** What a client sends to each nym-api to be blind-signed. */
export interface VoucherRequest {
  readonly request: BlindSignRequest;
  /** base58 of the encoded request (the `blind_sign_request` field). */
  readonly requestBase58: string;
  /** The public attributes in the clear, for the issuer to hash: [value, info]. */
  readonly publicAttributesPlain: readonly [string, string];
  /** The same, hashed to scalars. */
  readonly publicAttributes: readonly [bigint, bigint];
}

/** Serialised form of a voucher for client storage (keep it secret: it holds the openings). */
export interface BandwidthVoucherJSON {
  readonly value: string;
  readonly info: string;
  /** base58 of the scalars [serial, binding]. */
  readonly privateAttributes: string;
  /** base58 of the Pedersen openings. */
  readonly pedersenOpenings: string;
  /** base58 of the blind-sign request. */
  readonly request: string;
}

/** A client's voucher before issuance: its secrets and its blind-sign request. */
export class BandwidthVoucher {
  private constructor(
    readonly params: Parameters,
    /** Voucher value in bandwidth units. */
    readonly value: bigint,
    /** Voucher info (a free-form label, e.g. the deposit kind). */
    readonly info: string,
    /** [serial number, binding number]: secret. */
    readonly privateAttributes: readonly [bigint, bigint],
    /** Pedersen openings of the request: secret, needed to unblind shares. */
    readonly pedersenOpenings: readonly bigint[],
    /** The blind-sign request, the same for every authority. */
    readonly request: BlindSignRequest,
  ) {}

  /**
   * A new voucher: draws the serial and binding numbers (in that order) from `rng`,
   * then prepares the blind-sign request with further randomness.
   */
  static create(params: Parameters, value: VoucherValue, info: string, rng: RandomBytes): BandwidthVoucher {
    if (params.hs.length < VOUCHER_ATTRIBUTES) {
      throw new InvalidParametersError(`voucher needs parameters for ${VOUCHER_ATTRIBUTES} attributes`);
    }
    const v = normaliseValue(value);
    const serial = fr.random(rng);
    const binding = fr.random(rng);
    const pub = voucherPublicAttributes(v, info);
    const prepared = prepareBlindSign(params, [serial, binding], pub, rng);
    return new BandwidthVoucher(
      params,
      v,
      info,
      [serial, binding],
      prepared.pedersenOpenings,
      prepared.request,
    );
  }

  /** The public attributes as scalars. */
  get publicAttributes(): readonly [bigint, bigint] {
    return voucherPublicAttributes(this.value, this.info);
  }

  /** Everything to send to a nym-api for one blind-signature share. */
  prepareRequest(): VoucherRequest {
    return {
      request: this.request,
      requestBase58: codecsFor(this.params.backend).blindSignRequest.toBase58(this.request),
      publicAttributesPlain: [this.value.toString(), this.info],
      publicAttributes: this.publicAttributes,
    };
  }

  /**
   * Unblind one authority's answer and check it against that authority's verification
   * key (so a faulty authority is caught here, not at aggregation). Throws
   * {@link InvalidSignatureError} if the share does not verify.
   */
  unblindShare(
    blinded: BlindedSignature,
    index: number,
    partialVerificationKey: VerificationKey,
  ): Share<Signature> {
    const sig = unblind(this.params, blinded, this.pedersenOpenings, partialVerificationKey);
    verifySignature(
      this.params,
      partialVerificationKey,
      sig,
      [...this.privateAttributes, ...this.publicAttributes],
      `signature share ${index}`,
    );
    return { index, value: sig };
  }

  /**
   * Aggregate at least t unblinded shares into the credential and verify it under the
   * aggregated verification key.
   */
  aggregate(
    shares: readonly Share<Signature>[],
    verificationKey: VerificationKey,
    options: AggregateOptions,
  ): BandwidthCredential {
    const signature = aggregateSignatureShares(this.params, shares, options);
    verifySignature(
      this.params,
      verificationKey,
      signature,
      [...this.privateAttributes, ...this.publicAttributes],
      'aggregated signature',
    );
    return new BandwidthCredential(this.params, this.value, this.info, this.privateAttributes, signature);
  }

  /** For client storage. */
  toJSON(): BandwidthVoucherJSON {
    const c = codecsFor(this.params.backend);
    return {
      value: this.value.toString(),
      info: this.info,
      privateAttributes: c.scalars.toBase58(this.privateAttributes),
      pedersenOpenings: c.scalars.toBase58(this.pedersenOpenings),
      request: c.blindSignRequest.toBase58(this.request),
    };
  }

  /** Restore a stored voucher; throws {@link CoconutError} subclasses on bad input. */
  static fromJSON(params: Parameters, json: BandwidthVoucherJSON): BandwidthVoucher {
    const c = codecsFor(params.backend);
    if (typeof json !== 'object' || json === null || !/^\d{1,20}$/.test(String(json.value))) {
      throw new MalformedEncodingError('voucher', 'bad value');
    }
    if (typeof json.info !== 'string') throw new MalformedEncodingError('voucher', 'bad info');
    const priv = c.scalars.fromBase58(params.backend, json.privateAttributes);
    if (priv.length !== 2) throw new MalformedEncodingError('voucher', 'expected 2 private attributes');
    const openings = c.scalars.fromBase58(params.backend, json.pedersenOpenings);
    const request = c.blindSignRequest.fromBase58(params.backend, json.request);
    if (openings.length !== 2 || request.privateAttributeCommitments.length !== 2) {
      throw new MalformedEncodingError('voucher', 'expected 2 openings and commitments');
    }
    return new BandwidthVoucher(
      params,
      BigInt(json.value),
      String(json.info),
      [priv[0], priv[1]],
      openings,
      request,
    );
  }
}

/** Serialised form of a credential for client storage (secret). */
export interface BandwidthCredentialJSON {
  readonly value: string;
  readonly info: string;
  readonly privateAttributes: string;
  readonly signature: string;
}

/** An issued (aggregated) voucher credential, ready to be shown. */
export class BandwidthCredential {
  constructor(
    readonly params: Parameters,
    readonly value: bigint,
    readonly info: string,
    readonly privateAttributes: readonly [bigint, bigint],
    readonly signature: Signature,
  ) {}

  /** Bandwidth this voucher grants, in bytes. */
  get bandwidthBytes(): bigint {
    return this.value * BYTES_PER_VOUCHER_UNIT;
  }

  /** The public attributes as scalars. */
  get publicAttributes(): readonly [bigint, bigint] {
    return voucherPublicAttributes(this.value, this.info);
  }

  /**
   * Show the credential: a fresh, unlinkable theta whose zeta is the same every time.
   * Pass {@link secureRandom} in production.
   */
  prove(verificationKey: VerificationKey, rng: RandomBytes): Theta {
    return proveCredential(this.params, verificationKey, this.signature, this.privateAttributes, rng);
  }

  /** theta as base58, plus the fields a gateway needs alongside it. */
  proveBase58(
    verificationKey: VerificationKey,
    rng: RandomBytes,
  ): { theta: string; value: string; info: string } {
    const theta = this.prove(verificationKey, rng);
    return {
      theta: codecsFor(this.params.backend).theta.toBase58(theta),
      value: this.value.toString(),
      info: this.info,
    };
  }

  toJSON(): BandwidthCredentialJSON {
    const c = codecsFor(this.params.backend);
    return {
      value: this.value.toString(),
      info: this.info,
      privateAttributes: c.scalars.toBase58(this.privateAttributes),
      signature: c.signature.toBase58(this.signature),
    };
  }

  static fromJSON(params: Parameters, json: BandwidthCredentialJSON): BandwidthCredential {
    const c = codecsFor(params.backend);
    if (typeof json !== 'object' || json === null || !/^\d{1,20}$/.test(String(json.value))) {
      throw new MalformedEncodingError('credential', 'bad value');
    }
    if (typeof json.info !== 'string') throw new MalformedEncodingError('credential', 'bad info');
    const priv = c.scalars.fromBase58(params.backend, json.privateAttributes);
    if (priv.length !== 2) throw new MalformedEncodingError('credential', 'expected 2 private attributes');
    const signature = c.signature.fromBase58(params.backend, json.signature);
    return new BandwidthCredential(
      params,
      BigInt(json.value),
      String(json.info),
      [priv[0], priv[1]],
      signature,
    );
  }
}

/**
 * nym-api side: blind-sign a voucher request for the given plain public attributes.
 * Verifies the request's proof (bound to these public attributes) first.
 */
export function issueVoucherShare(
  params: Parameters,
  secretKey: SecretKey,
  request: BlindSignRequest,
  value: VoucherValue,
  info: string,
): BlindedSignature {
  return blindSign(params, secretKey, request, voucherPublicAttributes(value, info));
}

/** What a gateway learns from a verified voucher credential. */
export interface VerifiedVoucher {
  /** zeta, the blinded serial number: spend it on chain to prevent a second use. */
  readonly blindedSerialNumber: Uint8Array;
  /** zeta as base58 (the form the bandwidth contract stores). */
  readonly blindedSerialNumberBase58: string;
  /** Bandwidth granted, in bytes. */
  readonly bandwidthBytes: bigint;
}

/**
 * Gateway side: verify a shown voucher (theta as bytes, base58 or decoded) against the
 * aggregated verification key (prepare it once with `prepareVerificationKey` for speed) and the voucher's plain public attributes. Throws
 * {@link CoconutError} subclasses on any failure.
 */
export function verifyVoucherCredential(
  params: Parameters,
  verificationKey: VerificationKey | PreparedVerificationKey,
  theta: Theta | Uint8Array | string,
  value: VoucherValue,
  info: string,
): VerifiedVoucher {
  const c = codecsFor(params.backend);
  const t =
    typeof theta === 'string'
      ? c.theta.fromBase58(params.backend, theta)
      : theta instanceof Uint8Array
        ? c.theta.decode(params.backend, theta)
        : theta;
  if (t.proof.responseAttributes.length !== VOUCHER_PRIVATE_ATTRIBUTES) {
    throw new MalformedEncodingError('theta', `expected ${VOUCHER_PRIVATE_ATTRIBUTES} private attributes`);
  }
  verifyCredential(params, verificationKey, t, voucherPublicAttributes(value, info));
  const zeta = c.g2Point.encode(t.blindedSerialNumber);
  return {
    blindedSerialNumber: zeta,
    blindedSerialNumberBase58: c.g2Point.toBase58(t.blindedSerialNumber),
    bandwidthBytes: normaliseValue(value) * BYTES_PER_VOUCHER_UNIT,
  };
}
