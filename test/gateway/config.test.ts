/** The gateway's TOML: free bandwidth is off unless asked for (Nym's `enforce_zk_nyms` inverted). */
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { defaultGatewayToml, gatewayConfigFromToml } from '../../src/gateway/index.js';
import { generateNodeKeys } from '../../src/node/keys.js';

const keys = generateNodeKeys();
const quiet = pino({ level: 'silent' });
const read = (t: ReturnType<typeof defaultGatewayToml>) => gatewayConfigFromToml('/tmp/gw', t, keys, quiet);

describe('gateway config', () => {
  it("grants free bandwidth only when asked, and keeps Nym's session limits", () => {
    const off = read(defaultGatewayToml());
    expect(off.freeBandwidth).toBe(false);
    expect(off).toMatchObject({
      initialMessageTimeoutMs: 10_000,
      handshakeTimeoutMs: 5_000,
      authMaxSkewMs: 120_000,
      pingTimeoutMs: 1_000,
    });
    expect(read(defaultGatewayToml({ freeBandwidth: true })).freeBandwidth).toBe(true);
    // the key's old name is still read
    const legacy = defaultGatewayToml();
    delete (legacy.gateway as Record<string, unknown>).free_bandwidth;
    (legacy.gateway as Record<string, unknown>).localnet_free_bandwidth = true;
    expect(read(legacy).freeBandwidth).toBe(true);
    // a value that is not a boolean is refused, typed
    const bad = defaultGatewayToml();
    (bad.gateway as Record<string, unknown>).free_bandwidth = 'yes';
    expect(() => read(bad)).toThrow(/free_bandwidth/);
  });
});
