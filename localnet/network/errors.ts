/** Typed errors of the local network orchestration (module `localnet`): a class and a `code` each. */

export class LocalnetError extends Error {
  readonly code: string = 'localnet_error';
  constructor(message: string) {
    super(`localnet: ${message}`);
    this.name = new.target.name;
  }
}

/** A config or state file is missing or malformed. */
export class LocalnetConfigError extends LocalnetError {
  override readonly code = 'localnet_config';
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
  }
}

/** A flag or option is out of range. */
export class LocalnetOptionError extends LocalnetError {
  override readonly code = 'localnet_option';
  constructor(
    readonly option: string,
    readonly reason: string,
  ) {
    super(`--${option}: ${reason}`);
  }
}

/** `up` on a home whose network (or one of its roles, started by hand) is still running. */
export class LocalnetRunningError extends LocalnetError {
  override readonly code = 'localnet_running';
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
  override readonly code = 'localnet_topology_timeout';
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
  override readonly code = 'localnet_self_test';
  constructor(readonly reason: string) {
    super(`self-test through the mixnet failed: ${reason}`);
  }
}

/** Ctrl-C (or the caller's signal) while the network was starting. */
export class LocalnetInterruptedError extends LocalnetError {
  override readonly code = 'localnet_interrupted';
  constructor() {
    super('start interrupted');
  }
}

/**
 * A phase of `localnet up` failed (./up.ts lists them); `cause` is what went wrong in it,
 * e.g. a RoleStartError naming the role and the end of its log.
 */
export class LocalnetPhaseError extends LocalnetError {
  override readonly code = 'localnet_phase';
  constructor(
    readonly phase: string,
    override readonly cause: unknown,
  ) {
    const why = cause instanceof Error ? cause.message.replace(/^localnet: /, '') : String(cause);
    super(`${phase}: ${why}`);
  }
}

/** The chain has no coconut-dkg contract (a chain made before it existed). */
export class NoDkgContractError extends LocalnetError {
  override readonly code = 'no_dkg_contract';
  constructor() {
    super('the chain has no coconut-dkg contract (start afresh with --reset, or use --trusted-dealer)');
  }
}

/** The DKG did not reach "in progress" in time. */
export class DkgTimeoutError extends LocalnetError {
  override readonly code = 'dkg_timeout';
  constructor(
    readonly state: unknown,
    readonly timeoutMs: number,
  ) {
    super(`the DKG is still in ${JSON.stringify(state)} after ${timeoutMs} ms`);
  }
}
