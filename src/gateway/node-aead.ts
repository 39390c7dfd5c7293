/** The session AEAD (AES-256-GCM) through node:crypto, same bytes as the pure one. */
import crypto from 'node:crypto';
import { AEAD_TAG_SIZE, DecryptionError, type Aead } from './protocol/index.js';

export const nodeAead: Aead = {
  seal(key, nonce, plaintext, aad) {
    const c = crypto.createCipheriv('aes-256-gcm', key, nonce);
    c.setAAD(aad);
    const a = c.update(plaintext);
    const b = c.final();
    const tag = c.getAuthTag();
    const out = new Uint8Array(a.length + b.length + tag.length);
    out.set(a, 0);
    out.set(b, a.length);
    out.set(tag, a.length + b.length);
    return out;
  },
  open(key, nonce, ciphertext, aad, what) {
    if (ciphertext.length < AEAD_TAG_SIZE) throw new DecryptionError(what);
    try {
      const d = crypto.createDecipheriv('aes-256-gcm', key, nonce);
      d.setAAD(aad);
      d.setAuthTag(ciphertext.subarray(ciphertext.length - AEAD_TAG_SIZE));
      const a = d.update(ciphertext.subarray(0, ciphertext.length - AEAD_TAG_SIZE));
      const b = d.final();
      if (b.length === 0) return new Uint8Array(a.buffer, a.byteOffset, a.length);
      const out = new Uint8Array(a.length + b.length);
      out.set(a, 0);
      out.set(b, a.length);
      return out;
    } catch {
      throw new DecryptionError(what);
    }
  },
};
