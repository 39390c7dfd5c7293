/** The localnet's DKG options: the threshold is the contract's unless the trusted dealer deals. */
import { describe, expect, it } from 'vitest';
import { applyDkgThreshold, DEFAULT_LAYOUT, validateLayout } from '../../localnet/network/plan.js';
import { LocalnetOptionError } from '../../localnet/network/errors.js';

describe('localnet layout with the DKG', () => {
  it('runs the DKG by default, whose threshold is ⌈2n/3⌉ of the nym-apis', () => {
    expect(DEFAULT_LAYOUT.trustedDealer).toBe(false);
    expect(applyDkgThreshold({ ...DEFAULT_LAYOUT }).threshold).toBe(2);
    expect(applyDkgThreshold({ ...DEFAULT_LAYOUT, apis: 5 }).threshold).toBe(4);
    expect(applyDkgThreshold({ ...DEFAULT_LAYOUT, apis: 5 }, 4).threshold).toBe(4);
    expect(() => applyDkgThreshold({ ...DEFAULT_LAYOUT, apis: 5 }, 2)).toThrow(LocalnetOptionError);
    expect(() => applyDkgThreshold({ ...DEFAULT_LAYOUT, apis: 5 }, 2)).toThrow(/--trusted-dealer/);
  });

  it('keeps any threshold with --trusted-dealer', () => {
    const l = applyDkgThreshold({ ...DEFAULT_LAYOUT, apis: 5, threshold: 2, trustedDealer: true }, 2);
    expect(validateLayout(l).threshold).toBe(2);
  });
});
