/**
 * The narrow group interface the Coconut scheme is written against, and the factories
 * that load a backend. Points are opaque branded types: only the backend that made a point
 * can operate on it. Scalars are bigints in [0, r) (see fr.ts), shared by all backends.
 */
import { BackendError } from './errors.js';

declare const g1Brand: unique symbol;
declare const g2Brand: unique symbol;
declare const preparedBrand: unique symbol;
/** A point of G1 (opaque; owned by one backend). */
export type G1 = { readonly [g1Brand]: true };
/** A point of G2 (opaque; owned by one backend). */
export type G2 = { readonly [g2Brand]: true };
/** A G2 point with its Miller-loop lines precomputed, for fixed G2 inputs of pairings. */
export type PreparedG2 = { readonly [preparedBrand]: true };

/** Operations on one group (G1 or G2). */
export interface GroupOps<P> {
  /** Compressed encoding length: 48 (G1) or 96 (G2). */
  readonly encodedLength: number;
  /** Uncompressed affine encoding length, used in challenge transcripts: 96 or 192. */
  readonly affineLength: number;
  readonly generator: P;
  readonly identity: P;
  add(a: P, b: P): P;
  sub(a: P, b: P): P;
  neg(a: P): P;
  /** Constant-time multiplication: use for secret scalars. */
  mul(p: P, s: bigint): P;
  /** Variable-time multiplication: public scalars only. */
  mulPublic(p: P, s: bigint): P;
  /** Variable-time multi-scalar multiplication Σ sᵢ·Pᵢ: public scalars only. */
  msmPublic(points: readonly P[], scalars: readonly bigint[]): P;
  equals(a: P, b: P): boolean;
  isIdentity(a: P): boolean;
  /** Compressed ZCash/IETF encoding (flags in the top bits of the first byte). */
  toBytes(p: P): Uint8Array;
  /**
   * Decode a compressed encoding; rejects wrong lengths, bad flags, non-canonical
   * coordinates, off-curve and off-subgroup points with typed errors. The identity
   * decodes (callers that must not see it check {@link GroupOps.isIdentity}).
   */
  fromBytes(bytes: Uint8Array): P;
  /**
   * Uncompressed affine coordinates, big-endian, no validity checks (the points were
   * validated when decoded or made by us). Identity: 0x40 then zeros. G2 coordinates
   * are laid out c0 ‖ c1 for x, then for y.
   */
  affineBytes(p: P): Uint8Array;
}

/** One pairing input: a G1 point with a G2 point or a prepared G2 point. */
export type PairingInput = readonly [G1, G2 | PreparedG2];

/** A BLS12-381 backend. */
export interface GroupBackend {
  /** 'noble' or 'mcl'. */
  readonly name: BackendName;
  readonly g1: GroupOps<G1>;
  readonly g2: GroupOps<G2>;
  /** RFC 9380 hash_to_curve to G1 (SSWU, XMD:SHA-256, random oracle) with a domain tag. */
  hashToG1(msg: Uint8Array, dst: string): G1;
  /** Precompute the Miller-loop lines of a fixed G2 point. */
  prepareG2(q: G2): PreparedG2;
  /** Whether ∏ e(Pᵢ, Qᵢ) = 1, with one shared final exponentiation. */
  pairingProductIsOne(pairs: readonly PairingInput[]): boolean;
}

/** Names of the available backends. */
export type BackendName = 'noble' | 'mcl';

/** Backend names in the order of preference for servers (fast first). */
export const BACKEND_NAMES: readonly BackendName[] = ['noble', 'mcl'];

const loaded = new Map<BackendName, GroupBackend>();

/**
 * Load (once) and return a backend. `noble` is pure JavaScript and runs everywhere
 * (the default, and the browser's); `mcl` is WebAssembly and needs asynchronous
 * initialisation, done here.
 */
export async function loadBackend(name: BackendName = 'noble'): Promise<GroupBackend> {
  const have = loaded.get(name);
  if (have) return have;
  let backend: GroupBackend;
  if (name === 'noble') {
    backend = (await import('./backend-noble.js')).nobleBackend();
  } else if (name === 'mcl') {
    backend = await (await import('./backend-mcl.js')).createMclBackend();
  } else {
    throw new BackendError(String(name), 'unknown backend');
  }
  loaded.set(name, backend);
  return backend;
}

/**
 * Return an already-loaded backend synchronously. `noble` needs no loading only after
 * {@link loadBackend} was awaited once; for `mcl` that is mandatory.
 */
export function getBackend(name: BackendName = 'noble'): GroupBackend {
  const have = loaded.get(name);
  if (!have) throw new BackendError(name, 'not loaded: await loadBackend(name) first');
  return have;
}
