/**
 * Typed errors of nym-api. One class per condition, each with a stable machine-readable
 * `code` and the HTTP status it maps to, so a refused request always answers
 * `{"error": {"code", "message", ...details}}` and clients can branch on `code` rather than
 * on prose. Server-side failures (chain unreachable, key file bad) are errors too, but they
 * are not the caller's fault and map to 5xx.
 */
import { NymApiError } from '../api-client/errors.js';

export { NymApiError } from '../api-client/errors.js';
// ---------------------------------------------------------------- request boundary

/** The body (or a field of it) does not match the route's schema. */
export class InvalidRequestError extends NymApiError {
  override readonly code = 'invalid_request';
  override readonly status = 400;
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`invalid request field '${field}': ${reason}`);
  }
  override details(): Record<string, unknown> {
    return { field: this.field, reason: this.reason };
  }
}

/** The body is not JSON at all. */
export class MalformedJsonError extends NymApiError {
  override readonly code = 'malformed_json';
  override readonly status = 400;
  constructor(readonly reason: string) {
    super(`request body is not valid JSON: ${reason}`);
  }
}

/** The body exceeds the route's size limit. */
export class BodyTooLargeError extends NymApiError {
  override readonly code = 'body_too_large';
  override readonly status = 413;
  constructor(
    readonly limit: number,
    readonly length: number | undefined,
  ) {
    super(`request body of ${length ?? 'unknown'} bytes exceeds the limit of ${limit} bytes`);
  }
  override details(): Record<string, unknown> {
    return { limit: this.limit, length: this.length ?? null };
  }
}

/** The request is not `application/json`. */
export class UnsupportedMediaTypeError extends NymApiError {
  override readonly code = 'unsupported_media_type';
  override readonly status = 415;
  constructor(readonly contentType: string | undefined) {
    super(`expected application/json, got ${contentType ?? 'no content type'}`);
  }
}

/** A preflight from an origin that is not allowed. */
export class CorsOriginNotAllowedError extends NymApiError {
  override readonly code = 'cors_origin_not_allowed';
  override readonly status = 403;
  constructor(readonly origin: string) {
    super(`origin ${origin} is not allowed (http.cors_allowed_origins)`);
  }
  override details(): Record<string, unknown> {
    return { origin: this.origin };
  }
}

/** No route matches. */
export class RouteNotFoundError extends NymApiError {
  override readonly code = 'not_found';
  override readonly status = 404;
  constructor(
    readonly method: string,
    readonly path: string,
  ) {
    super(`no route for ${method} ${path}`);
  }
}

/** The topology cache has not completed its first refresh yet. */
export class CacheNotReadyError extends NymApiError {
  override readonly code = 'cache_not_ready';
  override readonly status = 503;
  constructor() {
    super('the contract cache has not been populated yet');
  }
}

/** The instance holds no Coconut key share, so it cannot issue credentials. */
export class CoconutDisabledError extends NymApiError {
  override readonly code = 'coconut_disabled';
  override readonly status = 404;
  constructor() {
    super('this instance does not issue credentials (no coconut key configured)');
  }
}

// ---------------------------------------------------------------- deposits

/** `tx_hash` names no transaction on chain. */
export class DepositNotFoundError extends NymApiError {
  override readonly code = 'deposit_not_found';
  override readonly status = 404;
  constructor(readonly txHash: string) {
    super(`no transaction with hash ${txHash} exists on chain`);
  }
  override details(): Record<string, unknown> {
    return { tx_hash: this.txHash };
  }
}

/** The transaction exists but failed. */
export class DepositFailedError extends NymApiError {
  override readonly code = 'deposit_failed';
  override readonly status = 400;
  constructor(
    readonly txHash: string,
    readonly txCode: number,
  ) {
    super(`transaction ${txHash} failed on chain with code ${txCode}`);
  }
  override details(): Record<string, unknown> {
    return { tx_hash: this.txHash, tx_code: this.txCode };
  }
}

/** The transaction is not a deposit on the bandwidth contract (no deposit event from it). */
export class NotADepositError extends NymApiError {
  override readonly code = 'not_a_deposit';
  override readonly status = 400;
  constructor(
    readonly txHash: string,
    readonly reason: string,
  ) {
    super(`transaction ${txHash} is not a bandwidth deposit: ${reason}`);
  }
  override details(): Record<string, unknown> {
    return { tx_hash: this.txHash, reason: this.reason };
  }
}

/** The deposit's value or info differ from the public attributes the request claims. */
export class DepositValueMismatchError extends NymApiError {
  override readonly code = 'deposit_value_mismatch';
  override readonly status = 400;
  constructor(
    readonly attribute: 'deposit_value' | 'deposit_info',
    readonly onChain: string,
    readonly claimed: string,
  ) {
    super(`the deposit's ${attribute} is '${onChain}' but the request claims '${claimed}'`);
  }
  override details(): Record<string, unknown> {
    return { attribute: this.attribute, on_chain: this.onChain, claimed: this.claimed };
  }
}

/**
 * This instance issued a share for this deposit before it kept its answers (a store from
 * an earlier version): it cannot answer the same share again.
 */
export class DepositAlreadyUsedError extends NymApiError {
  override readonly code = 'deposit_already_used';
  override readonly status = 409;
  constructor(
    readonly txHash: string,
    readonly usedAt: string,
  ) {
    super(`deposit ${txHash} was already used for a credential (at ${usedAt})`);
  }
  override details(): Record<string, unknown> {
    return { tx_hash: this.txHash, used_at: this.usedAt };
  }
}

/**
 * This instance already signed a different request for this deposit. The same request
 * would be answered with the same sealed share; another one would be a second credential
 * for one deposit.
 */
export class DepositRequestMismatchError extends NymApiError {
  override readonly code = 'deposit_used_for_other_request';
  override readonly status = 409;
  constructor(
    readonly txHash: string,
    readonly usedAt: string,
  ) {
    super(`deposit ${txHash} was already used for another blind-sign request (at ${usedAt})`);
  }
  override details(): Record<string, unknown> {
    return { tx_hash: this.txHash, used_at: this.usedAt };
  }
}

/** The request signature does not verify under the identity key named in the deposit. */
export class DepositSignatureError extends NymApiError {
  override readonly code = 'invalid_deposit_signature';
  override readonly status = 403;
  constructor(
    readonly txHash: string,
    readonly identityKey: string,
  ) {
    super(`the request signature does not verify under the deposit's identity key ${identityKey}`);
  }
  override details(): Record<string, unknown> {
    return { tx_hash: this.txHash, identity_key: this.identityKey };
  }
}

// ---------------------------------------------------------------- coconut

/** The public attributes do not match their plain-text forms. */
export class InconsistentPublicAttributesError extends NymApiError {
  override readonly code = 'inconsistent_public_attributes';
  override readonly status = 400;
  constructor(readonly index: number) {
    super(`public attribute ${index} is not the hash of public_attributes_plain[${index}]`);
  }
  override details(): Record<string, unknown> {
    return { index: this.index };
  }
}

/** The blind-sign request is malformed or its proof of knowledge does not verify. */
export class InvalidBlindSignRequestError extends NymApiError {
  override readonly code = 'invalid_blind_sign_request';
  override readonly status = 400;
  constructor(readonly reason: string) {
    super(`blind sign request rejected: ${reason}`);
  }
  override details(): Record<string, unknown> {
    return { reason: this.reason };
  }
}

/** A shown credential is malformed or does not verify. */
export class InvalidCredentialError extends NymApiError {
  override readonly code = 'invalid_credential';
  override readonly status = 400;
  constructor(readonly reason: string) {
    super(`credential rejected: ${reason}`);
  }
  override details(): Record<string, unknown> {
    return { reason: this.reason };
  }
}

// ---------------------------------------------------------------- server side

/** The chain could not be reached or answered unexpectedly (not the caller's fault). */
export class ChainUnavailableError extends NymApiError {
  override readonly code = 'chain_unavailable';
  override readonly status = 502;
  constructor(
    readonly operation: string,
    readonly reason: string,
  ) {
    super(`chain ${operation} failed: ${reason}`);
  }
}

/** The config file or a flag has a bad value. */
export class ConfigError extends NymApiError {
  override readonly code = 'config_error';
  constructor(
    readonly key: string,
    readonly reason: string,
  ) {
    super(`config '${key}': ${reason}`);
  }
}

/** The key file is missing or malformed. */
export class KeyFileError extends NymApiError {
  override readonly code = 'key_file_error';
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`key file ${path}: ${reason}`);
  }
}

/** The contract answered with data that does not have its documented shape. */
export class MalformedContractDataError extends NymApiError {
  override readonly code = 'malformed_contract_data';
  override readonly status = 502;
  constructor(
    readonly query: string,
    readonly reason: string,
  ) {
    super(`the contract's answer to ${query} is malformed: ${reason}`);
  }
}
