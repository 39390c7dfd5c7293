/** Typed errors of the network requester role (bad network data is a counted drop, not an error). */
export class RequesterError extends Error {
  readonly module = 'requester';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(`requester: ${message}`);
    this.name = new.target.name;
  }
}

/** A config key that is missing, malformed or out of range. */
export class RequesterConfigError extends RequesterError {
  constructor(
    readonly key: string,
    readonly detail: string,
  ) {
    super('requester_config', `config ${key}: ${detail}`);
  }
}
