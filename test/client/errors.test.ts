import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as errors from '../../src/client/errors.js';
import { TopologyUnavailableError } from '../../src/client/topology-source.js';
import { StorageError } from '../../src/sdk/indexeddb.js';
import { WsApiError, ErrorKind } from '../../src/client/ws-api/codec.js';

type AnyErrorClass = new (...a: unknown[]) => errors.ClientError;
const classes = (Object.values(errors) as unknown[]).filter(
  (v): v is AnyErrorClass => typeof v === 'function' && v.prototype instanceof errors.ClientError,
);

describe('client errors', () => {
  it('one class per condition, each with its own stable code', () => {
    const all = [
      ...classes.map((C) => new C('x', 'y', 'z')),
      new TopologyUnavailableError(['a']),
      new StorageError('open'),
      new WsApiError(ErrorKind.MalformedRequest, 'bad'),
    ];
    expect(all.length).toBeGreaterThan(15);
    const codes = all.map((e) => e.code);
    for (const e of all) {
      expect(e).toBeInstanceOf(errors.ClientError);
      expect(e.code).toMatch(/^[a-z_]+$/);
      expect(e.code).not.toBe('client');
      expect(e.name).toBe(e.constructor.name);
      expect(errors.errorCode(e)).toBe(e.code);
    }
    expect(new Set(codes).size).toBe(codes.length);
  });

  it('reads the code of any error that has one, and none of anything else', () => {
    expect(errors.errorCode(Object.assign(new Error('x'), { code: 'unknown_client' }))).toBe(
      'unknown_client',
    );
    expect(errors.errorCode(new Error('unknown_client'))).toBeUndefined();
    expect(errors.errorCode(undefined)).toBeUndefined();
    expect(errors.errorCode({ code: 7 })).toBeUndefined();
  });

  it('no code in the client room branches on an error message text', () => {
    const files: string[] = [];
    const walk = (d: string) => {
      for (const f of readdirSync(d)) {
        const p = join(d, f);
        if (statSync(p).isDirectory()) walk(p);
        else if (p.endsWith('.ts')) files.push(p);
      }
    };
    walk('src/client');
    walk('src/sdk');
    const textMatch =
      /\b(e|err|error|cause)\.message\s*(===|!==|==|\.includes|\.startsWith|\.endsWith|\.match)|\.test\(\s*\(?\s*(e|err|error)\b[^)]*\.message/;
    const offenders = files.filter((f) => textMatch.test(readFileSync(f, 'utf8')));
    expect(offenders).toEqual([]);
  });
});
