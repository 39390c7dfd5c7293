/**
 * The vector files themselves: every file under test/vectors/crypto/ is read by one of the
 * schemas, names its source and license, and a damaged copy is refused.
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import {
  Blake2bFile,
  GcmSivFile,
  HkdfFile,
  HmacFile,
  loadVectors,
  Rfc8439File,
  StrombergsonFile,
} from './vectors.js';

const FILES = {
  'hmac-sha256-rfc4231.json': HmacFile,
  'hkdf-sha256-rfc5869.json': HkdfFile,
  'blake2b-rfc7693.json': Blake2bFile,
  'chacha20-rfc8439.json': Rfc8439File,
  'chacha20-original-strombergson.json': StrombergsonFile,
  'aes256-gcm-siv-rfc8452.json': GcmSivFile,
} as const;

describe('test/vectors/crypto', () => {
  it('holds exactly the files the vector tests read', () => {
    const dir = new URL('../vectors/crypto/', import.meta.url);
    expect(readdirSync(dir).sort()).toEqual(Object.keys(FILES).sort());
  });

  for (const [name, schema] of Object.entries(FILES)) {
    it(`${name} parses and records its source URL and license`, () => {
      const file = loadVectors(name, schema);
      expect(file.source.url).toMatch(/^https:\/\//);
      expect(file.source.license.length).toBeGreaterThan(10);
    });
  }

  it('a damaged file is refused with a ValiError naming the field', () => {
    const text = readFileSync(new URL('../vectors/crypto/hkdf-sha256-rfc5869.json', import.meta.url), 'utf8');
    const good = JSON.parse(text) as { source: { license?: string }; vectors: { okm: string }[] };
    const oddHex = structuredClone(good);
    oddHex.vectors[1].okm = oddHex.vectors[1].okm.slice(1);
    const noLicense = structuredClone(good);
    delete noLicense.source.license;
    for (const bad of [oddHex, noLicense]) {
      expect(() => v.parse(HkdfFile, bad)).toThrow(v.ValiError);
    }
    const issues = v.safeParse(HkdfFile, oddHex).issues ?? [];
    expect(issues.map((i) => v.getDotPath(i))).toEqual(['vectors.1.okm']);
  });
});
