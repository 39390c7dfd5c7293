/**
 * A minimal WebAssembly binary encoder (WebAssembly Core Specification 1.0, chapter 5): just
 * what Nymph's hand-unrolled primitives need (one memory, functions over i32/i64 locals,
 * loads, stores, integer arithmetic, loops, calls).
 *
 * Why: the hot primitives (./sha256-wasm.ts, ./blake2b-wasm.ts, ./chacha20-wasm.ts,
 * ./x25519-wasm.ts, ./polyval-wasm.ts) are emitted from TypeScript at load time, so the source is the only artifact and no compiler is needed.
 * Instructions are plain byte arrays; `code(...)` flattens them into a function body.
 */

export const I32 = 0x7f;
export const I64 = 0x7e;
export type ValType = typeof I32 | typeof I64;

/** Opcodes without immediates (and the block-type byte of an empty block). */
export const op = {
  void: 0x40,
  block: 0x02,
  loop: 0x03,
  end: 0x0b,
  select: 0x1b,
  i32_eqz: 0x45,
  i32_ge_s: 0x4e,
  i32_le_s: 0x4c,
  i32_add: 0x6a,
  i32_sub: 0x6b,
  i32_and: 0x71,
  i32_or: 0x72,
  i32_xor: 0x73,
  i32_shr_u: 0x76,
  i32_rotl: 0x77,
  i32_rotr: 0x78,
  i32_wrap_i64: 0xa7,
  i64_add: 0x7c,
  i64_and: 0x83,
  i64_or: 0x84,
  i64_sub: 0x7d,
  i64_mul: 0x7e,
  i64_shl: 0x86,
  i64_shr_s: 0x87,
  i64_shr_u: 0x88,
  i64_xor: 0x85,
  i64_rotl: 0x89,
  i64_rotr: 0x8a,
  i64_extend_i32_s: 0xac,
  i64_extend_i32_u: 0xad,
} as const;

export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

export function sleb(n: bigint): number[] {
  const out: number[] = [];
  for (;;) {
    const b = Number(n & 0x7fn);
    n >>= 7n;
    if ((n === 0n && (b & 0x40) === 0) || (n === -1n && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

export type Instr = number | readonly number[];

export const get = (local: number) => [0x20, ...uleb(local)];
export const set = (local: number) => [0x21, ...uleb(local)];
export const tee = (local: number) => [0x22, ...uleb(local)];
export const i32 = (v: number) => [0x41, ...sleb(BigInt(v | 0))];
export const i64 = (v: bigint) => [0x42, ...sleb(BigInt.asIntN(64, v))];
/** Aligned loads and stores with a constant offset (memarg: log2 alignment, offset). */
export const load32 = (offset: number) => [0x28, 2, ...uleb(offset)];
export const store32 = (offset: number) => [0x36, 2, ...uleb(offset)];
export const load64 = (offset: number) => [0x29, 3, ...uleb(offset)];
export const store64 = (offset: number) => [0x37, 3, ...uleb(offset)];
export const store8 = (offset: number) => [0x3a, 0, ...uleb(offset)];
export const load8u = (offset: number) => [0x2d, 0, ...uleb(offset)];
/** i64.load32_u: a 32-bit word, zero-extended. */
export const load64u32 = (offset: number) => [0x35, 2, ...uleb(offset)];
export const call = (fn: number) => [0x10, ...uleb(fn)];
export const br = (depth: number) => [0x0c, ...uleb(depth)];
export const brIf = (depth: number) => [0x0d, ...uleb(depth)];

/** Flatten instructions into bytes. */
export function code(...instrs: Instr[]): number[] {
  const out: number[] = [];
  for (const i of instrs) {
    if (typeof i === 'number') out.push(i);
    else for (const b of i) out.push(b);
  }
  return out;
}

export interface WasmFunction {
  /** Exported under this name when given. */
  name?: string;
  params: ValType[];
  locals: ValType[];
  /** The body without its final `end`. */
  body: number[];
}

const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const name = (s: string): number[] => vec([...s].map((c) => [c.charCodeAt(0)]));

/** A module with one exported memory of `pages` 64 KiB pages and the given functions (no results). */
export function wasmModule(pages: number, functions: WasmFunction[]): Uint8Array<ArrayBuffer> {
  const types = functions.map((f) => [0x60, ...vec(f.params.map((t) => [t])), ...vec([])]);
  const bodies = functions.map((f) => {
    const groups: number[][] = [];
    for (let i = 0; i < f.locals.length;) {
      let j = i;
      while (j < f.locals.length && f.locals[j] === f.locals[i]) j++;
      groups.push([...uleb(j - i), f.locals[i]]);
      i = j;
    }
    const fnCode = [...vec(groups), ...f.body, op.end];
    return [...uleb(fnCode.length), ...fnCode];
  });
  const exports = [[...name('memory'), 0x02, 0]];
  functions.forEach((f, i) => {
    if (f.name) exports.push([...name(f.name), 0x00, ...uleb(i)]);
  });
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec(types)),
    ...section(3, vec(functions.map((_, i) => uleb(i)))),
    ...section(5, vec([[0x00, ...uleb(pages)]])),
    ...section(7, vec(exports)),
    ...section(10, vec(bodies)),
  ]);
}

/** Compile and instantiate (synchronously: the modules are a few KiB). */
export function instantiate(bytes: Uint8Array<ArrayBuffer>): WebAssembly.Exports {
  return new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports;
}
