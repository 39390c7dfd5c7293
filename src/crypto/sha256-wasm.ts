/**
 * The SHA-256 compression function as a WebAssembly module, emitted byte by byte at load time.
 *
 * Why: Sphinx packet creation runs about 200 SHA-256 blocks (HKDF and HMAC) per packet. In
 * plain TypeScript a block costs ~0.26 us; node:crypto would be faster per block (SHA-NI) but
 * every call pays ~1-8 us of fixed overhead. A fully unrolled wasm compression function keeps
 * the sixteen schedule words and eight working variables in locals (registers) and has real
 * rotate instructions, which roughly halves the per-block cost. Emitting the module from
 * this file (instead of committing a compiled binary) keeps the source the only artifact and
 * needs no compiler: the encoder below knows the dozen opcodes it uses.
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
 */

// --- wasm binary encoding (WebAssembly Core Specification 1.0, chapter 5) ---

const OP = {
  loop: 0x03,
  call: 0x10,
  end: 0x0b,
  br_if: 0x0d,
  local_get: 0x20,
  local_set: 0x21,
  local_tee: 0x22,
  i32_load: 0x28,
  i32_store: 0x36,
  i32_const: 0x41,
  i32_add: 0x6a,
  i32_sub: 0x6b,
  i32_and: 0x71,
  i32_or: 0x72,
  i32_xor: 0x73,
  i32_shr_u: 0x76,
  i32_rotl: 0x77,
  i32_rotr: 0x78,
} as const;
const I32 = 0x7f;
const FUNC_TYPE = 0x60;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  n |= 0;
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

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

const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const name = (s: string): number[] => vec([...s].map((c) => [c.charCodeAt(0)]));

// --- the compression function ---

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

/** A function body under construction: stack-machine code with named helpers. */
class Body {
  readonly code: number[] = [];
  get(l: number): this {
    this.code.push(OP.local_get, l);
    return this;
  }
  set(l: number): this {
    this.code.push(OP.local_set, l);
    return this;
  }
  tee(l: number): this {
    this.code.push(OP.local_tee, l);
    return this;
  }
  i32(v: number): this {
    this.code.push(OP.i32_const, ...sleb(v));
    return this;
  }
  op(...ops: number[]): this {
    this.code.push(...ops);
    return this;
  }
  /** i32.load with alignment 4 and a constant offset. */
  load(offset: number): this {
    this.code.push(OP.i32_load, 0x02, ...uleb(offset));
    return this;
  }
  store(offset: number): this {
    this.code.push(OP.i32_store, 0x02, ...uleb(offset));
    return this;
  }
  call(fn: number): this {
    this.code.push(OP.call, ...uleb(fn));
    return this;
  }
  /** bswap of the top of the stack, via local `tmp`: (rotl(x,8) & 0x00ff00ff) | (rotr(x,8) & 0xff00ff00). */
  bswap(tmp: number): this {
    return this.tee(tmp)
      .i32(8)
      .op(OP.i32_rotl)
      .i32(0x00ff00ff)
      .op(OP.i32_and)
      .get(tmp)
      .i32(8)
      .op(OP.i32_rotr)
      .i32(0xff00ff00 | 0)
      .op(OP.i32_and)
      .op(OP.i32_or);
  }
}

/** Function indices in the module. */
const FN_COMPRESS = 0;

// compress: params 0 state, 1 data, 2 blocks; then v0..v7 (working variables, renamed per
// round instead of moved), w0..w15 (rolling message schedule), t1, t2
const P_STATE = 0;
const P_DATA = 1;
const P_BLOCKS = 2;
const V = (i: number) => 3 + (((i % 8) + 8) % 8);
const Wl = (i: number) => 11 + (i % 16);
const T1 = 27;
const T2 = 28;
const COMPRESS_LOCALS = 26;

function compressBody(): number[] {
  const f = new Body();
  // x rotr a ^ x rotr b ^ (x rotr c | x >>> c)
  const sigma = (l: number, a: number, b: number, c: number, shift: boolean) =>
    f
      .get(l)
      .i32(a)
      .op(OP.i32_rotr)
      .get(l)
      .i32(b)
      .op(OP.i32_rotr)
      .op(OP.i32_xor)
      .get(l)
      .i32(c)
      .op(shift ? OP.i32_shr_u : OP.i32_rotr)
      .op(OP.i32_xor);

  f.op(OP.loop, 0x40);
  // message words are big-endian
  for (let i = 0; i < 16; i++)
    f.get(P_DATA)
      .load(4 * i)
      .bswap(T1)
      .set(Wl(i));
  for (let r = 0; r < 8; r++)
    f.get(P_STATE)
      .load(4 * r)
      .set(V(r));
  for (let i = 0; i < 64; i++) {
    if (i >= 16) {
      // w[i] = w[i-16] + s0(w[i-15]) + w[i-7] + s1(w[i-2])
      f.get(Wl(i));
      sigma(Wl(i - 15), 7, 18, 3, true)
        .op(OP.i32_add)
        .get(Wl(i - 7))
        .op(OP.i32_add);
      sigma(Wl(i - 2), 17, 19, 10, true)
        .op(OP.i32_add)
        .set(Wl(i));
    }
    const [a, b, c, d, e, ff, g, h] = [0, 1, 2, 3, 4, 5, 6, 7].map((r) => V(r - i));
    // t1 = h + S1(e) + ch(e,f,g) + K[i] + w[i], ch = g ^ (e & (f ^ g))
    f.get(h);
    sigma(e, 6, 11, 25, false).op(OP.i32_add);
    f.get(g).get(e).get(ff).get(g).op(OP.i32_xor, OP.i32_and, OP.i32_xor, OP.i32_add);
    f.i32(K[i] | 0)
      .op(OP.i32_add)
      .get(Wl(i))
      .op(OP.i32_add)
      .set(T1);
    // t2 = S0(a) + maj(a,b,c), maj = (a & b) ^ (c & (a ^ b))
    sigma(a, 2, 13, 22, false);
    f.get(a).get(b).op(OP.i32_and).get(c).get(a).get(b);
    f.op(OP.i32_xor, OP.i32_and, OP.i32_xor, OP.i32_add).set(T2);
    // d += t1; h = t1 + t2 (h's local is the next round's a, d's the next round's e)
    f.get(d).get(T1).op(OP.i32_add).set(d);
    f.get(T1).get(T2).op(OP.i32_add).set(h);
  }
  // after 64 rounds the renaming has come full circle: V(r) holds working variable r
  for (let r = 0; r < 8; r++)
    f.get(P_STATE)
      .get(P_STATE)
      .load(4 * r)
      .get(V(r))
      .op(OP.i32_add)
      .store(4 * r);
  // data += 64; loop while --blocks != 0
  f.get(P_DATA).i32(64).op(OP.i32_add).set(P_DATA);
  f.get(P_BLOCKS).i32(1).op(OP.i32_sub).tee(P_BLOCKS).op(OP.br_if, 0);
  f.op(OP.end, OP.end);
  return f.code;
}

const IV = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

/** keyState(key, slot) */
function keyStateBody(): number[] {
  const [KEY, SLOT] = [0, 1];
  const f = new Body();
  for (const [mask, half] of [
    [0x36363636, 0],
    [0x5c5c5c5c, 32],
  ]) {
    for (let i = 0; i < 16; i++)
      f.i32(LAYOUT.pad)
        .get(KEY)
        .load(4 * i)
        .i32(mask)
        .op(OP.i32_xor)
        .store(4 * i);
    for (let r = 0; r < 8; r++)
      f.get(SLOT)
        .i32(IV[r] | 0)
        .store(half + 4 * r);
    f.get(SLOT).i32(half).op(OP.i32_add).i32(LAYOUT.pad).i32(1).call(FN_COMPRESS);
  }
  return f.op(OP.end).code;
}

/** hmacTail(slot, data, blocks, out); one scratch local. */
function hmacTailBody(): number[] {
  const [SLOT, DATA, BLOCKS, OUT, TMP] = [0, 1, 2, 3, 4];
  const f = new Body();
  const st = LAYOUT.state;
  for (let r = 0; r < 8; r++)
    f.i32(st)
      .get(SLOT)
      .load(4 * r)
      .store(4 * r);
  f.i32(st).get(DATA).get(BLOCKS).call(FN_COMPRESS);
  for (let r = 0; r < 8; r++)
    f.i32(LAYOUT.outer)
      .i32(st)
      .load(4 * r)
      .bswap(TMP)
      .store(4 * r);
  for (let r = 0; r < 8; r++)
    f.i32(st)
      .get(SLOT)
      .load(32 + 4 * r)
      .store(4 * r);
  f.i32(st).i32(LAYOUT.outer).i32(1).call(FN_COMPRESS);
  for (let r = 0; r < 8; r++)
    f.get(OUT)
      .i32(st)
      .load(4 * r)
      .bswap(TMP)
      .store(4 * r);
  return f.op(OP.end).code;
}

/** The module's bytes. */
export function sha256ModuleBytes(): Uint8Array<ArrayBuffer> {
  const fn = (locals: number, body: number[]) => {
    const code = [...vec(locals ? [[...uleb(locals), I32]] : []), ...body];
    return [...uleb(code.length), ...code];
  };
  const type = (params: number) => [
    FUNC_TYPE,
    ...vec(Array.from({ length: params }, () => [I32])),
    ...vec([]),
  ];
  const bytes = [
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    // types: 0 = (i32 i32 i32) -> (), 1 = (i32 i32) -> (), 2 = (i32 i32 i32 i32) -> ()
    ...section(1, vec([type(3), type(2), type(4)])),
    // functions: compress, keyState, hmacTail
    ...section(3, vec([[0], [1], [2]])),
    ...section(5, vec([[0x00, 1]])),
    ...section(
      7,
      vec([
        [...name('memory'), 0x02, 0],
        [...name('compress'), 0x00, 0],
        [...name('keyState'), 0x00, 1],
        [...name('hmacTail'), 0x00, 2],
      ]),
    ),
    ...section(10, vec([fn(COMPRESS_LOCALS, compressBody()), fn(0, keyStateBody()), fn(1, hmacTailBody())])),
  ];
  return Uint8Array.from(bytes);
}

export interface Sha256Wasm {
  /** One 64 KiB page; never grows, so views on its buffer stay valid. */
  memory: WebAssembly.Memory;
  compress(state: number, data: number, blocks: number): void;
  keyState(key: number, slot: number): void;
  hmacTail(slot: number, data: number, blocks: number, out: number): void;
}

let instance: Sha256Wasm | undefined;

/** The shared instance (compiled on first use; about a millisecond). */
export function sha256Wasm(): Sha256Wasm {
  if (!instance) {
    const exports = new WebAssembly.Instance(new WebAssembly.Module(sha256ModuleBytes())).exports;
    instance = {
      memory: exports.memory as WebAssembly.Memory,
      compress: exports.compress as Sha256Wasm['compress'],
      keyState: exports.keyState as Sha256Wasm['keyState'],
      hmacTail: exports.hmacTail as Sha256Wasm['hmacTail'],
    };
  }
  return instance;
}
