/**
 * Versions of the two layers of a service provider message, and the byte helpers both use.
 *
 * Nym (service-providers/common/src/interface/version.rs, `define_simple_version!`;
 * common/socks5/requests/src/version.rs): a version is `Legacy` or `Versioned(u8)`. On the
 * wire a versioned message starts with its version byte; a legacy one has none, and its
 * first byte is already content. A first byte below the initial version 3 therefore means
 * legacy. Both the provider interface and the socks5 protocol are at 3 at this release:
 *
 *   INITIAL_INTERFACE_VERSION = 3, INTERFACE_VERSION = 3   (provider interface)
 *   INITIAL_INTERFACE_VERSION = 3, INTERFACE_VERSION = 3   (socks5 protocol)
 */
import { InvalidArgumentError, TruncatedError } from './errors.js';

/** `'legacy'`, or the version byte (>= 3). */
export type Version = 'legacy' | number;

export const INITIAL_VERSION = 3;
/** The provider interface version this side speaks (Nym's `ProviderInterfaceVersion::new_current()`). */
export const PROVIDER_INTERFACE_VERSION = 3;
/** The socks5 protocol version this side speaks (Nym's `Socks5ProtocolVersion::new_current()`). */
export const SOCKS5_PROTOCOL_VERSION = 3;

/** Nym's `impl From<u8>`: below the initial version is legacy. */
export function versionFromByte(b: number): Version {
  return b < INITIAL_VERSION ? 'legacy' : b;
}

export function isLegacy(v: Version): v is 'legacy' {
  return v === 'legacy';
}

export function checkVersion(v: Version): Version {
  if (v === 'legacy') return v;
  if (!Number.isInteger(v) || v < INITIAL_VERSION || v > 255)
    throw new InvalidArgumentError(
      `version ${String(v)} is neither 'legacy' nor a byte >= ${INITIAL_VERSION}`,
    );
  return v;
}

/**
 * The version as Nym prints it in `SupportedVersions` (serde_json of the enum with
 * `#[serde(tag = "type", content = "version")]`): `{"type":"Versioned","version":3}`.
 */
export function versionToJson(v: Version): string {
  return v === 'legacy' ? '{"type":"Legacy"}' : `{"type":"Versioned","version":${v}}`;
}

// ---- byte helpers ----------------------------------------------------------------------

export const U64_MAX = (1n << 64n) - 1n;

export function checkU64(name: string, v: bigint): bigint {
  if (typeof v !== 'bigint' || v < 0n || v > U64_MAX)
    throw new InvalidArgumentError(`${name} must be a u64 bigint, got ${String(v)}`);
  return v;
}

export function writeU64(out: Uint8Array, off: number, v: bigint): void {
  new DataView(out.buffer, out.byteOffset, out.byteLength).setBigUint64(off, v, false);
}

export function readU64(b: Uint8Array, off: number, field: string): bigint {
  if (b.length < off + 8) throw new TruncatedError(field, off + 8, b.length);
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getBigUint64(off, false);
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

export const utf8 = new TextEncoder();
/** Nym's `String::from_utf8_lossy`: bad sequences become U+FFFD. */
export const utf8Lossy = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
/** Nym's `String::from_utf8`: bad sequences are an error. */
export const utf8Strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
