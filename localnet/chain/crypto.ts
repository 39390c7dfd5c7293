/**
 * Hashing, addresses and signature checks of the chain.
 *
 * Signatures are verified with node:crypto (OpenSSL), about four times faster than a pure
 * JS verifier; public keys are parsed once and cached per compressed key.
 */
import { createPublicKey, verify as nodeVerify, type KeyObject } from 'node:crypto';
import { sha256 } from '@noble/hashes/sha2.js';
import { ripemd160 } from '@noble/hashes/legacy.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bech32 } from '@scure/base';

export { sha256 };

const utf8 = new TextEncoder();

export function toHexUpper(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex').toUpperCase();
}

export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

export function fromBase64(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'base64'));
}

/** bech32(prefix, ripemd160(sha256(compressed secp256k1 key))): the Cosmos account address. */
export function pubkeyToAddress(prefix: string, pubkey: Uint8Array): string {
  return bech32.encode(prefix, bech32.toWords(ripemd160(sha256(pubkey))), 256);
}

/** Module account address: sha256(name)[0..20] (x/auth NewModuleAddress). */
export function moduleAddress(prefix: string, name: string): string {
  return bech32.encode(prefix, bech32.toWords(sha256(utf8.encode(name)).subarray(0, 20)), 256);
}

/**
 * wasmd classic contract address:
 *   sha256(sha256("module") || "wasm" || 0x00 || code_id u64 BE || instance_id u64 BE), 32 bytes.
 */
export function contractAddress(prefix: string, codeId: bigint, instanceId: bigint): string {
  const typ = sha256(utf8.encode('module'));
  const key = new Uint8Array(4 + 1 + 16);
  key.set(utf8.encode('wasm'), 0);
  key[4] = 0;
  const view = new DataView(key.buffer);
  view.setBigUint64(5, codeId);
  view.setBigUint64(13, instanceId);
  const buf = new Uint8Array(typ.length + key.length);
  buf.set(typ, 0);
  buf.set(key, typ.length);
  return bech32.encode(prefix, bech32.toWords(sha256(buf)), 256);
}

/** Decode and check a bech32 account address with the given prefix; null when invalid. */
export function decodeAddress(prefix: string, address: string): Uint8Array | null {
  try {
    const { prefix: p, words } = bech32.decode(address as `${string}1${string}`, 256);
    if (p !== prefix) return null;
    const data = bech32.fromWords(words);
    if (data.length !== 20 && data.length !== 32) return null;
    return data;
  } catch {
    return null;
  }
}

const keyCache = new Map<string, KeyObject>();
// Half the secp256k1 group order: the SDK accepts low-S signatures only.
export const HALF_N = secp256k1.Point.CURVE().n >> 1n;

/**
 * SubjectPublicKeyInfo DER prefix for a compressed secp256k1 key:
 *   SEQUENCE { SEQUENCE { OID ecPublicKey 1.2.840.10045.2.1, OID secp256k1 1.3.132.0.10 },
 *              BIT STRING (0 unused bits) <33-byte compressed point> }
 */
export const SECP256K1_SPKI_PREFIX = '3036301006072a8648ce3d020106052b8104000a032200';

/** Parse a 33-byte compressed secp256k1 key; null when it is not a curve point. */
function keyObject(pubkey: Uint8Array): KeyObject | null {
  const id = toBase64(pubkey);
  let key = keyCache.get(id);
  if (key) return key;
  try {
    if (pubkey.length !== 33) return null;
    key = createPublicKey({
      key: Buffer.concat([Buffer.from(SECP256K1_SPKI_PREFIX, 'hex'), pubkey]),
      format: 'der',
      type: 'spki',
    });
  } catch {
    return null;
  }
  if (keyCache.size > 100_000) keyCache.clear();
  keyCache.set(id, key);
  return key;
}

/** Verify a 64-byte r||s low-S ECDSA signature over sha256(message). */
export function verifySecp256k1(pubkey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (signature.length !== 64) return false;
  const s = BigInt('0x' + Buffer.from(signature.subarray(32)).toString('hex'));
  if (s === 0n || s > HALF_N) return false;
  const key = keyObject(pubkey);
  if (!key) return false;
  try {
    return nodeVerify('sha256', message, { key, dsaEncoding: 'ieee-p1363' }, signature);
  } catch {
    return false;
  }
}

/** RFC 3339 with nanoseconds, as CometBFT prints times: 2026-11-23T10:24:16.123456789Z. */
export function rfc3339Nanos(timeNanos: bigint): string {
  const ms = Number(timeNanos / 1_000_000n);
  const iso = new Date(ms).toISOString(); // yyyy-mm-ddThh:mm:ss.sssZ
  const frac = (timeNanos % 1_000_000_000n).toString().padStart(9, '0');
  return `${iso.slice(0, 19)}.${frac}Z`;
}
