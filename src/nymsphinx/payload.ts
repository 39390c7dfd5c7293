/**
 * The plaintext of a message packet (src/preparer/payload.rs `NymPayloadBuilder`) and how the
 * receiving side reads it (src/receiver.rs, client-core received_buffer.rs).
 *
 * Sphinx plaintext (exactly the packet size's plaintext, 2048 for a regular packet):
 *   regular:  SURB-ack (405) ‖ ephemeral x25519 public key e·G (32) ‖ AES-128-CTR(k, fragment)
 *             k = HKDF-BLAKE3(X25519(e, recipient encryption key))[0..16], zero IV
 *   reply:    SURB-ack (405) ‖ BLAKE3(reply key) (32)              ‖ AES-128-CTR(reply key, fragment)
 *   cover:    SURB-ack (405) ‖ e·G (32) ‖ AES-128-CTR(k, "The cake is a lie!" ‖ 0x01 ‖ 0...)  (cover.ts)
 *
 * The recipient's gateway splits off the SURB-ack (first 405 bytes) and forwards the ack
 * packet; the client receives the rest (1643 bytes for a regular packet) and tells it from an
 * ack (21 bytes) by its length (gateway-client traits.rs `route_received`). It then looks the
 * first 32 bytes up among the digests of its reply keys: a hit is a reply, else the bytes are
 * an ephemeral key.
 */
import type { CryptoBackend } from '../crypto/index.js';
import { defaultBackend } from '../crypto/index.js';
import { isCover } from './cover.js';
import {
  aesCtrZeroIv,
  checkBytes,
  concat,
  packetKey,
  randomBytes,
  replyKeyDigest,
  type RandomBytes,
} from './crypto.js';
import { PayloadLengthError, PayloadTooShortError } from './errors.js';
import {
  ACK_PAYLOAD_LEN,
  packetSizeForPlaintext,
  plaintextSize,
  REPLY_KEY_DIGEST_LEN,
  SURB_ACK_LEN,
  SURB_ENCRYPTION_KEY_LEN,
  X25519_KEY_LEN,
  type PacketSize,
} from './params.js';

function checkTotal(surbAck: Uint8Array, body: Uint8Array): PacketSize {
  checkBytes('SURB-ack', surbAck, SURB_ACK_LEN);
  const total = SURB_ACK_LEN + X25519_KEY_LEN + body.length;
  const size = packetSizeForPlaintext(total);
  if (!size || size === 'ack') throw new PayloadLengthError(total);
  return size;
}

export interface SealedPayload {
  /** The Sphinx plaintext, exactly the packet size's plaintext length. */
  readonly plaintext: Uint8Array;
  /** The packet size it fills (Nym picks it from the fragment's length). */
  readonly size: PacketSize;
}

/**
 * A regular payload (`build_regular`): a fresh ephemeral key per packet, so the zero IV is
 * safe. `fragment` is an encoded fragment (header ‖ payload) of a full packet's length.
 */
export function sealRegularPayload(opts: {
  surbAck: Uint8Array;
  fragment: Uint8Array;
  recipientEncryptionKey: Uint8Array;
  random: RandomBytes;
  backend?: CryptoBackend;
}): SealedPayload {
  const backend = opts.backend ?? defaultBackend;
  checkBytes('fragment', opts.fragment);
  const size = checkTotal(opts.surbAck, opts.fragment);
  const ephemeral = randomBytes(opts.random, 32, 'ephemeral secret');
  const k = packetKey(backend, ephemeral, opts.recipientEncryptionKey);
  const plaintext = concat(
    opts.surbAck,
    backend.x25519Base(ephemeral),
    aesCtrZeroIv(backend, k, opts.fragment),
  );
  return { plaintext, size };
}

/** A reply payload (`build_reply`): the fragment under the reply SURB's key. */
export function sealReplyPayload(opts: {
  surbAck: Uint8Array;
  fragment: Uint8Array;
  replyKey: Uint8Array;
  backend?: CryptoBackend;
}): SealedPayload {
  const backend = opts.backend ?? defaultBackend;
  checkBytes('fragment', opts.fragment);
  checkBytes('reply key', opts.replyKey, SURB_ENCRYPTION_KEY_LEN);
  const size = checkTotal(opts.surbAck, opts.fragment);
  const plaintext = concat(
    opts.surbAck,
    replyKeyDigest(opts.replyKey),
    aesCtrZeroIv(backend, opts.replyKey, opts.fragment),
  );
  return { plaintext, size };
}

/**
 * What the final hop (the recipient's gateway) does with a payload (framing processing.rs
 * `split_into_ack_and_message`): ack packets are delivered whole; other sizes lose their
 * first 405 bytes, the SURB-ack to forward.
 */
export function splitFinalHopPayload(
  plaintext: Uint8Array,
  size: PacketSize,
): { surbAck?: Uint8Array; message: Uint8Array } {
  checkBytes('payload', plaintext);
  if (size === 'ack') return { message: plaintext };
  if (plaintext.length < SURB_ACK_LEN) throw new PayloadTooShortError(plaintext.length);
  return { surbAck: plaintext.subarray(0, SURB_ACK_LEN), message: plaintext.subarray(SURB_ACK_LEN) };
}

/** How a client routes a delivery (traits.rs): 21 bytes is an ack, anything else a message. */
export function classifyDelivery(delivered: Uint8Array): 'ack' | 'message' {
  return delivered.length === ACK_PAYLOAD_LEN ? 'ack' : 'message';
}

/** Length of what a client receives for a real or cover packet of `size` (2048 - 405 = 1643). */
export function deliveredMessageLength(size: PacketSize): number {
  return plaintextSize(size) - SURB_ACK_LEN;
}

/** Receiver-side state the payload reader needs (receiver.rs, received_buffer.rs). */
export interface PayloadReceiver {
  /** The client's x25519 encryption secret. */
  readonly encryptionSecret: Uint8Array;
  /**
   * Find (and, as Nym's `try_pop`, consume) the reply key whose blake3 digest is `digest`;
   * undefined when it is not one of ours.
   */
  readonly takeReplyKey?: (digest: Uint8Array) => Uint8Array | undefined;
}

export type OpenedPayload =
  | { readonly kind: 'fragment'; readonly fragment: Uint8Array; readonly reply: boolean }
  | { readonly kind: 'cover' };

/**
 * Open what the gateway delivered for a message packet (key slot ‖ ciphertext): a reply when
 * the key slot is the digest of one of our reply keys, else a regular packet. Loop cover is
 * recognised after decryption, as Nym's client does. Any ciphertext decrypts (CTR has no
 * tag); a wrong key surfaces as a malformed fragment.
 */
export function openPayload(
  receiver: PayloadReceiver,
  delivered: Uint8Array,
  backend: CryptoBackend = defaultBackend,
): OpenedPayload {
  checkBytes('message', delivered);
  if (delivered.length < REPLY_KEY_DIGEST_LEN) throw new PayloadTooShortError(delivered.length);
  const slot = delivered.subarray(0, REPLY_KEY_DIGEST_LEN);
  const ciphertext = delivered.subarray(REPLY_KEY_DIGEST_LEN);
  const replyKey = receiver.takeReplyKey?.(slot);
  const reply = replyKey !== undefined;
  const data = reply
    ? aesCtrZeroIv(backend, replyKey, ciphertext)
    : aesCtrZeroIv(backend, packetKey(backend, receiver.encryptionSecret, slot), ciphertext);
  if (isCover(data)) return { kind: 'cover' };
  return { kind: 'fragment', fragment: data, reply };
}
