/**
 * Errors of the gateway role. The wire errors (every condition a client can cause, with
 * Nym's text and a `code`) are defined once in ./protocol/errors.ts; the role adds its own
 * configuration errors.
 */
export class GatewayError extends Error {
  readonly code: string = 'gateway_error';
  constructor(message: string) {
    super(`gateway: ${message}`);
    this.name = new.target.name;
  }
}

export class GatewayConfigError extends GatewayError {
  override readonly code = 'config';
  constructor(
    readonly key: string,
    readonly detail: string,
  ) {
    super(`config ${key}: ${detail}`);
  }
}

export {
  CredentialInvalidError,
  CredentialSpentError,
  OutOfBandwidthError,
  UnknownClientError,
  BadPacketError,
  MessageTooLargeError,
} from './protocol/errors.js';
