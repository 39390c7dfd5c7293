/**
 * Hashes of the DKG, each under its own domain tag: Fiat-Shamir challenges (key proofs,
 * DLEQ proofs) and the one-time pads that encrypt shares. SHA-512 over the tag and
 * length-prefixed parts, reduced mod r (bias < 2^-256), as the coconut room's challenges.
 */
import { sha512 } from '@noble/hashes/sha2.js';
import { fr } from '../coconut/index.js';

const enc = new TextEncoder();

export const DST_KEY_PROOF = 'NYMPH-DKG-V01_KEY_PROOF_';
export const DST_DLEQ = 'NYMPH-DKG-V01_DLEQ_';
export const DST_SHARE_PAD = 'NYMPH-DKG-V01_SHARE_PAD_';

export function hashToFr(dst: string, parts: readonly Uint8Array[]): bigint {
  const h = sha512.create();
  h.update(enc.encode(dst));
  const len = new Uint8Array(4);
  for (const p of parts) {
    new DataView(len.buffer).setUint32(0, p.length, false);
    h.update(len);
    h.update(p);
  }
  let x = 0n;
  for (const b of h.digest()) x = (x << 8n) | BigInt(b);
  return fr.mod(x);
}

export const u32 = (n: number): Uint8Array => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, false);
  return b;
};

export const utf8 = (s: string): Uint8Array => enc.encode(s);

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
