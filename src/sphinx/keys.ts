/**
 * Per-hop key material, as in nymtech/sphinx (header/shared_secret.rs, payload/key.rs).
 *
 * s = X25519(node secret, alpha) is expanded by HKDF-SHA256 (empty salt, info below) into
 * 288 bytes:
 *
 *   offset   0: AES-128 header stream key (16)
 *   offset  16: HMAC-SHA256 header MAC key (16)
 *   offset  32: payload key (192)  -- version 258 uses all 192 bytes as the Lioness key;
 *                                    version 259 uses the first 16 as a seed for a second HKDF
 *   offset 224: blinding factor (32), an X25519 scalar (clamped when used)
 *   offset 256: replay tag (32)
 */
import type { CryptoBackend } from '../crypto/index.js';
import { InvalidRouteError } from './errors.js';

const utf8 = (s: string) => new TextEncoder().encode(s);

/** Nym's HKDF info string (constants.rs `EXPANDED_SHARED_SECRET_HKDF_INFO`), used verbatim. */
export const EXPANDED_SHARED_SECRET_HKDF_INFO = utf8(
  'Dwste mou enan moxlo arketa makru kai ena upomoxlio gia na ton topothetisw kai tha kinisw thn gh.',
);
/** Nym uses an empty HKDF salt here. */
export const EXPANDED_SHARED_SECRET_HKDF_SALT = new Uint8Array(0);
/** Salt and info of the second HKDF turning a 16-byte seed into a 192-byte Lioness key. */
export const PAYLOAD_KEY_HKDF_SALT = utf8('sphinx-payload-key-V01-CS01-HKDF:SHA256-SALT');
export const PAYLOAD_KEY_HKDF_INFO = utf8('sphinx-payload-key-V01-CS01-HKDF:SHA256-INFO');

export const STREAM_KEY_OFFSET = 0;
export const STREAM_KEY_LENGTH = 16;
export const MAC_KEY_OFFSET = 16;
export const MAC_KEY_LENGTH = 16;
export const PAYLOAD_KEY_OFFSET = 32;
export const PAYLOAD_KEY_LENGTH = 192;
export const PAYLOAD_KEY_SEED_LENGTH = 16;
export const BLINDING_FACTOR_OFFSET = 224;
export const BLINDING_FACTOR_LENGTH = 32;
export const REPLAY_TAG_OFFSET = 256;
export const REPLAY_TAG_LENGTH = 32;
export const EXPANDED_SHARED_SECRET_LENGTH = 288;

/** Packet format versions (3 bytes on the wire: 0x00 || u16 BE). */
export const VERSION_EXPLICIT_PAYLOAD_KEYS = 258;
export const VERSION_PAYLOAD_KEY_SEEDS = 259;
/** Versions this codec builds and processes. 259 is the crate's current version. */
export type SphinxVersion = 258 | 259;
export const CURRENT_VERSION: SphinxVersion = VERSION_PAYLOAD_KEY_SEEDS;

/**
 * HKDF expansion of a shared secret. `length` may be cut short by a sender that does not need
 * the trailing fields (HKDF output is a prefix-stable stream): 256 skips the replay tag,
 * 224 also the blinding factor.
 */
export function expandSharedSecret(
  backend: CryptoBackend,
  sharedSecret: Uint8Array,
  length: number = EXPANDED_SHARED_SECRET_LENGTH,
): Uint8Array {
  return backend.hkdfSha256(
    sharedSecret,
    EXPANDED_SHARED_SECRET_HKDF_SALT,
    EXPANDED_SHARED_SECRET_HKDF_INFO,
    length,
  );
}

/** The 192-byte Lioness key from a 16-byte seed (version 259). */
export function derivePayloadKey(backend: CryptoBackend, seed: Uint8Array): Uint8Array {
  return backend.hkdfSha256(seed, PAYLOAD_KEY_HKDF_SALT, PAYLOAD_KEY_HKDF_INFO, PAYLOAD_KEY_LENGTH);
}

/** Length of a hop's payload key material: the whole key (258) or its seed (259). */
export function payloadKeyMaterialLength(version: SphinxVersion): number {
  return version === VERSION_EXPLICIT_PAYLOAD_KEYS ? PAYLOAD_KEY_LENGTH : PAYLOAD_KEY_SEED_LENGTH;
}

/** A hop's payload key material, as carried in the expanded secret and in SURBs (a view). */
export function payloadKeyMaterialOf(expanded: Uint8Array, version: SphinxVersion): Uint8Array {
  return expanded.subarray(PAYLOAD_KEY_OFFSET, PAYLOAD_KEY_OFFSET + payloadKeyMaterialLength(version));
}

/** The Lioness key from a hop's payload key material. */
export function payloadKeyFromMaterial(
  backend: CryptoBackend,
  material: Uint8Array,
  version: SphinxVersion,
): Uint8Array {
  return version === VERSION_EXPLICIT_PAYLOAD_KEYS ? material : derivePayloadKey(backend, material);
}

/** The Lioness key of a hop, given its expanded secret and the packet version. */
export function payloadKeyOf(
  backend: CryptoBackend,
  expanded: Uint8Array,
  version: SphinxVersion,
): Uint8Array {
  return payloadKeyFromMaterial(backend, payloadKeyMaterialOf(expanded, version), version);
}

// ---------------------------------------------------------------------------------------
// Sender-side key schedule.
//
// Nym's sender computes hop i's shared secret as a chain of X25519 calls,
//   s_i = X25519(b_{i-1}, ... X25519(b_0, X25519(x, PK_i))),
// i.e. i+1 scalar multiplications for hop i (10 for four hops). All clamped X25519 scalars are
// multiples of 8, so on curve points (honest public keys) the chain equals one multiplication
// by K_i = x * b_0 * ... * b_{i-1} mod l. We then find a clamped scalar k with k = +-K_i mod l
// (X25519 only outputs u, and u([K]P) = u([-K]P)) and make a single X25519 call. If neither sign
// has such a k (probability ~2^-126) we fall back to the chain. Same bytes as Nym, one
// multiplication per hop.

/** Order of the prime subgroup of Curve25519. */
const L = (1n << 252n) + 27742317777372353535851937790883648493n;
const TWO_254 = 1n << 254n;
const CLAMPED_M_LIMIT = 1n << 251n;

function modPow(base: bigint, exp: bigint, m: bigint): bigint {
  let r = 1n;
  let b = base % m;
  let e = exp;
  while (e > 0n) {
    if (e & 1n) r = (r * b) % m;
    b = (b * b) % m;
    e >>= 1n;
  }
  return r;
}

const INV8 = modPow(8n, L - 2n, L);

function mod(a: bigint, m: bigint): bigint {
  const r = a % m;
  return r < 0n ? r + m : r;
}

const MASK64 = (1n << 64n) - 1n;

/** The integer value of X25519's clamping of 32 bytes (little-endian). */
export function clampedScalar(bytes: Uint8Array): bigint {
  // four 64-bit little-endian limbs: far fewer BigInt operations than byte by byte
  const v = new DataView(bytes.buffer, bytes.byteOffset, 32);
  const lo = v.getBigUint64(0, true) & ~7n; // clear the low three bits
  const hi = (v.getBigUint64(24, true) & ((1n << 63n) - 1n)) | (1n << 62n); // bit 255 off, bit 254 on
  return (hi << 192n) | (v.getBigUint64(16, true) << 128n) | (v.getBigUint64(8, true) << 64n) | lo;
}

function bigintToBytes32(value: bigint): Uint8Array {
  const out = new Uint8Array(32);
  const v = new DataView(out.buffer);
  v.setBigUint64(0, value & MASK64, true);
  v.setBigUint64(8, (value >> 64n) & MASK64, true);
  v.setBigUint64(16, (value >> 128n) & MASK64, true);
  v.setBigUint64(24, (value >> 192n) & MASK64, true);
  return out;
}

/** A clamped 32-byte scalar k with k = +-K (mod l), or null if neither sign has one. */
export function clampedRepresentative(K: bigint): Uint8Array | null {
  for (const target of [mod(K, L), mod(-K, L)]) {
    const m = mod((target - TWO_254) * INV8, L);
    if (m < CLAMPED_M_LIMIT) return bigintToBytes32(TWO_254 + 8n * m);
  }
  return null;
}

/** Product of clamped scalars mod l. */
export function mulScalars(acc: bigint, bytes: Uint8Array): bigint {
  return (acc * clampedScalar(bytes)) % L;
}

/** The sender's per-hop material for a route. */
export interface RouteKeyMaterial {
  /** alpha_0 = X25519(x, 9): the header's group element. */
  alpha: Uint8Array;
  /** One expanded shared secret prefix per hop (see `deriveRouteKeys` for the lengths). */
  expanded: Uint8Array[];
}

/**
 * How much of the last hop's expansion a sender needs: the stream and MAC keys and the payload
 * key material (a 16-byte seed in version 259, the whole 192-byte key in 258).
 */
export function lastHopExpansionLength(version: SphinxVersion): number {
  return version === VERSION_EXPLICIT_PAYLOAD_KEYS
    ? PAYLOAD_KEY_OFFSET + PAYLOAD_KEY_LENGTH
    : PAYLOAD_KEY_OFFSET + PAYLOAD_KEY_SEED_LENGTH;
}

/**
 * Derive every hop's expanded secret for a route, the way the sender does. `initialSecret` is
 * 32 random bytes (x). Forward hops get 256 bytes (no replay tag: the sender never needs
 * it), the last hop `lastHopLength` (default 224: everything before the blinding factor).
 * Throws `InvalidRouteError` if a public key yields no shared secret.
 */
export function deriveRouteKeys(
  backend: CryptoBackend,
  initialSecret: Uint8Array,
  publicKeys: Uint8Array[],
  lastHopLength: number = BLINDING_FACTOR_OFFSET,
): RouteKeyMaterial {
  const alpha = backend.x25519Base(initialSecret);
  const expanded: Uint8Array[] = [];
  const factors: Uint8Array[] = [initialSecret];
  let K = clampedScalar(initialSecret) % L;
  for (let i = 0; i < publicKeys.length; i++) {
    const pk = publicKeys[i];
    let shared: Uint8Array | null;
    if (i === 0) {
      shared = backend.x25519(initialSecret, pk);
    } else {
      const k = clampedRepresentative(K);
      shared = k ? backend.x25519(k, pk) : chain(backend, factors, pk);
    }
    if (!shared) throw new InvalidRouteError(`public key of hop ${i} is of small order`);
    const last = i === publicKeys.length - 1;
    const e = expandSharedSecret(backend, shared, last ? lastHopLength : REPLAY_TAG_OFFSET);
    expanded.push(e);
    if (last) break;
    const blinding = e.subarray(BLINDING_FACTOR_OFFSET, BLINDING_FACTOR_OFFSET + BLINDING_FACTOR_LENGTH);
    factors.push(blinding);
    K = mulScalars(K, blinding);
  }
  return { alpha, expanded };
}

/** Nym's literal chain of X25519 calls (reference and fallback). */
export function chain(backend: CryptoBackend, factors: Uint8Array[], pk: Uint8Array): Uint8Array | null {
  let acc: Uint8Array | null = pk;
  for (const f of factors) {
    acc = backend.x25519(f, acc);
    if (!acc) return null;
  }
  return acc;
}
