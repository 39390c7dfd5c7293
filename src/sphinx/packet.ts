/**
 * Whole packets: `header (348) || payload`, built by a sender and unwrapped hop by hop.
 */
import { defaultBackend, type CryptoBackend } from '../crypto/index.js';
import {
  DESTINATION_ADDRESS_LENGTH,
  FINAL_META_INFO_LENGTH,
  Geometry,
  GROUP_ELEMENT_LENGTH,
  HEADER_LENGTH,
  MAC_LENGTH,
  MAX_PATH_LENGTH,
  NODE_ADDRESS_LENGTH,
  ROUTING_INFO_LENGTH,
  ROUTING_STEP_LENGTH,
  SURB_ID_LENGTH,
  type PacketSize,
} from './geometry.js';
import {
  BLINDING_FACTOR_LENGTH,
  BLINDING_FACTOR_OFFSET,
  CURRENT_VERSION,
  deriveRouteKeys,
  expandSharedSecret,
  lastHopExpansionLength,
  payloadKeyFromMaterial,
  payloadKeyMaterialOf,
  payloadKeyOf,
  REPLAY_TAG_LENGTH,
  REPLAY_TAG_OFFSET,
  VERSION_EXPLICIT_PAYLOAD_KEYS,
  VERSION_PAYLOAD_KEY_SEEDS,
  type SphinxVersion,
} from './keys.js';
import {
  buildHeader,
  decryptRoutingInfo,
  FINAL_HOP,
  FORWARD_HOP,
  headerParts,
  readDelay,
  verifyMac,
} from './header.js';
import { encapsulatePayload, lionessDecrypt, unpadPayload } from './payload.js';
import {
  BadRoutingFlagError,
  BadVersionError,
  BadMacError,
  InvalidArgumentError,
  InvalidRouteError,
  InvalidSharedSecretError,
  UnknownPacketSizeError,
  WrongSizeError,
} from './errors.js';

/** One hop of a route: its 32-byte Sphinx address and X25519 public key. */
export interface RouteNode {
  address: Uint8Array;
  publicKey: Uint8Array;
}

/** Where the final hop delivers: a 32-byte destination address and a 16-byte SURB id. */
export interface Destination {
  address: Uint8Array;
  surbId: Uint8Array;
}

/** A source of cryptographically secure random bytes. */
export type RandomSource = (n: number) => Uint8Array;

export interface CreatePacketOptions {
  /** 1..5 hops; the last one is the final hop (in Nym, the recipient's gateway). */
  route: RouteNode[];
  /**
   * Per-hop delays in nanoseconds: `route.length` values (the last is unused, as in Nym) or
   * `route.length - 1`. Each must fit in a u64.
   */
  delaysNs: bigint[];
  destination: Destination;
  /** The message; at most `Geometry.of(size).plaintextLength` bytes. */
  payload: Uint8Array;
  size: PacketSize;
  /**
   * Randomness: called once for the 32-byte initial secret, then once for the final hop's
   * routing padding (`300 - 60 * (hops - 1) - 52` bytes).
   */
  random: RandomSource;
  backend?: CryptoBackend;
  /** 259 (default, current: 16-byte payload key seeds) or 258 (192-byte payload keys). */
  version?: SphinxVersion;
}

export function assertBytes(what: string, v: unknown, length?: number): asserts v is Uint8Array {
  if (!(v instanceof Uint8Array)) throw new InvalidArgumentError(`${what} must be a Uint8Array`);
  if (length !== undefined && v.length !== length) throw new WrongSizeError(what, length, v.length);
}

function randomBytes(random: RandomSource, n: number): Uint8Array {
  const r = random(n);
  assertBytes('random output', r, n);
  return r;
}

/** Internal: header and per-hop key material for a route (shared by packets and SURBs). */
export interface BuiltHeader {
  header: Uint8Array;
  /** Version-dependent payload key material per hop: 16-byte seeds (259) or 192-byte keys (258). */
  payloadKeyMaterial: Uint8Array[];
  version: SphinxVersion;
}

export function validateRoute(route: RouteNode[], delaysNs: bigint[], destination: Destination): void {
  if (!Array.isArray(route) || route.length < 1 || route.length > MAX_PATH_LENGTH) {
    throw new InvalidRouteError(`route must have 1..${MAX_PATH_LENGTH} hops`);
  }
  route.forEach((n, i) => {
    if (n === null || typeof n !== 'object') throw new InvalidRouteError(`hop ${i} is not an object`);
    assertBytes(`hop ${i} address`, n.address, NODE_ADDRESS_LENGTH);
    assertBytes(`hop ${i} public key`, n.publicKey, GROUP_ELEMENT_LENGTH);
  });
  if (
    !Array.isArray(delaysNs) ||
    (delaysNs.length !== route.length && delaysNs.length !== route.length - 1)
  ) {
    throw new InvalidRouteError(`expected ${route.length} (or ${route.length - 1}) delays`);
  }
  for (const d of delaysNs) {
    if (typeof d !== 'bigint' || d < 0n || d > 0xffffffffffffffffn) {
      throw new InvalidRouteError('delays must be bigint nanoseconds in the u64 range');
    }
  }
  if (destination === null || typeof destination !== 'object')
    throw new InvalidRouteError('destination missing');
  assertBytes('destination address', destination.address, DESTINATION_ADDRESS_LENGTH);
  assertBytes('SURB id', destination.surbId, SURB_ID_LENGTH);
}

export function buildRouteHeader(
  backend: CryptoBackend,
  route: RouteNode[],
  delaysNs: bigint[],
  destination: Destination,
  random: RandomSource,
  version: SphinxVersion,
): BuiltHeader {
  if (version !== VERSION_PAYLOAD_KEY_SEEDS && version !== VERSION_EXPLICIT_PAYLOAD_KEYS) {
    throw new InvalidArgumentError(`cannot build packets of version ${String(version)}`);
  }
  validateRoute(route, delaysNs, destination);
  const initialSecret = randomBytes(random, 32);
  const { alpha, expanded } = deriveRouteKeys(
    backend,
    initialSecret,
    route.map((n) => n.publicKey),
    lastHopExpansionLength(version),
  );
  const n = route.length;
  const finalPadding = randomBytes(
    random,
    ROUTING_INFO_LENGTH - ROUTING_STEP_LENGTH * (n - 1) - FINAL_META_INFO_LENGTH,
  );
  const header = buildHeader(backend, {
    alpha,
    expanded,
    addresses: route.map((r) => r.address),
    delaysNs,
    destinationAddress: destination.address,
    surbId: destination.surbId,
    version,
    finalPadding,
  });
  return {
    header,
    payloadKeyMaterial: expanded.map((e) => payloadKeyMaterialOf(e, version).slice()),
    version,
  };
}

/**
 * Build a Sphinx packet: returns the whole packet (`header || payload`) of
 * `Geometry.of(size).packetLength` bytes, to be sent to `route[0]`.
 */
export function createPacket(opts: CreatePacketOptions): Uint8Array {
  if (opts === null || typeof opts !== 'object') throw new InvalidArgumentError('options missing');
  const backend = opts.backend ?? defaultBackend;
  const geometry = Geometry.of(opts.size);
  assertBytes('payload', opts.payload);
  if (typeof opts.random !== 'function') throw new InvalidArgumentError('random must be a function');
  const built = buildRouteHeader(
    backend,
    opts.route,
    opts.delaysNs,
    opts.destination,
    opts.random,
    opts.version ?? CURRENT_VERSION,
  );
  const packet = new Uint8Array(geometry.packetLength);
  packet.set(built.header, 0);
  encapsulatePayload(
    backend,
    opts.payload,
    geometry.payloadLength,
    built.payloadKeyMaterial.map((m) => payloadKeyFromMaterial(backend, m, built.version)),
    packet.subarray(HEADER_LENGTH),
  );
  return packet;
}

/**
 * A node's Sphinx key, created once from its 32-byte X25519 secret and reused for every
 * packet. It keeps the raw secret (the node backend multiplies raw bytes with libsodium, so
 * nothing is imported per packet) and the public key. Plain data: it can be rebuilt inside a
 * worker thread from `secret`.
 */
export class SphinxNodeKey {
  readonly secret: Uint8Array;
  readonly publicKey: Uint8Array;
  readonly backend: CryptoBackend;

  private constructor(secret: Uint8Array, backend: CryptoBackend) {
    this.secret = secret.slice();
    this.backend = backend;
    this.publicKey = backend.x25519Base(this.secret);
  }

  /** From a 32-byte X25519 secret (clamped when used, like x25519-dalek's StaticSecret). */
  static fromSecret(secret: Uint8Array, backend: CryptoBackend = defaultBackend): SphinxNodeKey {
    assertBytes('node secret key', secret, 32);
    return new SphinxNodeKey(secret, backend);
  }

  /** A fresh key from 32 random bytes. */
  static generate(random: RandomSource, backend: CryptoBackend = defaultBackend): SphinxNodeKey {
    return SphinxNodeKey.fromSecret(randomBytes(random, 32), backend);
  }
}

/** A forward hop's result: send `packet` to `nextAddress` after `delayNs`. */
export interface ForwardHop {
  kind: 'forward';
  nextAddress: Uint8Array;
  delayNs: bigint;
  /** The next hop's packet, same length as the input. */
  packet: Uint8Array;
  /** 32 bytes; a node rejects a packet whose replay tag it has seen under the same key. */
  replayTag: Uint8Array;
  version: SphinxVersion;
}

/** A final hop's result: the message for `destinationAddress`. */
export interface FinalHop {
  kind: 'final';
  destinationAddress: Uint8Array;
  surbId: Uint8Array;
  /** The message with its padding removed. */
  payload: Uint8Array;
  replayTag: Uint8Array;
  version: SphinxVersion;
}

export type UnwrapResult = ForwardHop | FinalHop;

/**
 * Process a packet at a hop. Any byte string either unwraps or throws a `SphinxError`
 * subclass: `UnknownPacketSizeError`, `InvalidSharedSecretError`, `BadMacError`,
 * `BadVersionError`, `BadRoutingFlagError`, `PayloadTamperedError`, `BadPayloadPaddingError`.
 * Checks run cheapest first: size, then (after one X25519 and the HKDF) the header MAC.
 *
 * `into` (at least `bytes.length` long, not overlapping `bytes`), when given, receives the result instead of a new
 * array: the next packet at its start (forward), or the decrypted payload, whose unpadded
 * message is then a view into it (final). A node that writes results straight into its
 * own result buffer so saves an allocation and a copy of every packet. Nothing is written
 * there before the header MAC has verified.
 */
export function unwrapPacket(nodeKey: SphinxNodeKey, bytes: Uint8Array, into?: Uint8Array): UnwrapResult {
  if (!(nodeKey instanceof SphinxNodeKey)) throw new InvalidArgumentError('nodeKey must be a SphinxNodeKey');
  if (!(bytes instanceof Uint8Array)) throw new InvalidArgumentError('packet must be a Uint8Array');
  const geometry = Geometry.forPacketLength(bytes.length);
  if (!geometry) throw new UnknownPacketSizeError(bytes.length);
  if (into !== undefined && (!(into instanceof Uint8Array) || into.length < bytes.length))
    throw new InvalidArgumentError('into must be a Uint8Array at least as long as the packet');
  const backend = nodeKey.backend;
  const { alpha, gamma, beta } = headerParts(bytes.subarray(0, HEADER_LENGTH));

  const shared = backend.x25519(nodeKey.secret, alpha);
  if (!shared) throw new InvalidSharedSecretError();
  const expanded = expandSharedSecret(backend, shared);
  if (!verifyMac(backend, expanded, gamma, beta)) throw new BadMacError();

  const routing = decryptRoutingInfo(backend, expanded, beta);
  const flag = routing[0];
  const version = routing[1] === 0 ? (routing[2] << 8) | routing[3] : -1;
  if (version !== VERSION_PAYLOAD_KEY_SEEDS && version !== VERSION_EXPLICIT_PAYLOAD_KEYS) {
    throw new BadVersionError(version === -1 ? (routing[1] << 16) | (routing[2] << 8) | routing[3] : version);
  }
  if (flag !== FORWARD_HOP && flag !== FINAL_HOP) throw new BadRoutingFlagError(flag);
  const replayTag = expanded.slice(REPLAY_TAG_OFFSET, REPLAY_TAG_OFFSET + REPLAY_TAG_LENGTH);
  const payloadKey = payloadKeyOf(backend, expanded, version);

  if (flag === FORWARD_HOP) {
    const blinding = expanded.subarray(
      BLINDING_FACTOR_OFFSET,
      BLINDING_FACTOR_OFFSET + BLINDING_FACTOR_LENGTH,
    );
    const nextAlpha = backend.x25519(blinding, alpha);
    // alpha already gave a non-zero shared secret, so it is not of small order
    if (!nextAlpha) throw new InvalidSharedSecretError();
    const out = into ? into.subarray(0, bytes.length) : new Uint8Array(bytes.length);
    out.set(nextAlpha, 0);
    // routing = flag(1) version(3) address(32) delay(8) gamma'(16) beta'(300)
    out.set(routing.subarray(44, 60), GROUP_ELEMENT_LENGTH);
    out.set(routing.subarray(60, 60 + ROUTING_INFO_LENGTH), GROUP_ELEMENT_LENGTH + MAC_LENGTH);
    out.set(bytes.subarray(HEADER_LENGTH), HEADER_LENGTH);
    lionessDecrypt(backend, payloadKey, out.subarray(HEADER_LENGTH));
    return {
      kind: 'forward',
      nextAddress: routing.slice(4, 36),
      delayNs: readDelay(routing, 36),
      packet: out,
      replayTag,
      version,
    };
  }

  let payload: Uint8Array;
  if (into) {
    payload = into.subarray(0, bytes.length - HEADER_LENGTH);
    payload.set(bytes.subarray(HEADER_LENGTH));
  } else payload = bytes.slice(HEADER_LENGTH);
  lionessDecrypt(backend, payloadKey, payload);
  return {
    kind: 'final',
    // routing = flag(1) version(3) destination(32) SURB id(16) padding
    destinationAddress: routing.slice(4, 36),
    surbId: routing.slice(36, 52),
    payload: into ? unpadPayload(payload, true) : unpadPayload(payload),
    replayTag,
    version,
  };
}
