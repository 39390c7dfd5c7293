/**
 * Registration handshake and re-authentication, as pure functions of their inputs
 * (randomness and clocks are parameters). Both sides live here so that the client and
 * the gateway cannot drift apart.
 *
 * Registration (one websocket, text frames; Nym's shape, JSON-encoded):
 *   1. C -> G  handshakeInit {protocolVersion, identity I_c, ephemeralKey E_c, salt (16)}
 *   2. G: e_g fresh; s = X25519(e_g, E_c);
 *         K = HKDF-SHA256(ikm s, salt, info "nymph/gateway/shared-key/v1" ‖ I_c ‖ I_g, 32)
 *      G -> C  handshakeResponse {protocolVersion, ephemeralKey E_g, nonce, ciphertext =
 *              AEAD(K, nonce, sig_g, aad "nymph/gateway/handshake/gateway")}
 *         sig_g = Ed25519_g("nymph/gateway/handshake/gateway" ‖ E_g ‖ E_c ‖ I_c ‖ salt)
 *   3. C: derives K the same way, opens and verifies sig_g with the gateway identity it
 *         chose from the topology (so a man in the middle cannot answer).
 *      C -> G  handshakeFinish {nonce, ciphertext = AEAD(K, nonce, sig_c, aad "…/client")}
 *         sig_c = Ed25519_c("nymph/gateway/handshake/client" ‖ E_c ‖ E_g ‖ I_g ‖ salt)
 *   4. G verifies sig_c with I_c, stores K for I_c, answers `register`.
 * Each step should time out (5 s) on the side that waits; that is the caller's timer.
 *
 * Re-authentication of a known client (stored K), on a new websocket:
 *   C -> G  authenticate {protocolVersion, identity I_c, timestamp t (ms), nonce,
 *           ciphertext = AEAD(K, nonce, I_c, aad "nymph/gateway/authenticate"),
 *           signature = Ed25519_c("nymph/gateway/authenticate/v1" ‖ I_c ‖ t (u64 BE) ‖ nonce ‖ ciphertext)}
 *   G checks the signature, that the ciphertext opens under K (the client holds K), that
 *   |now - t| <= 120 s and t > the last accepted t for I_c; answers `authenticate`.
 *
 * Bandwidth credential: bandwidthCredential {nonce, ciphertext = AEAD(K, nonce, credential
 * bytes, aad "nymph/gateway/credential")}; the credential bytes are the Coconut room's
 * serialised shown credential.
 */
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { AEAD_NONCE_SIZE, SHARED_KEY_SIZE, nobleAead, type Aead } from './aead.js';
import {
  BadSignatureError,
  HandshakeError,
  MalformedMessageError,
  StaleRequestError,
  UnsupportedProtocolError,
} from './errors.js';
import {
  PROTOCOL_VERSION,
  decodeB58,
  decodeB64,
  encodeB58,
  encodeB64,
  type AuthenticateRequest,
  type BandwidthCredentialRequest,
  type HandshakeFinish,
  type HandshakeInit,
  type HandshakeResponse,
} from './messages.js';

export const HANDSHAKE_SALT_SIZE = 16;
export const HANDSHAKE_STEP_TIMEOUT_MS = 5_000;
export const AUTH_MAX_SKEW_MS = 120_000;

const enc = new TextEncoder();
const INFO_KEY = enc.encode('nymph/gateway/shared-key/v1');
const TAG_GATEWAY = enc.encode('nymph/gateway/handshake/gateway');
const TAG_CLIENT = enc.encode('nymph/gateway/handshake/client');
const TAG_AUTH = enc.encode('nymph/gateway/authenticate/v1');
const AAD_AUTH = enc.encode('nymph/gateway/authenticate');
const AAD_CREDENTIAL = enc.encode('nymph/gateway/credential');

/** An Ed25519 identity: 32-byte seed (secret) and 32-byte public key. */
export interface IdentityKeys {
  secretKey: Uint8Array;
  publicKey: Uint8Array;
}

/** Source of randomness: returns `n` fresh random bytes. */
export type RandomBytes = (n: number) => Uint8Array;

function concat(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function deriveSharedKey(
  secret: Uint8Array,
  salt: Uint8Array,
  client: Uint8Array,
  gateway: Uint8Array,
): Uint8Array {
  return hkdf(sha256, secret, salt, concat(INFO_KEY, client, gateway), SHARED_KEY_SIZE);
}

function dh(priv: Uint8Array, pub: Uint8Array): Uint8Array {
  try {
    return x25519.getSharedSecret(priv, pub);
  } catch {
    // noble rejects low-order points (all-zero shared secret)
    throw new HandshakeError('invalid ephemeral key');
  }
}

function verify(sig: Uint8Array, msg: Uint8Array, pub: Uint8Array): boolean {
  try {
    return ed25519.verify(sig, msg, pub);
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------- client side

export interface ClientHandshakeState {
  readonly step: 'awaitingResponse';
  readonly identity: IdentityKeys;
  readonly gatewayIdentity: Uint8Array;
  readonly ephemeralSecret: Uint8Array;
  readonly ephemeralPublic: Uint8Array;
  readonly salt: Uint8Array;
}

export function clientHandshakeStart(args: {
  identity: IdentityKeys;
  gatewayIdentity: Uint8Array;
  random: RandomBytes;
}): { state: ClientHandshakeState; message: HandshakeInit } {
  if (args.gatewayIdentity.length !== 32) throw new HandshakeError('gateway identity must be 32 bytes');
  const ephemeralSecret = args.random(32);
  const ephemeralPublic = x25519.getPublicKey(ephemeralSecret);
  const salt = args.random(HANDSHAKE_SALT_SIZE);
  return {
    state: {
      step: 'awaitingResponse',
      identity: args.identity,
      gatewayIdentity: args.gatewayIdentity,
      ephemeralSecret,
      ephemeralPublic,
      salt,
    },
    message: {
      type: 'handshakeInit',
      protocolVersion: PROTOCOL_VERSION,
      identity: encodeB58(args.identity.publicKey),
      ephemeralKey: encodeB58(ephemeralPublic),
      salt: encodeB64(salt),
    },
  };
}

/** Verifies the gateway's answer; returns the shared key and the finishing message. */
export function clientHandshakeFinish(
  state: ClientHandshakeState,
  response: HandshakeResponse,
  random: RandomBytes,
  aead: Aead = nobleAead,
): { sharedKey: Uint8Array; message: HandshakeFinish } {
  if (response.protocolVersion !== PROTOCOL_VERSION)
    throw new UnsupportedProtocolError(response.protocolVersion, PROTOCOL_VERSION);
  const gwEph = decodeB58(response.ephemeralKey, 32, 'ephemeralKey');
  const sharedKey = deriveSharedKey(
    dh(state.ephemeralSecret, gwEph),
    state.salt,
    state.identity.publicKey,
    state.gatewayIdentity,
  );
  const sig = aead.open(
    sharedKey,
    decodeB64(response.nonce, 'nonce', AEAD_NONCE_SIZE),
    decodeB64(response.ciphertext, 'ciphertext'),
    TAG_GATEWAY,
    'gateway handshake signature',
  );
  const signed = concat(TAG_GATEWAY, gwEph, state.ephemeralPublic, state.identity.publicKey, state.salt);
  if (sig.length !== 64 || !verify(sig, signed, state.gatewayIdentity))
    throw new BadSignatureError('gateway handshake');
  const mySig = ed25519.sign(
    concat(TAG_CLIENT, state.ephemeralPublic, gwEph, state.gatewayIdentity, state.salt),
    state.identity.secretKey,
  );
  const nonce = random(AEAD_NONCE_SIZE);
  return {
    sharedKey,
    message: {
      type: 'handshakeFinish',
      nonce: encodeB64(nonce),
      ciphertext: encodeB64(aead.seal(sharedKey, nonce, mySig, TAG_CLIENT)),
    },
  };
}

// --------------------------------------------------------------- gateway side

export interface GatewayHandshakeState {
  readonly step: 'awaitingFinish';
  readonly clientIdentity: Uint8Array;
  readonly gatewayIdentity: Uint8Array;
  readonly clientEphemeral: Uint8Array;
  readonly gatewayEphemeral: Uint8Array;
  readonly salt: Uint8Array;
  readonly sharedKey: Uint8Array;
}

export function gatewayHandshakeRespond(args: {
  identity: IdentityKeys;
  init: HandshakeInit;
  random: RandomBytes;
  aead?: Aead;
}): { state: GatewayHandshakeState; message: HandshakeResponse } {
  const { init, identity } = args;
  const aead = args.aead ?? nobleAead;
  if (init.protocolVersion !== PROTOCOL_VERSION)
    throw new UnsupportedProtocolError(init.protocolVersion, PROTOCOL_VERSION);
  const clientIdentity = decodeB58(init.identity, 32, 'identity');
  const clientEphemeral = decodeB58(init.ephemeralKey, 32, 'ephemeralKey');
  const salt = decodeB64(init.salt, 'salt', HANDSHAKE_SALT_SIZE);
  const eph = args.random(32);
  const gatewayEphemeral = x25519.getPublicKey(eph);
  const sharedKey = deriveSharedKey(dh(eph, clientEphemeral), salt, clientIdentity, identity.publicKey);
  const sig = ed25519.sign(
    concat(TAG_GATEWAY, gatewayEphemeral, clientEphemeral, clientIdentity, salt),
    identity.secretKey,
  );
  const nonce = args.random(AEAD_NONCE_SIZE);
  return {
    state: {
      step: 'awaitingFinish',
      clientIdentity,
      gatewayIdentity: identity.publicKey,
      clientEphemeral,
      gatewayEphemeral,
      salt,
      sharedKey,
    },
    message: {
      type: 'handshakeResponse',
      protocolVersion: PROTOCOL_VERSION,
      ephemeralKey: encodeB58(gatewayEphemeral),
      nonce: encodeB64(nonce),
      ciphertext: encodeB64(aead.seal(sharedKey, nonce, sig, TAG_GATEWAY)),
    },
  };
}

/** Verifies the client's signature; returns who registered and the key to store. */
export function gatewayHandshakeComplete(
  state: GatewayHandshakeState,
  finish: HandshakeFinish,
  aead: Aead = nobleAead,
): { clientIdentity: Uint8Array; sharedKey: Uint8Array } {
  const sig = aead.open(
    state.sharedKey,
    decodeB64(finish.nonce, 'nonce', AEAD_NONCE_SIZE),
    decodeB64(finish.ciphertext, 'ciphertext'),
    TAG_CLIENT,
    'client handshake signature',
  );
  const signed = concat(
    TAG_CLIENT,
    state.clientEphemeral,
    state.gatewayEphemeral,
    state.gatewayIdentity,
    state.salt,
  );
  if (sig.length !== 64 || !verify(sig, signed, state.clientIdentity))
    throw new BadSignatureError('client handshake');
  return { clientIdentity: state.clientIdentity, sharedKey: state.sharedKey };
}

// ---------------------------------------------------------- re-authentication

function authSigned(identity: Uint8Array, timestamp: number, nonce: Uint8Array, ct: Uint8Array): Uint8Array {
  const ts = new Uint8Array(8);
  new DataView(ts.buffer).setBigUint64(0, BigInt(timestamp));
  return concat(TAG_AUTH, identity, ts, nonce, ct);
}

export function createAuthenticateRequest(args: {
  identity: IdentityKeys;
  sharedKey: Uint8Array;
  nowMs: number;
  random: RandomBytes;
  aead?: Aead;
}): AuthenticateRequest {
  const aead = args.aead ?? nobleAead;
  const nonce = args.random(AEAD_NONCE_SIZE);
  const ct = aead.seal(args.sharedKey, nonce, args.identity.publicKey, AAD_AUTH);
  const timestamp = Math.floor(args.nowMs);
  return {
    type: 'authenticate',
    protocolVersion: PROTOCOL_VERSION,
    identity: encodeB58(args.identity.publicKey),
    timestamp,
    nonce: encodeB64(nonce),
    ciphertext: encodeB64(ct),
    signature: encodeB58(
      ed25519.sign(authSigned(args.identity.publicKey, timestamp, nonce, ct), args.identity.secretKey),
    ),
  };
}

/** Reads the identity claimed by an authenticate request (to look up its stored key). */
export function authenticateIdentity(req: AuthenticateRequest): Uint8Array {
  return decodeB58(req.identity, 32, 'identity');
}

/** Gateway side: checks signature, key possession and freshness. Returns the timestamp to record. */
export function verifyAuthenticateRequest(args: {
  request: AuthenticateRequest;
  sharedKey: Uint8Array;
  nowMs: number;
  lastTimestamp?: number;
  maxSkewMs?: number;
  aead?: Aead;
}): { clientIdentity: Uint8Array; timestamp: number } {
  const { request } = args;
  const aead = args.aead ?? nobleAead;
  if (request.protocolVersion !== PROTOCOL_VERSION)
    throw new UnsupportedProtocolError(request.protocolVersion, PROTOCOL_VERSION);
  const id = decodeB58(request.identity, 32, 'identity');
  const nonce = decodeB64(request.nonce, 'nonce', AEAD_NONCE_SIZE);
  const ct = decodeB64(request.ciphertext, 'ciphertext');
  const sig = decodeB58(request.signature, 64, 'signature');
  if (!verify(sig, authSigned(id, request.timestamp, nonce, ct), id))
    throw new BadSignatureError('authenticate request');
  const opened = aead.open(args.sharedKey, nonce, ct, AAD_AUTH, 'authenticate ciphertext');
  if (opened.length !== 32 || opened.some((b, i) => b !== id[i]))
    throw new MalformedMessageError('authenticate ciphertext does not name the identity', 'ciphertext');
  const skew = args.maxSkewMs ?? AUTH_MAX_SKEW_MS;
  if (
    Math.abs(args.nowMs - request.timestamp) > skew ||
    (args.lastTimestamp !== undefined && request.timestamp <= args.lastTimestamp)
  )
    throw new StaleRequestError(request.timestamp, args.nowMs, args.lastTimestamp);
  return { clientIdentity: id, timestamp: request.timestamp };
}

// ---------------------------------------------------------------- credentials

export function sealCredential(args: {
  sharedKey: Uint8Array;
  credential: Uint8Array;
  random: RandomBytes;
  aead?: Aead;
}): BandwidthCredentialRequest {
  const aead = args.aead ?? nobleAead;
  const nonce = args.random(AEAD_NONCE_SIZE);
  return {
    type: 'bandwidthCredential',
    nonce: encodeB64(nonce),
    ciphertext: encodeB64(aead.seal(args.sharedKey, nonce, args.credential, AAD_CREDENTIAL)),
  };
}

export function openCredential(
  req: BandwidthCredentialRequest,
  sharedKey: Uint8Array,
  aead: Aead = nobleAead,
): Uint8Array {
  return aead.open(
    sharedKey,
    decodeB64(req.nonce, 'nonce', AEAD_NONCE_SIZE),
    decodeB64(req.ciphertext, 'ciphertext'),
    AAD_CREDENTIAL,
    'bandwidth credential',
  );
}

/** Derives the Ed25519 public key of a 32-byte seed (a convenience for both sides). */
export function identityFromSeed(seed: Uint8Array): IdentityKeys {
  return { secretKey: seed, publicKey: ed25519.getPublicKey(seed) };
}
