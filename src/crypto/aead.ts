/**
 * The AEAD of Nym's client <-> gateway protocol: AES-GCM-SIV (RFC 8452) with a 12-byte nonce
 * and a 16-byte tag, keyed with the 32-byte shared key of the registration handshake (Nym's
 * `GatewayEncryptionAlgorithm = Aes256GcmSiv`, common/nymsphinx/params/src/lib.rs; sealed
 * without associated data by `SharedSymmetricKey::encrypt`,
 * common/gateway-requests/src/shared_key/mod.rs).
 *
 * Three implementations give the same bytes (test/crypto/gcm-siv.test.ts):
 *   nodeAead  (./node.ts)  OpenSSL's AES with the wasm POLYVAL of ./polyval-wasm.ts
 *   webAead   (./web.ts)   @noble/ciphers' AES with the same wasm POLYVAL
 *   nobleAead (here)       @noble/ciphers' gcmsiv alone: runs anywhere, wasm or not
 * `defaultAead` (./index.ts) is the first for Node and the second (or the third where a page
 * refuses wasm) for browsers.
 */
import { gcmsiv } from '@noble/ciphers/aes.js';

export const AEAD_NONCE_SIZE = 12;
export const AEAD_TAG_SIZE = 16;
/** RFC 8452 defines AEAD_AES_128_GCM_SIV and AEAD_AES_256_GCM_SIV; the protocol uses the second. */
export const AEAD_KEY_SIZES: readonly number[] = [16, 32];

export interface Aead {
  /** Returns ciphertext ‖ tag. */
  seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array): Uint8Array;
  /** The plaintext, or null when the tag does not verify (the caller names the failure). */
  open(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array): Uint8Array | null;
}

/** An `Aead` that also takes RFC 8452's associated data (absent: empty, as the protocol uses it). */
export interface GcmSivAead extends Aead {
  /** 'node', 'web' or 'noble': shown in benchmarks and test names. */
  readonly name: string;
  seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Uint8Array;
  open(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): Uint8Array | null;
}

/** `seal` with a key that is neither 16 nor 32 bytes. */
export class AeadKeySizeError extends RangeError {
  readonly code = 'aead_key_size';
  constructor(readonly size: number) {
    super(`AES-GCM-SIV key must be 16 or 32 bytes, got ${size}`);
    this.name = 'AeadKeySizeError';
  }
}

/** `seal` with a nonce that is not 12 bytes. */
export class AeadNonceSizeError extends RangeError {
  readonly code = 'aead_nonce_size';
  constructor(readonly size: number) {
    super(`AES-GCM-SIV nonce must be 12 bytes, got ${size}`);
    this.name = 'AeadNonceSizeError';
  }
}

/** Throws the typed error `seal` gives for a bad key or nonce size. */
export function checkSealInputs(key: Uint8Array, nonce: Uint8Array): void {
  if (!AEAD_KEY_SIZES.includes(key.length)) throw new AeadKeySizeError(key.length);
  if (nonce.length !== AEAD_NONCE_SIZE) throw new AeadNonceSizeError(nonce.length);
}

/** Whether `open` can try at all: a sealed message this short, or a bad key or nonce, never opens. */
export function openable(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array): boolean {
  return (
    AEAD_KEY_SIZES.includes(key.length) && nonce.length === AEAD_NONCE_SIZE && sealed.length >= AEAD_TAG_SIZE
  );
}

const EMPTY = new Uint8Array(0);

export const nobleAead: GcmSivAead = {
  name: 'noble',
  seal(key, nonce, plaintext, aad = EMPTY) {
    checkSealInputs(key, nonce);
    return gcmsiv(key, nonce, aad).encrypt(plaintext);
  },
  open(key, nonce, sealed, aad = EMPTY) {
    if (!openable(key, nonce, sealed)) return null;
    try {
      return gcmsiv(key, nonce, aad).decrypt(sealed);
    } catch {
      return null; // noble throws on a tag mismatch
    }
  },
};
