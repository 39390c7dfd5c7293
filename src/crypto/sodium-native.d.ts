// The few sodium-native functions the node backend and its tests use (the package ships no types).
declare module 'sodium-native' {
  /** Throws if the result is the all-zero point. */
  export function crypto_scalarmult(q: Uint8Array, n: Uint8Array, p: Uint8Array): void;
  export function crypto_scalarmult_base(q: Uint8Array, n: Uint8Array): void;
  export function crypto_generichash(output: Uint8Array, input: Uint8Array, key?: Uint8Array): void;
  export function crypto_stream_chacha20_xor(
    c: Uint8Array,
    m: Uint8Array,
    n: Uint8Array,
    k: Uint8Array,
  ): void;
  /** Original ChaCha20 (8-byte nonce) from block counter `ic`. */
  export function crypto_stream_chacha20_xor_ic(
    c: Uint8Array,
    m: Uint8Array,
    n: Uint8Array,
    ic: number,
    k: Uint8Array,
  ): void;
  /** RFC 8439 ChaCha20 (12-byte nonce) from 32-bit block counter `ic`. */
  export function crypto_stream_chacha20_ietf_xor_ic(
    c: Uint8Array,
    m: Uint8Array,
    n: Uint8Array,
    ic: number,
    k: Uint8Array,
  ): void;
  const sodium: {
    crypto_scalarmult: typeof crypto_scalarmult;
    crypto_scalarmult_base: typeof crypto_scalarmult_base;
    crypto_generichash: typeof crypto_generichash;
    crypto_stream_chacha20_xor: typeof crypto_stream_chacha20_xor;
    crypto_stream_chacha20_xor_ic: typeof crypto_stream_chacha20_xor_ic;
    crypto_stream_chacha20_ietf_xor_ic: typeof crypto_stream_chacha20_ietf_xor_ic;
  };
  export default sodium;
}
