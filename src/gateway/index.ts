/**
 * Gateway: the client websocket endpoint (handshake, re-authentication, bandwidth
 * credentials, encrypted frames), the final Sphinx hop with SURB-acks, and the durable
 * SQLite inbox for offline clients. Pure wire codecs live in ./protocol (re-exported as
 * `protocol`), importable by clients without pulling in any I/O.
 */
export { createGateway, type Gateway, type GatewayConfig } from './gateway.js';
export { GatewayStore, type ClientRecord, type StoredMessage } from './store.js';
export {
  CredentialVerifier,
  chainSpendLedger,
  type CredentialConfig,
  type SpendLedger,
} from './credentials.js';
export { defaultGatewayToml, gatewayConfigFromToml, type GatewayInitOptions } from './node-config.js';
export { nodeAead } from './node-aead.js';
export * from './errors.js';
export * as protocol from './protocol/index.js';
