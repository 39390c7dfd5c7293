/** Typed errors of the mix node. One class per condition, module named in the message. */

export class MixnodeError extends Error {
  constructor(message: string) {
    super(`mixnode: ${message}`);
    this.name = new.target.name;
  }
}

/** A node-to-node frame whose header is not one we accept; the connection is closed. */
export class BadFrameError extends MixnodeError {
  constructor(
    readonly field: 'version' | 'size' | 'packetType',
    readonly value: number,
  ) {
    super(`bad frame header: ${field} ${value}`);
  }
}

export class MixnodeConfigError extends MixnodeError {
  constructor(
    readonly key: string,
    readonly detail: string,
  ) {
    super(`config ${key}: ${detail}`);
  }
}

export class WorkerPoolError extends MixnodeError {
  constructor(readonly detail: string) {
    super(`unwrap workers: ${detail}`);
  }
}
