/**
 * Keyed BLAKE2b (RFC 7693) as a WebAssembly module, emitted at load time by ./wasm-emit.ts.
 *
 * Why: Lioness (the Sphinx payload cipher) hashes the 2 KiB payload twice per hop with keyed
 * BLAKE2b-256. libsodium's portable BLAKE2b, as sodium-native ships it, costs ~3.4 us for
 * those 2016 bytes; this fully unrolled version keeps the sixteen message words and sixteen
 * state words in i64 locals and runs in about two thirds of that.
 *
 * Exports of the module (pointers are byte offsets into its memory):
 *   memory                               one 64 KiB page: h at 0 (8 little-endian u64 words),
 *                                        message buffer from `LAYOUT.buffer`
 *   blocks(h, data, n, t, lastLen)       absorb n >= 1 128-byte blocks from `data`; `t` is the
 *                                        byte counter before them (< 2^32). The n-th block is the
 *                                        final one when lastLen >= 0: it then adds lastLen (0..128)
 *                                        to the counter instead of 128 and sets the final flag.
 */
import {
  brIf,
  call,
  code,
  get,
  i32,
  I32,
  i64,
  I64,
  instantiate,
  load64,
  op,
  set,
  store64,
  wasmModule,
  type Instr,
} from './wasm-emit.js';

export const BLAKE2B_LAYOUT = { h: 0, buffer: 128, end: 65536 } as const;

export const BLAKE2B_IV = [
  0x6a09e667f3bcc908n,
  0xbb67ae8584caa73bn,
  0x3c6ef372fe94f82bn,
  0xa54ff53a5f1d36f1n,
  0x510e527fade682d1n,
  0x9b05688c2b3e6c1fn,
  0x1f83d9abfb41bd6bn,
  0x5be0cd19137e2179n,
];

const SIGMA = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
  [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
  [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4],
  [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
  [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13],
  [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
  [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11],
  [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
  [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5],
  [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0],
];

// block: params 0 h, 1 data, 2 t, 3 final (0 or 1); locals m0..m15, v0..v15 (i64)
const [H, DATA, T, FINAL] = [0, 1, 2, 3];
const M = (i: number) => 4 + i;
const V = (i: number) => 20 + i;
const FN_BLOCK = 0;

/** The mixing function G on v[a], v[b], v[c], v[d] with message words x, y (RFC 7693 3.1). */
function g(a: number, b: number, c: number, d: number, x: number, y: number): Instr[] {
  const [va, vb, vc, vd] = [V(a), V(b), V(c), V(d)];
  const f: Instr[] = [];
  const add3 = (m: number) => f.push(get(va), get(vb), op.i64_add, get(M(m)), op.i64_add, set(va));
  const xorRot = (dst: number, src: number, r: number) =>
    f.push(get(dst), get(src), op.i64_xor, i64(BigInt(r)), op.i64_rotr, set(dst));
  const addTo = () => f.push(get(vc), get(vd), op.i64_add, set(vc));
  add3(x);
  xorRot(vd, va, 32);
  addTo();
  xorRot(vb, vc, 24);
  add3(y);
  xorRot(vd, va, 16);
  addTo();
  xorRot(vb, vc, 63);
  return f;
}

/** One 128-byte block with counter t, straight-line code. */
function blockBody(): number[] {
  const f: Instr[] = [];
  for (let i = 0; i < 16; i++) f.push(get(DATA), load64(8 * i), set(M(i)));
  for (let i = 0; i < 8; i++) f.push(get(H), load64(8 * i), set(V(i)));
  for (let i = 0; i < 8; i++) f.push(i64(BLAKE2B_IV[i]), set(V(8 + i)));
  // v12 ^= t (the counter's high word stays 0); v14 ^= final ? ~0 : 0
  f.push(get(V(12)), get(T), op.i64_extend_i32_u, op.i64_xor, set(V(12)));
  f.push(get(V(14)), i32(0), get(FINAL), op.i32_sub, op.i64_extend_i32_s, op.i64_xor, set(V(14)));
  for (let r = 0; r < 12; r++) {
    const s = SIGMA[r % 10];
    f.push(...g(0, 4, 8, 12, s[0], s[1]), ...g(1, 5, 9, 13, s[2], s[3]));
    f.push(...g(2, 6, 10, 14, s[4], s[5]), ...g(3, 7, 11, 15, s[6], s[7]));
    f.push(...g(0, 5, 10, 15, s[8], s[9]), ...g(1, 6, 11, 12, s[10], s[11]));
    f.push(...g(2, 7, 8, 13, s[12], s[13]), ...g(3, 4, 9, 14, s[14], s[15]));
  }
  // h[i] ^= v[i] ^ v[i + 8]
  for (let i = 0; i < 8; i++) {
    f.push(get(H), get(H), load64(8 * i), get(V(i)), op.i64_xor, get(V(i + 8)), op.i64_xor, store64(8 * i));
  }
  return code(...f);
}

/**
 * blocks(h, data, n, t, lastLen): a loop calling `block` (kept out of line: a loop around the
 * straight-line body in one function costs extra per call, as in ./sha256-wasm.ts).
 */
function blocksBody(): number[] {
  const [h, data, n, t, lastLen, final] = [0, 1, 2, 3, 4, 5];
  return code(
    op.loop,
    op.void,
    // n -= 1; final = n == 0 && lastLen >= 0; t += final ? lastLen : 128
    ...[get(n), i32(1), op.i32_sub, set(n)],
    ...[get(n), op.i32_eqz, get(lastLen), i32(0), op.i32_ge_s, op.i32_and, set(final)],
    ...[get(t), get(lastLen), i32(128), get(final), op.select, op.i32_add, set(t)],
    ...[get(h), get(data), get(t), get(final), call(FN_BLOCK)],
    ...[get(data), i32(128), op.i32_add, set(data), get(n), brIf(0)],
    op.end,
  );
}

export function blake2bModuleBytes(): Uint8Array<ArrayBuffer> {
  return wasmModule(1, [
    { params: [I32, I32, I32, I32], locals: Array<typeof I64>(32).fill(I64), body: blockBody() },
    { name: 'blocks', params: [I32, I32, I32, I32, I32], locals: [I32], body: blocksBody() },
  ]);
}

export interface Blake2bWasm {
  memory: WebAssembly.Memory;
  blocks(h: number, data: number, n: number, t: number, lastLen: number): void;
}

let instance: Blake2bWasm | undefined;

/** The shared instance (compiled on first use). */
export function blake2bWasm(): Blake2bWasm {
  instance ??= instantiate(blake2bModuleBytes()) as unknown as Blake2bWasm;
  return instance;
}
