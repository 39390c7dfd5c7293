/**
 * Typed errors of what mix nodes and gateways share (framing, pipeline, workers, keys,
 * config, bonding). One class per condition, a stable `code`, the module in the message.
 */

export class NodeError extends Error {
  readonly code: string = 'node_error';
  constructor(message: string) {
    super(`node: ${message}`);
    this.name = new.target.name;
  }
}

/** A node-to-node frame whose header is not one we accept; the connection is closed. */
export class BadFrameError extends NodeError {
  override readonly code = 'bad_frame';
  constructor(
    readonly field: 'version' | 'size' | 'packetType' | 'keyRotation',
    readonly value: number,
  ) {
    super(`bad frame header: ${field} ${value}`);
  }
}

/** A config file or key that is missing, unreadable or out of range. */
export class NodeConfigError extends NodeError {
  override readonly code = 'config';
  constructor(
    readonly key: string,
    readonly detail: string,
  ) {
    super(`config ${key}: ${detail}`);
  }
}

/** The unwrap worker threads failed to start or died. */
export class WorkerPoolError extends NodeError {
  override readonly code = 'worker_pool';
  constructor(readonly detail: string) {
    super(`unwrap workers: ${detail}`);
  }
}

/** A rotating Sphinx key file that does not hold `rotation id (u32 BE) ‖ secret (32)`. */
export class SphinxKeyFileError extends NodeError {
  override readonly code = 'sphinx_key_file';
  constructor(
    readonly file: string,
    readonly detail: string,
  ) {
    super(`sphinx key ${file}: ${detail}`);
  }
}

/** A replay filter file that is not one this node wrote (wrong magic, size or rotation). */
export class ReplayFilterFileError extends NodeError {
  override readonly code = 'replay_filter_file';
  constructor(
    readonly file: string,
    readonly detail: string,
  ) {
    super(`replay filter ${file}: ${detail}`);
  }
}

/** A key rotation step that the keys held do not allow (Nym logs these as inconsistencies). */
export class KeyRotationError extends NodeError {
  override readonly code = 'key_rotation';
  constructor(readonly detail: string) {
    super(`key rotation: ${detail}`);
  }
}
