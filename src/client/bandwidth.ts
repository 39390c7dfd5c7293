/**
 * Bandwidth credentials for a client (Node): deposit on the bandwidth contract, obtain a
 * Coconut credential from t nym-apis (src/api's client half), keep it in the client's
 * home until a gateway accepted it, and show a fresh unlinkable proof of it each time.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  BandwidthCredential,
  codecsFor,
  loadBackend,
  secureRandom as coconutRandom,
  voucherParameters,
  type BackendName,
} from '../coconut/index.js';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import {
  IssuanceIncompleteError,
  NotEnoughSharesError,
  obtainBandwidthCredential,
} from '../api-client/index.js';
import type { PendingIssuance } from '../api-client/index.js';
import type { BandwidthSigningClient } from '../chain/index.js';
import { encodeCredentialPayload } from '../gateway/protocol/credential.js';
import { CorruptStateError } from './errors.js';
import type { CredentialSource } from './client.js';
import type { ClientKeys } from './identity.js';

export type { CredentialSource };

export interface CoconutCredentialOptions {
  readonly apiUrls: readonly string[];
  readonly threshold: number;
  /** The depositing account's bandwidth contract client. */
  readonly bandwidth: BandwidthSigningClient;
  /** Deposit per credential, in unym; grants `amount × 1024` bytes. */
  readonly amount: bigint | number | string;
  /** JSON file for credentials not yet accepted by a gateway; memory only without it. */
  readonly storePath?: string;
  readonly backend?: BackendName;
  /** Logs each issuance (`bandwidth credential issued`, with the deposit and the signers). */
  readonly logger?: { info(obj: object, msg: string): void };
  /**
   * While fewer than t nym-apis answer (validators still starting, or briefly down), try
   * again this many times, `delayMs` apart, before failing. Default: no retry.
   */
  readonly sharesRetry?: { readonly attempts: number; readonly delayMs: number };
}

/** A credential source that can start its first deposit before a gateway asks for it. */
export interface CoconutCredentialSource extends CredentialSource {
  /**
   * Obtain a credential now, in the background, so that the first `next` finds it ready.
   * The deposit is signed with fresh keys: the gateway checks only the credential.
   */
  prefetch(signal?: AbortSignal): void;
}

interface StoredCredential {
  credential: ReturnType<BandwidthCredential['toJSON']>;
  verificationKey: string;
}

export function coconutCredentialSource(o: CoconutCredentialOptions): CoconutCredentialSource {
  let stored: StoredCredential[] = [];
  if (o.storePath && existsSync(o.storePath)) {
    try {
      stored = JSON.parse(readFileSync(o.storePath, 'utf8')) as StoredCredential[];
      if (!Array.isArray(stored)) throw new Error('not a list');
    } catch (e) {
      throw new CorruptStateError(o.storePath, (e as Error).message);
    }
  }
  const save = () => {
    if (!o.storePath) return;
    mkdirSync(dirname(o.storePath), { recursive: true });
    writeFileSync(`${o.storePath}.tmp`, JSON.stringify(stored, null, 2), { mode: 0o600 });
    renameSync(`${o.storePath}.tmp`, o.storePath);
  };
  // A deposit whose issuance failed, with the keys it names: the next issuance resumes it.
  let unfinished:
    { keys: Pick<ClientKeys, 'identitySecret' | 'encryptionSecret'>; pending: PendingIssuance } | undefined;
  /** Deposit, collect t shares, and store the credential before anyone uses it. */
  const issue = async (
    keys: Pick<ClientKeys, 'identitySecret' | 'encryptionSecret'>,
    signal?: AbortSignal,
  ): Promise<void> => {
    const backend = await loadBackend(o.backend ?? 'mcl');
    const t0 = performance.now();
    for (let attempt = 1; ; attempt++) {
      try {
        const got = await obtainBandwidthCredential({
          bandwidth: o.bandwidth,
          apiUrls: o.apiUrls,
          threshold: o.threshold,
          amount: o.amount,
          identityKey: (unfinished?.keys ?? keys).identitySecret,
          encryptionKey: (unfinished?.keys ?? keys).encryptionSecret,
          resume: unfinished?.pending,
          backend,
          signal,
        });
        unfinished = undefined;
        // stored before use: a deposit is never lost to a crash or a refusing gateway
        stored.push({
          credential: got.credential.toJSON(),
          verificationKey: codecsFor(backend).verificationKey.toBase58(got.verificationKey),
        });
        save();
        o.logger?.info(
          { deposit: got.depositTxHash, signers: got.signers, ms: Math.round(performance.now() - t0) },
          'bandwidth credential issued',
        );
        return;
      } catch (e) {
        // before the deposit nothing was spent; after it, trying again resumes the same deposit
        if (e instanceof IssuanceIncompleteError)
          unfinished = { keys: unfinished?.keys ?? keys, pending: e.pending };
        const retriable = e instanceof NotEnoughSharesError || e instanceof IssuanceIncompleteError;
        if (!retriable || attempt > (o.sharesRetry?.attempts ?? 0)) throw e;
        signal?.throwIfAborted();
        await new Promise((r) => setTimeout(r, o.sharesRetry!.delayMs));
      }
    }
  };
  let inFlight: Promise<void> | undefined;
  return {
    prefetch(signal) {
      if (stored.length > 0 || inFlight) return;
      const keys = {
        identitySecret: ed25519.utils.randomSecretKey(),
        encryptionSecret: x25519.utils.randomSecretKey(),
      };
      inFlight = issue(keys, signal)
        .catch(() => undefined) // `next` tries again and reports the failure
        .finally(() => (inFlight = undefined));
    },
    async next(keys, signal) {
      if (stored.length === 0 && inFlight) await inFlight;
      if (stored.length === 0) await issue(keys, signal);
      const backend = await loadBackend(o.backend ?? 'mcl');
      const entry = stored[0];
      const credential = BandwidthCredential.fromJSON(voucherParameters(backend), entry.credential);
      const vk = codecsFor(backend).verificationKey.fromBase58(backend, entry.verificationKey);
      const payload = encodeCredentialPayload(credential.proveBase58(vk, coconutRandom));
      return {
        payload,
        spent() {
          const i = stored.indexOf(entry);
          if (i >= 0) stored.splice(i, 1);
          save();
        },
      };
    },
  };
}
