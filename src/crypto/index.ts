/**
 * Shared crypto primitives and the node/browser backend switch.
 *
 * `defaultBackend` is chosen by environment at module resolution time: package.json maps
 * `#crypto-default-backend` to the node backend (sodium-native, node:crypto and small wasm
 * hash modules) by default, and under the "browser" condition to the web backend (wasm
 * X25519 and hashes, @noble ciphers; the pure @noble backend where a page forbids wasm), so a
 * browser bundle never pulls in node:crypto or sodium-native. `pureBackend` and `webBackend`
 * are always available explicitly. `defaultAead` (the protocol's AES-GCM-SIV, ./aead.ts) is
 * chosen the same way: `nodeAead` in Node, `webAead` in browsers (`nobleAead` where a page
 * forbids wasm).
 * The node backend itself is exported from `src/crypto/node.ts` (not from here) so that
 * importing this index never loads native code in a browser.
 */
export type { CryptoBackend } from './backend.js';
export { pureBackend } from './pure.js';
export { webAead, webAeadIfAvailable, webBackend, webBackendIfAvailable } from './web.js';
export {
  AEAD_KEY_SIZES,
  AEAD_NONCE_SIZE,
  AEAD_TAG_SIZE,
  AeadKeySizeError,
  AeadNonceSizeError,
  nobleAead,
  type Aead,
  type GcmSivAead,
} from './aead.js';
export { defaultAead, defaultBackend } from '#crypto-default-backend';
