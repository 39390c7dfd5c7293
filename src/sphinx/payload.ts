/**
 * Sphinx payload: Lioness wide-block cipher (ChaCha20 with an 8-byte zero nonce + keyed
 * BLAKE2b-256), as the `lioness` crate 0.1.2 that nymtech/sphinx uses.
 *
 * Lioness key (192 bytes): K1 (32, ChaCha20) || K2 (64, BLAKE2b) || K3 (32) || K4 (64).
 * Block = L (32) || R (rest). Encrypt:
 *   R ^= ChaCha20(L ^ K1); L ^= H(K2, R); R ^= ChaCha20(L ^ K3); L ^= H(K4, R)
 * and decrypt runs the four rounds backwards. Every hop decrypts one layer.
 *
 * Plaintext layout: 0^16 || message || 0x01 || 0^(rest). After the last layer the 16 leading
 * zeros prove the payload was not modified (any change randomises the whole block).
 */
import type { CryptoBackend } from '../crypto/index.js';
import { SECURITY_PARAMETER } from './geometry.js';
import { BadPayloadPaddingError, MessageTooLongError, PayloadTamperedError } from './errors.js';

export const LIONESS_KEY_LENGTH = 192;
const HALF = 32;

// Scratch for the per-round ChaCha20 key L ^ Ki (the module is per thread).
const roundKey = new Uint8Array(HALF);

function xorKey(left: Uint8Array, k: Uint8Array, ko: number): Uint8Array {
  for (let i = 0; i < HALF; i++) roundKey[i] = left[i] ^ k[ko + i];
  return roundKey;
}

function xorInto(left: Uint8Array, h: Uint8Array): void {
  for (let i = 0; i < HALF; i++) left[i] ^= h[i];
}

/** Lioness-encrypt `block` (length > 32) in place. */
export function lionessEncrypt(backend: CryptoBackend, key: Uint8Array, block: Uint8Array): void {
  const left = block.subarray(0, HALF);
  const right = block.subarray(HALF);
  backend.chacha20XorInPlace(xorKey(left, key, 0), right);
  xorInto(left, backend.blake2b256Keyed(key.subarray(32, 96), right));
  backend.chacha20XorInPlace(xorKey(left, key, 96), right);
  xorInto(left, backend.blake2b256Keyed(key.subarray(128, 192), right));
}

/** Lioness-decrypt `block` (length > 32) in place. */
export function lionessDecrypt(backend: CryptoBackend, key: Uint8Array, block: Uint8Array): void {
  const left = block.subarray(0, HALF);
  const right = block.subarray(HALF);
  xorInto(left, backend.blake2b256Keyed(key.subarray(128, 192), right));
  backend.chacha20XorInPlace(xorKey(left, key, 96), right);
  xorInto(left, backend.blake2b256Keyed(key.subarray(32, 96), right));
  backend.chacha20XorInPlace(xorKey(left, key, 0), right);
}

/** `0^16 || message || 0x01 || 0...` of `payloadLength` bytes (into `out` if given, zeroed). */
export function padPayload(message: Uint8Array, payloadLength: number, into?: Uint8Array): Uint8Array {
  const max = payloadLength - SECURITY_PARAMETER - 1;
  if (message.length > max) throw new MessageTooLongError(message.length, max);
  const out = into ?? new Uint8Array(payloadLength);
  out.set(message, SECURITY_PARAMETER);
  out[SECURITY_PARAMETER + message.length] = 1;
  return out;
}

/**
 * Inverse of `padPayload`; throws `PayloadTamperedError` / `BadPayloadPaddingError`. A copy,
 * or with `view` a view into `payload`.
 */
export function unpadPayload(payload: Uint8Array, view = false): Uint8Array {
  let lead = 0;
  for (let i = 0; i < SECURITY_PARAMETER; i++) lead |= payload[i];
  if (lead !== 0) throw new PayloadTamperedError();
  let end = payload.length - 1;
  while (end >= SECURITY_PARAMETER && payload[end] === 0) end--;
  if (end < SECURITY_PARAMETER || payload[end] !== 1) throw new BadPayloadPaddingError();
  return view ? payload.subarray(SECURITY_PARAMETER, end) : payload.slice(SECURITY_PARAMETER, end);
}

/** Encrypt a padded payload for a route: layers are added last hop first. */
export function encapsulatePayload(
  backend: CryptoBackend,
  message: Uint8Array,
  payloadLength: number,
  payloadKeys: Uint8Array[],
  out?: Uint8Array,
): Uint8Array {
  const block = padPayload(message, payloadLength, out);
  for (let i = payloadKeys.length - 1; i >= 0; i--) lionessEncrypt(backend, payloadKeys[i], block);
  return block;
}
