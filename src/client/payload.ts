/**
 * Layout of the plaintext a client puts into a Sphinx payload, and its encryption.
 *
 *   regular:  SURB-ack (ackLen) ‖ ephemeral x25519 public key (32) ‖ AES-128-CTR(k, fragment)
 *             k = HKDF-SHA256(X25519(e, B), salt = e·G ‖ B, info = PAYLOAD_INFO)[0..16], zero IV
 *             (B: the recipient's encryption key; one fresh e per packet, so a zero IV is safe)
 *   reply:    SURB-ack (ackLen) ‖ SHA-256(reply key) (32) ‖ AES-128-CTR(reply key, fragment)
 *             the SURB's creator finds the reply key by its digest; each key is used once
 *
 * SURB-ack payload (what the ack packet carries back to the sender):
 *   iv (16) ‖ AES-128-CTR(k_iv, zero IV, fragment id (5))   = 21 bytes,
 *   k_iv = HMAC-SHA256(ack key, iv)[0..16]  (a fresh key per ack instead of a counter IV)
 *   fragment id = set id (i32 BE) ‖ fragment index (1)
 */
import { MalformedPayloadError } from './errors.js';
import { aesCtrZeroIv, sha256Digest, type CryptoBackend, type RandomBytes } from './crypto.js';

export const KEY_SLOT_LEN = 32;
export const AES_KEY_LEN = 16;
export const FRAGMENT_ID_LEN = 5;
export const ACK_IV_LEN = 16;
export const ACK_PAYLOAD_LEN = ACK_IV_LEN + FRAGMENT_ID_LEN; // 21
const PAYLOAD_INFO = new TextEncoder().encode('nymph/client/payload/v1');

export interface FragmentId {
  readonly setId: number;
  readonly index: number;
}

export function fragmentIdKey(id: FragmentId): string {
  return `${id.setId}:${id.index}`;
}

export function encodeFragmentId(id: FragmentId): Uint8Array {
  const out = new Uint8Array(FRAGMENT_ID_LEN);
  new DataView(out.buffer).setInt32(0, id.setId);
  out[4] = id.index;
  return out;
}

export function decodeFragmentId(b: Uint8Array): FragmentId {
  if (b.length !== FRAGMENT_ID_LEN) throw new MalformedPayloadError('fragment id must be 5 bytes');
  const setId = new DataView(b.buffer, b.byteOffset, 4).getInt32(0);
  if (setId < 0) throw new MalformedPayloadError(`negative set id ${setId}`);
  return { setId, index: b[4] };
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

function deriveKey(crypto: CryptoBackend, shared: Uint8Array, ephPub: Uint8Array, recipientKey: Uint8Array) {
  return crypto.hkdfSha256(shared, concat(ephPub, recipientKey), PAYLOAD_INFO, AES_KEY_LEN);
}

/** A regular (non-reply) payload to a recipient's encryption key. */
export function sealPayload(
  crypto: CryptoBackend,
  rng: RandomBytes,
  surbAck: Uint8Array,
  recipientEncryptionKey: Uint8Array,
  fragment: Uint8Array,
): Uint8Array {
  const eph = rng(32);
  const ephPub = crypto.x25519Base(eph);
  const shared = crypto.x25519(eph, recipientEncryptionKey);
  if (!shared) throw new MalformedPayloadError('recipient encryption key is of small order');
  const k = deriveKey(crypto, shared, ephPub, recipientEncryptionKey);
  return concat(surbAck, ephPub, aesCtrZeroIv(crypto, k, fragment));
}

/** A reply payload, encrypted under the one-use key that came with the reply SURB. */
export function sealReplyPayload(
  crypto: CryptoBackend,
  surbAck: Uint8Array,
  replyKey: Uint8Array,
  fragment: Uint8Array,
): Uint8Array {
  if (replyKey.length !== AES_KEY_LEN) throw new MalformedPayloadError('reply key must be 16 bytes');
  return concat(surbAck, replyKeyDigest(replyKey), aesCtrZeroIv(crypto, replyKey, fragment));
}

export function replyKeyDigest(replyKey: Uint8Array): Uint8Array {
  return sha256Digest(replyKey);
}

export interface OpenedPayload {
  readonly surbAck: Uint8Array;
  readonly keySlot: Uint8Array;
  readonly ciphertext: Uint8Array;
}

export function splitPayload(plaintext: Uint8Array, ackLen: number): OpenedPayload {
  if (plaintext.length < ackLen + KEY_SLOT_LEN)
    throw new MalformedPayloadError(`payload of ${plaintext.length} bytes is too short`);
  return {
    surbAck: plaintext.subarray(0, ackLen),
    keySlot: plaintext.subarray(ackLen, ackLen + KEY_SLOT_LEN),
    ciphertext: plaintext.subarray(ackLen + KEY_SLOT_LEN),
  };
}

export function openRegular(
  crypto: CryptoBackend,
  p: OpenedPayload,
  ourSecret: Uint8Array,
  ourPublic: Uint8Array,
): Uint8Array {
  const shared = crypto.x25519(ourSecret, p.keySlot);
  if (!shared) throw new MalformedPayloadError('invalid ephemeral key');
  const k = deriveKey(crypto, shared, p.keySlot, ourPublic);
  return aesCtrZeroIv(crypto, k, p.ciphertext);
}

export function openReply(crypto: CryptoBackend, p: OpenedPayload, replyKey: Uint8Array): Uint8Array {
  return aesCtrZeroIv(crypto, replyKey, p.ciphertext);
}

export function sealAckId(
  crypto: CryptoBackend,
  rng: RandomBytes,
  ackKey: Uint8Array,
  id: FragmentId,
): Uint8Array {
  const iv = rng(ACK_IV_LEN);
  return concat(iv, aesCtrZeroIv(crypto, ackIvKey(crypto, ackKey, iv), encodeFragmentId(id)));
}

export function openAckId(crypto: CryptoBackend, ackKey: Uint8Array, b: Uint8Array): FragmentId {
  if (b.length < ACK_PAYLOAD_LEN) throw new MalformedPayloadError('ack payload too short');
  const k = ackIvKey(crypto, ackKey, b.subarray(0, ACK_IV_LEN));
  return decodeFragmentId(aesCtrZeroIv(crypto, k, b.subarray(ACK_IV_LEN, ACK_PAYLOAD_LEN)));
}

function ackIvKey(crypto: CryptoBackend, ackKey: Uint8Array, iv: Uint8Array): Uint8Array {
  return crypto.hmacSha256(ackKey, iv).subarray(0, AES_KEY_LEN);
}
