/**
 * The session AEAD: AES-256-GCM-SIV (RFC 8452) with a 12-byte nonce, a 16-byte tag and
 * no associated data, keyed with the 32-byte shared key of the registration handshake
 * (Nym's `GatewayEncryptionAlgorithm = Aes256GcmSiv`, common/nymsphinx/params/src/lib.rs;
 * used without AAD by `SharedSymmetricKey::encrypt`, common/gateway-requests/src/shared_key/mod.rs).
 *
 * Pure (noble), so that the browser client runs the same code; a Node side may pass its
 * own `Aead` with the same bytes (`nodeAead` in src/gateway).
 */
import { gcmsiv } from '@noble/ciphers/aes.js';

export const SHARED_KEY_SIZE = 32;
export const AEAD_NONCE_SIZE = 12;
export const AEAD_TAG_SIZE = 16;

export interface Aead {
  /** Returns ciphertext ‖ tag. */
  seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array): Uint8Array;
  /** The plaintext, or null when the tag does not verify (the caller names the failure). */
  open(key: Uint8Array, nonce: Uint8Array, ciphertext: Uint8Array): Uint8Array | null;
}

export const nobleAead: Aead = {
  seal(key, nonce, plaintext) {
    return gcmsiv(key, nonce).encrypt(plaintext);
  },
  open(key, nonce, ciphertext) {
    if (ciphertext.length < AEAD_TAG_SIZE) return null;
    try {
      return gcmsiv(key, nonce).decrypt(ciphertext);
    } catch {
      return null;
    }
  },
};
