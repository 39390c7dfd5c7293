/**
 * X25519 (RFC 7748) as a WebAssembly module emitted at load time by ./wasm-emit.ts, for
 * environments without libsodium (browsers).
 *
 * Why: @noble/curves' X25519 runs on BigInt and costs ~0.8 ms here (this: ~65 us); a Sphinx
 * packet needs five.
 * Field elements here are ten signed limbs in radix 2^25.5 (26, 25, 26, ... bits), multiplied
 * with 64-bit products: the representation and carry chains of the ref10 / curve25519-donna
 * code that libsodium also uses (crypto_scalarmult/curve25519/ref10). The Montgomery ladder
 * runs the same fixed sequence of operations with mask-based conditional swaps for every
 * scalar, with no secret-dependent branches or memory addresses.
 *
 * Field elements live in wasm memory as 10 x i32 (after every multiplication limbs are
 * carried back to 26/25 bits; additions and subtractions stay well inside 32 bits, as in ref10).
 * Exports: memory; ladder() reads the clamped scalar at `X25519_LAYOUT.scalar` and the
 * u-coordinate limbs at `X25519_LAYOUT.u`, and leaves the result's limbs at `X25519_LAYOUT.out`.
 */
import {
  br,
  brIf,
  call,
  code,
  get,
  i32,
  I32,
  i64,
  I64,
  instantiate,
  load32,
  load8u,
  op,
  set,
  store32,
  tee,
  wasmModule,
  type Instr,
} from './wasm-emit.js';

/** Byte offsets in the module's memory. Field elements take 40 bytes; slots are 48 apart. */
const X25519_LAYOUT = { scalar: 0, u: 64, out: 112 } as const;
const fe = (slot: number) => 160 + 48 * slot;
const [X1, X2, Z2, X3, Z3, TMP0, TMP1] = [0, 1, 2, 3, 4, 5, 6].map(fe);
// inversion temporaries
const [Z_2, Z_9, Z_11, Z_5_0, Z_10_0, Z_20_0, Z_50_0, Z_100_0, T] = [7, 8, 9, 10, 11, 12, 13, 14, 15].map(fe);

const FN = { mul: 0, add: 1, sub: 2, mul121666: 3, cswap: 4, sqn: 5, ladder: 6, sq: 7 } as const;

/** Even limbs hold 26 bits, odd limbs 25. */
const limbBits = (i: number) => (i % 2 === 0 ? 26 : 25);

/**
 * ref10's carry chain over i64 locals h(0..9), leaving each limb signed within its width
 * (rounding carries: (h + 2^(w-1)) >> w).
 */
function carryChain(h: (i: number) => number, carry: number): Instr[] {
  const f: Instr[] = [];
  const step = (i: number) => {
    const w = limbBits(i);
    const next = (i + 1) % 10;
    // carry = (h_i + 2^(w-1)) >> w
    f.push(get(h(i)), i64(1n << BigInt(w - 1)), op.i64_add, i64(BigInt(w)), op.i64_shr_s, set(carry));
    // h_next += carry (times 19 when wrapping from h9 to h0: 2^255 = 19 mod p)
    f.push(get(h(next)), get(carry));
    if (i === 9) f.push(i64(19n), op.i64_mul);
    f.push(op.i64_add, set(h(next)));
    // h_i -= carry << w
    f.push(get(h(i)), get(carry), i64(BigInt(w)), op.i64_shl, op.i64_sub, set(h(i)));
  };
  for (const i of [0, 4, 1, 5, 2, 6, 3, 7, 4, 8, 9, 0]) step(i);
  return f;
}

/** Store i64 locals h(0..9) as i32 limbs at pointer local `out`. */
function storeLimbs(out: number, h: (i: number) => number): Instr[] {
  const f: Instr[] = [];
  for (let i = 0; i < 10; i++) f.push(get(out), get(h(i)), op.i32_wrap_i64, store32(4 * i));
  return f;
}

/**
 * mul(h, f, g): h = f * g. Params 0 h, 1 f, 2 g; i64 locals f0..f9, g0..g9, 19*g1..19*g9,
 * 2*f1, 2*f3, ..., 2*f9, h0..h9, carry. Inputs are loaded before anything is stored, so h may
 * alias f or g.
 */
function mulBody(): { locals: number; body: number[] } {
  const F = (i: number) => 3 + i;
  const G = (i: number) => 13 + i;
  const G19 = (i: number) => 23 + i; // i = 1..9 (index 23 unused)
  const F2 = (i: number) => 33 + i; // odd i only
  const H = (i: number) => 43 + i;
  const CARRY = 53;
  const f: Instr[] = [];
  for (let i = 0; i < 10; i++) f.push(get(1), load32(4 * i), op.i64_extend_i32_s, set(F(i)));
  for (let i = 0; i < 10; i++) f.push(get(2), load32(4 * i), op.i64_extend_i32_s, set(G(i)));
  for (let i = 1; i < 10; i++) f.push(get(G(i)), i64(19n), op.i64_mul, set(G19(i)));
  for (let i = 1; i < 10; i += 2) f.push(get(F(i)), get(F(i)), op.i64_add, set(F2(i)));
  // h_k = sum of f_i g_j over i + j = k (mod 10): times 19 when i + j >= 10 (2^255 = 19),
  // times 2 when i and j are both odd (two half bits meet)
  for (let k = 0; k < 10; k++) {
    for (let i = 0; i < 10; i++) {
      const j = (k - i + 10) % 10;
      const fi = i % 2 === 1 && j % 2 === 1 ? F2(i) : F(i);
      const gj = i + j >= 10 ? G19(j) : G(j);
      f.push(get(fi), get(gj), op.i64_mul);
      if (i > 0) f.push(op.i64_add);
    }
    f.push(set(H(k)));
  }
  f.push(...carryChain(H, CARRY), ...storeLimbs(0, H));
  return { locals: 51, body: code(...f) };
}

/**
 * sq(h, f): h = f^2 with the 55 distinct products instead of 100. Params 0 h, 1 f; i64 locals
 * f0..f9, 2f, 19f, 38f, h0..h9, carry.
 */
function sqBody(): { locals: number; body: number[] } {
  const F = (i: number) => 2 + i;
  const F2 = (i: number) => 12 + i;
  const F19 = (i: number) => 22 + i;
  const F38 = (i: number) => 32 + i;
  const H = (i: number) => 42 + i;
  const CARRY = 52;
  const f: Instr[] = [];
  for (let i = 0; i < 10; i++) f.push(get(1), load32(4 * i), op.i64_extend_i32_s, set(F(i)));
  for (let i = 0; i < 10; i++) {
    f.push(get(F(i)), get(F(i)), op.i64_add, set(F2(i)));
    f.push(get(F(i)), i64(19n), op.i64_mul, set(F19(i)));
    f.push(get(F19(i)), get(F19(i)), op.i64_add, set(F38(i)));
  }
  // the coefficient of f_i f_j (i <= j) is 2 (i != j) * 2 (both odd) * 19 (i + j >= 10),
  // split between the two factors: 1, 2 or 4 times f_i (f or 2f, or 2f and 2f_j) and
  // 1, 19 or 38 times f_j
  for (let k = 0; k < 10; k++) {
    let first = true;
    for (let i = 0; i < 10; i++) {
      const j = (k - i + 10) % 10;
      if (j < i) continue;
      let c = (i !== j ? 2 : 1) * (i % 2 === 1 && j % 2 === 1 ? 2 : 1);
      const wrap = i + j >= 10;
      let a: number;
      let b: number;
      if (!wrap) {
        a = c === 1 ? F(i) : F2(i);
        b = c === 4 ? F2(j) : F(j);
      } else {
        a = c === 4 ? F2(i) : F(i);
        if (c === 4) c = 2;
        b = c === 1 ? F19(j) : F38(j);
      }
      f.push(get(a), get(b), op.i64_mul);
      if (!first) f.push(op.i64_add);
      first = false;
    }
    f.push(set(H(k)));
  }
  f.push(...carryChain(H, CARRY), ...storeLimbs(0, H));
  return { locals: 51, body: code(...f) };
}

/** add(h, f, g) / sub(h, f, g): limb-wise, no carry. */
function addSubBody(opcode: number): number[] {
  const f: Instr[] = [];
  for (let i = 0; i < 10; i++)
    f.push(get(0), get(1), load32(4 * i), get(2), load32(4 * i), opcode, store32(4 * i));
  return code(...f);
}

/** mul121666(h, f): h = 121666 * f (121666 = (A + 2) / 4, A = 486662). i64 locals h0..h9, carry. */
function mul121666Body(): { locals: number; body: number[] } {
  const H = (i: number) => 2 + i;
  const CARRY = 12;
  const f: Instr[] = [];
  for (let i = 0; i < 10; i++)
    f.push(get(1), load32(4 * i), op.i64_extend_i32_s, i64(121666n), op.i64_mul, set(H(i)));
  f.push(...carryChain(H, CARRY), ...storeLimbs(0, H));
  return { locals: 11, body: code(...f) };
}

/** cswap(f, g, b): swap f and g when b = 1, without branching. i32 locals mask, x. */
function cswapBody(): number[] {
  const [F, G, B, MASK, X] = [0, 1, 2, 3, 4];
  const f: Instr[] = [i32(0), get(B), op.i32_sub, set(MASK)];
  for (let i = 0; i < 10; i++) {
    f.push(get(F), load32(4 * i), get(G), load32(4 * i), op.i32_xor, get(MASK), op.i32_and, set(X));
    f.push(get(F), get(F), load32(4 * i), get(X), op.i32_xor, store32(4 * i));
    f.push(get(G), get(G), load32(4 * i), get(X), op.i32_xor, store32(4 * i));
  }
  return code(...f);
}

/** sqn(h, f, n): h = f^(2^n), n >= 1. */
function sqnBody(): number[] {
  const [H, F, N] = [0, 1, 2];
  return code(
    ...[get(H), get(F), call(FN.sq)],
    // while (--n != 0) h = h^2
    ...[op.block, op.void, op.loop, op.void],
    ...[get(N), i32(1), op.i32_sub, tee(N), op.i32_eqz, brIf(1)],
    ...[get(H), get(H), call(FN.sq), br(0)],
    ...[op.end, op.end],
  );
}

/** The RFC 7748 ladder over the fixed memory slots, then out = x2 / z2. i32 locals pos, swap, b. */
function ladderBody(): number[] {
  const [POS, SWAP, B] = [0, 1, 2];
  const c = (...args: number[]) => args.map((a) => i32(a));
  const mul = (h: number, a: number, b: number) => [...c(h, a, b), call(FN.mul)];
  const sq = (h: number, a: number) => [...c(h, a), call(FN.sq)];
  const add = (h: number, a: number, b: number) => [...c(h, a, b), call(FN.add)];
  const sub = (h: number, a: number, b: number) => [...c(h, a, b), call(FN.sub)];
  const sqn = (h: number, a: number, n: number) => [...c(h, a, n), call(FN.sqn)];
  const setOne = (h: number) => [
    i32(h),
    i32(1),
    store32(0),
    ...[1, 2, 3, 4, 5, 6, 7, 8, 9].flatMap((i) => [i32(h), i32(0), store32(4 * i)]),
  ];
  const setZero = (h: number) =>
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].flatMap((i) => [i32(h), i32(0), store32(4 * i)]);
  const copy = (h: number, a: number) =>
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].flatMap((i) => [i32(h), i32(a), load32(4 * i), store32(4 * i)]);
  const cswaps = () => [...c(X2, X3), get(SWAP), call(FN.cswap), ...c(Z2, Z3), get(SWAP), call(FN.cswap)];
  const f: Instr[] = [
    ...copy(X1, X25519_LAYOUT.u),
    ...setOne(X2),
    ...setZero(Z2),
    ...copy(X3, X1),
    ...setOne(Z3),
    ...[i32(254), set(POS), i32(0), set(SWAP)],
    ...[op.loop, op.void],
    // b = scalar bit `pos`; swap ^= b; cswap(x2, x3); cswap(z2, z3); swap = b
    ...[i32(X25519_LAYOUT.scalar), get(POS), i32(3), op.i32_shr_u, op.i32_add, load8u(0)],
    ...[get(POS), i32(7), op.i32_and, op.i32_shr_u, i32(1), op.i32_and, set(B)],
    ...[get(SWAP), get(B), op.i32_xor, set(SWAP), ...cswaps(), get(B), set(SWAP)],
    ...sub(TMP0, X3, Z3),
    ...sub(TMP1, X2, Z2),
    ...add(X2, X2, Z2),
    ...add(Z2, X3, Z3),
    ...mul(Z3, TMP0, X2),
    ...mul(Z2, Z2, TMP1),
    ...sq(TMP0, TMP1),
    ...sq(TMP1, X2),
    ...add(X3, Z3, Z2),
    ...sub(Z2, Z3, Z2),
    ...mul(X2, TMP1, TMP0),
    ...sub(TMP1, TMP1, TMP0),
    ...sq(Z2, Z2),
    ...[...c(Z3, TMP1), call(FN.mul121666)],
    ...sq(X3, X3),
    ...add(TMP0, TMP0, Z3),
    ...mul(Z3, X1, Z2),
    ...mul(Z2, TMP1, TMP0),
    // while pos-- > 0
    ...[get(POS), i32(1), op.i32_sub, tee(POS), i32(0), op.i32_ge_s, brIf(0), op.end],
    ...cswaps(),
    // z2^(p - 2) = z2^(2^255 - 21), curve25519-donna's addition chain: 254 squarings, 11 products
    ...sq(Z_2, Z2),
    ...sqn(T, Z_2, 2),
    ...mul(Z_9, T, Z2),
    ...mul(Z_11, Z_9, Z_2),
    ...sq(T, Z_11),
    ...mul(Z_5_0, T, Z_9),
    ...sqn(T, Z_5_0, 5),
    ...mul(Z_10_0, T, Z_5_0),
    ...sqn(T, Z_10_0, 10),
    ...mul(Z_20_0, T, Z_10_0),
    ...sqn(T, Z_20_0, 20),
    ...mul(T, T, Z_20_0),
    ...sqn(T, T, 10),
    ...mul(Z_50_0, T, Z_10_0),
    ...sqn(T, Z_50_0, 50),
    ...mul(Z_100_0, T, Z_50_0),
    ...sqn(T, Z_100_0, 100),
    ...mul(T, T, Z_100_0),
    ...sqn(T, T, 50),
    ...mul(T, T, Z_50_0),
    ...sqn(T, T, 5),
    ...mul(T, T, Z_11),
    // out = x2 * z2^-1
    ...mul(X25519_LAYOUT.out, X2, T),
  ];
  return code(...f);
}

export function x25519ModuleBytes(): Uint8Array<ArrayBuffer> {
  const mul = mulBody();
  const m121666 = mul121666Body();
  const sq = sqBody();
  return wasmModule(1, [
    { params: [I32, I32, I32], locals: Array<typeof I64>(mul.locals).fill(I64), body: mul.body },
    { params: [I32, I32, I32], locals: [], body: addSubBody(op.i32_add) },
    { params: [I32, I32, I32], locals: [], body: addSubBody(op.i32_sub) },
    { params: [I32, I32], locals: Array<typeof I64>(m121666.locals).fill(I64), body: m121666.body },
    { params: [I32, I32, I32], locals: [I32, I32], body: cswapBody() },
    { params: [I32, I32, I32], locals: [], body: sqnBody() },
    { name: 'ladder', params: [], locals: [I32, I32, I32], body: ladderBody() },
    { params: [I32, I32], locals: Array<typeof I64>(sq.locals).fill(I64), body: sq.body },
  ]);
}

export interface X25519Wasm {
  memory: WebAssembly.Memory;
  ladder(): void;
}

let instance: X25519Wasm | undefined;

function wasm(): X25519Wasm {
  instance ??= instantiate(x25519ModuleBytes()) as unknown as X25519Wasm;
  return instance;
}

/** Compile the module now (throws where WebAssembly is unavailable or refused). */
export function x25519WasmReady(): void {
  wasm();
}

// Limb i starts at bit ceil(25.5 i) of the little-endian u-coordinate.
const LIMB_OFFSET = [0, 26, 51, 77, 102, 128, 153, 179, 204, 230];

/** The u-coordinate's limbs (bit 255 ignored, RFC 7748 5) into `limbs`. */
function decodeU(u: Uint8Array, limbs: Int32Array): void {
  for (let i = 0; i < 10; i++) {
    const at = LIMB_OFFSET[i];
    const b = at >>> 3;
    // at most 32 bits from 4 bytes: (at & 7) + width <= 32 for every limb
    const word = (u[b] | (u[b + 1] << 8) | (u[b + 2] << 16) | (u[b + 3] << 24)) >>> (at & 7);
    limbs[i] = word & ((1 << limbBits(i)) - 1);
  }
}

/** Fully reduce limbs mod p = 2^255 - 19 and encode 32 little-endian bytes (ref10 fe_tobytes). */
function encode(limbs: Int32Array): Uint8Array {
  const h = Array.from(limbs);
  // q = floor(h / p) is 0 or 1 for carried limbs; found by propagating 19 * h9's top carry
  let q = (19 * h[9] + (1 << 24)) >> 25;
  for (let i = 0; i < 10; i++) q = (h[i] + q) >> limbBits(i);
  h[0] += 19 * q;
  for (let i = 0; i < 9; i++) {
    const w = limbBits(i);
    const carry = h[i] >> w;
    h[i + 1] += carry;
    h[i] -= carry * (1 << w);
  }
  h[9] -= (h[9] >> 25) * (1 << 25);
  // pack 255 bits
  const out = new Uint8Array(32);
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < 10; i++) {
    acc += h[i] * 2 ** bits;
    bits += limbBits(i);
    while (bits >= 8) {
      out[o++] = acc % 256;
      acc = Math.floor(acc / 256);
      bits -= 8;
    }
  }
  out[31] = acc;
  return out;
}

const BASE_POINT = new Uint8Array(32);
BASE_POINT[0] = 9;

/**
 * X25519(scalar, u) (RFC 7748 5): the u-coordinate of clamp(scalar) * u. The all-zero result
 * (a small-order input) is returned as is; callers decide what it means.
 */
export function x25519Wasm(scalar: Uint8Array, u: Uint8Array): Uint8Array {
  if (!(scalar instanceof Uint8Array) || scalar.length !== 32)
    throw new RangeError('X25519 scalar must be 32 bytes');
  if (!(u instanceof Uint8Array) || u.length !== 32)
    throw new RangeError('X25519 u-coordinate must be 32 bytes');
  const w = wasm();
  const heap = new Uint8Array(w.memory.buffer);
  const k = heap.subarray(X25519_LAYOUT.scalar, X25519_LAYOUT.scalar + 32);
  k.set(scalar);
  k[0] &= 248;
  k[31] &= 127;
  k[31] |= 64;
  decodeU(u, new Int32Array(w.memory.buffer, X25519_LAYOUT.u, 10));
  w.ladder();
  k.fill(0);
  return encode(new Int32Array(w.memory.buffer, X25519_LAYOUT.out, 10));
}

/** X25519 with the base point u = 9. */
export function x25519BaseWasm(scalar: Uint8Array): Uint8Array {
  return x25519Wasm(scalar, BASE_POINT);
}
