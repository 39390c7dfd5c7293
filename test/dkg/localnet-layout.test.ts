/** The localnet's DKG options: the threshold is the contract's unless the trusted dealer deals. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_LAYOUT, validateLayout } from '../../localnet/network/plan.js';
import { LocalnetOptionError } from '../../localnet/network/errors.js';

describe('localnet layout with the DKG', () => {
  it('runs the DKG by default, whose threshold is ⌈2n/3⌉ of the nym-apis', () => {
    expect(DEFAULT_LAYOUT.trustedDealer).toBe(false);
    expect(validateLayout({ ...DEFAULT_LAYOUT }).threshold).toBe(2);
    expect(() => validateLayout({ ...DEFAULT_LAYOUT, apis: 5, threshold: 2 })).toThrow(LocalnetOptionError);
    expect(() => validateLayout({ ...DEFAULT_LAYOUT, apis: 5, threshold: 2 })).toThrow(/--trusted-dealer/);
    expect(validateLayout({ ...DEFAULT_LAYOUT, apis: 5, threshold: 4 }).threshold).toBe(4);
  });

  it('keeps any threshold with --trusted-dealer', () => {
    expect(validateLayout({ ...DEFAULT_LAYOUT, apis: 5, threshold: 2, trustedDealer: true }).threshold).toBe(
      2,
    );
  });
});
