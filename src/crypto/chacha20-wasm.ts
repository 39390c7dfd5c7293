/**
 * The original ChaCha20 (Bernstein 2008: 64-bit nonce and 64-bit block counter) as a
 * WebAssembly module emitted at load time by ./wasm-emit.ts: the Lioness stream cipher of the
 * web backend (zero nonce, counter from 0). @noble/ciphers takes ~11 us for the 2016 bytes of
 * a Lioness half; this takes a third of that. ChaCha20 is add-rotate-xor only, so it is
 * constant-time as is.
 *
 * Memory: state words 4..15 as the cipher lays them out: the 32-byte key at 0, the 64-bit block
 * counter at 32 (little-endian, words 12 and 13), the 8-byte nonce at 40 (words 14 and 15);
 * data from `CHACHA_LAYOUT.buffer`.
 * Export xor(data, blocks): XOR `blocks` 64-byte blocks at `data` with the keystream from the
 * counter and nonce in memory (held in registers while it runs), then store the counter
 * advanced past them (mod 2^64) for the next call. Taking the nonce and counter from memory
 * rather than as constants costs ~2% on a Lioness half; in exchange the published vectors
 * (RFC 8439, draft-strombergson) run on this very code.
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
  load64,
  op,
  set,
  store32,
  store64,
  wasmModule,
  type Instr,
} from './wasm-emit.js';

const CHACHA_LAYOUT = { key: 0, counter: 32, nonce: 40, buffer: 64, end: 65536 } as const;

/** "expand 32-byte k" as four little-endian words. */
const SIGMA = [0x61707865, 0x3320646e, 0x79622d32, 0x6b206574];

// block(data, w12, w13, w14, w15): state words 12..15 (counter, nonce) come in as params,
// kept in registers by the caller's loop; locals x0..x15 (working state)
const DATA = 0;
const W = (i: number) => 1 + (i - 12);
const X = (i: number) => 5 + i;
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

/** The input word i of a block: constants, key (from memory), counter and nonce (params). */
function inputWord(i: number): Instr[] {
  if (i < 4) return [i32(SIGMA[i])];
  if (i < 12) return [i32(CHACHA_LAYOUT.key), load32(4 * (i - 4))];
  return [get(W(i))];
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

/**
 * xor(data, blocks): a loop calling `block` (kept out of line, see ./sha256-wasm.ts), with the
 * 64-bit counter in a local, written back to memory at the end.
 */
function xorBody(): number[] {
  const [data, blocks, counter, n0, n1] = [0, 1, 2, 3, 4];
  const at = CHACHA_LAYOUT.counter;
  return code(
    ...[i32(0), load64(at), set(counter)],
    ...[i32(0), load32(CHACHA_LAYOUT.nonce), set(n0), i32(0), load32(CHACHA_LAYOUT.nonce + 4), set(n1)],
    ...[op.block, op.void, op.loop, op.void],
    // while (blocks != 0) { block(data, counter lo, counter hi, nonce); counter++; data += 64; blocks-- }
    ...[get(blocks), op.i32_eqz, brIf(1)],
    ...[get(data), get(counter), op.i32_wrap_i64, get(counter), i64(32n), op.i64_shr_u, op.i32_wrap_i64],
    ...[get(n0), get(n1), call(FN_BLOCK)],
    ...[get(counter), i64(1n), op.i64_add, set(counter)],
    ...[get(data), i32(64), op.i32_add, set(data)],
    ...[get(blocks), i32(1), op.i32_sub, set(blocks), br(0)],
    ...[op.end, op.end],
    ...[i32(0), get(counter), store64(at)],
  );
}

export function chachaModuleBytes(): Uint8Array<ArrayBuffer> {
  return wasmModule(1, [
    { params: [I32, I32, I32, I32, I32], locals: Array<typeof I32>(16).fill(I32), body: blockBody() },
    { name: 'xor', params: [I32, I32], locals: [I64, I32, I32], body: xorBody() },
  ]);
}

export interface ChachaWasm {
  memory: WebAssembly.Memory;
  xor(data: number, blocks: number): void;
}

let instance: ChachaWasm | undefined;

/** The shared instance (compiled on first use; throws where wasm may not be compiled). */
export function chachaWasm(): ChachaWasm {
  instance ??= instantiate(chachaModuleBytes()) as unknown as ChachaWasm;
  return instance;
}

const CHUNK_BLOCKS = Math.floor((CHACHA_LAYOUT.end - CHACHA_LAYOUT.buffer) / 64);
const ZERO_NONCE_8 = new Uint8Array(8);

function checkKey(key: Uint8Array): void {
  if (!(key instanceof Uint8Array) || key.length !== 32)
    throw new RangeError('ChaCha20 key must be 32 bytes');
}

/** XOR `data` in place with the keystream set up in memory (key, counter, nonce). */
function xorSetUp(heap: Uint8Array, w: ChachaWasm, data: Uint8Array): void {
  const buf = CHACHA_LAYOUT.buffer;
  for (let off = 0; off < data.length; off += CHUNK_BLOCKS * 64) {
    const len = Math.min(data.length - off, CHUNK_BLOCKS * 64);
    heap.set(data.subarray(off, off + len), buf);
    w.xor(buf, Math.ceil(len / 64)); // advances the counter in memory for the next chunk
    data.set(heap.subarray(buf, buf + len), off);
  }
  heap.fill(0, CHACHA_LAYOUT.key, CHACHA_LAYOUT.key + 32);
}

/**
 * Original ChaCha20 XORed over `data` in place, with an 8-byte `nonce` and the 64-bit block
 * counter starting at `counter` (0 <= counter < 2^64). The RFC 8439 form (96-bit nonce n,
 * 32-bit counter c) is this with nonce = n[4..12] and counter = c + 2^32 * le32(n[0..4]).
 */
export function chacha20OrigXorInPlaceWasm(
  key: Uint8Array,
  nonce: Uint8Array,
  counter: bigint,
  data: Uint8Array,
): void {
  checkKey(key);
  if (!(nonce instanceof Uint8Array) || nonce.length !== 8)
    throw new RangeError('ChaCha20 nonce must be 8 bytes');
  if (typeof counter !== 'bigint' || counter < 0n || counter >= 1n << 64n)
    throw new RangeError('ChaCha20 block counter must be in 0..2^64-1');
  const w = chachaWasm();
  const heap = new Uint8Array(w.memory.buffer);
  heap.set(key, CHACHA_LAYOUT.key);
  new DataView(w.memory.buffer).setBigUint64(CHACHA_LAYOUT.counter, counter, true);
  heap.set(nonce, CHACHA_LAYOUT.nonce);
  xorSetUp(heap, w, data);
}

/** Original ChaCha20 with a zero 64-bit nonce, counter from 0, XORed over `data` in place. */
export function chacha20XorInPlaceWasm(key: Uint8Array, data: Uint8Array): void {
  checkKey(key);
  const w = chachaWasm();
  const heap = new Uint8Array(w.memory.buffer);
  heap.set(key, CHACHA_LAYOUT.key);
  heap.fill(0, CHACHA_LAYOUT.counter, CHACHA_LAYOUT.counter + 8);
  heap.set(ZERO_NONCE_8, CHACHA_LAYOUT.nonce);
  xorSetUp(heap, w, data);
}
