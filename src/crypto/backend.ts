/**
 * The primitive set every Nymph crypto backend provides. Two implementations produce
 * byte-identical output: `nodeBackend` (node:crypto + sodium-native, Node only) and
 * `pureBackend` (@noble/*, runs anywhere). Nothing here keeps state between calls except
 * scratch buffers, so a backend is safe to use from any number of worker threads (each has
 * its own module instance).
 *
 * All inputs are plain `Uint8Array`s; outputs are fresh arrays unless stated otherwise.
 */
export interface CryptoBackend {
  /** 'node' or 'pure': shown in benchmarks and errors. */
  readonly name: string;

  /**
   * X25519 (RFC 7748): the u-coordinate of clamp(scalar) * u. Returns `null` when the result is
   * the all-zero point (the input was of small order), which both backends refuse the same way.
   */
  x25519(scalar: Uint8Array, u: Uint8Array): Uint8Array | null;

  /** X25519 with the base point 9: the public key of a 32-byte secret. */
  x25519Base(scalar: Uint8Array): Uint8Array;

  /** HKDF-SHA256 (RFC 5869): extract with `salt` (empty = 32 zero bytes), expand to `length`. */
  hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array;

  /** HMAC-SHA256, full 32-byte tag. */
  hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array;

  /** `length` bytes of AES-128-CTR keystream with an all-zero 16-byte IV (big-endian counter). */
  aes128CtrKeystream(key: Uint8Array, length: number): Uint8Array;

  /**
   * AES-128-CTR of `data` into a fresh array: the keystream from the 16-byte `iv` (a 128-bit
   * big-endian counter) XORed over it in one native pass where there is one (no keystream
   * array, no JS loop: at 32 KB that is ~6x faster than `aes128CtrKeystream` and a XOR).
   */
  aes128CtrXor(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array;

  /**
   * Original ChaCha20 (64-bit zero nonce, 64-bit counter from 0) XORed over `data` in place.
   * `key` is 32 bytes.
   */
  chacha20XorInPlace(key: Uint8Array, data: Uint8Array): void;

  /** Keyed BLAKE2b with a 32-byte digest; `key` is 1..64 bytes. */
  blake2b256Keyed(key: Uint8Array, data: Uint8Array): Uint8Array;

  /** Constant-time equality of two arrays of the same length (false if lengths differ). */
  equalConstantTime(a: Uint8Array, b: Uint8Array): boolean;
}
