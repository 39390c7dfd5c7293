import { randomBytes } from 'node:crypto';
import type { CryptoBackend } from '../../src/crypto/index.js';
import { pureBackend, webBackend } from '../../src/crypto/index.js';
import { nodeBackend } from '../../src/crypto/node.js';
import { encodeNodeAddress, SphinxNodeKey, type RouteNode } from '../../src/sphinx/index.js';

export const backends: CryptoBackend[] = [nodeBackend, pureBackend, webBackend];
export { nodeBackend, pureBackend, webBackend };

export const random = (n: number): Uint8Array => new Uint8Array(randomBytes(n));
export const fromHex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'));
export const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Replays recorded randomness in order; fails loudly if the code asks for something else. */
export function replay(chunks: string[]): (n: number) => Uint8Array {
  let i = 0;
  return (n) => {
    const b = fromHex(chunks[i++] ?? '');
    if (b.length !== n) throw new Error(`replayed randomness: asked ${n} bytes, have ${b.length}`);
    return b;
  };
}

/** A deterministic random source from a fast-check seed (so shrinking is reproducible). */
export function seededRandom(seed: number): (n: number) => Uint8Array {
  let state = seed >>> 0 || 1;
  return (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      out[i] = state & 0xff;
    }
    return out;
  };
}

export interface TestNetwork {
  keys: SphinxNodeKey[];
  route: RouteNode[];
}

/** `hops` nodes with fresh keys and IPv4 addresses. */
export function network(hops: number, backend: CryptoBackend, rnd = random): TestNetwork {
  const keys = Array.from({ length: hops }, () => SphinxNodeKey.generate(rnd, backend));
  const route = keys.map((k, i) => ({
    address: encodeNodeAddress({ host: `10.1.0.${i + 1}`, port: 1789 + i }),
    publicKey: k.publicKey,
  }));
  return { keys, route };
}
