/**
 * Bandwidth credential issuance while a nym-api process stops answering: frozen with
 * SIGSTOP right after the deposit (the kernel still accepts its connections; nothing is
 * answered), then killed with SIGKILL right after a deposit. The frozen or killed instance
 * is first in the caller's order, so it is asked first. Issuance must move on with the
 * other instances (threshold t of n) well before the caller's own abort: a hang is a
 * failure, as is a deposit that yields no credential.
 */
import { randomBytes } from 'node:crypto';
import { obtainBandwidthCredential } from '../../src/api-client/index.js';
import { connectSigningClients } from '../../src/chain/index.js';
import { loadBackend } from '../../src/coconut/index.js';
import { spareAccount } from './transfers.js';
import type { Ctx, Scenario } from './scenario.js';

/** The caller's own abort (what the client that hung had). */
const CALLER_ABORT_MS = 60_000;
/** Longer than this is a hang: the per-request timeout (10 s) plus room for the rest. */
const HANG_MS = 30_000;

async function issueWhile(
  ctx: Ctx,
  onDeposit: () => void | Promise<void>,
): Promise<{ ok: boolean; ms: number; error?: string }> {
  const { chain } = ctx.net.info;
  const s = await connectSigningClients({
    rpcUrl: chain.rpc,
    mnemonic: chain.mnemonic,
    accountIndex: spareAccount(ctx, 2),
    contracts: { mixnet: chain.contracts.mixnet, bandwidth: chain.contracts.bandwidth },
    broadcastPollIntervalMs: 100,
  });
  const abort = AbortSignal.timeout(CALLER_ABORT_MS);
  let t0 = 0;
  try {
    await obtainBandwidthCredential({
      bandwidth: s.bandwidth,
      apiUrls: ctx.net.info.nym_apis,
      threshold: ctx.net.info.coconut.threshold,
      amount: 1_000n,
      identityKey: new Uint8Array(randomBytes(32)),
      encryptionKey: new Uint8Array(randomBytes(32)),
      backend: await loadBackend('mcl'),
      signal: abort,
      onDeposit: async () => {
        t0 = performance.now();
        await onDeposit();
      },
    });
    return { ok: true, ms: performance.now() - t0 };
  } catch (err) {
    return { ok: false, ms: t0 ? performance.now() - t0 : 0, error: (err as Error).message };
  } finally {
    s.disconnect();
  }
}

export const apiFrozenDuringIssuance: Scenario = {
  name: 'nym-api frozen (SIGSTOP) and killed (SIGKILL) during issuance',
  async run(ctx) {
    const api = ctx.net.names('api')[0];
    const failures: string[] = [];
    const frozen = await issueWhile(ctx, () => ctx.net.signal(api, 'SIGSTOP'));
    ctx.net.signal(api, 'SIGCONT');
    const killed = await issueWhile(ctx, () => ctx.net.kill9(api));
    await ctx.net.restart(api);
    for (const [what, r] of [
      ['frozen', frozen],
      ['killed', killed],
    ] as const) {
      if (!r.ok) failures.push(`issuance with ${api} ${what}: no credential (${r.error})`);
      else if (r.ms > HANG_MS) failures.push(`issuance with ${api} ${what} took ${Math.round(r.ms)} ms`);
    }
    const done = [frozen, killed].filter((r) => r.ok).length;
    return {
      numbers: {
        issuance_sent: 2,
        issuance_delivered: done,
        issuance_lost: 2 - done,
        issuance_frozen_ms: Math.round(frozen.ms),
        issuance_killed_ms: Math.round(killed.ms),
      },
      failures,
    };
  },
};
