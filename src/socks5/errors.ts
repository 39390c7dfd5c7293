/** Typed errors of the SOCKS client role (bad network data is a counted drop, not an error). */
export class Socks5ClientError extends Error {
  readonly module = 'socks5';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(`socks5: ${message}`);
    this.name = new.target.name;
  }
}

/** A config key that is missing, malformed or out of range. */
export class Socks5ConfigError extends Socks5ClientError {
  constructor(
    readonly key: string,
    readonly detail: string,
  ) {
    super('socks5_config', `config ${key}: ${detail}`);
  }
}
