/**
 * Single-use reply blocks (nymtech/sphinx surb/, Nym's ReplySurb in nym-sphinx-anonymous-replies).
 *
 * The builder makes a header for a route ending at its own address and hands out the header,
 * the first hop and the per-hop payload key material; whoever holds the SURB layer-encrypts
 * a reply without learning the route. Wire form (Nym's ReplySurb):
 *
 *   encryption key (16) || header (348) || first hop address (32) || payload key material
 *
 * where the key material is one 16-byte seed per hop (version 259) or one 192-byte key per
 * hop (version 258). The final hop (the builder's gateway) strips the last Sphinx layer, so
 * the reply is additionally encrypted with AES-128-CTR (zero IV) under the SURB's 16-byte
 * encryption key, which only the builder and the SURB holder know.
 */
import { defaultBackend, type CryptoBackend } from '../crypto/index.js';
import {
  Geometry,
  HEADER_LENGTH,
  MAX_PATH_LENGTH,
  NODE_ADDRESS_LENGTH,
  type PacketSize,
} from './geometry.js';
import {
  CURRENT_VERSION,
  PAYLOAD_KEY_LENGTH,
  payloadKeyFromMaterial,
  payloadKeyMaterialLength,
  PAYLOAD_KEY_SEED_LENGTH,
  VERSION_EXPLICIT_PAYLOAD_KEYS,
  VERSION_PAYLOAD_KEY_SEEDS,
  type SphinxVersion,
} from './keys.js';
import { encapsulatePayload } from './payload.js';
import {
  assertBytes,
  buildRouteHeader,
  type Destination,
  type RandomSource,
  type RouteNode,
} from './packet.js';
import { InvalidArgumentError, InvalidSurbError, WrongSizeError } from './errors.js';

/** Length of the SURB's reply encryption key (AES-128). */
export const SURB_ENCRYPTION_KEY_LENGTH = 16;

/** A reply block as its holder sees it. */
export interface Surb {
  /** AES-128 key the reply is encrypted with before Sphinx encapsulation. */
  encryptionKey: Uint8Array;
  /** Precomputed 348-byte Sphinx header. */
  header: Uint8Array;
  /** Where to send the reply packet first. */
  firstHopAddress: Uint8Array;
  /** Per-hop payload key material: 16-byte seeds (259) or 192-byte keys (258). */
  payloadKeyMaterial: Uint8Array[];
  version: SphinxVersion;
}

export interface CreateSurbOptions {
  /** 1..5 hops ending at the builder's own gateway. */
  route: RouteNode[];
  delaysNs: bigint[];
  /** The builder's own address and the id it will recognise the reply by. */
  destination: Destination;
  /**
   * Randomness: 32 bytes (initial secret), the final routing padding, then 16 bytes (the
   * reply encryption key).
   */
  random: RandomSource;
  backend?: CryptoBackend;
  version?: SphinxVersion;
}

/** What the builder keeps to read the reply: the SURB id and the reply key. */
export interface SurbReplyKey {
  surbId: Uint8Array;
  encryptionKey: Uint8Array;
}

/** Build a SURB; give `surb` away (as `surbToBytes`) and keep `replyKey`. */
export function createSurb(opts: CreateSurbOptions): { surb: Surb; replyKey: SurbReplyKey } {
  if (opts === null || typeof opts !== 'object') throw new InvalidArgumentError('options missing');
  const backend = opts.backend ?? defaultBackend;
  if (typeof opts.random !== 'function') throw new InvalidArgumentError('random must be a function');
  const built = buildRouteHeader(
    backend,
    opts.route,
    opts.delaysNs,
    opts.destination,
    opts.random,
    opts.version ?? CURRENT_VERSION,
  );
  const encryptionKey = opts.random(SURB_ENCRYPTION_KEY_LENGTH);
  assertBytes('random output', encryptionKey, SURB_ENCRYPTION_KEY_LENGTH);
  const surb: Surb = {
    encryptionKey: encryptionKey.slice(),
    header: built.header,
    firstHopAddress: opts.route[0].address.slice(),
    payloadKeyMaterial: built.payloadKeyMaterial,
    version: built.version,
  };
  return {
    surb,
    replyKey: { surbId: opts.destination.surbId.slice(), encryptionKey: encryptionKey.slice() },
  };
}

/** Serialise: encryption key (16) || header (348) || first hop (32) || key material. */
export function surbToBytes(surb: Surb): Uint8Array {
  const material = surb.payloadKeyMaterial;
  const unit = payloadKeyMaterialLength(surb.version);
  const out = new Uint8Array(
    SURB_ENCRYPTION_KEY_LENGTH + HEADER_LENGTH + NODE_ADDRESS_LENGTH + unit * material.length,
  );
  out.set(surb.encryptionKey, 0);
  out.set(surb.header, SURB_ENCRYPTION_KEY_LENGTH);
  out.set(surb.firstHopAddress, SURB_ENCRYPTION_KEY_LENGTH + HEADER_LENGTH);
  let at = SURB_ENCRYPTION_KEY_LENGTH + HEADER_LENGTH + NODE_ADDRESS_LENGTH;
  for (const m of material) {
    out.set(m, at);
    at += unit;
  }
  return out;
}

/**
 * Parse SURB bytes. As in Nym, key material shorter than one 192-byte key is read as 16-byte
 * seeds (version 259), otherwise as 192-byte keys (258). Throws `WrongSizeError` or
 * `InvalidSurbError` for anything else.
 */
export function surbFromBytes(bytes: Uint8Array): Surb {
  if (!(bytes instanceof Uint8Array)) throw new InvalidSurbError('SURB must be a Uint8Array');
  const fixed = SURB_ENCRYPTION_KEY_LENGTH + HEADER_LENGTH + NODE_ADDRESS_LENGTH;
  if (bytes.length < fixed + PAYLOAD_KEY_SEED_LENGTH) {
    throw new WrongSizeError('SURB', `at least ${fixed + PAYLOAD_KEY_SEED_LENGTH}`, bytes.length);
  }
  const materialLength = bytes.length - fixed;
  const [unit, version]: [number, SphinxVersion] =
    materialLength < PAYLOAD_KEY_LENGTH
      ? [PAYLOAD_KEY_SEED_LENGTH, VERSION_PAYLOAD_KEY_SEEDS]
      : [PAYLOAD_KEY_LENGTH, VERSION_EXPLICIT_PAYLOAD_KEYS];
  if (materialLength % unit !== 0) {
    throw new InvalidSurbError(
      `payload key material of ${materialLength} bytes is not a multiple of ${unit}`,
    );
  }
  const hops = materialLength / unit;
  if (hops < 1 || hops > MAX_PATH_LENGTH) throw new InvalidSurbError(`SURB for ${hops} hops`);
  const material: Uint8Array[] = [];
  for (let i = 0; i < hops; i++) material.push(bytes.slice(fixed + i * unit, fixed + (i + 1) * unit));
  return {
    encryptionKey: bytes.slice(0, SURB_ENCRYPTION_KEY_LENGTH),
    header: bytes.slice(SURB_ENCRYPTION_KEY_LENGTH, SURB_ENCRYPTION_KEY_LENGTH + HEADER_LENGTH),
    firstHopAddress: bytes.slice(SURB_ENCRYPTION_KEY_LENGTH + HEADER_LENGTH, fixed),
    payloadKeyMaterial: material,
    version,
  };
}

function aesCtrXor(backend: CryptoBackend, key: Uint8Array, data: Uint8Array): Uint8Array {
  const ks = backend.aes128CtrKeystream(key, data.length);
  for (let i = 0; i < data.length; i++) ks[i] ^= data[i];
  return ks;
}

export interface UseSurbOptions {
  size?: PacketSize;
  backend?: CryptoBackend;
}

/**
 * Attach a reply to a SURB: encrypts `payload` with the SURB's key, layer-encrypts it with the
 * SURB's payload keys, and returns the packet and the address to send it to.
 */
export function useSurb(
  surb: Surb,
  payload: Uint8Array,
  opts: UseSurbOptions = {},
): { packet: Uint8Array; firstHopAddress: Uint8Array } {
  if (surb === null || typeof surb !== 'object') throw new InvalidSurbError('SURB missing');
  assertBytes('payload', payload);
  assertBytes('SURB encryption key', surb.encryptionKey, SURB_ENCRYPTION_KEY_LENGTH);
  assertBytes('SURB header', surb.header, HEADER_LENGTH);
  assertBytes('SURB first hop', surb.firstHopAddress, NODE_ADDRESS_LENGTH);
  const backend = opts.backend ?? defaultBackend;
  const geometry = Geometry.of(opts.size ?? 'regular');
  if (surb.version !== VERSION_PAYLOAD_KEY_SEEDS && surb.version !== VERSION_EXPLICIT_PAYLOAD_KEYS) {
    throw new InvalidSurbError(`unsupported SURB version ${String(surb.version)}`);
  }
  const unit = payloadKeyMaterialLength(surb.version);
  const material = surb.payloadKeyMaterial;
  if (!Array.isArray(material) || material.length < 1 || material.length > MAX_PATH_LENGTH) {
    throw new InvalidSurbError('SURB must carry key material for 1..5 hops');
  }
  material.forEach((m, i) => assertBytes(`SURB key material ${i}`, m, unit));
  const keys = material.map((m) => payloadKeyFromMaterial(backend, m, surb.version));
  const encrypted = aesCtrXor(backend, surb.encryptionKey, payload);
  const body = encapsulatePayload(backend, encrypted, geometry.payloadLength, keys);
  const packet = new Uint8Array(geometry.packetLength);
  packet.set(surb.header, 0);
  packet.set(body, HEADER_LENGTH);
  return { packet, firstHopAddress: surb.firstHopAddress.slice() };
}

/** The builder's side: decrypt the reply payload delivered at the final hop. */
export function decryptSurbReply(
  replyKey: SurbReplyKey | Uint8Array,
  payload: Uint8Array,
  backend: CryptoBackend = defaultBackend,
): Uint8Array {
  const key = replyKey instanceof Uint8Array ? replyKey : replyKey?.encryptionKey;
  assertBytes('SURB encryption key', key, SURB_ENCRYPTION_KEY_LENGTH);
  assertBytes('reply payload', payload);
  return aesCtrXor(backend, key, payload);
}
