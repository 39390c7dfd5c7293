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

/**
 * The aggregated verification key, computable by anyone: fetch the key shares, take t of
 * them, interpolate. Throws NotEnoughSharesError below t.
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
  const { keys, failures } = await fetchVerificationKeys(args.apiUrls, backend, args);
  if (keys.length < args.threshold) throw new NotEnoughSharesError(args.threshold, keys.length, failures);
  return aggregateVerificationKeys(
    params,
    keys.slice(0, args.threshold).map((k) => ({ index: k.index, value: k.key })),
    { threshold: args.threshold },
  );
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

/**
 * Deposit on the bandwidth contract, ask t nym-api instances to blind-sign (moving on to
 * the next instance when one refuses), unblind and check each share, aggregate, verify.
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
  const codecs = codecsFor(backend);
  const amount = BigInt(args.amount);
  const info = args.info ?? BANDWIDTH_VOUCHER_INFO;
  const opts = { signal: args.signal, timeoutMs: args.timeoutMs };

  // Key shares first: no point depositing if fewer than t instances answer.
  const { keys, failures } = await fetchVerificationKeys(apiUrls, backend, opts);
  if (keys.length < threshold) throw new NotEnoughSharesError(threshold, keys.length, failures);

  const voucher = BandwidthVoucher.create(params, amount, info, rng);
  const deposit = await args.bandwidth.depositFunds(
    {
      amount: { denom: args.denom ?? 'unym', amount: amount.toString() },
      identityKey: base58.encode(ed25519.getPublicKey(args.identityKey)),
      encryptionKey: base58.encode(x25519.getPublicKey(args.encryptionKey)),
      info,
    },
    { signal: args.signal },
  );
  const body = blindSignBody(voucher, deposit.txHash, args.identityKey);

  // Ask t instances at a time; each failure moves on to the next unused instance.
  const shares: Share<Signature>[] = [];
  const queue = [...keys];
  const ask = async (k: VerificationKeyInfo): Promise<boolean> => {
    try {
      const sealed = await requestBlindSignature(k.url, body, opts);
      const plain = openShare(sealed, args.encryptionKey, deposit.txHash);
      if (!plain) throw new ShareDecryptionError(k.url);
      const blinded = codecs.blindedSignature.decode(backend, plain);
      shares.push(voucher.unblindShare(blinded, k.index, k.key));
      return true;
    } catch (err) {
      if (!(err instanceof NymApiError || err instanceof CoconutError)) throw err;
      failures.push({ url: k.url, reason: err.message });
      return false;
    }
  };
  // t workers, each seeking one share, so no more than t instances see a successful request.
  const worker = async (): Promise<void> => {
    while (queue.length > 0) {
      args.signal?.throwIfAborted();
      if (await ask(queue.shift()!)) return;
    }
  };
  await Promise.all(Array.from({ length: threshold }, worker));
  if (shares.length < threshold) throw new NotEnoughSharesError(threshold, shares.length, failures);

  const used = shares.slice(0, threshold);
  const byIndex = new Map(keys.map((k) => [k.index, k.key]));
  const verificationKey = aggregateVerificationKeys(
    params,
    used.map((s) => ({ index: s.index, value: byIndex.get(s.index)! })),
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
    depositTxHash: deposit.txHash,
    depositId: deposit.depositId,
    signers: used.map((s) => s.index),
  };
}
