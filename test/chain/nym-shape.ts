/**
 * Shape checks typed by Nym's declared response types. `Shape<T>` lists every declared key of
 * `T` (index signatures aside) with the JS type of its value, so tsc refuses a spec that
 * forgets a field of Nym's type, names one it does not have, or expects the wrong kind of
 * value; `expectShape` then checks that a value from the chain has every field, with that
 * JS type. Optional and nullable fields (Rust `Option`) must be present, as Nym's serde
 * writes them, and may be null.
 */
import { expect } from 'vitest';

type KnownKeys<T> = keyof {
  [K in keyof T as string extends K ? never : number extends K ? never : K]: T[K];
};

type NonNull<V> = Exclude<V, null | undefined>;

type Scalar<V> = V extends string
  ? 'string'
  : V extends number
    ? 'number'
    : V extends boolean
      ? 'boolean'
      : never;

type Strict<V> = V extends readonly [infer A, infer B]
  ? { tuple: [Field<A>, Field<B>] }
  : V extends readonly (infer E)[]
    ? { array: Field<E> }
    : V extends string | number | boolean
      ? Scalar<V>
      : V extends object
        ? Shape<V>
        : never;

export type Field<V> = [V] extends [NonNull<V>] ? Strict<V> : { nullable: Strict<NonNull<V>> };

export type Shape<T> = { [K in KnownKeys<T>]-?: Field<T[K]> };

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function expectShape(value: unknown, spec: unknown, path = '$'): void {
  if (spec === 'string' || spec === 'number' || spec === 'boolean') {
    expect(typeof value, `${path} is a ${spec}`).toBe(spec);
    return;
  }
  if (!isRecord(spec)) throw new Error(`bad spec at ${path}`);
  if ('nullable' in spec) {
    if (value !== null) expectShape(value, spec.nullable, path);
    return;
  }
  if ('array' in spec) {
    expect(Array.isArray(value), `${path} is an array`).toBe(true);
    (value as unknown[]).forEach((e, i) => expectShape(e, spec.array, `${path}[${i}]`));
    return;
  }
  if ('tuple' in spec) {
    const parts = spec.tuple as unknown[];
    expect(Array.isArray(value) && value.length === parts.length, `${path} is a ${parts.length}-tuple`).toBe(
      true,
    );
    parts.forEach((p, i) => expectShape((value as unknown[])[i], p, `${path}[${i}]`));
    return;
  }
  expect(isRecord(value), `${path} is an object`).toBe(true);
  const obj = value as Record<string, unknown>;
  for (const [key, sub] of Object.entries(spec)) {
    expect(key in obj, `${path}.${key} is present`).toBe(true);
    expectShape(obj[key], sub, `${path}.${key}`);
  }
}
