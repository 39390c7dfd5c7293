/**
 * The web backend: the portable backend with its hot primitives on small wasm modules emitted
 * at load time (X25519, SHA-256 for HKDF and HMAC, keyed BLAKE2b, ChaCha20); AES-CTR stays on
 * @noble/ciphers. No node:crypto, no native code: the browser default where WebAssembly may
 * be compiled (`webBackendIfAvailable`), about 10x faster than `pureBackend` at building a
 * Sphinx packet. Byte-identical output to the other backends (tests run all three).
 */
import type { CryptoBackend } from './backend.js';
import { blake2b256Keyed } from './blake2b.js';
import { blake2bWasm } from './blake2b-wasm.js';
import { chacha20XorInPlaceWasm, chachaWasm } from './chacha20-wasm.js';
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
