/**
 * Loop cover traffic (common/nymsphinx/cover/src/lib.rs).
 *
 * A loop cover packet is built like a real one, addressed to the sender itself, so that no
 * hop and no observer of a link can tell them apart: same packet size, a SURB-ack with
 * `COVER_FRAG_ID` (set 0, position 0), a fresh ephemeral key, and a ciphertext of the same
 * length as a real fragment's:
 *
 *   SURB-ack (405) ‖ e·G (32) ‖ AES-128-CTR(k, "The cake is a lie!" ‖ 0x01 ‖ 0...)
 *   k = HKDF-BLAKE3(X25519(e, own encryption key)), zero IV; the content fills the plaintext
 *   (2048 - 405 - 32 = 1611 bytes in a regular packet), as a real fragment does.
 *
 * The receiving client decrypts it like any regular packet and drops it on the prefix.
 */
import type { CryptoBackend } from '../crypto/index.js';
import { defaultBackend } from '../crypto/index.js';
import { aesCtrZeroIv, checkBytes, concat, packetKey, randomBytes, type RandomBytes } from './crypto.js';
import { InvalidArgumentError } from './errors.js';
import { fragmentCapacity, SURB_ACK_LEN, type PacketSize } from './params.js';

/** cover/src/lib.rs `LOOP_COVER_MESSAGE_PAYLOAD`. */
export const LOOP_COVER_MESSAGE_PAYLOAD = new TextEncoder().encode('The cake is a lie!');

/** `is_cover`: decrypted content starting with the cover text. */
export function isCover(data: Uint8Array): boolean {
  if (data.length < LOOP_COVER_MESSAGE_PAYLOAD.length) return false;
  for (let i = 0; i < LOOP_COVER_MESSAGE_PAYLOAD.length; i++)
    if (data[i] !== LOOP_COVER_MESSAGE_PAYLOAD[i]) return false;
  return true;
}

/** The cover content before encryption: the text ‖ 0x01 ‖ zeros, `length` bytes. */
export function coverContent(length: number): Uint8Array {
  if (!Number.isInteger(length) || length < LOOP_COVER_MESSAGE_PAYLOAD.length + 1)
    throw new InvalidArgumentError(`cover content of ${length} bytes`);
  const out = new Uint8Array(length);
  out.set(LOOP_COVER_MESSAGE_PAYLOAD, 0);
  out[LOOP_COVER_MESSAGE_PAYLOAD.length] = 1;
  return out;
}

/**
 * The Sphinx plaintext of a loop cover packet (`generate_loop_cover_packet`), given its
 * SURB-ack (built with `COVER_FRAGMENT_ID`) and the sender's own encryption key.
 */
export function buildLoopCoverPayload(opts: {
  surbAck: Uint8Array;
  ownEncryptionKey: Uint8Array;
  size: PacketSize;
  random: RandomBytes;
  backend?: CryptoBackend;
}): Uint8Array {
  const backend = opts.backend ?? defaultBackend;
  checkBytes('SURB-ack', opts.surbAck, SURB_ACK_LEN);
  const ephemeral = randomBytes(opts.random, 32, 'ephemeral secret');
  const k = packetKey(backend, ephemeral, opts.ownEncryptionKey);
  const content = coverContent(fragmentCapacity(opts.size));
  return concat(opts.surbAck, backend.x25519Base(ephemeral), aesCtrZeroIv(backend, k, content));
}
