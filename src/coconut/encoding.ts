/**
 * Byte and base58 encodings of every coconut object that crosses the network.
 * Points are compressed (G1 48 bytes, G2 96 bytes), scalars 32 bytes big-endian and
 * canonical, counts u64 little-endian (as Nym's crate). Decoding checks lengths, counts
 * (at most MAX_ATTRIBUTES), curve and subgroup membership, rejects the identity point
 * and trailing bytes, and throws only {@link CoconutError} subclasses.
 *
 * Layouts (k = number of private attributes, n = number of attributes):
 *   SecretKey          x(32) ‖ n(8) ‖ y[n](32 each)
 *   VerificationKey    α(96) ‖ n(8) ‖ β_G1[n](48 each) ‖ β_G2[n](96 each)
 *   BlindSignRequest   cm(48) ‖ h(48) ‖ k(8) ‖ c[k](48 each) ‖ challenge(32) ‖ r_r(32)
 *                      ‖ r_o[k](32 each) ‖ r_m[k](32 each)
 *   BlindedSignature   h(48) ‖ c(48)
 *   Signature          h(48) ‖ s(48)
 *   Share<T>           index(8) ‖ T
 *   Theta              κ(96) ‖ ζ(96) ‖ h'(48) ‖ s'(48) ‖ challenge(32) ‖ r_t(32) ‖ k(8)
 *                      ‖ r_m[k](32 each)
 *   Scalars            n(8) ‖ s[n](32 each)
 */
import { base58 } from '@scure/base';
import type { G1, G2, GroupBackend } from './backend.js';
import { CoconutError, InvalidLengthError, InvalidPointError, MalformedEncodingError } from './errors.js';
import * as fr from './fr.js';
import {
  MAX_ATTRIBUTES,
  MAX_AUTHORITIES,
  type BlindSignRequest,
  type BlindedSignature,
  type SecretKey,
  type Share,
  type Signature,
  type Theta,
  type VerificationKey,
} from './scheme.js';

/** Encoder/decoder pair for one object type, in bytes and in base58. */
export interface Codec<T> {
  /** Name used in error messages. */
  readonly name: string;
  encode(value: T): Uint8Array;
  /** Decode and validate; throws {@link CoconutError} subclasses only. */
  decode(backend: GroupBackend, bytes: Uint8Array): T;
  toBase58(value: T): string;
  /** Decode base58 then bytes; throws {@link CoconutError} subclasses only. */
  fromBase58(backend: GroupBackend, text: string): T;
}

class Writer {
  private parts: Uint8Array[] = [];
  bytes(b: Uint8Array): this {
    this.parts.push(b);
    return this;
  }
  u64(n: number): this {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt(n), true);
    return this.bytes(b);
  }
  scalar(s: bigint): this {
    return this.bytes(fr.toBytes(s));
  }
  finish(): Uint8Array {
    const out = new Uint8Array(this.parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of this.parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }
}

class Reader {
  private o = 0;
  constructor(
    private readonly what: string,
    private readonly b: Uint8Array,
    private readonly backend: GroupBackend,
  ) {}
  take(n: number): Uint8Array {
    if (this.o + n > this.b.length) {
      throw new InvalidLengthError(this.what, `at least ${this.o + n}`, this.b.length);
    }
    const out = this.b.subarray(this.o, this.o + n);
    this.o += n;
    return out;
  }
  u64(max: number, field: string): number {
    const b = this.take(8);
    const v = new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true);
    if (v > BigInt(max)) throw new MalformedEncodingError(this.what, `${field} ${v} exceeds ${max}`);
    return Number(v);
  }
  count(field: string): number {
    const n = this.u64(MAX_ATTRIBUTES, field);
    if (n < 1) throw new MalformedEncodingError(this.what, `${field} is zero`);
    return n;
  }
  scalar(): bigint {
    return fr.fromBytes(this.take(fr.SCALAR_LENGTH));
  }
  scalars(n: number): bigint[] {
    return Array.from({ length: n }, () => this.scalar());
  }
  g1(): G1 {
    const p = this.backend.g1.fromBytes(this.take(48));
    if (this.backend.g1.isIdentity(p)) throw new InvalidPointError('G1', 'identity not allowed');
    return p;
  }
  g2(): G2 {
    const p = this.backend.g2.fromBytes(this.take(96));
    if (this.backend.g2.isIdentity(p)) throw new InvalidPointError('G2', 'identity not allowed');
    return p;
  }
  end(): void {
    if (this.o !== this.b.length) {
      throw new MalformedEncodingError(this.what, `${this.b.length - this.o} trailing bytes`);
    }
  }
}

function codec<T>(name: string, write: (w: Writer, v: T) => void, read: (r: Reader) => T): Codec<T> {
  const self: Codec<T> = {
    name,
    encode(value) {
      const w = new Writer();
      write(w, value);
      return w.finish();
    },
    decode(backend, bytes) {
      if (!(bytes instanceof Uint8Array)) throw new MalformedEncodingError(name, 'not a byte array');
      const r = new Reader(name, bytes, backend);
      const v = read(r);
      r.end();
      return v;
    },
    toBase58: (value) => base58.encode(self.encode(value)),
    fromBase58(backend, text) {
      if (typeof text !== 'string') throw new MalformedEncodingError(name, 'not a string');
      let bytes: Uint8Array;
      try {
        bytes = base58.decode(text);
      } catch (e) {
        if (e instanceof CoconutError) throw e;
        throw new MalformedEncodingError(name, 'invalid base58');
      }
      return self.decode(backend, bytes);
    },
  };
  return self;
}

/** Points are opaque, so encoding needs the backend that owns them. */
type PointBytes = { g1(p: G1): Uint8Array; g2(p: G2): Uint8Array };

function makeCodecs(pb: PointBytes) {
  const writeVk = (w: Writer, vk: VerificationKey): void => {
    if (vk.betaG1.length !== vk.betaG2.length) {
      throw new MalformedEncodingError('verification key', 'betaG1 and betaG2 lengths differ');
    }
    w.bytes(pb.g2(vk.alpha)).u64(vk.betaG1.length);
    vk.betaG1.forEach((b) => w.bytes(pb.g1(b)));
    vk.betaG2.forEach((b) => w.bytes(pb.g2(b)));
  };
  const readVk = (r: Reader): VerificationKey => {
    const alpha = r.g2();
    const n = r.count('attribute count');
    const betaG1 = Array.from({ length: n }, () => r.g1());
    const betaG2 = Array.from({ length: n }, () => r.g2());
    return { alpha, betaG1, betaG2 };
  };
  const writeSig = (w: Writer, s: Signature): void => void w.bytes(pb.g1(s.h)).bytes(pb.g1(s.s));
  const readSig = (r: Reader): Signature => ({ h: r.g1(), s: r.g1() });
  const index = (r: Reader): number => {
    const i = r.u64(MAX_AUTHORITIES, 'share index');
    if (i < 1) throw new MalformedEncodingError('share', 'index 0');
    return i;
  };
  return { writeVk, readVk, writeSig, readSig, index };
}

/**
 * Build the codecs for one backend (point encoding is backend-specific; the bytes are
 * identical across backends). Prefer {@link codecsFor}, which caches per backend.
 */
function buildCodecs(backend: GroupBackend) {
  const pb: PointBytes = { g1: (p) => backend.g1.toBytes(p), g2: (p) => backend.g2.toBytes(p) };
  const { writeVk, readVk, writeSig, readSig, index } = makeCodecs(pb);
  return {
    secretKey: codec<SecretKey>(
      'secret key',
      (w, sk) => {
        w.scalar(sk.x).u64(sk.ys.length);
        sk.ys.forEach((y) => w.scalar(y));
      },
      (r) => {
        const x = r.scalar();
        const n = r.count('attribute count');
        return { x, ys: r.scalars(n) };
      },
    ),
    verificationKey: codec<VerificationKey>('verification key', writeVk, readVk),
    verificationKeyShare: codec<Share<VerificationKey>>(
      'verification key share',
      (w, s) => writeVk(w.u64(s.index), s.value),
      (r) => ({ index: index(r), value: readVk(r) }),
    ),
    blindSignRequest: codec<BlindSignRequest>(
      'blind sign request',
      (w, q) => {
        const k = q.privateAttributeCommitments.length;
        if (q.proof.responseOpenings.length !== k || q.proof.responseAttributes.length !== k) {
          throw new MalformedEncodingError('blind sign request', 'proof and commitments lengths differ');
        }
        w.bytes(pb.g1(q.commitment)).bytes(pb.g1(q.commitmentHash)).u64(k);
        q.privateAttributeCommitments.forEach((c) => w.bytes(pb.g1(c)));
        w.scalar(q.proof.challenge).scalar(q.proof.responseOpening);
        q.proof.responseOpenings.forEach((s) => w.scalar(s));
        q.proof.responseAttributes.forEach((s) => w.scalar(s));
      },
      (r) => {
        const commitment = r.g1();
        const commitmentHash = r.g1();
        const k = r.count('private attribute count');
        const privateAttributeCommitments = Array.from({ length: k }, () => r.g1());
        const challenge = r.scalar();
        const responseOpening = r.scalar();
        const responseOpenings = r.scalars(k);
        const responseAttributes = r.scalars(k);
        return {
          commitment,
          commitmentHash,
          privateAttributeCommitments,
          proof: { challenge, responseOpening, responseOpenings, responseAttributes },
        };
      },
    ),
    blindedSignature: codec<BlindedSignature>(
      'blinded signature',
      (w, s) => void w.bytes(pb.g1(s.h)).bytes(pb.g1(s.c)),
      (r) => ({ h: r.g1(), c: r.g1() }),
    ),
    blindedSignatureShare: codec<Share<BlindedSignature>>(
      'blinded signature share',
      (w, s) => void w.u64(s.index).bytes(pb.g1(s.value.h)).bytes(pb.g1(s.value.c)),
      (r) => ({ index: index(r), value: { h: r.g1(), c: r.g1() } }),
    ),
    signature: codec<Signature>('signature', writeSig, readSig),
    signatureShare: codec<Share<Signature>>(
      'signature share',
      (w, s) => writeSig(w.u64(s.index), s.value),
      (r) => ({ index: index(r), value: readSig(r) }),
    ),
    theta: codec<Theta>(
      'theta',
      (w, t) => {
        w.bytes(pb.g2(t.blindedMessage)).bytes(pb.g2(t.blindedSerialNumber));
        writeSig(w, t.credential);
        w.scalar(t.proof.challenge).scalar(t.proof.responseBlinder).u64(t.proof.responseAttributes.length);
        t.proof.responseAttributes.forEach((s) => w.scalar(s));
      },
      (r) => {
        const blindedMessage = r.g2();
        const blindedSerialNumber = r.g2();
        const credential = readSig(r);
        const challenge = r.scalar();
        const responseBlinder = r.scalar();
        const k = r.count('private attribute count');
        return {
          blindedMessage,
          blindedSerialNumber,
          credential,
          proof: { challenge, responseBlinder, responseAttributes: r.scalars(k) },
        };
      },
    ),
    scalars: codec<readonly bigint[]>(
      'scalars',
      (w, xs) => {
        w.u64(xs.length);
        xs.forEach((x) => w.scalar(x));
      },
      (r) => r.scalars(r.u64(MAX_ATTRIBUTES, 'scalar count')),
    ),
    /** A single G2 point, e.g. zeta, the blinded serial number a gateway spends. */
    g2Point: codec<G2>(
      'G2 point',
      (w, p) => void w.bytes(pb.g2(p)),
      (r) => r.g2(),
    ),
  };
}

/** All codecs of one backend. */
export type Codecs = ReturnType<typeof buildCodecs>;

const cache = new WeakMap<GroupBackend, Codecs>();

/**
 * The codecs for a backend. Byte output is identical for every backend; decoding yields
 * that backend's points.
 */
export function codecsFor(backend: GroupBackend): Codecs {
  let c = cache.get(backend);
  if (!c) {
    c = buildCodecs(backend);
    cache.set(backend, c);
  }
  return c;
}

/** Base58 (Bitcoin alphabet, as Nym) of raw bytes. */
export function bytesToBase58(bytes: Uint8Array): string {
  return base58.encode(bytes);
}

/** Decode base58 text; throws {@link MalformedEncodingError}. */
export function base58ToBytes(text: string): Uint8Array {
  try {
    return base58.decode(text);
  } catch {
    throw new MalformedEncodingError('base58', 'invalid base58');
  }
}
