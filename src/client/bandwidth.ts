/**
 * Bandwidth credentials for a client (Node): deposit on the bandwidth contract, obtain a
 * Coconut credential from t nym-apis (src/api's client half), keep it in the client's
 * home until a gateway accepted it, and show a fresh unlinkable proof of it each time.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import {
  BandwidthCredential,
  codecsFor,
  loadBackend,
  secureRandom as coconutRandom,
  voucherParameters,
  type BackendName,
} from '../coconut/index.js';
import { obtainBandwidthCredential } from '../api/index.js';
import type { BandwidthSigningClient } from '../chain/index.js';
import { encodeCredentialPayload } from '../gateway/protocol/credential.js';
import { CorruptStateError } from './errors.js';
import type { CredentialSource } from './client.js';

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
}

interface StoredCredential {
  credential: ReturnType<BandwidthCredential['toJSON']>;
  verificationKey: string;
}

export function coconutCredentialSource(o: CoconutCredentialOptions): CredentialSource {
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
    writeFileSync(`${o.storePath}.tmp`, JSON.stringify(stored, null, 2), { mode: 0o600 });
    renameSync(`${o.storePath}.tmp`, o.storePath);
  };
  return {
    async next(keys, signal) {
      const backend = await loadBackend(o.backend ?? 'mcl');
      const params = voucherParameters(backend);
      const codecs = codecsFor(backend);
      if (stored.length === 0) {
        const got = await obtainBandwidthCredential({
          bandwidth: o.bandwidth,
          apiUrls: o.apiUrls,
          threshold: o.threshold,
          amount: o.amount,
          identityKey: keys.identitySecret,
          encryptionKey: keys.encryptionSecret,
          backend,
          signal,
        });
        // stored before use: a deposit is never lost to a crash or a refusing gateway
        stored.push({
          credential: got.credential.toJSON(),
          verificationKey: codecs.verificationKey.toBase58(got.verificationKey),
        });
        save();
      }
      const entry = stored[0];
      const credential = BandwidthCredential.fromJSON(params, entry.credential);
      const vk = codecs.verificationKey.fromBase58(backend, entry.verificationKey);
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
