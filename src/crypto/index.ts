/**
 * Shared crypto primitives and the node/browser backend switch.
 *
 * `defaultBackend` is chosen by environment at module resolution time: package.json maps
 * `#crypto-default-backend` to the node backend (sodium-native, node:crypto and two small wasm
 * hash modules) by default and
 * to the pure @noble backend under the "browser" condition, so a browser bundle never pulls
 * in node:crypto or sodium-native. `pureBackend` is always available explicitly.
 * The node backend itself is exported from `src/crypto/node.ts` (not from here) so that
 * importing this index never loads native code in a browser.
 */
export type { CryptoBackend } from './backend.js';
export { pureBackend } from './pure.js';
export { defaultBackend } from '#crypto-default-backend';
