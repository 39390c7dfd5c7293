/**
 * Shared crypto primitives and the node/browser backend switch.
 *
 * `defaultBackend` is chosen by environment at module resolution time: package.json maps
 * `#crypto-default-backend` to the node backend (sodium-native, node:crypto and small wasm
 * hash modules) by default, and under the "browser" condition to the web backend (wasm
 * X25519 and hashes, @noble ciphers; the pure @noble backend where a page forbids wasm), so a
 * browser bundle never pulls in node:crypto or sodium-native. `pureBackend` and `webBackend`
 * are always available explicitly.
 * The node backend itself is exported from `src/crypto/node.ts` (not from here) so that
 * importing this index never loads native code in a browser.
 */
export type { CryptoBackend } from './backend.js';
export { pureBackend } from './pure.js';
export { webBackend, webBackendIfAvailable } from './web.js';
export { defaultBackend } from '#crypto-default-backend';
