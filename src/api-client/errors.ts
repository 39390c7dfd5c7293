/**
 * Errors of the nym-api room, client side: the base class both sides share (a stable
 * snake_case `code` and the HTTP status it maps to) and what a caller of nym-api meets.
 * The server's own conditions are in src/api/errors.ts and extend the same base.
 */

import type { PendingIssuance } from './client.js';

export class NymApiError extends Error {
  /** Stable identifier of the condition, snake_case. */
  readonly code: string = 'nym_api_error';
  /** HTTP status the REST layer answers with. */
  readonly status: number = 500;
  constructor(message: string) {
    super(`nym-api: ${message}`);
    this.name = new.target.name;
  }
  /** Structured fields for the JSON error body (no secrets, no stack). */
  details(): Record<string, unknown> {
    return {};
  }
  toJSON(): { error: Record<string, unknown> } {
    return { error: { code: this.code, message: this.message, ...this.details() } };
  }
}

/** A nym-api answered with an error body or an unexpected status. */
export class NymApiResponseError extends NymApiError {
  override readonly code: string;
  override readonly status: number;
  constructor(
    readonly url: string,
    status: number,
    code: string,
    readonly remoteMessage: string,
  ) {
    super(`${url} answered ${status} ${code}: ${remoteMessage}`);
    this.status = status;
    this.code = code;
  }
}

/** Fewer than `threshold` nym-api instances produced a valid share. */
export class NotEnoughSharesError extends NymApiError {
  override readonly code = 'not_enough_shares';
  constructor(
    readonly threshold: number,
    readonly obtained: number,
    readonly failures: readonly { url: string; reason: string }[],
  ) {
    super(
      `obtained ${obtained} of the ${threshold} signature shares needed` +
        (failures.length ? `; failures: ${failures.map((f) => `${f.url}: ${f.reason}`).join('; ')}` : ''),
    );
  }
}

/** The aggregated credential does not verify under the aggregated verification key. */
export class AggregateVerificationError extends NymApiError {
  override readonly code = 'aggregate_verification_failed';
  constructor() {
    super('the aggregated credential does not verify under the aggregated verification key');
  }
}

/** Decrypting a signature share failed (wrong key or tampered ciphertext). */
export class ShareDecryptionError extends NymApiError {
  override readonly code = 'share_decryption_failed';
  constructor(readonly url: string) {
    super(`could not decrypt the signature share from ${url}`);
  }
}

/**
 * The deposit was made but the credential was not obtained (too few shares, a share that
 * did not verify, the caller's abort). The deposit is not lost: `pending` holds what is
 * needed to ask again with the same deposit and the same request (pass it back as
 * `resume`), which nym-api answers idempotently. `pending` holds the voucher's secrets: it
 * is kept out of enumeration so that logging the error does not print it.
 */
export class IssuanceIncompleteError extends NymApiError {
  override readonly code = 'issuance_incomplete';
  declare readonly pending: PendingIssuance;
  constructor(pending: PendingIssuance, cause: unknown) {
    super(
      `deposit ${pending.depositTxHash} was made but no credential was obtained ` +
        `(${cause instanceof Error ? cause.message : String(cause)}); resume with the same deposit`,
    );
    Object.defineProperty(this, 'pending', { value: pending, enumerable: false });
    this.cause = cause;
  }
  override details(): Record<string, unknown> {
    return { tx_hash: this.pending.depositTxHash, deposit_id: this.pending.depositId };
  }
}

/** A pending issuance passed back as `resume` does not fit the other arguments, or does not decode. */
export class InvalidPendingIssuanceError extends NymApiError {
  override readonly code = 'invalid_pending_issuance';
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`the pending issuance cannot be resumed: ${field} ${reason}`);
  }
  override details(): Record<string, unknown> {
    return { field: this.field };
  }
}
