/** Typed errors of the gateway role (the wire protocol's own are in ./protocol). */
import { GatewayProtocolError } from './protocol/errors.js';

export class GatewayError extends Error {
  constructor(message: string) {
    super(`gateway: ${message}`);
    this.name = new.target.name;
  }
}

export class GatewayConfigError extends GatewayError {
  constructor(
    readonly key: string,
    readonly detail: string,
  ) {
    super(`config ${key}: ${detail}`);
  }
}

/** Requests that need a session before one exists. */
export class NotAuthenticatedError extends GatewayProtocolError {
  constructor(readonly what: string) {
    super('not_authenticated', `${what} before authentication`);
  }
}

export class UnknownClientError extends GatewayProtocolError {
  constructor(readonly identity: string) {
    super('unknown_client', `client ${identity} is not registered here`);
  }
}

export class OutOfBandwidthError extends GatewayProtocolError {
  constructor(
    readonly available: number,
    readonly required: number,
  ) {
    super('out_of_bandwidth', `out of bandwidth: ${available} bytes left, ${required} needed`);
  }
}

export class MessageTooLargeError extends GatewayProtocolError {
  constructor(
    readonly size: number,
    readonly limit: number,
  ) {
    super('message_too_large', `message of ${size} bytes exceeds ${limit}`);
  }
}

export class BadPacketError extends GatewayProtocolError {
  constructor(readonly detail: string) {
    super('bad_packet', `bad mix packet: ${detail}`);
  }
}

export class CredentialInvalidError extends GatewayProtocolError {
  constructor(readonly detail: string) {
    super('credential_invalid', `bandwidth credential rejected: ${detail}`);
  }
}

export class CredentialSpentError extends GatewayProtocolError {
  constructor(
    readonly blindedSerialNumber: string,
    readonly where: 'local' | 'chain',
  ) {
    super('credential_spent', `bandwidth credential already spent (${where} record)`);
  }
}
