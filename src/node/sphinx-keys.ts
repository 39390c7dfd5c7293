/**
 * The node's rotating X25519 Sphinx keys on disk (Nym's `SphinxKeyManager`, nym-node
 * `src/node/key_rotation/{manager,key}.rs`): a primary key (the current rotation) and at
 * most one secondary (the next rotation's pre-announced key, or the previous rotation's
 * during the overlap epoch).
 *
 *   keys/x25519_sphinx_primary.key     base58(rotation id (u32 BE, 4) ‖ X25519 secret (32))
 *   keys/x25519_sphinx_secondary.key   same layout (Nym's 36-byte SphinxPrivateKey bytes)
 *
 * Files are replaced by write-then-rename; a swap goes through `primary.tmp` as Nym's
 * does, and a leftover tmp file (crash mid-swap) is removed on load, the two keys being
 * re-ordered by rotation id. The bonded `x25519_sphinx` key becomes the first primary.
 */
import fs from 'node:fs';
import path from 'node:path';
import { base58 } from '@scure/base';
import { x25519 } from '@noble/curves/ed25519.js';
import { keysDir } from './keys.js';
import { KeyRotationError, SphinxKeyFileError } from './errors.js';

export interface RotationKey {
  rotationId: number;
  secret: Uint8Array;
  publicKey: Uint8Array;
}

export const PRIMARY_FILE = 'x25519_sphinx_primary.key';
export const SECONDARY_FILE = 'x25519_sphinx_secondary.key';
const KEY_BYTES = 36;

export function rotationKey(rotationId: number, secret: Uint8Array): RotationKey {
  return { rotationId, secret, publicKey: x25519.getPublicKey(secret) };
}

export function encodeRotationKey(k: RotationKey): string {
  const b = new Uint8Array(KEY_BYTES);
  new DataView(b.buffer).setUint32(0, k.rotationId, false);
  b.set(k.secret, 4);
  return base58.encode(b);
}

export function decodeRotationKey(text: string, file = 'key'): RotationKey {
  let b: Uint8Array;
  try {
    b = base58.decode(text.trim());
  } catch {
    throw new SphinxKeyFileError(file, 'is not base58');
  }
  if (b.length !== KEY_BYTES) throw new SphinxKeyFileError(file, `holds ${b.length} bytes, not ${KEY_BYTES}`);
  const rotationId = new DataView(b.buffer, b.byteOffset).getUint32(0, false);
  return rotationKey(rotationId, b.slice(4));
}

function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.new`;
  fs.writeFileSync(tmp, text + '\n', { mode: 0o600 });
  fs.renameSync(tmp, file);
}

export class SphinxKeyStore {
  private primaryKey: RotationKey;
  private secondaryKey: RotationKey | undefined;

  private constructor(
    private readonly dir: string,
    private readonly random: (n: number) => Uint8Array,
    primary: RotationKey,
    secondary: RotationKey | undefined,
  ) {
    this.primaryKey = primary;
    this.secondaryKey = secondary;
  }

  /**
   * Loads the keys (Nym's `try_load_or_regenerate`). Without a primary file the `initial`
   * secret becomes the primary of `currentRotation`. A missed swap (secondary newer than
   * the primary and the rotation past the primary) is completed; a primary of an older
   * rotation (the node was down) stays as the secondary and a key for now is made, which
   * the controller then promotes.
   */
  static open(
    home: string,
    currentRotation: number,
    initial: Uint8Array,
    random: (n: number) => Uint8Array,
  ): SphinxKeyStore {
    const dir = keysDir(home);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const p = path.join(dir, PRIMARY_FILE);
    const s = path.join(dir, SECONDARY_FILE);
    fs.rmSync(`${p}.tmp`, { force: true });
    if (!fs.existsSync(p)) {
      const k = rotationKey(currentRotation, initial);
      writeAtomic(p, encodeRotationKey(k));
      fs.rmSync(s, { force: true });
      return new SphinxKeyStore(dir, random, k, undefined);
    }
    const read = (f: string) => decodeRotationKey(fs.readFileSync(f, 'utf8'), f);
    let primary = read(p);
    let secondary = fs.existsSync(s) ? read(s) : undefined;
    if (secondary && secondary.rotationId > primary.rotationId && currentRotation > primary.rotationId) {
      [primary, secondary] = [secondary, primary];
      writeAtomic(p, encodeRotationKey(primary));
      writeAtomic(s, encodeRotationKey(secondary));
    }
    const store = new SphinxKeyStore(dir, random, primary, secondary);
    if (primary.rotationId !== currentRotation) store.generate(currentRotation);
    return store;
  }

  /** The stored primary key's rotation id, if there is a primary file. */
  static peekPrimaryRotation(home: string): number | undefined {
    const p = path.join(keysDir(home), PRIMARY_FILE);
    return fs.existsSync(p) ? decodeRotationKey(fs.readFileSync(p, 'utf8'), p).rotationId : undefined;
  }

  get primary(): RotationKey {
    return this.primaryKey;
  }

  get secondary(): RotationKey | undefined {
    return this.secondaryKey;
  }

  /** The key the node announces for the next rotation, if it holds one. */
  get preAnnounced(): RotationKey | undefined {
    const s = this.secondaryKey;
    return s && s.rotationId > this.primaryKey.rotationId ? s : undefined;
  }

  /** A new secondary key for `rotation` (Nym's `generate_key_for_new_rotation`). */
  generate(rotation: number): RotationKey {
    const k = rotationKey(rotation, this.random(32));
    writeAtomic(path.join(this.dir, SECONDARY_FILE), encodeRotationKey(k));
    this.secondaryKey = k;
    return k;
  }

  /** The pre-announced key becomes the primary, the old primary the overlap secondary. */
  rotate(expected: number): void {
    if (this.secondaryKey?.rotationId !== expected) {
      if (this.secondaryKey && this.secondaryKey.rotationId > expected)
        throw new KeyRotationError(
          `asked to rotate to ${expected} while holding ${this.secondaryKey.rotationId}`,
        );
      this.generate(expected);
    }
    const p = path.join(this.dir, PRIMARY_FILE);
    const s = path.join(this.dir, SECONDARY_FILE);
    const tmp = `${p}.tmp`;
    fs.copyFileSync(p, tmp);
    fs.renameSync(s, p);
    fs.renameSync(tmp, s);
    [this.primaryKey, this.secondaryKey] = [this.secondaryKey!, this.primaryKey];
  }

  /** Drops the secondary key (the overlap is over): from memory and from disk. */
  removeSecondary(): void {
    this.secondaryKey = undefined;
    fs.rmSync(path.join(this.dir, SECONDARY_FILE), { force: true });
  }
}
