/**
 * Re-authentication of a registered client on a new connection: Nym's `authenticateV2`
 * (common/gateway-requests/src/types/text_request/authenticate.rs; checks in
 * gateway/.../connection_handler/fresh.rs `handle_authenticate_v2`).
 *
 *   address ciphertext = SIV(K, nonce (12), I_c)             (the destination address is I_c)
 *   signed plaintext   = protocol version (1) ‖ I_c (32) ‖ address ciphertext (48)
 *                        ‖ nonce (12) ‖ unix timestamp in seconds (u64 BE)
 *   request signature  = Ed25519_c(signed plaintext)
 *
 * The gateway accepts it when, in Nym's order: the timestamp is within the allowed skew
 * of its clock (120 s by default, either side), the signature verifies, the client is
 * registered, the ciphertext equals its own encryption of I_c under the stored K (GCM-SIV
 * is deterministic, so it re-encrypts and compares), and the timestamp is newer than the
 * last accepted one (a replay is refused). Whole seconds: two authentications in the same
 * second cannot both pass.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { AEAD_NONCE_SIZE, nobleAead, type Aead } from './aead.js';
import { bytesEqual, concatBytes, u64be } from './bytes.js';
import { BadCiphertextError, BadSignatureError, ReplayedRequestError, StaleRequestError } from './errors.js';
import type { IdentityKeys, RandomBytes } from './handshake.js';

/** Nym's AUTHENTICATE_V2_PROTOCOL_VERSION: what the client announces in this request. */
export const AUTHENTICATE_V2_PROTOCOL_VERSION = 4;
/** Nym's DEFAULT_MAXIMUM_AUTH_REQUEST_TIMESTAMP_SKEW (nym-node/src/config/gateway_tasks.rs). */
export const AUTH_MAX_SKEW_MS = 120_000;

export interface AuthenticateV2Request {
  type: 'authenticateV2';
  protocolVersion: number;
  clientIdentity: Uint8Array;
  addressCiphertext: Uint8Array;
  nonce: Uint8Array;
  /** Seconds since the Unix epoch. */
  requestUnixTimestamp: number;
  requestSignature: Uint8Array;
}

/** Nym's `AuthenticateRequestContent::plaintext`. */
export function authenticateSignedBytes(
  r: Omit<AuthenticateV2Request, 'type' | 'requestSignature'>,
): Uint8Array {
  return concatBytes(
    Uint8Array.of(r.protocolVersion),
    r.clientIdentity,
    r.addressCiphertext,
    r.nonce,
    u64be(r.requestUnixTimestamp),
  );
}

/** Builds a signed authenticateV2. Randomness: the nonce (12). */
export function createAuthenticateRequest(args: {
  identity: IdentityKeys;
  sharedKey: Uint8Array;
  /** Wall clock in milliseconds; the request carries whole seconds. */
  nowMs: number;
  random: RandomBytes;
  aead?: Aead;
  /** Overrides the timestamp in seconds (a client that authenticated this second already). */
  timestampSeconds?: number;
  /** The version announced (and signed); Nym's client announces 4. */
  protocolVersion?: number;
}): AuthenticateV2Request {
  const aead = args.aead ?? nobleAead;
  const nonce = args.random(AEAD_NONCE_SIZE);
  const content = {
    protocolVersion: args.protocolVersion ?? AUTHENTICATE_V2_PROTOCOL_VERSION,
    clientIdentity: args.identity.publicKey,
    addressCiphertext: aead.seal(args.sharedKey, nonce, args.identity.publicKey),
    nonce,
    requestUnixTimestamp: args.timestampSeconds ?? Math.floor(args.nowMs / 1000),
  };
  return {
    type: 'authenticateV2',
    ...content,
    requestSignature: ed25519.sign(authenticateSignedBytes(content), args.identity.secretKey),
  };
}

/** Nym's `verify_timestamp`: neither older nor newer than the skew allows. */
export function checkAuthenticateFreshness(
  r: AuthenticateV2Request,
  nowMs: number,
  maxSkewMs = AUTH_MAX_SKEW_MS,
): void {
  const tsMs = r.requestUnixTimestamp * 1000;
  if (tsMs < nowMs - maxSkewMs || tsMs - maxSkewMs > nowMs)
    throw new StaleRequestError(r.requestUnixTimestamp, nowMs);
}

/** Nym's `verify_signature`. */
export function checkAuthenticateSignature(r: AuthenticateV2Request): void {
  let ok = false;
  try {
    ok = ed25519.verify(r.requestSignature, authenticateSignedBytes(r), r.clientIdentity);
  } catch {
    ok = false;
  }
  if (!ok) throw new BadSignatureError('authenticateV2');
}

/** Nym's `verify_ciphertext`: the client holds K. */
export function checkAuthenticateCiphertext(
  r: AuthenticateV2Request,
  sharedKey: Uint8Array,
  aead: Aead = nobleAead,
): void {
  if (r.nonce.length !== AEAD_NONCE_SIZE) throw new BadCiphertextError();
  if (!bytesEqual(aead.seal(sharedKey, r.nonce, r.clientIdentity), r.addressCiphertext))
    throw new BadCiphertextError();
}

/** Nym's `ensure_timestamp_not_reused`. */
export function checkAuthenticateNotReused(r: AuthenticateV2Request, lastSeconds: number | undefined): void {
  if (lastSeconds !== undefined && r.requestUnixTimestamp <= lastSeconds)
    throw new ReplayedRequestError(r.requestUnixTimestamp, lastSeconds);
}

/** Every check of the gateway, in Nym's order, for a known client. Returns the timestamp to record. */
export function verifyAuthenticateRequest(args: {
  request: AuthenticateV2Request;
  sharedKey: Uint8Array;
  nowMs: number;
  lastTimestampSeconds?: number;
  maxSkewMs?: number;
  aead?: Aead;
}): { clientIdentity: Uint8Array; timestampSeconds: number } {
  const r = args.request;
  checkAuthenticateFreshness(r, args.nowMs, args.maxSkewMs);
  checkAuthenticateSignature(r);
  checkAuthenticateCiphertext(r, args.sharedKey, args.aead);
  checkAuthenticateNotReused(r, args.lastTimestampSeconds);
  return { clientIdentity: r.clientIdentity, timestampSeconds: r.requestUnixTimestamp };
}
