import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { DEFAULT_CONFIG, TRAFFIC_MODES, backoffDelay, resolveConfig } from '../../src/client/config.js';
import { CorruptStateError, InvalidConfigError } from '../../src/client/errors.js';
import { generateKeys, stateFromJson, stateToJson, addressOf } from '../../src/client/identity.js';
import { FileKeyStore } from '../../src/client/node.js';
import { secureRandom } from '../../src/client/crypto.js';
import { recipientToString } from '../../src/client/address.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('client config', () => {
  it("defaults to Nym's traffic parameters", () => {
    const c = resolveConfig();
    expect(c.traffic).toEqual(TRAFFIC_MODES.nym);
    expect(c.traffic.averagePacketDelayMs).toBe(50);
    expect(c.traffic.loopCoverAverageDelayMs).toBe(200);
    expect(c.traffic.messageSendingAverageDelayMs).toBe(20);
    expect(c.topologyRefreshMs).toBe(300_000);
    expect(c.retransmit).toMatchObject({ ackWaitMultiplier: 1.5, ackWaitAdditionMs: 1500 });
    expect(c.packetSize).toBe('regular');
  });

  it('applies named modes and overrides', () => {
    const c = resolveConfig({
      mode: 'localnet',
      traffic: { averagePacketDelayMs: 7 },
      retransmit: { maxRetransmissions: 3 },
    });
    expect(c.traffic.disableLoopCover).toBe(true);
    expect(c.traffic.disableMainPoissonStream).toBe(true);
    expect(c.traffic.averagePacketDelayMs).toBe(7);
    expect(c.retransmit.maxRetransmissions).toBe(3);
    expect(c.retransmit.ackWaitAdditionMs).toBe(DEFAULT_CONFIG.retransmit.ackWaitAdditionMs);
  });

  it.each([
    [{ mode: 'fast' as never }, 'mode'],
    [{ traffic: { averagePacketDelayMs: -1 } }, 'traffic.averagePacketDelayMs'],
    [{ retransmit: { ackWaitMultiplier: Number.NaN } }, 'retransmit.ackWaitMultiplier'],
    [{ topologyRefreshMs: -5 }, 'topologyRefreshMs'],
    [{ traffic: { idleCoverSlowdown: 0.5 } }, 'idleCoverSlowdown'],
    [{ packetSize: 'huge' as never }, 'packetSize'],
  ])('rejects %j with InvalidConfigError', (input, key) => {
    expect(() => resolveConfig(input)).toThrow(InvalidConfigError);
    expect(() => resolveConfig(input)).toThrow(key);
  });

  it('backs off exponentially up to the cap', () => {
    const b = { initialMs: 100, maxMs: 1000, multiplier: 2, maxAttempts: Infinity };
    expect([0, 1, 2, 3, 4, 10].map((n) => backoffDelay(b, n))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });
});

describe('client identity', () => {
  it('round-trips keys and the gateway registration through JSON', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (sharedKey) => {
        const keys = generateKeys(secureRandom);
        const s = { keys, gateway: { gatewayIdentity: 'GW', sharedKey, url: 'ws://x' } };
        expect(stateFromJson(JSON.parse(JSON.stringify(stateToJson(s))), 'mem')).toEqual(s);
      }),
      { numRuns: 10 },
    );
  });

  it('derives the address from its keys and the gateway', () => {
    const keys = generateKeys(secureRandom);
    const gw = secureRandom(32);
    const r = addressOf(keys, gw);
    expect(r.identity).toEqual(keys.identityPublic);
    expect(r.encryptionKey).toEqual(keys.encryptionPublic);
    expect(recipientToString(r).split('@')).toHaveLength(2);
  });

  it.each([
    [null, 'not an object'],
    [{}, 'identitySecret missing'],
    [{ identitySecret: '0OIl', encryptionSecret: 'x', ackKey: 'y' }, 'not base58'],
    [{ identitySecret: '2', encryptionSecret: '2', ackKey: '2' }, 'must be 32 bytes'],
  ])('rejects corrupt state %j', (j, why) => {
    expect(() => stateFromJson(j, 'f')).toThrow(CorruptStateError);
    expect(() => stateFromJson(j, 'f')).toThrow(why);
  });

  it('keeps keys in a 0600 file in the home and reports a corrupt one', async () => {
    const home = mkdtempSync(join(tmpdir(), 'nymph-client-keys-'));
    dirs.push(home);
    const store = new FileKeyStore(home);
    expect(await store.load()).toBeUndefined();
    const keys = generateKeys(secureRandom);
    await store.save({ keys });
    expect((statSync(store.path).mode & 0o777).toString(8)).toBe('600');
    expect((await new FileKeyStore(home).load())?.keys).toEqual(keys);
    writeFileSync(store.path, '{oops');
    await expect(store.load()).rejects.toBeInstanceOf(CorruptStateError);
  });
});
