/**
 * The little of bincode 1.x that Nym's query messages use, with Nym's options
 * (common/socks5/requests/src/lib.rs `make_bincode_serializer`: `DefaultOptions::new()
 * .with_big_endian().with_varint_encoding()`, which also rejects trailing bytes):
 *
 *   unsigned integer  < 251: one byte; else 251 ‖ u16 BE, 252 ‖ u32 BE, 253 ‖ u64 BE
 *   bool              0x00 | 0x01
 *   enum variant      its index as a varint u32, then the variant's fields
 *   Option<T>         0x00 | 0x01 ‖ T
 *   String            varint length ‖ UTF-8 bytes
 *   Vec<T>            varint length ‖ T...
 *   struct            its fields in order
 */
import { MalformedBincodeError } from './errors.js';
import { concatBytes, utf8, utf8Strict } from './version.js';

const U16_TAG = 251;
const U32_TAG = 252;
const U64_TAG = 253;

export class BincodeWriter {
  private readonly parts: Uint8Array[] = [];

  varint(v: number | bigint): this {
    const n = BigInt(v);
    if (n < 0n || n >= 1n << 64n) throw new MalformedBincodeError(`varint ${n} out of range`);
    if (n < 251n) this.parts.push(Uint8Array.of(Number(n)));
    else if (n < 1n << 16n) {
      const b = new Uint8Array(3);
      b[0] = U16_TAG;
      new DataView(b.buffer).setUint16(1, Number(n));
      this.parts.push(b);
    } else if (n < 1n << 32n) {
      const b = new Uint8Array(5);
      b[0] = U32_TAG;
      new DataView(b.buffer).setUint32(1, Number(n));
      this.parts.push(b);
    } else {
      const b = new Uint8Array(9);
      b[0] = U64_TAG;
      new DataView(b.buffer).setBigUint64(1, n);
      this.parts.push(b);
    }
    return this;
  }

  bool(v: boolean): this {
    this.parts.push(Uint8Array.of(v ? 1 : 0));
    return this;
  }

  string(s: string): this {
    const b = utf8.encode(s);
    this.varint(b.length);
    this.parts.push(b);
    return this;
  }

  /** Option tag: present or not (the value, if any, follows). */
  option(present: boolean): this {
    this.parts.push(Uint8Array.of(present ? 1 : 0));
    return this;
  }

  bytes(): Uint8Array {
    return concatBytes(...this.parts);
  }
}

export class BincodeReader {
  private off = 0;
  constructor(private readonly b: Uint8Array) {}

  private byte(what: string): number {
    if (this.off >= this.b.length) throw new MalformedBincodeError(`unexpected end reading ${what}`);
    return this.b[this.off++];
  }

  private take(n: number, what: string): Uint8Array {
    if (this.b.length - this.off < n) throw new MalformedBincodeError(`unexpected end reading ${what}`);
    const out = this.b.subarray(this.off, this.off + n);
    this.off += n;
    return out;
  }

  /** A varint that must fit in `max`. */
  varint(what: string, max: bigint = (1n << 64n) - 1n): bigint {
    const tag = this.byte(what);
    let v: bigint;
    if (tag < 251) v = BigInt(tag);
    else if (tag === U16_TAG) v = BigInt(new DataView(this.take(2, what).slice().buffer).getUint16(0));
    else if (tag === U32_TAG) v = BigInt(new DataView(this.take(4, what).slice().buffer).getUint32(0));
    else if (tag === U64_TAG) v = new DataView(this.take(8, what).slice().buffer).getBigUint64(0);
    else throw new MalformedBincodeError(`invalid varint tag ${tag} in ${what}`);
    if (v > max) throw new MalformedBincodeError(`${what} ${v} exceeds ${max}`);
    return v;
  }

  u16(what: string): number {
    return Number(this.varint(what, 0xffffn));
  }

  /** An enum's variant index. */
  variant(what: string): number {
    return Number(this.varint(`${what} variant`, 0xffff_ffffn));
  }

  bool(what: string): boolean {
    const b = this.byte(what);
    if (b > 1) throw new MalformedBincodeError(`invalid bool ${b} in ${what}`);
    return b === 1;
  }

  option(what: string): boolean {
    const b = this.byte(what);
    if (b > 1) throw new MalformedBincodeError(`invalid Option tag ${b} in ${what}`);
    return b === 1;
  }

  string(what: string): string {
    const len = this.varint(`${what} length`);
    if (len > BigInt(this.b.length - this.off))
      throw new MalformedBincodeError(`unexpected end reading ${what}`);
    try {
      return utf8Strict.decode(this.take(Number(len), what));
    } catch {
      throw new MalformedBincodeError(`${what} is not valid UTF-8`);
    }
  }

  /** A sequence length, bounded by the bytes left (every element takes at least one). */
  length(what: string): number {
    const n = this.varint(`${what} length`);
    if (n > BigInt(this.b.length - this.off))
      throw new MalformedBincodeError(`${what} length ${n} exceeds the input`);
    return Number(n);
  }

  /** Nym's options reject trailing bytes. */
  end(what: string): void {
    if (this.off !== this.b.length)
      throw new MalformedBincodeError(`${this.b.length - this.off} trailing bytes after ${what}`);
  }
}
