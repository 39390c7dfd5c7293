/**
 * SHA-256 as a WebAssembly module, emitted at load time by ./wasm-emit.ts.
 *
 * Why: Sphinx packet creation runs about 200 SHA-256 blocks (HKDF and HMAC) per packet. In
 * plain TypeScript a block costs ~0.26 us; node:crypto would be faster per block (SHA-NI) but
 * every call pays ~1-8 us of fixed overhead. A fully unrolled wasm compression function keeps
 * the sixteen schedule words and eight working variables in locals (registers) and has real
 * rotate instructions: ~0.15-0.2 us per block.
 *
 * Exports of the module (all pointers are byte offsets into its memory):
 *   memory                                 one 64 KiB page, laid out as `LAYOUT` says
 *   compress(state, data, blocks)          state: 8 native-endian i32 words; absorbs `blocks`
 *                                          (>= 1) 64-byte blocks from `data` (FIPS 180-4 6.2.2)
 *   keyState(key, slot)                    HMAC key states (RFC 2104) of the 64-byte zero-padded
 *                                          key at `key`: slot[0..32] after key^ipad, slot[32..64]
 *                                          after key^opad
 *   hmacTail(slot, data, blocks, out)      HMAC of an already padded inner message at `data`
 *                                          (`blocks` blocks following key^ipad): the 32-byte tag
 *                                          into `out`, big-endian
 *   expand(slot, data, blocks, infoLength, count, out)
 *                                          HKDF-Expand rounds 2..count (RFC 5869 2.3): `out`
 *                                          holds T(1); `data` holds the padded message
 *                                          `T || info || counter` (`blocks` blocks) whose T and
 *                                          counter are rewritten each round; T(i) lands at
 *                                          out + 32 (i - 1)
 */
import {
  call,
  code,
  get,
  i32,
  I32,
  instantiate,
  load32,
  load64,
  op,
  set,
  store32,
  store64,
  store8,
  tee,
  brIf,
  wasmModule,
  type Instr,
} from './wasm-emit.js';

export const LAYOUT = {
  /** Working state of `hmacTail` and of plain hashing (8 words). */
  state: 0,
  /** Outer HMAC block: inner digest || 0x80 || 0... || bit length 768; `hmacTail` fills the digest. */
  outer: 64,
  /** Key pad block of `keyState`. */
  pad: 128,
  /** 64-byte zero-padded key, for callers of `keyState`. */
  key: 192,
  /** Key state slots, 64 bytes each. */
  slots: 256,
  slotCount: 36,
  /** HKDF output, up to 255 blocks of 32 bytes. */
  okm: 2560,
  /** Message buffer, to the end of the page. */
  buffer: 10752,
  end: 65536,
} as const;

const K = [
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
];
const IV = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

/** bswap of the top of the stack, via local `tmp`: (rotl(x,8) & 0x00ff00ff) | (rotr(x,8) & 0xff00ff00). */
const bswap = (tmp: number): Instr[] => [
  tee(tmp),
  i32(8),
  op.i32_rotl,
  i32(0x00ff00ff),
  op.i32_and,
  get(tmp),
  i32(8),
  op.i32_rotr,
  i32(0xff00ff00),
  op.i32_and,
  op.i32_or,
];

/** Function indices in the module. */
const FN_BLOCK = 0;
const FN_COMPRESS = 1;
const FN_HMAC_TAIL = 3;

// block: params 0 state, 1 data; then v0..v7 (working variables, renamed per round instead
// of moved), w0..w15 (rolling message schedule), t1, t2
const [STATE, DATA, BLOCKS] = [0, 1, 2];
const V = (i: number) => 2 + (((i % 8) + 8) % 8);
const W = (i: number) => 10 + (i % 16);
const T1 = 26;
const T2 = 27;
const BLOCK_LOCALS = 26;

/** x rotr a ^ x rotr b ^ (x rotr c, or x >>> c) */
const sigma = (x: number, a: number, b: number, c: number, shift: boolean): Instr[] => [
  get(x),
  i32(a),
  op.i32_rotr,
  get(x),
  i32(b),
  op.i32_rotr,
  op.i32_xor,
  get(x),
  i32(c),
  shift ? op.i32_shr_u : op.i32_rotr,
  op.i32_xor,
];

/** One 64-byte block, straight-line code. */
function blockBody(): number[] {
  const f: Instr[] = [];
  // message words are big-endian
  for (let i = 0; i < 16; i++) f.push(get(DATA), load32(4 * i), ...bswap(T1), set(W(i)));
  for (let r = 0; r < 8; r++) f.push(get(STATE), load32(4 * r), set(V(r)));
  for (let i = 0; i < 64; i++) {
    if (i >= 16) {
      // w[i] = w[i-16] + s0(w[i-15]) + w[i-7] + s1(w[i-2])
      f.push(get(W(i)), ...sigma(W(i - 15), 7, 18, 3, true), op.i32_add, get(W(i - 7)), op.i32_add);
      f.push(...sigma(W(i - 2), 17, 19, 10, true), op.i32_add, set(W(i)));
    }
    const [a, b, c, d, e, ff, g, h] = [0, 1, 2, 3, 4, 5, 6, 7].map((r) => V(r - i));
    // t1 = h + S1(e) + ch(e,f,g) + K[i] + w[i], ch = g ^ (e & (f ^ g))
    f.push(get(h), ...sigma(e, 6, 11, 25, false), op.i32_add);
    f.push(get(g), get(e), get(ff), get(g), op.i32_xor, op.i32_and, op.i32_xor, op.i32_add);
    f.push(i32(K[i]), op.i32_add, get(W(i)), op.i32_add, set(T1));
    // t2 = S0(a) + maj(a,b,c), maj = (a & b) ^ (c & (a ^ b))
    f.push(...sigma(a, 2, 13, 22, false), get(a), get(b), op.i32_and, get(c), get(a), get(b));
    f.push(op.i32_xor, op.i32_and, op.i32_xor, op.i32_add, set(T2));
    // d += t1; h = t1 + t2 (h's local is the next round's a, d's the next round's e)
    f.push(get(d), get(T1), op.i32_add, set(d), get(T1), get(T2), op.i32_add, set(h));
  }
  // after 64 rounds the renaming has come full circle: V(r) holds working variable r
  for (let r = 0; r < 8; r++)
    f.push(get(STATE), get(STATE), load32(4 * r), get(V(r)), op.i32_add, store32(4 * r));
  return code(...f);
}

/**
 * compress(state, data, blocks): a loop calling `block`. (Looping around the straight-line
 * body inside one function cost ~0.2 us extra per call for 2-4 blocks, the common case here.)
 */
function compressBody(): number[] {
  return code(
    op.loop,
    op.void,
    get(STATE),
    get(DATA),
    call(FN_BLOCK),
    get(DATA),
    i32(64),
    op.i32_add,
    set(DATA),
    get(BLOCKS),
    i32(1),
    op.i32_sub,
    tee(BLOCKS),
    brIf(0),
    op.end,
  );
}

/** keyState(key, slot) */
function keyStateBody(): number[] {
  const [KEY, SLOT] = [0, 1];
  const f: Instr[] = [];
  for (const [mask, half] of [
    [0x36363636, 0],
    [0x5c5c5c5c, 32],
  ]) {
    for (let i = 0; i < 16; i++)
      f.push(i32(LAYOUT.pad), get(KEY), load32(4 * i), i32(mask), op.i32_xor, store32(4 * i));
    for (let r = 0; r < 8; r++) f.push(get(SLOT), i32(IV[r]), store32(half + 4 * r));
    f.push(get(SLOT), i32(half), op.i32_add, i32(LAYOUT.pad), call(FN_BLOCK));
  }
  return code(...f);
}

/** hmacTail(slot, data, blocks, out); one scratch local. */
function hmacTailBody(): number[] {
  const [SLOT, DATA, BLOCKS, OUT, TMP] = [0, 1, 2, 3, 4];
  const st = LAYOUT.state;
  const f: Instr[] = [];
  for (let r = 0; r < 8; r++) f.push(i32(st), get(SLOT), load32(4 * r), store32(4 * r));
  f.push(i32(st), get(DATA), get(BLOCKS), call(FN_COMPRESS));
  for (let r = 0; r < 8; r++)
    f.push(i32(LAYOUT.outer), i32(st), load32(4 * r), ...bswap(TMP), store32(4 * r));
  for (let r = 0; r < 8; r++) f.push(i32(st), get(SLOT), load32(32 + 4 * r), store32(4 * r));
  f.push(i32(st), i32(LAYOUT.outer), call(FN_BLOCK));
  for (let r = 0; r < 8; r++) f.push(get(OUT), i32(st), load32(4 * r), ...bswap(TMP), store32(4 * r));
  return code(...f);
}

/** expand(slot, data, blocks, infoLength, count, out); locals i, prev. */
function expandBody(): number[] {
  const [SLOT, DATA, BLOCKS, INFO_LENGTH, COUNT, OUT, I, PREV] = [0, 1, 2, 3, 4, 5, 6, 7];
  const f: Instr[] = [i32(2), set(I), get(OUT), set(PREV), op.loop, op.void];
  // data[0..32] = T(i-1); data[32 + infoLength] = i
  for (let q = 0; q < 4; q++) f.push(get(DATA), get(PREV), load64(8 * q), store64(8 * q));
  f.push(get(DATA), get(INFO_LENGTH), op.i32_add, get(I), store8(32));
  // T(i) = HMAC(PRK, T(i-1) || info || i) into prev + 32
  f.push(get(PREV), i32(32), op.i32_add, set(PREV));
  f.push(get(SLOT), get(DATA), get(BLOCKS), get(PREV), call(FN_HMAC_TAIL));
  f.push(get(I), i32(1), op.i32_add, tee(I), get(COUNT), op.i32_le_s, brIf(0), op.end);
  return code(...f);
}

/** The module's bytes. */
export function sha256ModuleBytes(): Uint8Array<ArrayBuffer> {
  return wasmModule(1, [
    { params: [I32, I32], locals: Array<typeof I32>(BLOCK_LOCALS).fill(I32), body: blockBody() },
    { name: 'compress', params: [I32, I32, I32], locals: [], body: compressBody() },
    { name: 'keyState', params: [I32, I32], locals: [], body: keyStateBody() },
    { name: 'hmacTail', params: [I32, I32, I32, I32], locals: [I32], body: hmacTailBody() },
    { name: 'expand', params: [I32, I32, I32, I32, I32, I32], locals: [I32, I32], body: expandBody() },
  ]);
}

export interface Sha256Wasm {
  /** One 64 KiB page; never grows, so views on its buffer stay valid. */
  memory: WebAssembly.Memory;
  compress(state: number, data: number, blocks: number): void;
  keyState(key: number, slot: number): void;
  hmacTail(slot: number, data: number, blocks: number, out: number): void;
  expand(slot: number, data: number, blocks: number, infoLength: number, count: number, out: number): void;
}

let instance: Sha256Wasm | undefined;

/** The shared instance (compiled on first use; about a millisecond). */
export function sha256Wasm(): Sha256Wasm {
  instance ??= instantiate(sha256ModuleBytes()) as unknown as Sha256Wasm;
  return instance;
}
