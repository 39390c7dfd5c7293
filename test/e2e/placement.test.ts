/** The placement file of `nymph localnet up --placement`: parsing and every rejection. */
import { describe, expect, it } from 'vitest';
import { parsePlacement } from '../../localnet/network/placement.js';
import { LocalnetConfigError } from '../../localnet/network/errors.js';

describe('placement TOML', () => {
  it('places tables on every node of a role and arrays node by node, wrapping around', () => {
    const place = parsePlacement(
      'p.toml',
      `[chain]\nhost = "10.9.0.10"\nwrap = ["ip", "netns", "exec", "c"]\n` +
        `[[mixnode]]\nhost = "10.9.0.21"\n[[mixnode]]\nhost = "10.9.0.22"\n`,
    );
    expect(place('chain', 0)).toEqual({ host: '10.9.0.10', wrap: ['ip', 'netns', 'exec', 'c'] });
    expect([0, 1, 2, 3].map((i) => place('mixnode', i)?.host)).toEqual([
      '10.9.0.21',
      '10.9.0.22',
      '10.9.0.21',
      '10.9.0.22',
    ]);
    expect(place('gateway', 0)).toBeUndefined();
    expect(place('api', 2)).toBeUndefined();
  });

  it.each([
    ['not TOML', '[chain'],
    ['an unknown role', '[validator]\nhost = "10.0.0.1"'],
    ['a missing host', '[chain]\nwrap = []'],
    ['a host that is not a string', '[chain]\nhost = 5'],
    ['a wrap that is not a list of strings', '[chain]\nhost = "a"\nwrap = "ssh"'],
    ['an unknown key', '[chain]\nhost = "a"\nport = 1'],
    ['a role that is not a table', 'chain = 1'],
  ])('rejects %s with LocalnetConfigError', (_what, text) => {
    expect(() => parsePlacement('p.toml', text)).toThrow(LocalnetConfigError);
  });
});
