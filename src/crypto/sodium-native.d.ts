// The few sodium-native functions the node backend uses (the package ships no types).
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
  const sodium: {
    crypto_scalarmult: typeof crypto_scalarmult;
    crypto_scalarmult_base: typeof crypto_scalarmult_base;
    crypto_generichash: typeof crypto_generichash;
    crypto_stream_chacha20_xor: typeof crypto_stream_chacha20_xor;
  };
  export default sodium;
}
