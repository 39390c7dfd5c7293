/**
 * Issuance when a nym-api stalls or fails, and idempotent blind signing (issue 16, items 6
 * and 9), on a real localnet chain with three instances (t = 2): instance 1 runs as its own
 * process (`nymph api run`) that the tests freeze with SIGSTOP (the kernel still accepts
 * its connections and requests; nothing is answered), instances 2 and 3 in-process.
 *
 * The hang of item 9 needed a garbage collection while a request stalled: the request's
 * timeout was an `AbortSignal.timeout` inside `AbortSignal.any`, which Node 20 holds only
 * weakly, so a collection dropped it and the request waited for the caller's own abort.
 * A client under load collects often; here collections are forced (V8's own `gc`, exposed
 * at run time) so that the stall always meets one.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { base58 } from '@scure/base';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BandwidthSigningClient, SigningClients } from '../../src/chain/index.js';
import { BandwidthVoucher, loadBackend, secureRandom, voucherParameters } from '../../src/coconut/index.js';
import type { GroupBackend } from '../../src/coconut/index.js';
import { createNymApi } from '../../src/api/index.js';
import {
  blindSignBody,
  fetchAggregatedVerificationKey,
  InvalidPendingIssuanceError,
  IssuanceIncompleteError,
  obtainBandwidthCredential,
  openShare,
} from '../../src/api-client/index.js';
import type { ObtainedCredential, PendingIssuance } from '../../src/api-client/index.js';
import { postJson, secret, startNet } from './helpers.js';
import type { Net } from './helpers.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const BLIND_SIGN = '/v1/coconut/bandwidth/blind-sign';
const VERIFY = '/v1/coconut/bandwidth/verify-bandwidth-credential';
/** The caller's own abort, as the client that hung had it. */
const CALLER_ABORT_MS = 30_000;
const PER_REQUEST_MS = 3_000;

let net: Net;
let backend: GroupBackend;
let client: SigningClients;
const identity = secret('issuance-identity');
const encryption = secret('issuance-encryption');

beforeAll(async () => {
  net = await startNet({ count: 3, threshold: 2, processes: [1] });
  backend = await loadBackend('mcl');
  client = await net.signer(1);
}, 90_000);
afterAll(async () => {
  for (const p of net?.processes ?? []) p.thaw();
  await net?.close();
});

/** The depositing client, with `after` run once the deposit is on chain. */
function depositThen(after: () => void | Promise<void>): BandwidthSigningClient {
  const real = client.bandwidth;
  const wrapped = Object.create(real) as BandwidthSigningClient;
  wrapped.depositFunds = async (...args) => {
    const r = await real.depositFunds(...args);
    await after();
    return r;
  };
  return wrapped;
}

/** Run `f` with a full garbage collection every 500 ms and the caller's abort armed. */
async function underLoad<T>(f: (signal: AbortSignal) => Promise<T>): Promise<{ value: T; ms: number }> {
  const caller = new AbortController();
  const abort = setTimeout(() => caller.abort(new Error('caller gave up')), CALLER_ABORT_MS);
  const collect = setInterval(gc, 500);
  const t0 = performance.now();
  try {
    const value = await f(caller.signal);
    return { value, ms: performance.now() - t0 };
  } finally {
    clearInterval(collect);
    clearTimeout(abort);
  }
}

/** The credential verifies at an instance that may not have signed it. */
async function verifiesAt(apiUrl: string, got: ObtainedCredential): Promise<boolean> {
  const vk = await fetchAggregatedVerificationKey({ apiUrls: net.urls(), threshold: 2, backend });
  const shown = got.credential.proveBase58(vk, secureRandom);
  const r = await postJson(`${apiUrl}${VERIFY}`, {
    credential: { n_params: 4, theta: shown.theta, voucher_value: shown.value, voucher_info: shown.info },
  });
  return r.status === 200 && r.body.verification_result === true;
}

const common = () => ({
  apiUrls: net.urls(),
  threshold: 2,
  identityKey: identity,
  encryptionKey: encryption,
  backend,
  timeoutMs: PER_REQUEST_MS,
});

describe('a nym-api frozen during issuance (item 9)', () => {
  it('costs at most its per-request timeout when it freezes after the deposit, before it answers the blind-sign request', async () => {
    const frozen = net.processes[0];
    try {
      const { value: got, ms } = await underLoad((signal) =>
        obtainBandwidthCredential({
          ...common(),
          // The frozen instance comes first in the caller's order, so it is asked first.
          bandwidth: depositThen(() => frozen.freeze()),
          amount: 11n,
          signal,
        }),
      );
      expect(got.signers.sort()).toEqual([2, 3]);
      // It was asked (and cost its timeout), and nothing waited longer: well under the caller's 30 s.
      expect(ms).toBeGreaterThanOrEqual(PER_REQUEST_MS);
      expect(ms).toBeLessThan(PER_REQUEST_MS + 5_000);
      expect(await verifiesAt(net.urls()[1], got)).toBe(true);
    } finally {
      frozen.thaw();
    }
  });

  it('is not waited for at all when it is frozen from the start: issuance goes on with the first t keys', async () => {
    const frozen = net.processes[0];
    frozen.freeze();
    try {
      const { value: got, ms } = await underLoad((signal) =>
        obtainBandwidthCredential({
          ...common(),
          timeoutMs: 20_000, // so waiting on the frozen instance would show
          bandwidth: client.bandwidth,
          amount: 12n,
          signal,
        }),
      );
      expect(got.signers.sort()).toEqual([2, 3]);
      expect(ms).toBeLessThan(5_000);
      // Anyone's aggregated key, too, from the first t to answer.
      const t0 = performance.now();
      await fetchAggregatedVerificationKey({ apiUrls: net.urls(), threshold: 2, backend, timeoutMs: 20_000 });
      expect(performance.now() - t0).toBeLessThan(2_000);
    } finally {
      frozen.thaw();
    }
  });

  it('keeps the deposit when issuance fails after it: the same deposit is resumed, with no second deposit', async () => {
    const frozen = net.processes[0];
    const stopped = 0; // in-process instance 2
    let failure: unknown;
    try {
      await underLoad((signal) =>
        obtainBandwidthCredential({
          ...common(),
          bandwidth: depositThen(async () => {
            frozen.freeze();
            await net.apis[stopped].stop();
          }),
          amount: 13n,
          signal,
        }),
      );
    } catch (err) {
      failure = err;
    } finally {
      frozen.thaw();
    }
    // One share of the two needed: the error carries the deposit, not the voucher's secrets in its JSON.
    expect(failure).toBeInstanceOf(IssuanceIncompleteError);
    const incomplete = failure as IssuanceIncompleteError;
    expect(incomplete.code).toBe('issuance_incomplete');
    expect((incomplete.cause as { code: string }).code).toBe('not_enough_shares');
    expect(incomplete.pending.depositTxHash).toMatch(/^[0-9A-F]{64}$/);
    expect(JSON.stringify(incomplete)).not.toContain(incomplete.pending.voucher.privateAttributes);
    expect(Object.keys(incomplete)).not.toContain('pending');

    net.apis[stopped] = createNymApi(net.configs[1], { logger: pino({ level: 'silent' }) });
    await net.apis[stopped].start();
    const before = await client.client.getBalance(client.address, 'unym');
    const got = await obtainBandwidthCredential({
      ...common(),
      bandwidth: client.bandwidth,
      amount: 13n,
      resume: JSON.parse(JSON.stringify(incomplete.pending)) as PendingIssuance, // as stored on disk
    });
    expect(got.depositTxHash).toBe(incomplete.pending.depositTxHash);
    expect(got.credential.value).toBe(13n);
    expect(await client.client.getBalance(client.address, 'unym')).toEqual(before); // no new deposit
    expect(await verifiesAt(net.urls()[2], got)).toBe(true);

    // Resuming with keys or an amount that are not the deposit's is refused before any request.
    await expect(
      obtainBandwidthCredential({
        ...common(),
        encryptionKey: secret('someone else'),
        bandwidth: client.bandwidth,
        amount: 13n,
        resume: incomplete.pending,
      }),
    ).rejects.toMatchObject({ code: 'invalid_pending_issuance', field: 'encryptionKey' });
    await expect(
      obtainBandwidthCredential({
        ...common(),
        bandwidth: client.bandwidth,
        amount: 14n,
        resume: incomplete.pending,
      }),
    ).rejects.toBeInstanceOf(InvalidPendingIssuanceError);
  });
});

describe('idempotent blind signing (item 6)', () => {
  it("a captured request replayed at another instance first does not burn the owner's deposit, across that instance's restart", async () => {
    const params = voucherParameters(backend);
    const voucher = BandwidthVoucher.create(params, 21n, 'BandwidthVoucher', secureRandom);
    const identityKey = base58.encode(ed25519.getPublicKey(identity));
    const encryptionKey = base58.encode(x25519.getPublicKey(encryption));
    const dep = await client.bandwidth.depositFunds({
      amount: { denom: 'unym', amount: '21' },
      identityKey,
      encryptionKey,
    });
    const txHash = dep.txHash.toUpperCase();
    const captured = blindSignBody(voucher, txHash, identity);

    // The thief replays it at instance 3 before the owner asks there: it gets a share it cannot open.
    const stolen = await postJson(`${net.urls()[2]}${BLIND_SIGN}`, captured);
    expect(stolen.status).toBe(200);
    expect(openShare(stolen.body, secret('thief encryption'), txHash)).toBeNull();

    // Instance 3 restarts (its record is in SQLite) before the owner comes.
    await net.apis[1].stop();
    net.apis[1] = createNymApi(net.configs[2], { logger: pino({ level: 'silent' }) });
    await net.apis[1].start();

    // The owner asks instance 3 first, then 2, with the same request: the same share, a valid credential.
    const owner = [net.urls()[2], net.urls()[1]];
    const got = await obtainBandwidthCredential({
      ...common(),
      apiUrls: owner,
      bandwidth: client.bandwidth,
      amount: 21n,
      resume: {
        depositTxHash: txHash,
        depositId: dep.depositId,
        voucher: voucher.toJSON(),
        identityKey,
        encryptionKey,
      },
    });
    expect(got.signers.sort()).toEqual([2, 3]);
    expect(await verifiesAt(net.urls()[0], got)).toBe(true);
    // What the owner was answered at instance 3 is the thief's answer, byte for byte.
    expect(await postJson(`${owner[0]}${BLIND_SIGN}`, captured)).toEqual(stolen);
    expect(openShare(stolen.body, encryption, txHash)).not.toBeNull();

    // A different request for the deposit is refused with its own code.
    const other = blindSignBody(
      BandwidthVoucher.create(params, 21n, 'BandwidthVoucher', secureRandom),
      txHash,
      identity,
    );
    const refused = await postJson(`${owner[0]}${BLIND_SIGN}`, other);
    expect(refused).toMatchObject({
      status: 409,
      body: { error: { code: 'deposit_used_for_other_request', tx_hash: txHash } },
    });
  });
});
