import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalNet, receive, type LocalNet } from './harness.js';

// a gateway that wants Coconut credentials, issued by 2 of 3 nym-apis
let net: LocalNet;
beforeAll(async () => {
  net = await startLocalNet({ credentials: { count: 3, threshold: 2 } });
}, 90_000);
afterAll(async () => {
  await net?.close();
});

describe('bandwidth credentials', () => {
  it('deposits, obtains a credential from t nym-apis, shows it, and tops up when low', async () => {
    // 40 units = 40 KiB: about 16 packets per credential, so 30 messages need several
    const a = await net.client({ credentialAmount: 40, config: { bandwidthLowWatermark: 8 * 1024 } });
    expect(a.core.stats.credentials).toBe(1); // shown at connection: a new client has nothing
    const sends = [];
    for (let i = 0; i < 30; i++) sends.push(a.send(a.address, `paid ${i}`));
    const got = await receive(a, 30, 60_000);
    await Promise.all(sends);
    expect(new Set(got.map((m) => m.text())).size).toBe(30);
    expect(a.core.stats.credentials).toBeGreaterThanOrEqual(2);
    expect(a.core.stats.failed).toBe(0);
  }, 90_000);
});
