/**
 * Loading the published vector files of test/vectors/crypto/ (each records its source and
 * license), and the three crypto backends they run against.
 */
import { readFileSync } from 'node:fs';
import type { CryptoBackend } from '../../src/crypto/backend.js';
import { nodeBackend } from '../../src/crypto/node.js';
import { pureBackend } from '../../src/crypto/pure.js';
import { webBackend } from '../../src/crypto/web.js';

/** Every backend, each checked against every vector set it implements. */
export const backends: readonly CryptoBackend[] = [nodeBackend, webBackend, pureBackend];

/** The parsed file, after checking that it names its source and license. */
export function loadVectors<T>(name: string): T & { source: { url: string; license: string } } {
  const text = readFileSync(new URL(`../vectors/crypto/${name}`, import.meta.url), 'utf8');
  const parsed = JSON.parse(text) as T & { source?: { url?: unknown; license?: unknown } };
  if (typeof parsed.source?.url !== 'string' || typeof parsed.source.license !== 'string')
    throw new Error(`${name}: no source url or license recorded`);
  return parsed as T & { source: { url: string; license: string } };
}

export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw new Error(`not hex: ${hex.slice(0, 40)}`);
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}
