/**
 * Anonymous replies (common/nymsphinx/anonymous-replies).
 *
 * Reply SURB (reply_surb.rs `ReplySurb::to_bytes`):
 *   encryption key (16) ‖ sphinx-packet SURB
 *   sphinx-packet 0.6 SURB: header (348) ‖ first hop address (32) ‖ key material, where the
 *   material is one 16-byte seed per hop (version 259) when it is shorter than one 192-byte
 *   key, else one 192-byte Lioness key per hop (version 258, Nym's legacy default).
 *   Nym's default (legacy) reply SURB: 16 + 348 + 32 + 4 x 192 = 1164 bytes; seeded: 460.
 *
 * SURB lists inside repliable messages (requests/v1.rs, requests/v2.rs):
 *   v1: count (u32 BE) ‖ count x 1164-byte legacy SURBs (always 4 hops)
 *   v2: count (u16 BE) ‖ hops (u8) ‖ key rotation (u8) ‖ count x (396 + 16 x hops)-byte SURBs
 *   A list is read by its framing alone: v1 reads 1164 bytes per SURB, v2 396 + 16 x hops.
 *
 * A reply is encrypted with the SURB's key (AES-128-CTR, zero IV) and sent with the reply key's
 * blake3 digest in the payload's key slot; the SURB's creator finds the key by that digest.
 * The last hop of a SURB is the creator's gateway, which strips the final Sphinx layer.
 *
 * AnonymousSenderTag (requests/mod.rs): 16 random bytes a sender attaches to its repliable
 * messages, base58 in Nym's APIs; the replier keys its stock of SURBs by it.
 */
import { base58 } from '@scure/base';
import type { CryptoBackend } from '../crypto/index.js';
import { defaultBackend } from '../crypto/index.js';
import { Geometry, HEADER_LENGTH, MAX_PATH_LENGTH, NODE_ADDRESS_LENGTH } from '../sphinx/geometry.js';
import {
  PAYLOAD_KEY_LENGTH,
  PAYLOAD_KEY_SEED_LENGTH,
  payloadKeyFromMaterial,
  type SphinxVersion,
} from '../sphinx/keys.js';
import type { RouteNode } from '../sphinx/packet.js';
import { encapsulatePayload } from '../sphinx/payload.js';
import { createSurb, type Surb } from '../sphinx/surb.js';
import { decodeNodeRoutingAddress, sphinxDestination, type Recipient } from './addressing.js';
import { checkBytes, randomBytes, replyKeyDigest, type RandomBytes } from './crypto.js';
import {
  InvalidArgumentError,
  InvalidSenderTagError,
  NymSphinxError,
  PayloadLengthError,
  ReplySurbMaterialError,
  ReplySurbTooShortError,
  TruncatedMessageError,
} from './errors.js';
import {
  keyRotationFromByte,
  plaintextSize,
  SENDER_TAG_LEN,
  SphinxKeyRotation,
  SURB_ENCRYPTION_KEY_LEN,
  type PacketSize,
} from './params.js';

// ---- sender tags -----------------------------------------------------------------------------

export function newSenderTag(random: RandomBytes): Uint8Array {
  return randomBytes(random, SENDER_TAG_LEN).slice();
}

export function senderTagToString(tag: Uint8Array): string {
  if (!(tag instanceof Uint8Array) || tag.length !== SENDER_TAG_LEN)
    throw new InvalidSenderTagError(`must be ${SENDER_TAG_LEN} bytes`);
  return base58.encode(tag);
}

export function senderTagFromString(s: string): Uint8Array {
  if (typeof s !== 'string') throw new InvalidSenderTagError('must be a string');
  let b: Uint8Array;
  try {
    b = base58.decode(s);
  } catch {
    throw new InvalidSenderTagError('not base58');
  }
  if (b.length !== SENDER_TAG_LEN) throw new InvalidSenderTagError(`decodes to ${b.length} bytes`);
  return b;
}

// ---- reply SURBs ------------------------------------------------------------------------------

/** A reply SURB: src/sphinx's `Surb` (whose bytes are Nym's `ReplySurb` bytes). */
export type ReplySurb = Surb;

/** A reply SURB and the key rotation it was built under (`ReplySurbWithKeyRotation`). */
export interface ReplySurbWithRotation {
  readonly surb: ReplySurb;
  readonly keyRotation: SphinxKeyRotation;
}

/** reply_surb.rs `BASE_OVERHEAD`: key (16) ‖ header (348) ‖ first hop (32) = 396. */
export const REPLY_SURB_BASE_LEN = SURB_ENCRYPTION_KEY_LEN + HEADER_LENGTH + NODE_ADDRESS_LENGTH;
/** requests/v1.rs `v1_reply_surb_serialised_len`: 4 hops of 192-byte keys = 1164 bytes. */
export const V1_REPLY_SURB_LEN = REPLY_SURB_BASE_LEN + 4 * PAYLOAD_KEY_LENGTH;
/** requests/v2.rs `v2_reply_surb_serialised_len`. */
export function v2ReplySurbLen(hops: number): number {
  return REPLY_SURB_BASE_LEN + hops * PAYLOAD_KEY_SEED_LENGTH;
}

export function replySurbToBytes(s: ReplySurb): Uint8Array {
  checkBytes('SURB encryption key', s.encryptionKey, SURB_ENCRYPTION_KEY_LEN);
  checkBytes('SURB header', s.header, HEADER_LENGTH);
  checkBytes('SURB first hop', s.firstHopAddress, NODE_ADDRESS_LENGTH);
  const unit = s.version === 258 ? PAYLOAD_KEY_LENGTH : PAYLOAD_KEY_SEED_LENGTH;
  const out = new Uint8Array(REPLY_SURB_BASE_LEN + unit * s.payloadKeyMaterial.length);
  out.set(s.encryptionKey, 0);
  out.set(s.header, SURB_ENCRYPTION_KEY_LEN);
  out.set(s.firstHopAddress, SURB_ENCRYPTION_KEY_LEN + HEADER_LENGTH);
  s.payloadKeyMaterial.forEach((m, i) => {
    checkBytes(`SURB key material ${i}`, m, unit);
    out.set(m, REPLY_SURB_BASE_LEN + i * unit);
  });
  return out;
}

/**
 * reply_surb.rs `ReplySurb::from_bytes` with sphinx-packet's `SURB::from_bytes`: at least one
 * seed, whole seeds or whole keys, and a first hop that is a Nym node address. Nymph also
 * refuses more than 5 hops (Sphinx cannot use them).
 */
export function replySurbFromBytes(bytes: Uint8Array): ReplySurb {
  checkBytes('reply SURB', bytes);
  if (bytes.length < REPLY_SURB_BASE_LEN + PAYLOAD_KEY_SEED_LENGTH)
    throw new ReplySurbTooShortError(bytes.length);
  const materialLen = bytes.length - REPLY_SURB_BASE_LEN;
  const [unit, version]: [number, SphinxVersion] =
    materialLen < PAYLOAD_KEY_LENGTH ? [PAYLOAD_KEY_SEED_LENGTH, 259] : [PAYLOAD_KEY_LENGTH, 258];
  if (materialLen % unit !== 0)
    throw new ReplySurbMaterialError(`${materialLen} bytes is not a multiple of ${unit}`);
  const hops = materialLen / unit;
  if (hops > MAX_PATH_LENGTH) throw new ReplySurbMaterialError(`${hops} hops`);
  const firstHopAddress = bytes.slice(SURB_ENCRYPTION_KEY_LEN + HEADER_LENGTH, REPLY_SURB_BASE_LEN);
  decodeNodeRoutingAddress(firstHopAddress);
  const payloadKeyMaterial: Uint8Array[] = [];
  for (let i = 0; i < hops; i++)
    payloadKeyMaterial.push(
      bytes.slice(REPLY_SURB_BASE_LEN + i * unit, REPLY_SURB_BASE_LEN + (i + 1) * unit),
    );
  return {
    encryptionKey: bytes.slice(0, SURB_ENCRYPTION_KEY_LEN),
    header: bytes.slice(SURB_ENCRYPTION_KEY_LEN, SURB_ENCRYPTION_KEY_LEN + HEADER_LENGTH),
    firstHopAddress,
    payloadKeyMaterial,
    version,
  };
}

export function replySurbToString(s: ReplySurb): string {
  return base58.encode(replySurbToBytes(s));
}

export function replySurbFromString(s: string): ReplySurb {
  let b: Uint8Array;
  try {
    b = base58.decode(s);
  } catch {
    throw new InvalidArgumentError('reply SURB is not base58');
  }
  return replySurbFromBytes(b);
}

export interface CreateReplySurbOptions {
  /** Mix nodes then the creator's own gateway. */
  route: RouteNode[];
  /** One delay per hop (Nym: `generate_hop_delays(average, route.len())`). */
  delaysNs: bigint[];
  /** The creator: replies come back to its identity. */
  self: Recipient;
  random: RandomBytes;
  /** Nym's default true: 192-byte keys per hop (v1 lists); false: 16-byte seeds (v2 lists). */
  legacy: boolean;
  backend?: CryptoBackend;
}

/**
 * Build a reply SURB (reply_surb.rs `ReplySurb::construct`). The creator keeps the returned
 * SURB's `encryptionKey` (by its digest, `replyKeyDigest`) to read the reply.
 */
export function createReplySurb(opts: CreateReplySurbOptions): ReplySurb {
  if (opts === null || typeof opts !== 'object') throw new InvalidArgumentError('options missing');
  try {
    return createSurb({
      route: opts.route,
      delaysNs: opts.delaysNs,
      destination: sphinxDestination(opts.self),
      random: opts.random,
      version: opts.legacy ? 258 : 259,
      backend: opts.backend ?? defaultBackend,
    }).surb;
  } catch (e) {
    if (e instanceof NymSphinxError) throw e;
    throw new InvalidArgumentError(e instanceof Error ? e.message : String(e));
  }
}

/**
 * The replier's side (reply_surb.rs `apply_surb`): wrap a reply payload (already SURB-ack ‖
 * key digest ‖ encrypted fragment, `payload.ts`) in the SURB's Sphinx layers. Unlike
 * src/sphinx's `useSurb`, no extra encryption is added: Nym encrypts only the fragment.
 */
export function applyReplySurb(
  surb: ReplySurb,
  payload: Uint8Array,
  size: PacketSize,
  backend: CryptoBackend = defaultBackend,
): { packet: Uint8Array; firstHopAddress: Uint8Array } {
  checkBytes('reply payload', payload);
  if (payload.length !== plaintextSize(size)) throw new PayloadLengthError(payload.length);
  const g = Geometry.of(size);
  const keys = surb.payloadKeyMaterial.map((m) => payloadKeyFromMaterial(backend, m, surb.version));
  const packet = new Uint8Array(g.packetLength);
  packet.set(surb.header, 0);
  encapsulatePayload(backend, payload, g.payloadLength, keys, packet.subarray(HEADER_LENGTH));
  return { packet, firstHopAddress: surb.firstHopAddress.slice() };
}

/** The digest a reply carries in its key slot, by which the SURB's creator finds the key. */
export function surbKeyDigest(surbOrKey: ReplySurb | Uint8Array): Uint8Array {
  return replyKeyDigest(surbOrKey instanceof Uint8Array ? surbOrKey : surbOrKey.encryptionKey);
}

// ---- SURB lists (v1, v2) -----------------------------------------------------------------------

export type SurbListVersion = 1 | 2;

/** Encoded size of a SURB list. */
export function surbListLength(version: SurbListVersion, surbs: readonly ReplySurbWithRotation[]): number {
  if (version === 1) return 4 + surbs.length * V1_REPLY_SURB_LEN;
  const hops = surbs.length > 0 ? surbs[0].surb.payloadKeyMaterial.length : 0;
  return 4 + surbs.length * v2ReplySurbLen(hops);
}

/**
 * Write a SURB list. v1 takes only legacy 4-hop SURBs; v2 only seeded ones, all with the hop
 * count and key rotation of the first (Nym assumes that; Nymph checks it).
 */
export function writeSurbList(
  out: Uint8Array,
  at: number,
  version: SurbListVersion,
  surbs: readonly ReplySurbWithRotation[],
): number {
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  if (version === 1) {
    if (surbs.length > 0xffffffff) throw new InvalidArgumentError('too many SURBs');
    dv.setUint32(at, surbs.length);
    at += 4;
    for (const s of surbs) {
      const b = replySurbToBytes(s.surb);
      if (b.length !== V1_REPLY_SURB_LEN || s.surb.version !== 258)
        throw new InvalidArgumentError('v1 SURB lists carry legacy 4-hop SURBs only');
      out.set(b, at);
      at += b.length;
    }
    return at;
  }
  if (surbs.length > 0xffff) throw new InvalidArgumentError('v2 SURB lists carry at most 65535 SURBs');
  const hops = surbs.length > 0 ? surbs[0].surb.payloadKeyMaterial.length : 0;
  const rotation = surbs.length > 0 ? surbs[0].keyRotation : SphinxKeyRotation.Unknown;
  dv.setUint16(at, surbs.length);
  out[at + 2] = hops;
  out[at + 3] = rotation;
  at += 4;
  for (const s of surbs) {
    if (s.surb.version !== 259 || s.surb.payloadKeyMaterial.length !== hops || s.keyRotation !== rotation)
      throw new InvalidArgumentError('v2 SURB lists carry seeded SURBs of one hop count and key rotation');
    const b = replySurbToBytes(s.surb);
    out.set(b, at);
    at += b.length;
  }
  return at;
}

/** Read a SURB list at `at`; returns the SURBs and the offset after them. */
export function readSurbList(
  b: Uint8Array,
  at: number,
  version: SurbListVersion,
): [ReplySurbWithRotation[], number] {
  if (b.length - at < 4) throw new TruncatedMessageError('SURB list header');
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let count: number;
  let size: number;
  let keyRotation: SphinxKeyRotation;
  if (version === 1) {
    count = dv.getUint32(at);
    size = V1_REPLY_SURB_LEN;
    keyRotation = SphinxKeyRotation.Unknown;
  } else {
    count = dv.getUint16(at);
    size = v2ReplySurbLen(b[at + 2]);
    keyRotation = keyRotationFromByte(b[at + 3]);
  }
  at += 4;
  if ((b.length - at) / size < count) throw new TruncatedMessageError(`${count} SURBs of ${size} bytes`);
  const surbs: ReplySurbWithRotation[] = [];
  for (let i = 0; i < count; i++) {
    surbs.push({ surb: replySurbFromBytes(b.subarray(at, at + size)), keyRotation });
    at += size;
  }
  return [surbs, at];
}
