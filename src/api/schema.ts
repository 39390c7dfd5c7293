/**
 * Request bodies of the credential routes, checked at the boundary: every field's type,
 * length and encoding, and no unknown fields. Anything that passes is safe to hand to the
 * Coconut decoders, which then check the cryptographic structure themselves.
 */
import { base58 } from '@scure/base';
import { InvalidRequestError } from './errors.js';
import type { BlindSignRequestBody, VerifyCredentialBody } from '../api-client/wire.js';

export type {
  BlindSignRequestBody,
  BlindedSignatureResponse,
  CredentialJson,
  VerifyCredentialBody,
  VerifyCredentialResponse,
} from '../api-client/wire.js';
export { blindSignSignatureMessage } from '../api-client/wire.js';

/** Largest number of Coconut attributes a credential may carry (Nym's bandwidth voucher: 4). */
export const MAX_ATTRIBUTES = 16;
/** Longest plain public attribute (voucher value, voucher info). */
export const MAX_PLAIN_ATTRIBUTE = 256;
/** Longest base58 blob accepted (a blind-sign request with 16 attributes is far below). */
export const MAX_BLOB_CHARS = 16 * 1024;

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function fields(v: unknown, where: string, allowed: readonly string[]): Record<string, unknown> {
  if (!isObj(v)) throw new InvalidRequestError(where, 'must be a JSON object');
  for (const k of Object.keys(v)) {
    if (!allowed.includes(k))
      throw new InvalidRequestError(where === '$' ? k : `${where}.${k}`, 'unknown field');
  }
  for (const k of allowed) {
    if (!(k in v)) throw new InvalidRequestError(where === '$' ? k : `${where}.${k}`, 'is required');
  }
  return v;
}

function str(v: unknown, field: string, max: number, min = 1): string {
  if (typeof v !== 'string') throw new InvalidRequestError(field, 'must be a string');
  if (v.length < min || v.length > max)
    throw new InvalidRequestError(field, `must be ${min}..${max} characters`);
  return v;
}

function b58(v: unknown, field: string, max = MAX_BLOB_CHARS, exactBytes?: number): string {
  const s = str(v, field, max);
  let bytes: Uint8Array;
  try {
    bytes = base58.decode(s);
  } catch {
    throw new InvalidRequestError(field, 'is not valid base58');
  }
  if (exactBytes !== undefined && bytes.length !== exactBytes) {
    throw new InvalidRequestError(field, `must decode to ${exactBytes} bytes, got ${bytes.length}`);
  }
  return s;
}

function int(v: unknown, field: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new InvalidRequestError(field, `must be an integer in ${min}..${max}`);
  }
  return v;
}

/** A CometBFT tx hash: 32 bytes, hex (either case). */
export function txHash(v: unknown, field = 'tx_hash'): string {
  const s = str(v, field, 64);
  if (!/^[0-9a-fA-F]{64}$/.test(s)) throw new InvalidRequestError(field, 'must be 64 hex characters');
  return s.toUpperCase();
}

export function parseBlindSignBody(v: unknown): BlindSignRequestBody {
  const o = fields(v, '$', [
    'blind_sign_request',
    'tx_hash',
    'signature',
    'public_attributes',
    'public_attributes_plain',
    'total_params',
  ]);
  const pub = o.public_attributes;
  const plain = o.public_attributes_plain;
  if (!Array.isArray(pub) || pub.length === 0 || pub.length > MAX_ATTRIBUTES) {
    throw new InvalidRequestError('public_attributes', `must be an array of 1..${MAX_ATTRIBUTES} strings`);
  }
  if (!Array.isArray(plain) || plain.length !== pub.length) {
    throw new InvalidRequestError('public_attributes_plain', 'must be an array as long as public_attributes');
  }
  const total = int(o.total_params, 'total_params', pub.length + 1, MAX_ATTRIBUTES);
  return {
    blind_sign_request: b58(o.blind_sign_request, 'blind_sign_request'),
    tx_hash: txHash(o.tx_hash),
    signature: b58(o.signature, 'signature', 100, 64),
    public_attributes: pub.map((a, i) => b58(a, `public_attributes[${i}]`, 64, 32)),
    public_attributes_plain: plain.map((a, i) =>
      str(a, `public_attributes_plain[${i}]`, MAX_PLAIN_ATTRIBUTE, 0),
    ),
    total_params: total,
  };
}

export function parseVerifyBody(v: unknown): VerifyCredentialBody {
  const o = fields(v, '$', ['credential']);
  const c = fields(o.credential, 'credential', ['n_params', 'theta', 'voucher_value', 'voucher_info']);
  const value = str(c.voucher_value, 'credential.voucher_value', 20);
  // A u64, as Nym's voucher value.
  if (!/^(0|[1-9]\d*)$/.test(value) || BigInt(value) > 0xffff_ffff_ffff_ffffn) {
    throw new InvalidRequestError('credential.voucher_value', 'must be a decimal u64');
  }
  return {
    credential: {
      n_params: int(c.n_params, 'credential.n_params', 1, MAX_ATTRIBUTES),
      theta: b58(c.theta, 'credential.theta'),
      voucher_value: value,
      voucher_info: str(c.voucher_info, 'credential.voucher_info', MAX_PLAIN_ATTRIBUTE, 0),
    },
  };
}
