/**
 * Encryption of a blind signature share to the client's encryption key (the x25519 key
 * recorded in its deposit), so that only the depositor can read the share even if the
 * response is observed. Nym used x25519 + HKDF + AES-128-CTR without authentication; Nymph
 * uses an AEAD so a tampered share is refused before it reaches the Coconut code.
 *
 *   remote_key          = base58(E)             E = x25519 ephemeral public key (32)
 *   k ‖ nonce           = HKDF-SHA256(ikm = x25519(e, R), salt = E ‖ R, info = INFO, 44)
 *                                              k (32) ‖ nonce (12)
 *   encrypted_signature = base58(ChaCha20-Poly1305(k, nonce, aad = tx_hash, share) )
 *                                              share ‖ tag (16)
 *
 * The key is fresh for every message (new ephemeral), so a derived nonce is safe. The
 * deposit's tx hash is bound as associated data so a share cannot be replayed for another
 * deposit. X25519 and HKDF come from the environment's crypto backend (native in Node,
 * @noble in browsers), so the client half runs in browsers too.
 */
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { base58 } from '@scure/base';
import { defaultBackend } from '../crypto/index.js';
import type { CryptoBackend } from '../crypto/index.js';

const INFO = new TextEncoder().encode('nymph/nym-api/blind-signature-share/v1');
const KEY_LEN = 32;
const NONCE_LEN = 12;
const TAG_LEN = 16;

export interface SealedShare {
  remote_key: string;
  encrypted_signature: string;
}

function derive(
  c: CryptoBackend,
  shared: Uint8Array,
  ephemeral: Uint8Array,
  recipient: Uint8Array,
): [Uint8Array, Uint8Array] {
  const salt = new Uint8Array(64);
  salt.set(ephemeral, 0);
  salt.set(recipient, 32);
  const okm = c.hkdfSha256(shared, salt, INFO, KEY_LEN + NONCE_LEN);
  return [okm.subarray(0, KEY_LEN), okm.subarray(KEY_LEN)];
}

/** The recipient's key is of small order: nothing can be encrypted to it. */
export class LowOrderKeyError extends Error {
  constructor() {
    super('nym-api: the x25519 key is of small order');
    this.name = 'LowOrderKeyError';
  }
}

/**
 * Seal `plaintext` to the x25519 public key `recipient`; `ephemeralSecret` is 32 random
 * bytes. Throws LowOrderKeyError for a small-order recipient key.
 */
export function sealShare(
  plaintext: Uint8Array,
  recipient: Uint8Array,
  txHash: string,
  ephemeralSecret: Uint8Array,
  c: CryptoBackend = defaultBackend,
): SealedShare {
  const ephemeral = c.x25519Base(ephemeralSecret);
  const shared = c.x25519(ephemeralSecret, recipient);
  if (!shared) throw new LowOrderKeyError();
  const [key, nonce] = derive(c, shared, ephemeral, recipient);
  const aad = new TextEncoder().encode(txHash.toUpperCase());
  const ct = chacha20poly1305(key, nonce, aad).encrypt(plaintext);
  return { remote_key: base58.encode(ephemeral), encrypted_signature: base58.encode(ct) };
}

/** Open a sealed share with the recipient's x25519 secret key; null if it does not authenticate. */
export function openShare(
  sealed: SealedShare,
  recipientSecret: Uint8Array,
  txHash: string,
  c: CryptoBackend = defaultBackend,
): Uint8Array | null {
  try {
    const ephemeral = base58.decode(sealed.remote_key);
    const ct = base58.decode(sealed.encrypted_signature);
    if (ephemeral.length !== 32 || ct.length < TAG_LEN || recipientSecret.length !== 32) return null;
    const recipient = c.x25519Base(recipientSecret);
    const shared = c.x25519(recipientSecret, ephemeral);
    if (!shared) return null;
    const [key, nonce] = derive(c, shared, ephemeral, recipient);
    const aad = new TextEncoder().encode(txHash.toUpperCase());
    return chacha20poly1305(key, nonce, aad).decrypt(ct);
  } catch {
    return null;
  }
}
