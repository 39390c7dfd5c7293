/**
 * Nym's registration handshake, byte for byte, as pure functions of their inputs
 * (randomness is a parameter; each step's 5 s deadline is the caller's timer). Both sides
 * live here so that the client and the gateway cannot drift apart.
 * Nym: common/gateway-requests/src/registration/handshake/{state,messages,client,gateway}.rs.
 *
 * Each step travels as the `data` bytes of a `handshakePayload` text message (messages.ts):
 *
 *   1. C -> G  init      = I_c (32, Ed25519) ‖ g^x (32, X25519) ‖ salt (16)            80 bytes
 *   2. G: K = HKDF-BLAKE3(salt, ikm = X25519(y, g^x), info = empty, 32)
 *      G -> C  material  = g^y (32) ‖ SIV(K, n_g, Sig_g(g^y ‖ g^x)) (64 + 16) ‖ n_g (12)  124 bytes
 *   3. C: derives K, opens and verifies Sig_g with the gateway identity it took from the
 *      topology: a man in the middle has another key pair and cannot sign.
 *      C -> G  material  = SIV(K, n_c, Sig_c(g^x ‖ g^y)) (64 + 16) ‖ n_c (12)         92 bytes
 *   4. G verifies Sig_c with I_c from step 1, stores K for I_c.
 *      G -> C  finalization = [1]
 *
 * SIV is AES-256-GCM-SIV without associated data (aead.ts). Nym also accepts a 64-byte
 * init without salt, which asks for its legacy AES-128-CTR keys: Nymph refuses it.
 */
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { blake3 } from '@noble/hashes/blake3.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { AEAD_NONCE_SIZE, AEAD_TAG_SIZE, SHARED_KEY_SIZE, nobleAead, type Aead } from './aead.js';
import { concatBytes } from './bytes.js';
import {
  HandshakeBadResponseError,
  HandshakeDecryptionError,
  HandshakeLegacyKeyError,
  HandshakeMalformedError,
  HandshakeSignatureError,
} from './errors.js';

/** Nym's KDF_SALT_LENGTH. */
export const HANDSHAKE_SALT_SIZE = 16;
/** Nym's per-step receive timeout (`receive_handshake_message`). */
export const HANDSHAKE_STEP_TIMEOUT_MS = 5_000;

const KEY = 32;
const SIGNATURE = 64;
const SEALED_SIGNATURE = SIGNATURE + AEAD_TAG_SIZE;
export const HANDSHAKE_INIT_SIZE = KEY + KEY + HANDSHAKE_SALT_SIZE; // 80
const LEGACY_INIT_SIZE = KEY + KEY; // 64
export const CLIENT_MATERIAL_SIZE = SEALED_SIGNATURE + AEAD_NONCE_SIZE; // 92
export const GATEWAY_MATERIAL_SIZE = KEY + CLIENT_MATERIAL_SIZE; // 124
export const HANDSHAKE_FINALIZATION_OK = Uint8Array.of(1);

/** An Ed25519 identity: 32-byte seed (secret) and 32-byte public key. */
export interface IdentityKeys {
  secretKey: Uint8Array;
  publicKey: Uint8Array;
}

/** Source of randomness: returns `n` fresh random bytes. */
export type RandomBytes = (n: number) => Uint8Array;

/** Nym's `derive_shared_key`: hkdf::extract_then_expand::<blake3>(salt, dh, None, 32). */
export function deriveSharedKey(dhResult: Uint8Array, salt: Uint8Array): Uint8Array {
  return hkdf(blake3, dhResult, salt, new Uint8Array(0), SHARED_KEY_SIZE);
}

/** X25519, or null for a low-order remote key (noble refuses the all-zero result). */
function dh(secret: Uint8Array, remote: Uint8Array): Uint8Array | null {
  try {
    return x25519.getSharedSecret(secret, remote);
  } catch {
    return null;
  }
}

function isEd25519Point(key: Uint8Array): boolean {
  try {
    ed25519.Point.fromBytes(key);
    return true;
  } catch {
    return false;
  }
}

function verify(sig: Uint8Array, msg: Uint8Array, publicKey: Uint8Array): boolean {
  try {
    return ed25519.verify(sig, msg, publicKey);
  } catch {
    return false;
  }
}

/** Nym's `prepare_key_material_sig`: SIV(K, n, Sig(local eph ‖ remote eph)) ‖ n. */
function sealedSignature(
  identity: IdentityKeys,
  localEphemeral: Uint8Array,
  remoteEphemeral: Uint8Array,
  key: Uint8Array,
  nonce: Uint8Array,
  aead: Aead,
): Uint8Array {
  const sig = ed25519.sign(concatBytes(localEphemeral, remoteEphemeral), identity.secretKey);
  return concatBytes(aead.seal(key, nonce, sig), nonce);
}

/** Nym's `verify_remote_key_material`: opens and checks Sig_remote(remote eph ‖ local eph). */
function checkSealedSignature(
  material: Uint8Array,
  key: Uint8Array,
  remoteIdentity: Uint8Array,
  remoteEphemeral: Uint8Array,
  localEphemeral: Uint8Array,
  who: 'client' | 'gateway',
  aead: Aead,
): void {
  const sig = aead.open(key, material.subarray(SEALED_SIGNATURE), material.subarray(0, SEALED_SIGNATURE));
  if (!sig) throw new HandshakeDecryptionError(who);
  if (!verify(sig, concatBytes(remoteEphemeral, localEphemeral), remoteIdentity))
    throw new HandshakeSignatureError(who);
}

// ---------------------------------------------------------------- client side

export interface ClientHandshakeState {
  readonly identity: IdentityKeys;
  readonly gatewayIdentity: Uint8Array;
  readonly ephemeralSecret: Uint8Array;
  readonly ephemeralPublic: Uint8Array;
  readonly salt: Uint8Array;
}

/** Step 1: the init bytes (identity ‖ ephemeral ‖ salt). Randomness: ephemeral (32), salt (16). */
export function clientHandshakeStart(args: {
  identity: IdentityKeys;
  gatewayIdentity: Uint8Array;
  random: RandomBytes;
}): { state: ClientHandshakeState; init: Uint8Array } {
  if (args.gatewayIdentity.length !== KEY)
    throw new HandshakeMalformedError('gateway identity must be 32 bytes');
  const ephemeralSecret = args.random(KEY);
  const ephemeralPublic = x25519.getPublicKey(ephemeralSecret);
  const salt = args.random(HANDSHAKE_SALT_SIZE);
  return {
    state: {
      identity: args.identity,
      gatewayIdentity: args.gatewayIdentity,
      ephemeralSecret,
      ephemeralPublic,
      salt,
    },
    init: concatBytes(args.identity.publicKey, ephemeralPublic, salt),
  };
}

/**
 * Step 3: verifies the gateway's material and answers with the client's own.
 * Randomness: the sealing nonce (12). Throws HandshakeBadResponseError,
 * HandshakeDecryptionError or HandshakeSignatureError.
 */
export function clientHandshakeFinish(
  state: ClientHandshakeState,
  gatewayMaterial: Uint8Array,
  random: RandomBytes,
  aead: Aead = nobleAead,
): { sharedKey: Uint8Array; material: Uint8Array } {
  if (gatewayMaterial.length !== GATEWAY_MATERIAL_SIZE)
    throw new HandshakeBadResponseError(`gateway material of ${gatewayMaterial.length} bytes`);
  const gatewayEphemeral = gatewayMaterial.slice(0, KEY);
  const shared = dh(state.ephemeralSecret, gatewayEphemeral);
  if (!shared) throw new HandshakeBadResponseError('low-order gateway ephemeral key');
  const sharedKey = deriveSharedKey(shared, state.salt);
  checkSealedSignature(
    gatewayMaterial.subarray(KEY),
    sharedKey,
    state.gatewayIdentity,
    gatewayEphemeral,
    state.ephemeralPublic,
    'gateway',
    aead,
  );
  const material = sealedSignature(
    state.identity,
    state.ephemeralPublic,
    gatewayEphemeral,
    sharedKey,
    random(AEAD_NONCE_SIZE),
    aead,
  );
  return { sharedKey, material };
}

/** Step 4 on the client: Nym's `Finalization::ensure_success` ([1] is success). */
export function clientHandshakeFinalized(finalization: Uint8Array): void {
  if (finalization.length !== 1) throw new HandshakeBadResponseError('finalization must be 1 byte');
  if (finalization[0] !== 1) throw new HandshakeBadResponseError('the gateway reported a failed handshake');
}

// --------------------------------------------------------------- gateway side

export interface GatewayHandshakeState {
  readonly clientIdentity: Uint8Array;
  readonly clientEphemeral: Uint8Array;
  readonly gatewayEphemeral: Uint8Array;
  readonly sharedKey: Uint8Array;
}

/** The client identity at the front of an init message (Nym checks it before the handshake). */
export function handshakeInitIdentity(init: Uint8Array): Uint8Array {
  if (init.length < KEY || !isEd25519Point(init.subarray(0, KEY)))
    throw new HandshakeMalformedError('no valid client identity');
  return init.slice(0, KEY);
}

/**
 * Step 2: parses the client's init, derives K, answers with the gateway's material.
 * Randomness: the gateway ephemeral (32), the sealing nonce (12).
 */
export function gatewayHandshakeRespond(args: {
  identity: IdentityKeys;
  init: Uint8Array;
  random: RandomBytes;
  aead?: Aead;
}): { state: GatewayHandshakeState; material: Uint8Array } {
  const { init, identity } = args;
  const aead = args.aead ?? nobleAead;
  if (init.length === LEGACY_INIT_SIZE) throw new HandshakeLegacyKeyError();
  if (init.length !== HANDSHAKE_INIT_SIZE) throw new HandshakeMalformedError(`init of ${init.length} bytes`);
  const clientIdentity = handshakeInitIdentity(init);
  const clientEphemeral = init.slice(KEY, 2 * KEY);
  const salt = init.subarray(2 * KEY);
  const ephemeralSecret = args.random(KEY);
  const gatewayEphemeral = x25519.getPublicKey(ephemeralSecret);
  const shared = dh(ephemeralSecret, clientEphemeral);
  if (!shared) throw new HandshakeMalformedError('low-order client ephemeral key');
  const sharedKey = deriveSharedKey(shared, salt);
  const sealed = sealedSignature(
    identity,
    gatewayEphemeral,
    clientEphemeral,
    sharedKey,
    args.random(AEAD_NONCE_SIZE),
    aead,
  );
  return {
    state: { clientIdentity, clientEphemeral, gatewayEphemeral, sharedKey },
    material: concatBytes(gatewayEphemeral, sealed),
  };
}

/** Step 4: verifies the client's material; returns who registered, the key to store, and [1]. */
export function gatewayHandshakeComplete(
  state: GatewayHandshakeState,
  clientMaterial: Uint8Array,
  aead: Aead = nobleAead,
): { clientIdentity: Uint8Array; sharedKey: Uint8Array; finalization: Uint8Array } {
  if (clientMaterial.length !== CLIENT_MATERIAL_SIZE)
    throw new HandshakeMalformedError(`client material of ${clientMaterial.length} bytes`);
  checkSealedSignature(
    clientMaterial,
    state.sharedKey,
    state.clientIdentity,
    state.clientEphemeral,
    state.gatewayEphemeral,
    'client',
    aead,
  );
  return {
    clientIdentity: state.clientIdentity,
    sharedKey: state.sharedKey,
    finalization: HANDSHAKE_FINALIZATION_OK,
  };
}

/** Derives the Ed25519 public key of a 32-byte seed (a convenience for both sides). */
export function identityFromSeed(seed: Uint8Array): IdentityKeys {
  return { secretKey: seed, publicKey: ed25519.getPublicKey(seed) };
}
