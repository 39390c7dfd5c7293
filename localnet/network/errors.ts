/** Typed errors of the local network orchestration (module `localnet`). */

export class LocalnetError extends Error {
  constructor(message: string) {
    super(`localnet: ${message}`);
    this.name = new.target.name;
  }
}

/** A config or state file is missing or malformed. */
export class LocalnetConfigError extends LocalnetError {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
  }
}

/** A flag or option is out of range. */
export class LocalnetOptionError extends LocalnetError {
  constructor(
    readonly option: string,
    readonly reason: string,
  ) {
    super(`--${option}: ${reason}`);
  }
}

/** `up` on a home whose network is still running. */
export class LocalnetRunningError extends LocalnetError {
  constructor(
    readonly home: string,
    readonly pids: number[],
  ) {
    super(
      `a network is already running from ${home} (pids ${pids.join(', ')}); run 'nymph localnet down --home ${home}' first`,
    );
  }
}

/** The network came up but does not show every node in time. */
export class TopologyTimeoutError extends LocalnetError {
  constructor(
    readonly expected: { mixnodes: number; gateways: number },
    readonly seen: { mixnodes: number; gateways: number },
    readonly apiUrl: string,
  ) {
    super(
      `nym-api ${apiUrl} shows ${seen.mixnodes}/${expected.mixnodes} mix nodes and ${seen.gateways}/${expected.gateways} gateways`,
    );
  }
}

/** The message the client sent to itself did not come back. */
export class SelfTestError extends LocalnetError {
  constructor(readonly reason: string) {
    super(`self-test through the mixnet failed: ${reason}`);
  }
}
