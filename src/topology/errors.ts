/**
 * Typed topology errors: one class per condition under one base, each with a stable
 * snake_case `code` so callers branch on the code, never on the message.
 */

export abstract class TopologyError extends Error {
  /** Stable identifier of the condition. */
  abstract readonly code: string;
  constructor(message: string) {
    super(`topology: ${message}`);
    this.name = new.target.name;
  }
}

/** A layer (1..3) has no usable mix node, so no route can be built (nym#1774). */
export class NoRouteError extends TopologyError {
  readonly code = 'no_route';
  constructor(
    readonly layer: number,
    readonly layerSizes: readonly [number, number, number],
  ) {
    super(`no route: layer ${layer} is empty (layer sizes ${layerSizes.join('/')})`);
  }
}

/** The topology has no gateway at all. */
export class NoGatewayError extends TopologyError {
  readonly code = 'no_gateway';
  constructor() {
    super('no gateway is bonded');
  }
}

/** No gateway has this identity key. */
export class GatewayNotFoundError extends TopologyError {
  readonly code = 'gateway_not_found';
  constructor(readonly identity: string) {
    super(`no gateway with identity key ${identity}`);
  }
}

/** The JSON document is not a topology at all (not an object with node arrays). */
export class TopologyFormatError extends TopologyError {
  readonly code = 'malformed_topology';
  constructor(readonly reason: string) {
    super(`malformed topology document: ${reason}`);
  }
}
