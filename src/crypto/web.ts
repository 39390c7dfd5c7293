/**
 * The web backend: the portable backend with its hot primitives on small wasm modules emitted
 * at load time (X25519, SHA-256 for HKDF and HMAC, keyed BLAKE2b, ChaCha20); AES-CTR stays on
 * @noble/ciphers. No node:crypto, no native code: the browser default where WebAssembly may
 * be compiled (`webBackendIfAvailable`), about 10x faster than `pureBackend` at building a
 * Sphinx packet. Byte-identical output to the other backends (tests run all three).
 * Also `webAead`, the protocol's AES-GCM-SIV on the wasm POLYVAL and noble's AES (a T-table
 * AES, as noble's own gcmsiv uses: see @noble/ciphers' README on constant-timeness).
 */
import { ecb } from '@noble/ciphers/aes.js';
import { nobleAead, type GcmSivAead } from './aead.js';
import type { CryptoBackend } from './backend.js';
import { blake2b256Keyed } from './blake2b.js';
import { blake2bWasm } from './blake2b-wasm.js';
import { chacha20XorInPlaceWasm, chachaWasm } from './chacha20-wasm.js';
import { gcmSivAead, type AesEcb } from './gcm-siv.js';
import { polyvalWasm } from './polyval-wasm.js';
import { isAllZero, pureBackend } from './pure.js';
import { hkdfSha256, hmacSha256 } from './sha256.js';
import { sha256Wasm } from './sha256-wasm.js';
import { x25519BaseWasm, x25519Wasm, x25519WasmReady } from './x25519-wasm.js';

export const webBackend: CryptoBackend = {
  ...pureBackend,
  name: 'web',

  x25519(scalar, u) {
    const out = x25519Wasm(scalar, u);
    return isAllZero(out) ? null : out; // a small-order input, refused like the other backends
  },

  x25519Base: x25519BaseWasm,
  chacha20XorInPlace: chacha20XorInPlaceWasm,
  hkdfSha256,
  hmacSha256,
  blake2b256Keyed,
};

/**
 * `webBackend` when this environment compiles WebAssembly (a page's Content-Security-Policy
 * may forbid it without 'wasm-unsafe-eval'), otherwise `pureBackend`.
 */
export function webBackendIfAvailable(): CryptoBackend {
  try {
    sha256Wasm();
    blake2bWasm();
    chachaWasm();
    x25519WasmReady();
    return webBackend;
  } catch {
    return pureBackend;
  }
}

/** noble's AES-ECB without padding on its own copy of the key (a noble ECB instance encrypts once). */
function nobleEcb(key: Uint8Array): AesEcb {
  const own = Uint8Array.from(key);
  return (input, output) => {
    ecb(own, { disablePadding: true }).encrypt(input, output);
  };
}

/** AES-GCM-SIV (RFC 8452) on noble's AES and the wasm POLYVAL. */
export const webAead: GcmSivAead = gcmSivAead('web', nobleEcb);

/** `webAead` where this environment compiles WebAssembly, otherwise `nobleAead` (same bytes). */
export function webAeadIfAvailable(): GcmSivAead {
  try {
    polyvalWasm();
    return webAead;
  } catch {
    return nobleAead;
  }
}
