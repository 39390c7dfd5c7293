import { describe, expect, it } from 'vitest';
import { ReceivedBuffer, type ReceivedMessage } from '../../src/client/received-buffer.js';

const msg = (i: number): ReceivedMessage => ({ message: Uint8Array.of(i), kind: 'plain' });

describe('received buffer', () => {
  it('holds messages while nobody listens and gives them to the first listener, in order', () => {
    const b = new ReceivedBuffer();
    b.deliver(msg(1));
    b.deliver(msg(2));
    expect(b.held).toBe(2);
    const got: number[] = [];
    const off = b.subscribe((m) => got.push(m.message[0]));
    expect(got).toEqual([1, 2]);
    expect(b.held).toBe(0);
    b.deliver(msg(3));
    expect(got).toEqual([1, 2, 3]);
    off();
    b.deliver(msg(4)); // held again for the next listener
    expect(b.held).toBe(1);
  });

  it('hands every message to every listener; a throwing listener does not stop the others', () => {
    const b = new ReceivedBuffer();
    const seen: string[] = [];
    b.subscribe(() => {
      throw new Error('app bug');
    });
    b.subscribe((m) => seen.push(`b${m.message[0]}`));
    b.deliver(msg(7));
    expect(seen).toEqual(['b7']);
  });

  it('holds at most its capacity and drops the rest', () => {
    const warnings: string[] = [];
    const log = {
      debug() {},
      info() {},
      error() {},
      warn: (_o: object, m?: string) => warnings.push(m ?? ''),
    };
    const b = new ReceivedBuffer(log, 3);
    for (let i = 0; i < 5; i++) b.deliver(msg(i));
    expect(b.held).toBe(3);
    expect(warnings).toHaveLength(2);
    const got: number[] = [];
    b.subscribe((m) => got.push(m.message[0]));
    expect(got).toEqual([0, 1, 2]);
  });
});
