import { randomBytes } from 'node:crypto';
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

/** Signing clients of the test mnemonic's account `fromEnd` places before its last (ones the harness leaves alone). */
async function spareSigner(fromEnd: number) {
  const { connectSigningClients } = await import('../../src/chain/index.js');
  const info = net.chain.chainInfo;
  return connectSigningClients({
    rpcUrl: net.chain.rpcUrl,
    mnemonic: info.mnemonic,
    accountIndex: info.accounts.length - 1 - fromEnd,
    contracts: info.contracts as { mixnet: string; bandwidth: string },
    broadcastPollIntervalMs: 25,
  });
}

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

describe('credential source', () => {
  it('prefetches one deposit, keeps the credential on disk until a gateway took it', async () => {
    const { coconutCredentialSource } = await import('../../src/client/bandwidth.js');
    const { generateKeys } = await import('../../src/client/identity.js');
    const rng = (n: number) => new Uint8Array(randomBytes(n));
    const { existsSync, readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const signer = await spareSigner(0);
    try {
      const storePath = join(net.home('credential-store'), 'credentials.json');
      const issued: { deposit: string; signers: number[] }[] = [];
      const options = {
        apiUrls: net.apis.map((a) => a.url),
        threshold: 2,
        bandwidth: signer.bandwidth,
        amount: 5,
        storePath,
        logger: { info: (o: object) => issued.push(o as { deposit: string; signers: number[] }) },
      };
      const source = coconutCredentialSource(options);
      source.prefetch();
      source.prefetch(); // one deposit in flight at a time
      const first = await source.next(generateKeys(rng));
      expect(issued).toHaveLength(1);
      expect(issued[0].signers).toHaveLength(2);
      expect(issued[0].deposit).toMatch(/^[0-9A-F]{64}$/);
      // stored before use: a restart before the gateway accepts it still has it
      expect(JSON.parse(readFileSync(storePath, 'utf8'))).toHaveLength(1);
      const again = await coconutCredentialSource(options).next(generateKeys(rng));
      expect(issued).toHaveLength(1); // no second deposit
      expect(again.payload).not.toEqual(first.payload); // a fresh, unlinkable showing
      first.spent();
      expect(existsSync(storePath) && JSON.parse(readFileSync(storePath, 'utf8'))).toEqual([]);
    } finally {
      signer.disconnect();
    }
  }, 60_000);

  it('gives up with NotEnoughSharesError after its retries when too few nym-apis answer', async () => {
    const { coconutCredentialSource } = await import('../../src/client/bandwidth.js');
    const { generateKeys } = await import('../../src/client/identity.js');
    const { NotEnoughSharesError } = await import('../../src/api-client/index.js');
    const rng = (n: number) => new Uint8Array(randomBytes(n));
    const signer = await spareSigner(1);
    try {
      const source = coconutCredentialSource({
        apiUrls: [net.apis[0].url, 'http://127.0.0.1:1', 'http://127.0.0.1:2'],
        threshold: 2,
        bandwidth: signer.bandwidth,
        amount: 5,
        sharesRetry: { attempts: 3, delayMs: 20 },
      });
      const before = await signer.client.getBalance(signer.address, 'unym');
      const t0 = performance.now();
      await expect(source.next(generateKeys(rng))).rejects.toBeInstanceOf(NotEnoughSharesError);
      expect(performance.now() - t0).toBeGreaterThanOrEqual(3 * 20);
      // no deposit was made, no fee paid: the key shares are fetched before any deposit
      expect(await signer.client.getBalance(signer.address, 'unym')).toEqual(before);
    } finally {
      signer.disconnect();
    }
  }, 60_000);
});

describe('an SDK client with no way to get bandwidth: NoBandwidthError, not a wait', () => {
  it('a gateway that refuses free bandwidth fails connect at once when no credential source is given', async () => {
    const { connect, NoBandwidthError } = await import('../../src/sdk/index.js');
    const { nymApiTopologySource } = await import('../../src/client/topology-source.js');
    const t0 = performance.now();
    const err = await connect({
      topology: nymApiTopologySource([net.apiUrl]),
      config: { mode: 'localnet' },
      signal: AbortSignal.timeout(20_000),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NoBandwidthError);
    expect((err as InstanceType<typeof NoBandwidthError>).code).toBe('no_bandwidth');
    expect((err as Error).message).toMatch(/no free bandwidth and no credential source/);
    expect(performance.now() - t0).toBeLessThan(10_000);
  }, 30_000);

  it('a credential source that fails once the first credential is spent: sends reject with NoBandwidthError and the client stops', async () => {
    const { connect, NoBandwidthError } = await import('../../src/sdk/index.js');
    const { nymApiTopologySource } = await import('../../src/client/topology-source.js');
    const { coconutCredentialSource } = await import('../../src/client/bandwidth.js');
    const { NotEnoughSharesError } = await import('../../src/api-client/index.js');
    const signer = await spareSigner(2);
    // the first credential is real (40 KiB); after it, the nym-apis are out of reach
    const working = coconutCredentialSource({
      apiUrls: net.apis.map((a) => a.url),
      threshold: 2,
      bandwidth: signer.bandwidth,
      amount: 40,
    });
    const unreachable = coconutCredentialSource({
      apiUrls: ['http://127.0.0.1:1', 'http://127.0.0.1:2', 'http://127.0.0.1:3'],
      threshold: 2,
      bandwidth: signer.bandwidth,
      amount: 40,
      sharesRetry: { attempts: 2, delayMs: 20 },
    });
    let issued = 0;
    const c = await connect({
      topology: nymApiTopologySource([net.apiUrl]),
      config: { mode: 'localnet', bandwidthLowWatermark: 8 * 1024 },
      credentials: { next: (keys, signal) => (issued++ === 0 ? working : unreachable).next(keys, signal) },
      signal: AbortSignal.timeout(20_000),
    });
    try {
      const stopped = new Promise<Error>((r) => c.onNoBandwidth(r));
      // ~80 KiB of packets: more than the one credential pays for
      const t0 = performance.now();
      const sends = Array.from({ length: 40 }, (_, i) => c.send(c.address, `unpaid ${i}`.padEnd(1_500, '.')));
      const results = await Promise.allSettled(sends);
      const failed = results
        .filter((r) => r.status === 'rejected')
        .map((r) => (r as PromiseRejectedResult).reason);
      expect(failed.length).toBeGreaterThan(0);
      for (const e of failed) expect(e).toBeInstanceOf(NoBandwidthError);
      expect(performance.now() - t0).toBeLessThan(30_000);
      const e = await stopped;
      expect(e.message).toMatch(/the credential source failed/);
      expect((e as Error & { cause?: unknown }).cause).toBeInstanceOf(NotEnoughSharesError);
      // a send after that fails at once
      await expect(c.send(c.address, 'after')).rejects.toBeInstanceOf(NoBandwidthError);
    } finally {
      await c.disconnect();
      signer.disconnect();
    }
  }, 90_000);
});
