/**
 * The session AEAD: AES-256-GCM with a 12-byte nonce and a 16-byte tag, keyed with the
 * 32-byte shared key of the registration handshake. Pure (noble), so that the browser
 * client uses the very same code; a node side may pass its own `Aead` with the same
 * semantics (see `nodeAead` in src/gateway).
 */
import { gcm } from '@noble/ciphers/aes.js';
import { DecryptionError } from './errors.js';

export const SHARED_KEY_SIZE = 32;
export const AEAD_NONCE_SIZE = 12;
export const AEAD_TAG_SIZE = 16;

export interface Aead {
  /** Returns ciphertext ‖ tag. */
  seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array;
  /** Throws DecryptionError when the tag does not verify. */
  open(key: Uint8Array, nonce: Uint8Array, ciphertext: Uint8Array, aad: Uint8Array, what: string): Uint8Array;
}

export const nobleAead: Aead = {
  seal(key, nonce, plaintext, aad) {
    return gcm(key, nonce, aad).encrypt(plaintext);
  },
  open(key, nonce, ciphertext, aad, what) {
    if (ciphertext.length < AEAD_TAG_SIZE) throw new DecryptionError(what);
    try {
      return gcm(key, nonce, aad).decrypt(ciphertext);
    } catch {
      throw new DecryptionError(what);
    }
  },
};
