/**
 * Bandwidth credentials at the door: verify a shown Coconut voucher against the
 * validators' aggregated verification key, refuse a blinded serial number already spent
 * (this gateway's SQLite record, then the bandwidth contract), record the spend on chain
 * (`spend_credential`), then credit `value × 1024` bytes.
 */
import {
  BYTES_PER_VOUCHER_UNIT,
  codecsFor,
  loadBackend,
  prepareVerificationKey,
  verifyVoucherCredential,
  voucherParameters,
  CoconutError,
  type BackendName,
  type Parameters,
  type PreparedVerificationKey,
  type VerificationKey,
} from '../coconut/index.js';
import { fetchAggregatedVerificationKey, NotEnoughSharesError } from '../api-client/index.js';
import { TxRejectedError, type BandwidthSigningClient } from '../chain/index.js';
import { decodeCredentialPayload } from './protocol/credential.js';
import { CredentialInvalidError, CredentialSpentError, GatewayConfigError } from './errors.js';
import type { GatewayStore } from './store.js';

export interface CredentialConfig {
  /** Group backend for verification ('mcl' is ~7x faster than 'noble'). */
  backend?: BackendName;
  /** The aggregated verification key, base58 (tests, fixed setups)... */
  verificationKey?: string;
  /** ...or the nym-api URLs whose key shares are fetched and aggregated at start. */
  apiUrls?: string[];
  threshold?: number;
  timeoutMs?: number;
  /**
   * How long to keep asking the nym-apis at start while fewer than `threshold` answer, ms
   * (default 120000): validators still running their DKG have no key share yet.
   */
  startWaitMs?: number;
}

/** The chain side of a spend: the bandwidth contract, or nothing (no chain configured). */
export interface SpendLedger {
  isSpent(serial: string, signal?: AbortSignal): Promise<boolean>;
  spend(serial: string, units: string, signal?: AbortSignal): Promise<void>;
}

export function chainSpendLedger(client: BandwidthSigningClient, denom = 'unym'): SpendLedger {
  return {
    async isSpent(serial, signal) {
      return (await client.getSpentCredential(serial, { signal })) !== null;
    },
    async spend(serial, units, signal) {
      await client.spendCredential(
        { funds: { denom, amount: units }, blindedSerialNumber: serial },
        { signal },
      );
    },
  };
}

export class CredentialVerifier {
  private readonly pending = new Set<string>();

  private constructor(
    private readonly params: Parameters,
    // prepared once: it caches the public-attribute part that every voucher of the same
    // value and info shares, saving a G2 multi-scalar multiplication per credential
    private readonly vk: PreparedVerificationKey,
  ) {}

  static async create(cfg: CredentialConfig, signal?: AbortSignal): Promise<CredentialVerifier> {
    const backend = await loadBackend(cfg.backend ?? 'mcl');
    const params = voucherParameters(backend);
    let vk: VerificationKey;
    if (cfg.verificationKey) {
      try {
        vk = codecsFor(backend).verificationKey.fromBase58(backend, cfg.verificationKey);
      } catch (e) {
        throw new GatewayConfigError('credentials.verification_key', (e as Error).message);
      }
    } else if (cfg.apiUrls && cfg.apiUrls.length > 0) {
      const until = Date.now() + (cfg.startWaitMs ?? 120_000);
      for (;;) {
        try {
          vk = await fetchAggregatedVerificationKey({
            apiUrls: cfg.apiUrls,
            threshold: cfg.threshold ?? Math.floor((2 * cfg.apiUrls.length) / 3) + 1,
            backend,
            signal,
            timeoutMs: cfg.timeoutMs,
          });
          break;
        } catch (e) {
          if (!(e instanceof NotEnoughSharesError) || Date.now() > until) throw e;
          signal?.throwIfAborted();
          await new Promise((r) => setTimeout(r, 500));
        }
      }
    } else throw new GatewayConfigError('credentials', 'need verification_key or api_urls');
    return new CredentialVerifier(params, prepareVerificationKey(vk));
  }

  /**
   * Verifies and spends; returns the bytes to credit. Throws CredentialInvalidError,
   * CredentialSpentError, or the chain's errors (then nothing was credited).
   */
  async redeem(args: {
    payload: Uint8Array;
    client: Uint8Array;
    store: GatewayStore;
    ledger?: SpendLedger;
    /** Returns the client's balance after crediting `bytes` (stored with the spend). */
    credit: (bytes: number) => number;
    nowMs: number;
    signal?: AbortSignal;
  }): Promise<{ bytes: number; serial: string }> {
    const p = decodeCredentialPayload(args.payload);
    let serial: string;
    let bytes: bigint;
    try {
      const v = verifyVoucherCredential(this.params, this.vk, p.theta, BigInt(p.value), p.info);
      serial = v.blindedSerialNumberBase58;
      bytes = v.bandwidthBytes;
    } catch (e) {
      if (e instanceof CoconutError) throw new CredentialInvalidError(e.message);
      throw e;
    }
    if (bytes !== BigInt(p.value) * BYTES_PER_VOUCHER_UNIT || bytes > BigInt(Number.MAX_SAFE_INTEGER))
      throw new CredentialInvalidError('value out of range');
    if (this.pending.has(serial) || args.store.isSpent(serial))
      throw new CredentialSpentError(serial, 'local');
    this.pending.add(serial);
    try {
      if (args.ledger) {
        if (await args.ledger.isSpent(serial, args.signal)) throw new CredentialSpentError(serial, 'chain');
        try {
          await args.ledger.spend(serial, p.value, args.signal);
        } catch (e) {
          // a concurrent spend elsewhere lands between our query and our tx; as with wasmd, the
          // contract's error reaches us only as the rejected tx's log text
          if (e instanceof TxRejectedError && /already spent/i.test(e.log))
            throw new CredentialSpentError(serial, 'chain');
          throw e;
        }
      }
      args.store.recordSpend(serial, args.client, Number(bytes), args.credit(Number(bytes)), args.nowMs);
      return { bytes: Number(bytes), serial };
    } finally {
      this.pending.delete(serial);
    }
  }
}
