/**
 * Fuzzed inputs for a decoder, as fast-check arbitraries: mostly mutations of valid inputs
 * (bit flips, byte sets to edge values, truncations, insertions, deletions, duplicated
 * runs; for JSON decoders also structural edits: a field removed, retyped or added), and
 * some wholly random bytes (any length, or exactly a valid input's length, so that length
 * checks are passed and the decoder's inner checks are reached).
 */
import fc from 'fast-check';

export type Mutation =
  | { readonly k: 'flip'; readonly at: number; readonly bit: number }
  | { readonly k: 'set'; readonly at: number; readonly v: number }
  | { readonly k: 'truncate'; readonly at: number }
  | { readonly k: 'insert'; readonly at: number; readonly bytes: Uint8Array }
  | { readonly k: 'delete'; readonly at: number; readonly n: number }
  | { readonly k: 'duplicate'; readonly at: number; readonly n: number };

const EDGE_BYTES = [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x7f, 0x80, 0xfe, 0xff, 0x22, 0x5c, 0x7b, 0x7d, 0x30];

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ k: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat(7) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      k: fc.constant('set' as const),
      at: fc.nat(),
      v: fc.oneof(fc.constantFrom(...EDGE_BYTES), fc.nat(255)),
    }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('truncate' as const), at: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      k: fc.constant('insert' as const),
      at: fc.nat(),
      bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      k: fc.constant('delete' as const),
      at: fc.nat(),
      n: fc.integer({ min: 1, max: 16 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant('duplicate' as const),
      at: fc.nat(),
      n: fc.integer({ min: 1, max: 64 }),
    }),
  },
);

/** `seed` with the mutations applied in turn (positions taken modulo the current length). */
export function mutate(seed: Uint8Array, ops: readonly Mutation[]): Uint8Array {
  let b = seed.slice();
  for (const op of ops) {
    const at = b.length ? op.at % b.length : 0;
    switch (op.k) {
      case 'flip':
        if (b.length) b[at] ^= 1 << op.bit;
        break;
      case 'set':
        if (b.length) b[at] = op.v;
        break;
      case 'truncate':
        b = b.slice(0, at);
        break;
      case 'insert': {
        const out = new Uint8Array(b.length + op.bytes.length);
        out.set(b.subarray(0, at), 0);
        out.set(op.bytes, at);
        out.set(b.subarray(at), at + op.bytes.length);
        b = out;
        break;
      }
      case 'delete': {
        const end = Math.min(b.length, at + op.n);
        const out = new Uint8Array(b.length - (end - at));
        out.set(b.subarray(0, at), 0);
        out.set(b.subarray(end), at);
        b = out;
        break;
      }
      case 'duplicate': {
        const run = b.subarray(at, at + op.n);
        const out = new Uint8Array(b.length + run.length);
        out.set(b.subarray(0, at + run.length), 0);
        out.set(run, at + run.length);
        out.set(b.subarray(at + run.length), at + 2 * run.length);
        b = out;
        break;
      }
    }
  }
  return b;
}

/** `n` pseudo-random bytes from a 32-bit seed (xorshift32): cheap filler of a given length. */
export function filler(seed: number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed | 0 || 0x9e3779b9;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

const utf8 = new TextEncoder();
const utf8d = new TextDecoder();

/** A JSON seed with one structural edit: a field removed, replaced by any JSON value, or added. */
function editJson(seedText: string, pick: number, how: number, value: unknown): string {
  let doc: unknown;
  try {
    doc = JSON.parse(seedText);
  } catch {
    return seedText;
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return JSON.stringify(value);
  const o = { ...(doc as Record<string, unknown>) };
  const keys = Object.keys(o);
  const key = keys.length ? keys[pick % keys.length] : 'x';
  switch (how % 4) {
    case 0:
      delete o[key];
      break;
    case 1:
      o[key] = value;
      break;
    case 2:
      o[`extra${pick % 7}`] = value;
      break;
    default:
      return JSON.stringify([o, value]);
  }
  return JSON.stringify(o);
}

export interface InputShape {
  /** Valid inputs (at least one). */
  readonly seeds: readonly Uint8Array[];
  /** Longest wholly random input. */
  readonly maxRandomLength: number;
  /** Also JSON-aware inputs (the decoder reads JSON text). */
  readonly json?: boolean;
}

/** The arbitrary of one decoder's inputs. */
export function inputs(shape: InputShape): fc.Arbitrary<Uint8Array> {
  const { seeds } = shape;
  const seedIndex = fc.nat(seeds.length - 1);
  const mutated = fc
    .tuple(seedIndex, fc.array(mutation, { minLength: 1, maxLength: 4 }))
    .map(([i, ops]) => mutate(seeds[i], ops));
  const sameLength = fc.tuple(seedIndex, fc.integer()).map(([i, s]) => filler(s, seeds[i].length));
  const random = fc.uint8Array({ maxLength: shape.maxRandomLength });
  const arbs: { weight: number; arbitrary: fc.Arbitrary<Uint8Array> }[] = [
    { weight: 6, arbitrary: mutated },
    { weight: 2, arbitrary: random },
    { weight: 1, arbitrary: sameLength },
  ];
  if (shape.json) {
    arbs.push(
      {
        weight: 2,
        arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => utf8.encode(JSON.stringify(v) ?? 'null')),
      },
      {
        weight: 4,
        arbitrary: fc
          .tuple(seedIndex, fc.nat(), fc.nat(), fc.jsonValue({ maxDepth: 2 }))
          .map(([i, pick, how, v]) => utf8.encode(editJson(utf8d.decode(seeds[i]), pick, how, v))),
      },
    );
  }
  return fc.oneof(...arbs);
}
