import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { CryptoBackend } from '../../src/crypto/index.js';
import { pureBackend, webBackend } from '../../src/crypto/index.js';
import { nodeBackend } from '../../src/crypto/node.js';
import { encodeNodeAddress, SphinxNodeKey, type RouteNode } from '../../src/sphinx/index.js';
import { makeRecipient, type Recipient } from '../../src/nymsphinx/index.js';
import { ed25519 } from '@noble/curves/ed25519.js';

export const backends: CryptoBackend[] = [nodeBackend, pureBackend, webBackend];
export { nodeBackend, pureBackend };

export const random = (n: number): Uint8Array => new Uint8Array(randomBytes(n));
export const fromHex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'));
export const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

export function readVectors(name: string): any {
  return JSON.parse(readFileSync(new URL(`../vectors/nymsphinx/${name}`, import.meta.url), 'utf8'));
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

/** Hands out the given set ids in order (recorded from Nym's splitter). */
export function setIds(ids: number[]): () => number {
  let i = 0;
  return () => {
    if (i >= ids.length) throw new Error('ran out of recorded set ids');
    return ids[i++];
  };
}

/** Counts up from `start`: distinct, valid set ids. */
export function countingSetIds(start = 1): () => number {
  let next = start;
  return () => next++;
}

export interface TestNode {
  key: SphinxNodeKey;
  route: RouteNode;
}

export function nodes(n: number, backend: CryptoBackend = nodeBackend, base = 1): TestNode[] {
  return Array.from({ length: n }, (_, i) => {
    const key = SphinxNodeKey.generate(random, backend);
    return {
      key,
      route: {
        address: encodeNodeAddress({ host: `10.9.0.${base + i}`, port: 1789 }),
        publicKey: key.publicKey,
      },
    };
  });
}

export interface TestClient {
  recipient: Recipient;
  encryptionSecret: Uint8Array;
  ackKey: Uint8Array;
}

export function client(gatewayIdentity: Uint8Array, backend: CryptoBackend = nodeBackend): TestClient {
  const encryptionSecret = random(32);
  const identity = ed25519.getPublicKey(random(32));
  return {
    recipient: makeRecipient(identity, backend.x25519Base(encryptionSecret), gatewayIdentity),
    encryptionSecret,
    ackKey: random(16),
  };
}

export function gatewayIdentity(): Uint8Array {
  return ed25519.getPublicKey(random(32));
}
