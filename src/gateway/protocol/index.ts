/**
 * Pure codecs of the client <-> gateway protocol (Nym's common/gateway-requests):
 * JSON text messages, encrypted binary frames, the handshake state machines of both
 * sides, and the SURB-ack layout. No I/O, no timers; randomness and time are parameters.
 */
export * from './errors.js';
export * from './aead.js';
export * from './messages.js';
export * from './frames.js';
export * from './handshake.js';
export * from './surb-ack.js';
export * from './credential.js';
