/**
 * The client side of nym-api: fetch verification keys and aggregate them, and obtain a
 * bandwidth credential end to end (deposit → blind-sign at t instances → unblind →
 * aggregate → verify). Uses only fetch, CosmJS (through src/chain) and pure crypto, so it
 * runs wherever the client runs: import it from this file (the room's index also loads
 * the Node-only service).
 */
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { base58 } from '@scure/base';
import type { BandwidthSigningClient } from '../chain/index.js';
import { BANDWIDTH_VOUCHER_INFO } from '../chain/index.js';
import {
  loadBackend,
  codecsFor,
  CoconutError,
  fr,
  secureRandom,
  aggregateVerificationKeys,
  BandwidthVoucher,
  voucherParameters,
} from '../coconut/index.js';
import type {
  BackendName,
  BandwidthVoucherJSON,
  GroupBackend,
  RandomBytes,
  Share,
  Signature,
  VerificationKey,
  BandwidthCredential,
} from '../coconut/index.js';
import { openShare } from './envelope.js';
import {
  AggregateVerificationError,
  InvalidPendingIssuanceError,
  IssuanceIncompleteError,
  NotEnoughSharesError,
  NymApiError,
  NymApiResponseError,
  ShareDecryptionError,
} from './errors.js';
import { call, trimSlash } from './http.js';
import type { RequestOptions } from './http.js';
import * as v from 'valibot';
import { blindSignSignatureMessage, VerificationKeyResponseSchema } from './wire.js';
import type { BlindSignRequestBody, BlindedSignatureResponse } from './wire.js';

export type { RequestOptions } from './http.js';

/** `GET /v1/topology`: the layered topology (parse it with src/topology's `Topology.fromJson`). */
export function fetchTopology(apiUrl: string, opts: RequestOptions = {}): Promise<unknown> {
  return call(`${trimSlash(apiUrl)}/v1/topology`, { method: 'GET' }, opts);
}

export interface VerificationKeyInfo {
  url: string;
  index: number;
  threshold: number;
  authorities: number;
  key: VerificationKey;
}

/** `GET /v1/coconut/verification-key` of one instance, decoded and checked. */
export async function fetchVerificationKey(
  apiUrl: string,
  backend: GroupBackend,
  opts: RequestOptions = {},
): Promise<VerificationKeyInfo> {
  const url = `${trimSlash(apiUrl)}/v1/coconut/verification-key`;
  const parsed = v.safeParse(
    VerificationKeyResponseSchema,
    await call<unknown>(url, { method: 'GET' }, opts),
  );
  if (!parsed.success) {
    throw new NymApiResponseError(url, 200, 'bad_response', 'malformed verification key response');
  }
  const r = parsed.output;
  let key: VerificationKey;
  try {
    key = codecsFor(backend).verificationKey.fromBase58(backend, r.key);
  } catch (err) {
    throw new NymApiResponseError(url, 200, 'bad_response', (err as Error).message);
  }
  return { url: apiUrl, index: r.index, threshold: r.threshold, authorities: r.authorities, key };
}

/** Fetch every instance's key share (failures are reported, not thrown). */
export async function fetchVerificationKeys(
  apiUrls: readonly string[],
  backend: GroupBackend,
  opts: RequestOptions = {},
): Promise<{ keys: VerificationKeyInfo[]; failures: { url: string; reason: string }[] }> {
  const settled = await Promise.allSettled(apiUrls.map((u) => fetchVerificationKey(u, backend, opts)));
  const keys: VerificationKeyInfo[] = [];
  const failures: { url: string; reason: string }[] = [];
  const seen = new Set<number>();
  settled.forEach((s, i) => {
    if (s.status === 'rejected') failures.push({ url: apiUrls[i], reason: (s.reason as Error).message });
    else if (seen.has(s.value.index))
      failures.push({ url: apiUrls[i], reason: `duplicate index ${s.value.index}` });
    else {
      seen.add(s.value.index);
      keys.push(s.value);
    }
  });
  return { keys, failures };
}

/** An AbortController that follows `outer` until disposed (so a finished call aborts only its own requests). */
function followingController(outer: AbortSignal | undefined): { signal: AbortSignal; end(): void } {
  const ac = new AbortController();
  const onAbort = (): void => ac.abort(outer!.reason);
  if (outer?.aborted) onAbort();
  else outer?.addEventListener('abort', onAbort, { once: true });
  return {
    signal: ac.signal,
    end() {
      outer?.removeEventListener('abort', onAbort);
      ac.abort();
    },
  };
}

/**
 * Verification-key fetches to every instance, all started at once and read as they
 * arrive: issuance goes on with the first t and never waits on an instance it does not
 * need. Keys are handed out in the caller's order among those that have arrived.
 */
class KeyPool {
  readonly keys: VerificationKeyInfo[] = [];
  readonly failures: { url: string; reason: string }[] = [];
  private readonly order = new Map<VerificationKeyInfo, number>();
  private readonly taken = new Set<VerificationKeyInfo>();
  private readonly waiters: (() => void)[] = [];
  private pending: number;

  constructor(apiUrls: readonly string[], backend: GroupBackend, opts: RequestOptions) {
    this.pending = apiUrls.length;
    apiUrls.forEach((url, i) => {
      fetchVerificationKey(url, backend, opts)
        .then(
          (k) => {
            if (this.keys.some((o) => o.index === k.index)) {
              this.failures.push({ url, reason: `duplicate index ${k.index}` });
            } else {
              this.keys.push(k);
              this.order.set(k, i);
            }
          },
          (err: unknown) => {
            this.failures.push({ url, reason: err instanceof Error ? err.message : String(err) });
          },
        )
        .finally(() => {
          this.pending--;
          for (const wake of this.waiters.splice(0)) wake();
        });
    });
  }

  private settledOne(): Promise<void> {
    return new Promise((r) => this.waiters.push(r));
  }

  /** Wait until `n` keys have arrived or every fetch has settled; the number arrived. */
  async atLeast(n: number): Promise<number> {
    while (this.keys.length < n && this.pending > 0) await this.settledOne();
    return this.keys.length;
  }

  /** The next key not handed out yet, waiting for one while fetches are pending; null when none is left. */
  async take(): Promise<VerificationKeyInfo | null> {
    for (;;) {
      let best: VerificationKeyInfo | null = null;
      for (const k of this.keys) {
        if (!this.taken.has(k) && (best === null || this.order.get(k)! < this.order.get(best)!)) best = k;
      }
      if (best) {
        this.taken.add(best);
        return best;
      }
      if (this.pending === 0) return null;
      await this.settledOne();
    }
  }
}

/**
 * The aggregated verification key, computable by anyone: fetch the key shares, take the
 * first t to answer (the others are not waited for), interpolate. Throws
 * NotEnoughSharesError below t.
 */
export async function fetchAggregatedVerificationKey(args: {
  apiUrls: readonly string[];
  threshold: number;
  backend?: GroupBackend | BackendName;
  signal?: AbortSignal;
  timeoutMs?: number;
}): Promise<VerificationKey> {
  const backend =
    typeof args.backend === 'object' ? args.backend : await loadBackend(args.backend ?? 'noble');
  const params = voucherParameters(backend);
  const requests = followingController(args.signal);
  try {
    const pool = new KeyPool(args.apiUrls, backend, { signal: requests.signal, timeoutMs: args.timeoutMs });
    const got = await pool.atLeast(args.threshold);
    args.signal?.throwIfAborted();
    if (got < args.threshold) throw new NotEnoughSharesError(args.threshold, got, pool.failures);
    return aggregateVerificationKeys(
      params,
      pool.keys.slice(0, args.threshold).map((k) => ({ index: k.index, value: k.key })),
      { threshold: args.threshold },
    );
  } finally {
    requests.end();
  }
}

/** `POST /v1/coconut/bandwidth/blind-sign` at one instance. */
export function requestBlindSignature(
  apiUrl: string,
  body: BlindSignRequestBody,
  opts: RequestOptions = {},
): Promise<BlindedSignatureResponse> {
  return call(
    `${trimSlash(apiUrl)}/v1/coconut/bandwidth/blind-sign`,
    { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
    opts,
  );
}

/** Build the blind-sign body for a voucher backed by the deposit `txHash`. */
export function blindSignBody(
  voucher: BandwidthVoucher,
  txHash: string,
  identitySecretKey: Uint8Array,
): BlindSignRequestBody {
  const req = voucher.prepareRequest();
  const requestBytes = base58.decode(req.requestBase58);
  const hash = txHash.toUpperCase();
  return {
    blind_sign_request: req.requestBase58,
    tx_hash: hash,
    signature: base58.encode(ed25519.sign(blindSignSignatureMessage(requestBytes, hash), identitySecretKey)),
    public_attributes: req.publicAttributes.map((s) => base58.encode(fr.toBytes(s))),
    public_attributes_plain: [...req.publicAttributesPlain],
    total_params: voucher.params.hs.length,
  };
}

/**
 * A deposit made for a credential not yet obtained, with the voucher whose request was
 * sent for it. Keep it (it is secret: it holds the voucher's openings) and pass it back as
 * `resume` to ask again with the same deposit and the same request; nym-api answers a
 * repeated request with the share it already issued. All fields are JSON.
 */
export interface PendingIssuance {
  depositTxHash: string;
  depositId: number;
  voucher: BandwidthVoucherJSON;
  /** base58 public keys the deposit names; resuming needs their secret halves. */
  identityKey: string;
  encryptionKey: string;
}

export interface ObtainCredentialArgs {
  /** Signing client of the bandwidth contract (the depositing account). */
  bandwidth: BandwidthSigningClient;
  apiUrls: readonly string[];
  threshold: number;
  /** Deposit amount in `denom` (default unym); also the voucher value. */
  amount: bigint | number | string;
  denom?: string;
  /** ed25519 secret key (32 bytes) the deposit names; it signs the requests. */
  identityKey: Uint8Array;
  /** x25519 secret key (32 bytes) the shares are encrypted to. */
  encryptionKey: Uint8Array;
  info?: string;
  signal?: AbortSignal;
  /** Per-request timeout for nym-api calls, ms. */
  timeoutMs?: number;
  backend?: GroupBackend | BackendName;
  rng?: RandomBytes;
  /**
   * Make no deposit: ask again for the credential of this earlier deposit (from
   * {@link IssuanceIncompleteError.pending} or `onDeposit`), with its voucher. The keys
   * and the amount must be those of that deposit.
   */
  resume?: PendingIssuance;
  /**
   * Called once the deposit is on chain, before any nym-api sees the request: store it
   * to survive a crash, then resume with it.
   */
  onDeposit?: (pending: PendingIssuance) => void | Promise<void>;
}

export interface ObtainedCredential {
  credential: BandwidthCredential;
  /** The key it verifies under (aggregated from the signing instances' shares). */
  verificationKey: VerificationKey;
  depositTxHash: string;
  depositId: number;
  /** Share indices that signed. */
  signers: number[];
}

/** The voucher of a pending issuance, checked against the caller's keys and amount. */
function resumedVoucher(
  params: ReturnType<typeof voucherParameters>,
  pending: PendingIssuance,
  args: ObtainCredentialArgs,
): BandwidthVoucher {
  if (!/^[0-9A-Fa-f]{64}$/.test(pending.depositTxHash))
    throw new InvalidPendingIssuanceError('depositTxHash', 'is not a 64-hex tx hash');
  if (base58.encode(ed25519.getPublicKey(args.identityKey)) !== pending.identityKey)
    throw new InvalidPendingIssuanceError('identityKey', 'is not the public half of the identity key given');
  if (base58.encode(x25519.getPublicKey(args.encryptionKey)) !== pending.encryptionKey)
    throw new InvalidPendingIssuanceError(
      'encryptionKey',
      'is not the public half of the encryption key given',
    );
  let voucher: BandwidthVoucher;
  try {
    voucher = BandwidthVoucher.fromJSON(params, pending.voucher);
  } catch (err) {
    if (err instanceof CoconutError) throw new InvalidPendingIssuanceError('voucher', err.message);
    throw err;
  }
  if (voucher.value !== BigInt(args.amount))
    throw new InvalidPendingIssuanceError('voucher', `is worth ${voucher.value}, not ${args.amount}`);
  return voucher;
}

/**
 * Deposit on the bandwidth contract, ask t nym-api instances to blind-sign (moving on to
 * the next instance when one refuses or times out), unblind and check each share,
 * aggregate, verify.
 *
 * Time: verification keys are fetched from every instance at once and issuance goes on as
 * soon as t have answered; each request is bounded by `timeoutMs`, so an instance that
 * stalls costs at most that, and only if it was one of those asked. Whatever is still in
 * flight when issuance ends is aborted.
 *
 * Failure after the deposit throws {@link IssuanceIncompleteError}, whose `pending` resumes
 * with the same deposit (`resume`).
 */
export async function obtainBandwidthCredential(args: ObtainCredentialArgs): Promise<ObtainedCredential> {
  const { threshold, apiUrls } = args;
  if (!Number.isInteger(threshold) || threshold < 1 || threshold > apiUrls.length) {
    throw new NotEnoughSharesError(threshold, 0, [
      { url: '-', reason: `only ${apiUrls.length} nym-api URLs given` },
    ]);
  }
  const rng = args.rng ?? secureRandom;
  const backend =
    typeof args.backend === 'object' ? args.backend : await loadBackend(args.backend ?? 'noble');
  const params = voucherParameters(backend);
  const requests = followingController(args.signal);
  try {
    const pool = new KeyPool(apiUrls, backend, { signal: requests.signal, timeoutMs: args.timeoutMs });
    let pending: PendingIssuance;
    let voucher: BandwidthVoucher;
    if (args.resume) {
      voucher = resumedVoucher(params, args.resume, args);
      pending = { ...args.resume, depositTxHash: args.resume.depositTxHash.toUpperCase() };
    } else {
      // Key shares first: no point depositing if fewer than t instances answer.
      const got = await pool.atLeast(threshold);
      args.signal?.throwIfAborted();
      if (got < threshold) throw new NotEnoughSharesError(threshold, got, pool.failures);
      const amount = BigInt(args.amount);
      const info = args.info ?? BANDWIDTH_VOUCHER_INFO;
      voucher = BandwidthVoucher.create(params, amount, info, rng);
      const identityKey = base58.encode(ed25519.getPublicKey(args.identityKey));
      const encryptionKey = base58.encode(x25519.getPublicKey(args.encryptionKey));
      const deposit = await args.bandwidth.depositFunds(
        {
          amount: { denom: args.denom ?? 'unym', amount: amount.toString() },
          identityKey,
          encryptionKey,
          info,
        },
        { signal: args.signal },
      );
      pending = {
        depositTxHash: deposit.txHash.toUpperCase(),
        depositId: deposit.depositId,
        voucher: voucher.toJSON(),
        identityKey,
        encryptionKey,
      };
    }
    try {
      if (!args.resume) await args.onDeposit?.(pending);
      return await collectCredential(pool, voucher, pending, backend, args, requests.signal);
    } catch (err) {
      throw new IssuanceIncompleteError(pending, err);
    }
  } finally {
    requests.end();
  }
}

/** Blind-sign at t instances of the pool, unblind, aggregate, verify. */
async function collectCredential(
  pool: KeyPool,
  voucher: BandwidthVoucher,
  pending: PendingIssuance,
  backend: GroupBackend,
  args: ObtainCredentialArgs,
  /** Aborted when issuance ends, so that no request outlives it. */
  requestSignal: AbortSignal,
): Promise<ObtainedCredential> {
  const { threshold } = args;
  const codecs = codecsFor(backend);
  const txHash = pending.depositTxHash;
  // The same body every time for this deposit (the voucher's request, a deterministic
  // ed25519 signature): what makes asking again idempotent at nym-api.
  const body = blindSignBody(voucher, txHash, args.identityKey);
  const opts = { signal: requestSignal, timeoutMs: args.timeoutMs };
  const shares: Share<Signature>[] = [];
  const signerKeys = new Map<number, VerificationKey>();
  const ask = async (k: VerificationKeyInfo): Promise<boolean> => {
    try {
      const sealed = await requestBlindSignature(k.url, body, opts);
      const plain = openShare(sealed, args.encryptionKey, txHash);
      if (!plain) throw new ShareDecryptionError(k.url);
      const blinded = codecs.blindedSignature.decode(backend, plain);
      shares.push(voucher.unblindShare(blinded, k.index, k.key));
      signerKeys.set(k.index, k.key);
      return true;
    } catch (err) {
      if (!(err instanceof NymApiError || err instanceof CoconutError)) throw err;
      pool.failures.push({ url: k.url, reason: err.message });
      return false;
    }
  };
  // t workers, each seeking one share, so no more than t instances see a successful request.
  const worker = async (): Promise<void> => {
    for (;;) {
      args.signal?.throwIfAborted();
      const k = await pool.take();
      if (!k) return;
      if (await ask(k)) return;
    }
  };
  await Promise.all(Array.from({ length: threshold }, worker));
  args.signal?.throwIfAborted();
  if (shares.length < threshold) throw new NotEnoughSharesError(threshold, shares.length, pool.failures);

  const used = shares.slice(0, threshold);
  const verificationKey = aggregateVerificationKeys(
    voucher.params,
    used.map((s) => ({ index: s.index, value: signerKeys.get(s.index)! })),
    { threshold },
  );
  let credential: BandwidthCredential;
  try {
    credential = voucher.aggregate(used, verificationKey, { threshold });
  } catch (err) {
    if (err instanceof CoconutError) throw new AggregateVerificationError();
    throw err;
  }
  return {
    credential,
    verificationKey,
    depositTxHash: txHash,
    depositId: pending.depositId,
    signers: used.map((s) => s.index),
  };
}
