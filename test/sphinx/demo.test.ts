import { describe, expect, it } from 'vitest';
import { runSphinxDemo } from '../../src/sphinx/demo.js';
import { backends, random } from './helpers.js';

describe.each(backends.map((b) => [b.name, b] as const))('sphinx demo, %s backend', (_n, backend) => {
  it('delivers the message through 4 hops and the SURB reply back', () => {
    const lines: string[] = [];
    const r = runSphinxDemo({ random, log: (l) => lines.push(l), message: 'demo message', backend });
    expect(r).toEqual({ delivered: 'demo message', reply: 'Reply received, thanks!' });
    expect(lines.filter((l) => l.includes('forward ->')).length).toBe(6);
  });
});
