/**
 * Nymph's Coconut bandwidth credential as a request of Nym's protocol.
 *
 * Request: Nym's Coconut-era `bandwidthCredential` (ClientControlRequest::BandwidthCredential,
 * common/gateway-requests/src/types.rs at nym-binaries-v1.1.20; still a variant at the
 * release, refused there since Nym moved to zk-nym e-cash):
 *
 *   {"type":"bandwidthCredential","enc_credential":[bytes],"iv":[bytes]}
 *   enc_credential = SIV(K, iv (12), credential bytes)        (the session key, as every
 *                    other sealed request of protocol 5: `SharedGatewayKey::encrypt`)
 *
 * Credential bytes: Nym's Coconut-era `Credential::as_bytes` (common/coconut-interface/src/lib.rs
 * at nym-binaries-v1.1.20):
 *
 *   n_params (u32 BE, 4) ‖ theta length (u64 BE) ‖ theta ‖ voucher value (u64 BE)
 *   ‖ epoch id (u64 BE) ‖ voucher info (UTF-8, the rest)
 *
 * `theta` is the shown credential as src/coconut serialises it; value and info are the
 * voucher's public attributes. The gateway credits `value × 1024` bytes once the credential
 * verifies and its blinded serial number has not been spent.
 */
import { base58 } from '@scure/base';
import { AEAD_NONCE_SIZE, nobleAead, type Aead } from './aead.js';
import { concatBytes, readU32be, readU64be, u32be, u64be } from './bytes.js';
import { DecryptionError, MalformedMessageError } from './errors.js';
import type { RandomBytes } from './handshake.js';

/** Attributes of a bandwidth voucher: serial number, binding number, value, info. */
export const VOUCHER_PARAMS = 4;
const FIXED = 4 + 8 + 8 + 8;
const MAX_THETA = 16 * 1024;
const MAX_INFO = 256;
const MAX_VALUE = 10n ** 16n;

export interface CredentialPayload {
  /** The shown credential, base58 (what `BandwidthCredential.proveBase58` returns). */
  theta: string;
  /** Voucher value in units, decimal. */
  value: string;
  info: string;
  /** The validators' key epoch (0 in Nymph's single-epoch setups). */
  epochId?: number;
}

export interface BandwidthCredentialRequest {
  type: 'bandwidthCredential';
  encCredential: Uint8Array;
  iv: Uint8Array;
}

export function encodeCredentialPayload(p: CredentialPayload): Uint8Array {
  const theta = base58.decode(p.theta);
  return concatBytes(
    u32be(VOUCHER_PARAMS),
    u64be(theta.length),
    theta,
    u64be(BigInt(p.value)),
    u64be(p.epochId ?? 0),
    new TextEncoder().encode(p.info),
  );
}

export function decodeCredentialPayload(bytes: Uint8Array): Required<CredentialPayload> {
  if (bytes.length < FIXED) throw new MalformedMessageError('credential too short');
  const nParams = readU32be(bytes, 0);
  if (nParams !== VOUCHER_PARAMS)
    throw new MalformedMessageError(`credential has ${nParams} parameters, vouchers have ${VOUCHER_PARAMS}`);
  const thetaLen = readU64be(bytes, 4);
  if (thetaLen === 0n || thetaLen > BigInt(MAX_THETA) || BigInt(bytes.length) < BigInt(FIXED) + thetaLen)
    throw new MalformedMessageError('bad theta length', 'theta');
  const t = Number(thetaLen);
  const value = readU64be(bytes, 12 + t);
  if (value === 0n || value >= MAX_VALUE) throw new MalformedMessageError('value out of range', 'value');
  const epochId = readU64be(bytes, 20 + t);
  if (epochId > BigInt(Number.MAX_SAFE_INTEGER))
    throw new MalformedMessageError('epoch id out of range', 'epochId');
  const infoBytes = bytes.subarray(FIXED + t);
  if (infoBytes.length > MAX_INFO) throw new MalformedMessageError('info too long', 'info');
  let info: string;
  try {
    info = new TextDecoder('utf-8', { fatal: true }).decode(infoBytes);
  } catch {
    throw new MalformedMessageError('info is not UTF-8', 'info');
  }
  return {
    theta: base58.encode(bytes.subarray(12, 12 + t)),
    value: value.toString(),
    info,
    epochId: Number(epochId),
  };
}

/** Seals credential bytes for a `bandwidthCredential` request. Randomness: the iv (12). */
export function sealCredential(args: {
  sharedKey: Uint8Array;
  credential: Uint8Array;
  random: RandomBytes;
  aead?: Aead;
}): BandwidthCredentialRequest {
  const aead = args.aead ?? nobleAead;
  const iv = args.random(AEAD_NONCE_SIZE);
  return { type: 'bandwidthCredential', encCredential: aead.seal(args.sharedKey, iv, args.credential), iv };
}

export function openCredential(
  req: BandwidthCredentialRequest,
  sharedKey: Uint8Array,
  aead: Aead = nobleAead,
): Uint8Array {
  if (req.iv.length !== AEAD_NONCE_SIZE) throw new DecryptionError('bandwidth credential');
  const pt = aead.open(sharedKey, req.iv, req.encCredential);
  if (!pt) throw new DecryptionError('bandwidth credential');
  return pt;
}
