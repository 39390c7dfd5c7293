/**
 * Nym's message layer (common/nymsphinx at the release of nym-client-wasm 1.4.1), byte for
 * byte, as pure codecs: bytes in, bytes out, randomness and time passed in. Layouts are in
 * README.md and next to each module's constants.
 *
 * Sending:   `messageToFragments` → for each fragment `prepareFragmentPacket` (or
 *            `prepareReplyPacket` with a reply SURB) → send `packet` to `firstHopAddress`.
 * Receiving: `MessageReceiver.receive(delivered, now)` → ack | cover | message.
 *
 * @module
 */
export * from './errors.js';
export * from './params.js';
export * from './addressing.js';
export * from './acknowledgements.js';
export * from './anonymous-replies.js';
export * from './chunking.js';
export * from './remembered-sets.js';
export * from './message.js';
export * from './payload.js';
export * from './cover.js';
export * from './preparer.js';
export * from './receiver.js';
export { packetKeyFromSharedSecret, replyKeyDigest, type RandomBytes } from './crypto.js';
