/**
 * The fast backend: mcl-wasm (herumi/mcl compiled to WebAssembly). Needs `await` once
 * (see {@link createMclBackend}). Configured so that compressed encodings and RFC 9380
 * hash-to-G1 are byte-identical to noble's: ETH serialisation and the IRTF map-to mode.
 *
 * Constant time: `mcl.mul` is variable-time, so secret-scalar multiplications go to the
 * wasm exports `mclBnG1_mulCT` / `mclBnG2_mulCT`, which the public JS API does not wrap.
 */
import mcl from 'mcl-wasm';
// Default import = the CommonJS exports object, whose fields mcl fills in at init (named
// ESM bindings of a CommonJS module would stay at their pre-init snapshot).
import mclInner from 'mcl-wasm/dist/mcl.js';
import type { G1, G2, GroupBackend, GroupOps, PairingInput, PreparedG2 } from './backend.js';
import { BackendError, InvalidPointError, InvalidScalarError } from './errors.js';
import { FR_ORDER } from './fr.js';
import { checkCompressed } from './point-format.js';

type McG1 = InstanceType<typeof mcl.G1>;
type McG2 = InstanceType<typeof mcl.G2>;
type McPoint = McG1 | McG2;
type McFr = InstanceType<typeof mcl.Fr>;
type WasmFn = (...args: number[]) => number;
/** The emscripten module and the heap helpers mcl.js keeps but index.js does not re-export. */
interface Inner {
  mod: Record<string, WasmFn>;
  stackSave(): number;
  stackRestore(p: number): void;
  salloc(a: Uint32Array): number;
  sallocBytes(b: Uint8Array): number;
  sallocArray(a: Uint32Array[]): number;
  copyFromHeap32(a: Uint32Array, pos: number): void;
  callOp2(f: WasmFn, z: Uint32Array, x: Uint32Array, y: Uint32Array): void;
}
const inner = mclInner as unknown as Inner;
/** Every mcl value keeps its limbs in a Uint32Array `a_` (private in the typings). */
const limbs = (v: unknown): Uint32Array => (v as { a_: Uint32Array }).a_;

function toFr(s: bigint): McFr {
  if (typeof s !== 'bigint' || s < 0n || s >= FR_ORDER) throw new InvalidScalarError('scalar out of range');
  const f = new mcl.Fr();
  f.setStr(s.toString(16), 16);
  return f;
}

class MclPrepared {
  constructor(readonly pre: InstanceType<typeof mcl.PrecomputedG2>) {}
}

function makeOps<P extends McPoint, T>(group: 'G1' | 'G2'): GroupOps<T> {
  const Ctor = (group === 'G1' ? mcl.G1 : mcl.G2) as unknown as new () => P;
  const mulCT = inner.mod[group === 'G1' ? '_mclBnG1_mulCT' : '_mclBnG2_mulCT'];
  if (typeof mulCT !== 'function') throw new BackendError('mcl', `no ${group} constant-time multiply export`);
  const wrap = (p: P): T => p as unknown as T;
  const un = (t: T): P => t as unknown as P;
  // Standard generators, as ZCash compressed encodings (mcl has no G1 base-point getter
  // for pairing curves).
  const generator = new Ctor();
  generator.deserializeHexStr(
    group === 'G1'
      ? '97f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb'
      : '93e02b6052719f607dacd3a088274f65596bd0d09920b61ab5da61bbdc7f5049334cf11213945d57e5ac7d055d042b7e' +
          '024aa2b2f08f0a91260805272dc51051c6e47ad4fa403b02b4510b647ae3d1770bac0326a805bbefd48056c8c121bdb8',
  );
  const identity = new Ctor();
  const encodedLength = group === 'G1' ? 48 : 96;
  const affineLength = 2 * encodedLength;
  const fpBytes = (f: { serialize(): Uint8Array }): Uint8Array => f.serialize();
  return {
    encodedLength,
    affineLength,
    generator: wrap(generator),
    identity: wrap(identity),
    add: (a, b) => wrap(mcl.add(un(a), un(b))),
    sub: (a, b) => wrap(mcl.sub(un(a), un(b))),
    neg: (a) => wrap(mcl.neg(un(a))),
    mul: (p, s) => {
      const f = toFr(s);
      const z = new Ctor();
      inner.callOp2(mulCT, limbs(z), limbs(un(p)), limbs(f));
      return wrap(z);
    },
    mulPublic: (p, s) => wrap(mcl.mul(un(p) as McG1, toFr(s)) as unknown as P),
    msmPublic: (points, scalars) => {
      if (points.length !== scalars.length) throw new InvalidScalarError('msm length mismatch');
      if (points.length === 0) return wrap(new Ctor());
      const frs = scalars.map(toFr);
      if (points.length === 1) return wrap(mcl.mul(un(points[0]) as McG1, frs[0]) as unknown as P);
      return wrap(mcl.mulVec(points.map(un) as McG1[], frs) as unknown as P);
    },
    equals: (a, b) => un(a).isEqual(un(b) as never),
    isIdentity: (a) => un(a).isZero(),
    toBytes: (p) => un(p).serialize(),
    fromBytes: (bytes) => {
      if (checkCompressed(group, bytes)) return wrap(new Ctor());
      const p = new Ctor();
      try {
        p.deserialize(bytes);
      } catch {
        // mcl checks the curve equation and (verifyOrder) the subgroup while decoding.
        throw new InvalidPointError(group, 'not on the curve or not in the prime-order subgroup');
      }
      if (!p.isValid()) throw new InvalidPointError(group, 'not on the curve');
      if (!p.isValidOrder()) throw new InvalidPointError(group, 'not in the prime-order subgroup');
      return wrap(p);
    },
    affineBytes: (p) => {
      const q = un(p);
      const out = new Uint8Array(affineLength);
      if (q.isZero()) {
        out[0] = 0x40;
        return out;
      }
      const n = mcl.normalize(q);
      if (group === 'G1') {
        const g = n as McG1;
        out.set(fpBytes(g.getX()), 0);
        out.set(fpBytes(g.getY()), 48);
      } else {
        const g = n as McG2;
        const x = g.getX();
        const y = g.getY();
        out.set(fpBytes(x.get_a()), 0);
        out.set(fpBytes(x.get_b()), 48);
        out.set(fpBytes(y.get_a()), 96);
        out.set(fpBytes(y.get_b()), 144);
      }
      return out;
    },
  };
}

let initialised: Promise<void> | undefined;

/**
 * Initialise mcl-wasm for BLS12-381 (once per process) and return the backend.
 * Sets ETH serialisation (ZCash compressed format, big-endian field elements), the IRTF
 * (RFC 9380) map-to-curve mode, and subgroup checks on deserialisation.
 */
export async function createMclBackend(): Promise<GroupBackend> {
  initialised ??= (async () => {
    await mcl.init(mcl.BLS12_381);
    mcl.setETHserialization(true);
    mcl.setMapToMode(mcl.IRTF);
    mcl.verifyOrderG1(true);
    mcl.verifyOrderG2(true);
  })();
  await initialised;
  const g1 = makeOps<McG1, G1>('G1');
  const g2 = makeOps<McG2, G2>('G2');
  const hashWithDst = inner.mod._mclBnG1_hashAndMapToWithDst;
  const millerLoopVec = inner.mod._mclBn_millerLoopVec;
  const enc = new TextEncoder();
  return {
    name: 'mcl',
    g1,
    g2,
    hashToG1: (msg, dst) => {
      const z = new mcl.G1();
      const stack = inner.stackSave();
      try {
        const zPos = inner.salloc(limbs(z));
        const mPos = inner.sallocBytes(msg);
        const d = enc.encode(dst);
        const dPos = inner.sallocBytes(d);
        if (hashWithDst(zPos, mPos, msg.length, dPos, d.length) !== 0) {
          throw new BackendError('mcl', 'hashAndMapToWithDst failed');
        }
        inner.copyFromHeap32(limbs(z), zPos);
      } finally {
        inner.stackRestore(stack);
      }
      return z as unknown as G1;
    },
    prepareG2: (q) => new MclPrepared(new mcl.PrecomputedG2(q as unknown as McG2)) as unknown as PreparedG2,
    pairingProductIsOne: (pairs: readonly PairingInput[]) => {
      const plainP: McG1[] = [];
      const plainQ: McG2[] = [];
      const prep: [McG1, MclPrepared][] = [];
      for (const [p, q] of pairs) {
        const P = p as unknown as McG1;
        if (P.isZero()) continue;
        if (q instanceof MclPrepared) prep.push([P, q]);
        else {
          const Q = q as unknown as McG2;
          if (Q.isZero()) continue;
          plainP.push(P);
          plainQ.push(Q);
        }
      }
      let f: InstanceType<typeof mcl.GT> | undefined;
      const times = (g: InstanceType<typeof mcl.GT>): void => {
        f = f ? mcl.mul(f, g) : g;
      };
      // One unprepared and one prepared pair: the mixed two-pairing Miller loop.
      if (plainP.length === 1 && prep.length >= 1) {
        const [P2, pre] = prep.shift() as [McG1, MclPrepared];
        times(mcl.precomputedMillerLoop2mixed(plainP[0], plainQ[0], P2, pre.pre));
        plainP.length = 0;
      }
      while (prep.length >= 2) {
        const [a, pa] = prep.shift() as [McG1, MclPrepared];
        const [b, pb] = prep.shift() as [McG1, MclPrepared];
        times(mcl.precomputedMillerLoop2(a, pa.pre, b, pb.pre));
      }
      if (prep.length === 1) times(mcl.precomputedMillerLoop(prep[0][0], prep[0][1].pre));
      if (plainP.length > 0) {
        const e = new mcl.GT();
        const stack = inner.stackSave();
        try {
          const ePos = inner.salloc(limbs(e));
          const xPos = inner.sallocArray(plainP.map(limbs));
          const yPos = inner.sallocArray(plainQ.map(limbs));
          millerLoopVec(ePos, xPos, yPos, plainP.length);
          inner.copyFromHeap32(limbs(e), ePos);
        } finally {
          inner.stackRestore(stack);
        }
        times(e);
      }
      if (!f) return true;
      return mcl.finalExp(f).isOne();
    },
  };
}
