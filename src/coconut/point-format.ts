/**
 * Checks on compressed BLS12-381 point encodings shared by both backends, run before a
 * backend decodes, so that both reject exactly the same byte strings.
 *
 * Compressed layout (ZCash / IETF pairing-friendly-curves draft, appendix C):
 *   G1: 48 bytes = flags(3 bits) ‖ x (381 bits, big-endian)
 *   G2: 96 bytes = flags(3 bits) ‖ x.c1 (381 bits) ‖ x.c0 (48 bytes)
 *   flags: 0x80 compressed (required here), 0x40 infinity, 0x20 y is the larger root.
 *   Infinity: 0xc0 followed by zeros only.
 */
import { InvalidLengthError, InvalidPointError } from './errors.js';

/** Base field modulus p of BLS12-381. */
export const FP_MODULUS =
  0x1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaabn;

export const G1_COMPRESSED_LENGTH = 48;
export const G2_COMPRESSED_LENGTH = 96;
const FP_LENGTH = 48;

function fpFrom(bytes: Uint8Array, clearFlags: boolean): bigint {
  let hex = '';
  for (let i = 0; i < bytes.length; i++) {
    const b = i === 0 && clearFlags ? bytes[i] & 0x1f : bytes[i];
    hex += b.toString(16).padStart(2, '0');
  }
  return BigInt('0x' + hex);
}

/**
 * Validate length, flags and canonical coordinates of a compressed encoding.
 * @returns true when the bytes are the canonical encoding of the identity.
 */
export function checkCompressed(group: 'G1' | 'G2', bytes: Uint8Array): boolean {
  const expected = group === 'G1' ? G1_COMPRESSED_LENGTH : G2_COMPRESSED_LENGTH;
  if (!(bytes instanceof Uint8Array)) throw new InvalidPointError(group, 'not a byte array');
  if (bytes.length !== expected) throw new InvalidLengthError(`${group} point`, expected, bytes.length);
  const flags = bytes[0] & 0xe0;
  if ((flags & 0x80) === 0) throw new InvalidPointError(group, 'not a compressed encoding');
  if (flags & 0x40) {
    if (flags & 0x20) throw new InvalidPointError(group, 'infinity with sort flag');
    if ((bytes[0] & 0x1f) !== 0 || bytes.subarray(1).some((b) => b !== 0)) {
      throw new InvalidPointError(group, 'non-canonical infinity');
    }
    return true;
  }
  if (fpFrom(bytes.subarray(0, FP_LENGTH), true) >= FP_MODULUS) {
    throw new InvalidPointError(group, 'coordinate not reduced');
  }
  if (group === 'G2' && fpFrom(bytes.subarray(FP_LENGTH), false) >= FP_MODULUS) {
    throw new InvalidPointError(group, 'coordinate not reduced');
  }
  return false;
}
