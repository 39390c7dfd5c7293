/**
 * Pure codecs of Nym's client <-> gateway protocol, version 5 (common/gateway-requests at
 * the release in shared/reference/nym.md): JSON text messages, the registration
 * handshake of both sides, authenticateV2, sealed binary frames, SURB-acks, the Coconut
 * bandwidth credential request, and every error with Nym's text. No I/O, no timers;
 * randomness and time are parameters. Wire table: README.md.
 */
export * from './errors.js';
export * from './aead.js';
export * from './bytes.js';
export * from './messages.js';
export * from './handshake.js';
export * from './authenticate.js';
export * from './node-address.js';
export * from './frames.js';
export * from './surb-ack.js';
export * from './credential.js';
export * from './sensitive.js';
