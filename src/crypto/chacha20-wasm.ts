/**
 * The original ChaCha20 (Bernstein 2008: 64-bit nonce, here zero, and a 64-bit block counter
 * from 0) as a WebAssembly module emitted at load time by ./wasm-emit.ts: the Lioness stream
 * cipher of the web backend. @noble/ciphers takes ~11 us for the 2016 bytes of a Lioness half;
 * this takes a third of that. ChaCha20 is add-rotate-xor only, so it is constant-time as is.
 *
 * Memory: the 32-byte key at 0, data from `CHACHA_LAYOUT.buffer`.
 * Export xor(data, blocks, counter): XOR `blocks` 64-byte blocks at `data` with the keystream
 * starting at block `counter` (< 2^32).
 */
import {
  br,
  brIf,
  call,
  code,
  get,
  i32,
  I32,
  instantiate,
  load32,
  op,
  set,
  store32,
  wasmModule,
  type Instr,
} from './wasm-emit.js';

const CHACHA_LAYOUT = { key: 0, buffer: 64, end: 65536 } as const;

/** "expand 32-byte k" as four little-endian words. */
const SIGMA = [0x61707865, 0x3320646e, 0x79622d32, 0x6b206574];

// block(data, counter): locals x0..x15 (working state)
const [DATA, CTR] = [0, 1];
const X = (i: number) => 2 + i;
const FN_BLOCK = 0;

function quarterRound(a: number, b: number, c: number, d: number): Instr[] {
  const f: Instr[] = [];
  // p += q; r ^= p; r <<<= n
  const step = (p: number, q: number, r: number, n: number) =>
    f.push(
      ...[get(X(p)), get(X(q)), op.i32_add, set(X(p))],
      ...[get(X(r)), get(X(p)), op.i32_xor, i32(n), op.i32_rotl, set(X(r))],
    );
  step(a, b, d, 16);
  step(c, d, b, 12);
  step(a, b, d, 8);
  step(c, d, b, 7);
  return f;
}

/** The input word i of a block: constants, key, counter, zero nonce. */
function inputWord(i: number): Instr[] {
  if (i < 4) return [i32(SIGMA[i])];
  if (i < 12) return [i32(CHACHA_LAYOUT.key), load32(4 * (i - 4))];
  if (i === 12) return [get(CTR)];
  return [i32(0)];
}

function blockBody(): number[] {
  const f: Instr[] = [];
  for (let i = 0; i < 16; i++) f.push(...inputWord(i), set(X(i)));
  for (let r = 0; r < 10; r++) {
    f.push(...quarterRound(0, 4, 8, 12), ...quarterRound(1, 5, 9, 13));
    f.push(...quarterRound(2, 6, 10, 14), ...quarterRound(3, 7, 11, 15));
    f.push(...quarterRound(0, 5, 10, 15), ...quarterRound(1, 6, 11, 12));
    f.push(...quarterRound(2, 7, 8, 13), ...quarterRound(3, 4, 9, 14));
  }
  // data[i] ^= x[i] + input[i] (little-endian words)
  for (let i = 0; i < 16; i++) {
    f.push(
      get(DATA),
      get(DATA),
      load32(4 * i),
      get(X(i)),
      ...inputWord(i),
      op.i32_add,
      op.i32_xor,
      store32(4 * i),
    );
  }
  return code(...f);
}

/** xor(data, blocks, counter): a loop calling `block` (kept out of line, see ./sha256-wasm.ts). */
function xorBody(): number[] {
  const [data, blocks, counter] = [0, 1, 2];
  return code(
    ...[op.block, op.void, op.loop, op.void],
    // while (blocks != 0) { block(data, counter); data += 64; counter++; blocks-- }
    ...[get(blocks), op.i32_eqz, brIf(1)],
    ...[get(data), get(counter), call(FN_BLOCK)],
    ...[get(data), i32(64), op.i32_add, set(data)],
    ...[get(counter), i32(1), op.i32_add, set(counter)],
    ...[get(blocks), i32(1), op.i32_sub, set(blocks), br(0)],
    ...[op.end, op.end],
  );
}

export function chachaModuleBytes(): Uint8Array<ArrayBuffer> {
  return wasmModule(1, [
    { params: [I32, I32], locals: Array<typeof I32>(16).fill(I32), body: blockBody() },
    { name: 'xor', params: [I32, I32, I32], locals: [], body: xorBody() },
  ]);
}

export interface ChachaWasm {
  memory: WebAssembly.Memory;
  xor(data: number, blocks: number, counter: number): void;
}

let instance: ChachaWasm | undefined;

/** The shared instance (compiled on first use; throws where wasm may not be compiled). */
export function chachaWasm(): ChachaWasm {
  instance ??= instantiate(chachaModuleBytes()) as unknown as ChachaWasm;
  return instance;
}

const CHUNK_BLOCKS = Math.floor((CHACHA_LAYOUT.end - CHACHA_LAYOUT.buffer) / 64);

/** Original ChaCha20 with a zero 64-bit nonce, counter from 0, XORed over `data` in place. */
export function chacha20XorInPlaceWasm(key: Uint8Array, data: Uint8Array): void {
  if (!(key instanceof Uint8Array) || key.length !== 32)
    throw new RangeError('ChaCha20 key must be 32 bytes');
  const w = chachaWasm();
  const heap = new Uint8Array(w.memory.buffer);
  heap.set(key, CHACHA_LAYOUT.key);
  const buf = CHACHA_LAYOUT.buffer;
  for (let off = 0, counter = 0; off < data.length; off += CHUNK_BLOCKS * 64, counter += CHUNK_BLOCKS) {
    const len = Math.min(data.length - off, CHUNK_BLOCKS * 64);
    const blocks = Math.ceil(len / 64);
    heap.set(data.subarray(off, off + len), buf);
    w.xor(buf, blocks, counter);
    data.set(heap.subarray(buf, buf + len), off);
  }
  heap.fill(0, CHACHA_LAYOUT.key, CHACHA_LAYOUT.key + 32);
}
