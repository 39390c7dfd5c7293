/**
 * The reference backend: @noble/curves bls12-381, pure JavaScript (Node and browser).
 * Secret-scalar multiplications use noble's constant-time `multiply`; public ones its
 * wNAF/GLV `multiplyUnsafe` and Strauss `mulAddUnsafe` (faster than Pippenger for the
 * handful of points Coconut combines).
 */
import { bls12_381 } from '@noble/curves/bls12-381.js';
import type { WeierstrassPoint } from '@noble/curves/abstract/weierstrass.js';
import type { G1, G2, GroupBackend, GroupOps, PairingInput, PreparedG2 } from './backend.js';
import { InvalidPointError, InvalidScalarError } from './errors.js';
import { FR_ORDER } from './fr.js';
import { checkCompressed } from './point-format.js';

type Fp2 = { c0: bigint; c1: bigint };
type P1 = WeierstrassPoint<bigint>;
type P2 = WeierstrassPoint<Fp2>;
type Lines = ReturnType<typeof bls12_381.utils.calcPairingPrecomputes>;

const { Fp12 } = bls12_381.fields;

function scalarCheck(s: bigint): bigint {
  if (typeof s !== 'bigint' || s < 0n || s >= FR_ORDER) throw new InvalidScalarError('scalar out of range');
  return s;
}

function be48(x: bigint): Uint8Array {
  const hex = x.toString(16).padStart(96, '0');
  const out = new Uint8Array(48);
  for (let i = 0; i < 48; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

class NoblePrepared {
  constructor(readonly lines: Lines) {}
}

function makeOps<P extends P1 | P2, T>(
  group: 'G1' | 'G2',
  Point: typeof bls12_381.G1.Point | typeof bls12_381.G2.Point,
  coords: (p: P) => bigint[],
): GroupOps<T> {
  const C = Point as unknown as {
    BASE: P;
    ZERO: P;
    fromBytes(b: Uint8Array): P;
  };
  const wrap = (p: P): T => p as unknown as T;
  const un = (t: T): P => t as unknown as P;
  const encodedLength = group === 'G1' ? 48 : 96;
  const affineLength = 2 * encodedLength;
  return {
    encodedLength,
    affineLength,
    generator: wrap(C.BASE),
    identity: wrap(C.ZERO),
    add: (a, b) => wrap(un(a).add(un(b) as never) as P),
    sub: (a, b) => wrap(un(a).subtract(un(b) as never) as P),
    neg: (a) => wrap(un(a).negate() as P),
    mul: (p, s) => {
      scalarCheck(s);
      const q = un(p);
      if (s === 0n || q.is0()) return wrap(C.ZERO);
      return wrap(q.multiply(s) as P);
    },
    mulPublic: (p, s) => wrap(un(p).multiplyUnsafe(scalarCheck(s)) as P),
    msmPublic: (points, scalars) => {
      if (points.length !== scalars.length) throw new InvalidScalarError('msm length mismatch');
      const ps: P[] = [];
      const ss: bigint[] = [];
      for (let i = 0; i < points.length; i++) {
        const s = scalarCheck(scalars[i]);
        const q = un(points[i]);
        if (s === 0n || q.is0()) continue;
        ps.push(q);
        ss.push(s);
      }
      if (ps.length === 0) return wrap(C.ZERO);
      if (ps.length === 1) return wrap(ps[0].multiplyUnsafe(ss[0]) as P);
      // Pairs through the GLV-split double multiplication, then sums.
      let acc: P | undefined;
      let i = 0;
      for (; i + 1 < ps.length; i += 2) {
        const r = ps[i].mulAddUnsafe(ss[i], ps[i + 1] as never, ss[i + 1]) as P;
        acc = acc ? (acc.add(r as never) as P) : r;
      }
      if (i < ps.length) {
        const r = ps[i].multiplyUnsafe(ss[i]) as P;
        acc = acc ? (acc.add(r as never) as P) : r;
      }
      return wrap(acc as P);
    },
    equals: (a, b) => un(a).equals(un(b) as never),
    isIdentity: (a) => un(a).is0(),
    toBytes: (p) => un(p).toBytes(true),
    fromBytes: (bytes) => {
      if (checkCompressed(group, bytes)) return wrap(C.ZERO);
      let p: P;
      try {
        p = C.fromBytes(bytes);
        p.assertValidity();
      } catch (e) {
        throw new InvalidPointError(group, e instanceof Error ? e.message : 'decode failed');
      }
      return wrap(p);
    },
    affineBytes: (p) => {
      const q = un(p);
      const out = new Uint8Array(affineLength);
      if (q.is0()) {
        out[0] = 0x40;
        return out;
      }
      coords(q).forEach((c, i) => out.set(be48(c), 48 * i));
      return out;
    },
  };
}

/** Create the noble backend (synchronous; no initialisation needed). */
export function nobleBackend(): GroupBackend {
  const g1 = makeOps<P1, G1>('G1', bls12_381.G1.Point, (p) => {
    const a = p.toAffine();
    return [a.x, a.y];
  });
  const g2 = makeOps<P2, G2>('G2', bls12_381.G2.Point, (p) => {
    const a = p.toAffine();
    return [a.x.c0, a.x.c1, a.y.c0, a.y.c1];
  });
  const prepare = (q: P2): Lines => bls12_381.utils.calcPairingPrecomputes(q);
  return {
    name: 'noble',
    g1,
    g2,
    hashToG1: (msg, dst) => bls12_381.G1.hashToCurve(msg, { DST: dst }) as unknown as G1,
    prepareG2: (q) => new NoblePrepared(prepare(q as unknown as P2)) as unknown as PreparedG2,
    pairingProductIsOne: (pairs: readonly PairingInput[]) => {
      const batch: [Lines, bigint, bigint][] = [];
      for (const [p, q] of pairs) {
        const P = p as unknown as P1;
        if (P.is0()) continue;
        let lines: Lines;
        if (q instanceof NoblePrepared) lines = q.lines;
        else {
          const Q = q as unknown as P2;
          if (Q.is0()) continue;
          lines = prepare(Q);
        }
        const a = P.toAffine();
        batch.push([lines, a.x, a.y]);
      }
      return Fp12.eql(Fp12.finalExponentiate(bls12_381.millerLoopBatch(batch)), Fp12.ONE);
    },
  };
}
