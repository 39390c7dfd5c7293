/**
 * Node keys in the home directory: an Ed25519 identity and an X25519 Sphinx key, each a
 * 32-byte secret stored base58 in its own file (mode 0600) with the public key beside it
 * (`keys/ed25519_identity.{key,pub}`, `keys/x25519_sphinx.{key,pub}`). Used by mix nodes
 * and gateways alike.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { base58 } from '@scure/base';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { NodeConfigError } from './errors.js';

export interface NodeKeys {
  identitySecret: Uint8Array;
  identityPublic: Uint8Array;
  sphinxSecret: Uint8Array;
  sphinxPublic: Uint8Array;
}

export function generateNodeKeys(random: (n: number) => Uint8Array = (n) => crypto.randomBytes(n)): NodeKeys {
  const identitySecret = random(32);
  const sphinxSecret = random(32);
  return {
    identitySecret,
    identityPublic: ed25519.getPublicKey(identitySecret),
    sphinxSecret,
    sphinxPublic: x25519.getPublicKey(sphinxSecret),
  };
}

const FILES = {
  identity: 'ed25519_identity',
  sphinx: 'x25519_sphinx',
} as const;

export function keysDir(home: string): string {
  return path.join(home, 'keys');
}

export function writeNodeKeys(home: string, keys: NodeKeys): void {
  const dir = keysDir(home);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const put = (name: string, secret: Uint8Array, pub: Uint8Array) => {
    fs.writeFileSync(path.join(dir, `${name}.key`), base58.encode(secret) + '\n', { mode: 0o600 });
    fs.writeFileSync(path.join(dir, `${name}.pub`), base58.encode(pub) + '\n');
  };
  put(FILES.identity, keys.identitySecret, keys.identityPublic);
  put(FILES.sphinx, keys.sphinxSecret, keys.sphinxPublic);
}

export function readNodeKeys(home: string): NodeKeys {
  const dir = keysDir(home);
  const get = (name: string) => {
    const file = path.join(dir, `${name}.key`);
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8').trim();
    } catch {
      throw new NodeConfigError('keys', `cannot read ${file} (run init first)`);
    }
    let b: Uint8Array;
    try {
      b = base58.decode(text);
    } catch {
      throw new NodeConfigError('keys', `${file} is not base58`);
    }
    if (b.length !== 32) throw new NodeConfigError('keys', `${file} must hold 32 bytes`);
    return b;
  };
  const identitySecret = get(FILES.identity);
  const sphinxSecret = get(FILES.sphinx);
  return {
    identitySecret,
    identityPublic: ed25519.getPublicKey(identitySecret),
    sphinxSecret,
    sphinxPublic: x25519.getPublicKey(sphinxSecret),
  };
}

export function hasNodeKeys(home: string): boolean {
  return fs.existsSync(path.join(keysDir(home), `${FILES.identity}.key`));
}
