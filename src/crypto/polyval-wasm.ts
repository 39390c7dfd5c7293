/**
 * POLYVAL (RFC 8452 section 3) as a WebAssembly module emitted at load time by ./wasm-emit.ts,
 * with the two loops AES-GCM-SIV wraps around it (counter blocks, keystream XOR).
 *
 * Why: POLYVAL is the cost of AES-256-GCM-SIV, the AEAD of every client <-> gateway frame.
 * node:crypto has no GCM-SIV and no carry-less multiply; @noble/ciphers' POLYVAL builds
 * per-key tables, and the auth key changes with every nonce. This multiplies without tables,
 * the whole message in one call: on a 2,440-byte frame (153 blocks) ~12 us of CPU where
 * noble's takes ~55 us, on the loaded 2-core dev machine (`npm run bench:aead` for the AEAD).
 *
 * Field: GF(2^128) modulo x^128 + x^127 + x^126 + x^121 + 1, a 16-byte block read
 * little-endian (bit i of the block is the coefficient of x^i), so a block is two i64
 * loads (wasm is little-endian) with no byte reversal. POLYVAL(H, X_1..X_n):
 * S_0 = 0, S_j = dot(S_{j-1} xor X_j, H), dot(a, b) = a * b * x^-128.
 *
 * Constant time: no branch and no memory index depends on H, S or the data (loops run on
 * the block count, which is public), and no table is looked up.
 *   - Carry-less multiplication is BearSSL's masked integer multiply (`bmul64` in
 *     src/hash/ghash_ctmul64.c, https://www.bearssl.org/constanttime.html), see `bmul64`:
 *     i64.mul is one instruction of data-independent latency on the targets that run this
 *     (x86-64 `imul`, arm64 `mul`); its result's high half is reached by bit reversal
 *     (shifts and masks), as wasm has no 64x64 -> 128 multiply.
 *   - 128x128 bits: Karatsuba over 64-bit halves, 3 products of 64x64 bits, each as two
 *     `bmul64` (low half, and the high half through reversed operands): 96 multiplies per
 *     block. H's six operands (halves, their XOR, reversed) are split once per call.
 *   - Reduction: Montgomery folding by x^128 with shifts and XORs (see `reduce`).
 *
 * Exports (pointers are byte offsets into the module's memory):
 *   memory                           two 64 KiB pages, laid out as `POLYVAL_LAYOUT` says
 *   polyval(key, state, data, blocks) absorbs `blocks` 16-byte blocks at `data` into the
 *                                    16-byte state at `state` under the key H at `key`
 *   counters(iv, out, start, blocks) AES-GCM-SIV counter blocks (RFC 8452 section 4): block
 *                                    i is the 16 bytes at `iv` with its first 32-bit word
 *                                    (little-endian) plus start + i, mod 2^32
 *   xor(dst, src, words)             dst ^= src over `words` 8-byte words
 */
import {
  brIf,
  code,
  get,
  i32,
  I32,
  i64,
  I64,
  instantiate,
  load32,
  load64,
  op,
  set,
  store32,
  store64,
  tee,
  wasmModule,
  type Instr,
} from './wasm-emit.js';

/** Bytes of message that one pass over the buffer takes (a multiple of 16). */
export const POLYVAL_CHUNK = 32768;

export const POLYVAL_LAYOUT = {
  /** The key H. */
  key: 0,
  /** The running state S. */
  state: 16,
  /** The initial counter block of AES-GCM-SIV's CTR. */
  iv: 32,
  /** The length block LE64(bits of AAD) || LE64(bits of plaintext). */
  lengths: 48,
  /** Small scratch for callers (the key-derivation blocks), 192 bytes. */
  scratch: 64,
  /** Message bytes, `POLYVAL_CHUNK` at a time. */
  buffer: 256,
  /** Counter blocks for the chunk in `buffer`. */
  counters: 256 + POLYVAL_CHUNK,
  /** Their AES encryption (keystream). */
  keystream: 256 + 2 * POLYVAL_CHUNK,
  end: 256 + 3 * POLYVAL_CHUNK,
} as const;
const PAGES = 2;

/** Bits 0, 4, 8, ... shifted by 0..3: the four parts of a `bmul64` operand, and the residues of its product. */
const PART = [0x1111111111111111n, 0x2222222222222222n, 0x4444444444444444n, 0x8888888888888888n];

// polyval(key, state, data, blocks): params 0..3 (i32), then i64 locals
const [KEY, STATE, DATA, BLOCKS] = [0, 1, 2, 3];
let nextLocal = 4;
const local = () => nextLocal++;
const locals = (n: number) => Array.from({ length: n }, local);
const [S0, S1] = locals(2); // the state, low and high 64 bits
const X = locals(3); // S xor block: low, high, low xor high (Karatsuba's middle operand)
const XR = locals(3); // the same bit-reversed
const XP = locals(4); // the four parts of the operand being multiplied
const Z = locals(3); // low 64 bits of the three 64x64 products
const ZR = locals(3); // their high 64 bits, bit-reversed until `highHalves`
const [T, Q1, R0] = locals(3);
/** HP[4 * k + j]: part j of H's operand k (0..2: h0, h1, h0 ^ h1; 3..5: the same reversed). */
const HP = locals(24);
const POLYVAL_LOCALS = nextLocal - 4;

const xorAll = (...vs: number[]): Instr[] =>
  vs.flatMap((v, i) => (i === 0 ? [get(v)] : [get(v), op.i64_xor]));
const shl = (v: number, n: bigint): Instr[] => [get(v), i64(n), op.i64_shl];
const shr = (v: number, n: bigint): Instr[] => [get(v), i64(n), op.i64_shr_u];

/**
 * Bit reversal of the 64-bit local `v` into `out` (through `T`): swap bits, pairs, nibbles,
 * bytes, 16-bit halves of each word, then the words. Shifts and masks only.
 */
function reverse(v: number, out: number): Instr[] {
  const f: Instr[] = [get(v), set(T)];
  for (const [n, m] of [
    [1n, 0x5555555555555555n],
    [2n, 0x3333333333333333n],
    [4n, 0x0f0f0f0f0f0f0f0fn],
    [8n, 0x00ff00ff00ff00ffn],
    [16n, 0x0000ffff0000ffffn],
  ] as const)
    f.push(
      ...shr(T, n),
      i64(m),
      op.i64_and,
      get(T),
      i64(m),
      op.i64_and,
      i64(n),
      op.i64_shl,
      op.i64_or,
      set(T),
    );
  f.push(get(T), i64(32n), op.i64_rotl, set(out));
  return f;
}

/**
 * The low 64 bits of the carry-less product of local `v` and H's operand `k`, left on the
 * stack: BearSSL's `bmul64`, constant time with no table. Each operand is split into four
 * parts keeping every fourth bit (PART); the integer product of part i and part j puts its
 * bit-products only at positions of residue i + j mod 4, and the count at a position, summed
 * as an integer, spills only into the three positions above it (other residues) while it
 * stays below 16. A part has 16 bits: below bit 60 at most 15 bit-products meet at a
 * position; at bits 60..63 sixteen may, and that carry lands at bit 64 or above, outside the
 * 64-bit product. So XORing the four products of each residue and masking that residue
 * leaves exactly the carry-less product.
 */
function bmul64(v: number, k: number): Instr[] {
  const f: Instr[] = [];
  for (let j = 0; j < 4; j++) f.push(get(v), i64(PART[j]), op.i64_and, set(XP[j]));
  for (let r = 0; r < 4; r++) {
    // part i of v times part j of H lands on residue i + j mod 4
    for (let i = 0; i < 4; i++) {
      f.push(get(XP[i]), get(HP[4 * k + ((r - i + 4) % 4)]), op.i64_mul);
      if (i > 0) f.push(op.i64_xor);
    }
    f.push(i64(PART[r]), op.i64_and);
    if (r > 0) f.push(op.i64_or);
  }
  return f;
}

/**
 * The 256-bit product P = p3:p2:p1:p0 of X and H from the six `bmul64`s (Karatsuba over
 * 64-bit halves): z_k = x_k * h_k (k = 0, 1, and 2 for the XORed halves), each 128-bit
 * product's high half = reverse(low half of reverse(x) * reverse(h)) >> 1. The middle product
 * is corrected (z2 ^= z0 ^ z1) on both halves before the reversals, which are linear.
 */
function highHalves(): Instr[] {
  const f: Instr[] = [];
  f.push(...xorAll(Z[2], Z[0], Z[1]), set(Z[2]), ...xorAll(ZR[2], ZR[0], ZR[1]), set(ZR[2]));
  for (const z of ZR) f.push(...reverse(z, z), ...shr(z, 1n), set(z));
  return f;
}

/**
 * P times x^-128 modulo g = x^128 + x^127 + x^126 + x^121 + 1 into S1:S0, with
 * p0 = Z0, p1 = ZR0 ^ Z2, p2 = Z1 ^ ZR2, p3 = ZR1. Montgomery: pick Q (128 bits) with
 * P + Q g = 0 mod x^128, then the result is (P + Q g) / x^128. As g = 1 + c + x^128 with
 * c = x^121 + x^126 + x^127:
 *   q0 = p0,  q1 = p1 ^ (q0 << 57) ^ (q0 << 62) ^ (q0 << 63)     (the low 128 bits of Q c)
 *   result = p3:p2 ^ Q ^ (Q >> 1) ^ (Q >> 2) ^ (Q >> 7)          (Q c x^-128 and Q x^128 x^-128)
 */
function reduce(): Instr[] {
  const [P0, P1, P2, P3] = [Z[0], Z[2], Z[1], ZR[1]];
  return [
    // p1, p2 overwrite Z2 and Z1 (p2 needs Z1 first)
    ...xorAll(ZR[0], Z[2]),
    set(P1),
    ...xorAll(Z[1], ZR[2]),
    set(P2),
    get(P1),
    ...shl(P0, 57n),
    op.i64_xor,
    ...shl(P0, 62n),
    op.i64_xor,
    ...shl(P0, 63n),
    op.i64_xor,
    set(Q1),
    // S0 = p2 ^ q0 ^ (q0 >> 1 | q1 << 63) ^ (q0 >> 2 | q1 << 62) ^ (q0 >> 7 | q1 << 57)
    get(P2),
    get(P0),
    op.i64_xor,
    ...shr(P0, 1n),
    op.i64_xor,
    ...shl(Q1, 63n),
    op.i64_xor,
    ...shr(P0, 2n),
    op.i64_xor,
    ...shl(Q1, 62n),
    op.i64_xor,
    ...shr(P0, 7n),
    op.i64_xor,
    ...shl(Q1, 57n),
    op.i64_xor,
    set(R0),
    // S1 = p3 ^ q1 ^ (q1 >> 1) ^ (q1 >> 2) ^ (q1 >> 7)
    get(P3),
    get(Q1),
    op.i64_xor,
    ...shr(Q1, 1n),
    op.i64_xor,
    ...shr(Q1, 2n),
    op.i64_xor,
    ...shr(Q1, 7n),
    op.i64_xor,
    set(S1),
    get(R0),
    set(S0),
  ];
}

/** X[2] = X[0] ^ X[1] and the three reversed (the third as XR[0] ^ XR[1]). */
function operands(): Instr[] {
  return [
    ...xorAll(X[0], X[1]),
    set(X[2]),
    ...reverse(X[0], XR[0]),
    ...reverse(X[1], XR[1]),
    ...xorAll(XR[0], XR[1]),
    set(XR[2]),
  ];
}

function polyvalBody(): number[] {
  const f: Instr[] = [];
  // H's six operands and their parts, once per call (X and XR serve as scratch)
  f.push(get(KEY), load64(0), set(X[0]), get(KEY), load64(8), set(X[1]), ...operands());
  [...X, ...XR].forEach((v, k) => {
    for (let j = 0; j < 4; j++) f.push(get(v), i64(PART[j]), op.i64_and, set(HP[4 * k + j]));
  });
  f.push(get(STATE), load64(0), set(S0), get(STATE), load64(8), set(S1));
  // while (blocks > 0): S = dot(S ^ block, H)
  f.push(op.block, op.void, get(BLOCKS), op.i32_eqz, brIf(0), op.loop, op.void);
  f.push(get(S0), get(DATA), load64(0), op.i64_xor, set(X[0]));
  f.push(get(S1), get(DATA), load64(8), op.i64_xor, set(X[1]), ...operands());
  for (let k = 0; k < 3; k++) f.push(...bmul64(X[k], k), set(Z[k]), ...bmul64(XR[k], k + 3), set(ZR[k]));
  f.push(...highHalves(), ...reduce());
  f.push(get(DATA), i32(16), op.i32_add, set(DATA));
  f.push(get(BLOCKS), i32(1), op.i32_sub, tee(BLOCKS), brIf(0), op.end, op.end);
  f.push(get(STATE), get(S0), store64(0), get(STATE), get(S1), store64(8));
  return code(...f);
}

/** counters(iv, out, start, blocks); locals: counter word, iv words 1 (i32) and 2..3 (i64). */
function countersBody(): number[] {
  const [IV, OUT, START, N, CTR, W1, W23] = [0, 1, 2, 3, 4, 5, 6];
  return code(
    ...[get(IV), load32(0), get(START), op.i32_add, set(CTR)],
    ...[get(IV), load32(4), set(W1), get(IV), load64(8), set(W23)],
    ...[op.block, op.void, get(N), op.i32_eqz, brIf(0), op.loop, op.void],
    ...[get(OUT), get(CTR), store32(0), get(OUT), get(W1), store32(4), get(OUT), get(W23), store64(8)],
    ...[get(CTR), i32(1), op.i32_add, set(CTR), get(OUT), i32(16), op.i32_add, set(OUT)],
    ...[get(N), i32(1), op.i32_sub, tee(N), brIf(0), op.end, op.end],
  );
}

/** xor(dst, src, words) */
function xorBody(): number[] {
  const [DST, SRC, N] = [0, 1, 2];
  return code(
    ...[op.block, op.void, get(N), op.i32_eqz, brIf(0), op.loop, op.void],
    ...[get(DST), get(DST), load64(0), get(SRC), load64(0), op.i64_xor, store64(0)],
    ...[get(DST), i32(8), op.i32_add, set(DST), get(SRC), i32(8), op.i32_add, set(SRC)],
    ...[get(N), i32(1), op.i32_sub, tee(N), brIf(0), op.end, op.end],
  );
}

/** The module's bytes. */
export function polyvalModuleBytes(): Uint8Array<ArrayBuffer> {
  return wasmModule(PAGES, [
    {
      name: 'polyval',
      params: [I32, I32, I32, I32],
      locals: Array<typeof I64>(POLYVAL_LOCALS).fill(I64),
      body: polyvalBody(),
    },
    { name: 'counters', params: [I32, I32, I32, I32], locals: [I32, I32, I64], body: countersBody() },
    { name: 'xor', params: [I32, I32, I32], locals: [], body: xorBody() },
  ]);
}

export interface PolyvalWasm {
  /** Two 64 KiB pages; never grows, so views on its buffer stay valid. */
  memory: WebAssembly.Memory;
  polyval(key: number, state: number, data: number, blocks: number): void;
  counters(iv: number, out: number, start: number, blocks: number): void;
  xor(dst: number, src: number, words: number): void;
}

let instance: PolyvalWasm | undefined;

/** The shared instance (compiled on first use; throws where wasm may not be compiled). */
export function polyvalWasm(): PolyvalWasm {
  instance ??= instantiate(polyvalModuleBytes()) as unknown as PolyvalWasm;
  return instance;
}

/**
 * POLYVAL(h, X_1..X_n) of `data` zero-padded to whole blocks (the RFC's function on a
 * whole number of blocks; the padding is what AES-GCM-SIV applies to each of its inputs).
 */
export function polyval(h: Uint8Array, data: Uint8Array): Uint8Array {
  if (h.length !== 16) throw new RangeError('POLYVAL key must be 16 bytes');
  const w = polyvalWasm();
  const mem = new Uint8Array(w.memory.buffer);
  const L = POLYVAL_LAYOUT;
  mem.set(h, L.key);
  mem.fill(0, L.state, L.state + 16);
  polyvalAbsorb(w, mem, data);
  return mem.slice(L.state, L.state + 16);
}

/** Absorb `data`, zero-padded to whole blocks, into the state in memory, a chunk at a time. */
export function polyvalAbsorb(w: PolyvalWasm, mem: Uint8Array, data: Uint8Array): void {
  const L = POLYVAL_LAYOUT;
  for (let off = 0; off < data.length; off += POLYVAL_CHUNK) {
    const n = Math.min(POLYVAL_CHUNK, data.length - off);
    const padded = (n + 15) & ~15;
    mem.set(data.subarray(off, off + n), L.buffer);
    mem.fill(0, L.buffer + n, L.buffer + padded);
    w.polyval(L.key, L.state, L.buffer, padded >>> 4);
  }
}
