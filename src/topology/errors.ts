/** Typed topology errors: one class per condition, module named in the message. */

/** A layer (1..3) has no usable mix node, so no route can be built (nym#1774). */
export class NoRouteError extends Error {
  constructor(
    readonly layer: number,
    readonly layerSizes: readonly [number, number, number],
  ) {
    super(`topology: no route: layer ${layer} is empty (layer sizes ${layerSizes.join('/')})`);
    this.name = 'NoRouteError';
  }
}

/** The topology has no gateway at all. */
export class NoGatewayError extends Error {
  constructor() {
    super('topology: no gateway is bonded');
    this.name = 'NoGatewayError';
  }
}

/** No gateway has this identity key. */
export class GatewayNotFoundError extends Error {
  constructor(readonly identity: string) {
    super(`topology: no gateway with identity key ${identity}`);
    this.name = 'GatewayNotFoundError';
  }
}

/** The JSON document is not a topology at all (not an object with node arrays). */
export class TopologyFormatError extends Error {
  constructor(readonly reason: string) {
    super(`topology: malformed topology document: ${reason}`);
    this.name = 'TopologyFormatError';
  }
}
