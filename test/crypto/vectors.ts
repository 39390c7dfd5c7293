/**
 * The published vector files of test/vectors/crypto/ (each records its source and license),
 * read through valibot schemas so that a malformed or truncated file fails loudly instead of
 * comparing against `undefined`, and the three crypto backends they run against.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as v from 'valibot';
import type { CryptoBackend } from '../../src/crypto/backend.js';
import { nodeBackend } from '../../src/crypto/node.js';
import { pureBackend } from '../../src/crypto/pure.js';
import { webBackend } from '../../src/crypto/web.js';

/** Every backend, each checked against every vector set it implements. */
export const backends: readonly CryptoBackend[] = [nodeBackend, webBackend, pureBackend];

const Hex = v.pipe(v.string(), v.regex(/^(?:[0-9a-f]{2})*$/, 'lowercase hex of whole bytes'));
const Source = v.object({
  document: v.string(),
  url: v.pipe(v.string(), v.url()),
  license: v.pipe(v.string(), v.minLength(10)),
});
const Count = v.pipe(v.number(), v.integer(), v.minValue(0));

export const HmacFile = v.object({
  source: Source,
  vectors: v.array(
    v.object({
      name: v.string(),
      key: Hex,
      data: Hex,
      hmacSha256: Hex,
      truncateTo: v.optional(v.pipe(Count, v.maxValue(32))),
    }),
  ),
});

export const HkdfFile = v.object({
  source: Source,
  vectors: v.array(
    v.object({ name: v.string(), ikm: Hex, salt: Hex, info: Hex, length: Count, prk: Hex, okm: Hex }),
  ),
});

const Blake2bVector = v.object({ key: Hex, input: Hex, outLength: Count, hash: Hex });
export const Blake2bFile = v.object({ source: Source, vectors: v.array(Blake2bVector) });

const RfcChacha = { name: v.string(), key: Hex, nonce: Hex, counter: Count };
export const Rfc8439File = v.object({
  source: Source,
  block: v.array(v.object({ ...RfcChacha, keystream: Hex })),
  encryption: v.array(v.object({ ...RfcChacha, plaintext: Hex, ciphertext: Hex })),
});

export const StrombergsonFile = v.object({
  source: Source,
  vectors: v.array(
    v.object({ name: v.string(), description: v.string(), key: Hex, iv: Hex, rounds: Count, keystream: Hex }),
  ),
});

const GcmSivCase = {
  name: v.string(),
  key: Hex,
  nonce: Hex,
  plaintext: Hex,
  authKey: Hex,
  encKey: Hex,
  polyvalResult: Hex,
  result: Hex,
};
/** RFC 8452: appendix A's POLYVAL example, C.2 and C.3 (with and without associated data). */
export const GcmSivFile = v.object({
  source: Source,
  polyval: v.array(v.object({ name: v.string(), h: Hex, input: Hex, result: Hex })),
  vectors: v.array(v.object(GcmSivCase)),
  withAad: v.array(v.object({ ...GcmSivCase, aad: Hex })),
});

/** Wycheproof's `testvectors_v1/x25519_test.json`, as upstream publishes it. */
export const WycheproofXdhFile = v.object({
  algorithm: v.literal('XDH'),
  numberOfTests: Count,
  testGroups: v.array(
    v.object({
      type: v.string(),
      curve: v.string(),
      tests: v.array(
        v.object({
          tcId: Count,
          comment: v.string(),
          flags: v.array(v.string()),
          public: Hex,
          private: Hex,
          shared: Hex,
          result: v.picklist(['valid', 'acceptable', 'invalid']),
        }),
      ),
    }),
  ),
});

/** The reference implementation's `testvectors/blake2-kat.json`, as upstream publishes it. */
export const Blake2KatFile = v.array(v.object({ hash: v.string(), in: Hex, key: Hex, out: Hex }));

/**
 * Third-party vector files are not copied into this repository: they are read, unchanged, from
 * `$NYMPH_VECTORS_DIR` or the shared reference folder beside the checkout
 * (`../shared/vectors/crypto/`), where the upstream files are kept with their licenses:
 *
 *   x25519_test.json  Project Wycheproof, testvectors_v1/x25519_test.json (github C2SP/wycheproof,
 *                     Apache-2.0)
 *   blake2-kat.json   BLAKE2 reference implementation, testvectors/blake2-kat.json
 *                     (github BLAKE2/BLAKE2, CC0 / OpenSSL / Apache-2.0)
 *
 * Returns null where the file is absent, and the suite that needs it is skipped, naming it.
 */
export const UPSTREAM_DIRS = [
  process.env.NYMPH_VECTORS_DIR,
  fileURLToPath(new URL('../../../shared/vectors/crypto/', import.meta.url)),
].filter((d): d is string => !!d);

export function loadUpstream<S extends v.GenericSchema>(name: string, schema: S): v.InferOutput<S> | null {
  for (const dir of UPSTREAM_DIRS) {
    const file = join(dir, name);
    if (existsSync(file)) return v.parse(schema, JSON.parse(readFileSync(file, 'utf8')));
  }
  return null;
}

export const upstreamMissing = (name: string): string =>
  `${name} is not in ${UPSTREAM_DIRS.join(' or ')}: skipped (see test/crypto/vectors.ts)`;

/** test/vectors/crypto/`name`, parsed with `schema` (throws a ValiError naming the bad field). */
export function loadVectors<S extends v.GenericSchema>(name: string, schema: S): v.InferOutput<S> {
  const text = readFileSync(new URL(`../vectors/crypto/${name}`, import.meta.url), 'utf8');
  return v.parse(schema, JSON.parse(text));
}

export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw new Error(`not hex: ${hex.slice(0, 40)}`);
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}
