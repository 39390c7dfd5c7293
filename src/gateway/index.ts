/**
 * Gateway: the clients' door to the mixnet in Nym's client protocol v5. Connections by
 * phase (fresh.ts before authentication, authenticated.ts after), the final Sphinx hop
 * with SURB-acks (delivery.ts), the durable SQLite inbox, Coconut credentials. Pure wire
 * codecs live in ./protocol (re-exported as `protocol`), importable by clients without
 * pulling in any I/O.
 */
export { createGateway, type Gateway, type GatewayConfig } from './gateway.js';
export { ClientConnection, negotiateProtocol } from './fresh.js';
export { AuthenticatedSession, type AuthenticatedDetails } from './authenticated.js';
export {
  ClientBandwidth,
  ClientRegistry,
  FREE_TESTNET_BANDWIDTH,
  type ConnectedClient,
  type CredentialCheck,
  type GatewayContext,
  type SessionLimits,
} from './context.js';
export { finalHopDelivery, type DeliveryDeps, type FinalPayload } from './delivery.js';
export {
  attachWebSocket,
  CLOSE_GOING_AWAY,
  CLOSE_REFUSED,
  CLOSE_REPLACED,
  CLOSE_TIMEOUT,
  type SessionSocket,
  type SocketEvents,
} from './session-socket.js';
export { GatewayMetrics } from './metrics.js';
export { GatewayStore, type ClientRecord, type StoredMessage } from './store.js';
export {
  CredentialVerifier,
  chainSpendLedger,
  type CredentialConfig,
  type SpendLedger,
} from './credentials.js';
export {
  DEFAULT_CLIENTS_WSS_PORT,
  defaultGatewayToml,
  gatewayConfigFromToml,
  initGatewayTls,
  type GatewayInitOptions,
} from './node-config.js';
export {
  ClientListener,
  ConnectionCounter,
  originAllowed,
  peerKey,
  type ClientListenerOptions,
} from './client-listener.js';
export { ensureSelfSignedFiles, generateSelfSigned, readTlsFiles, selfSignedCertificate } from './tls.js';
export { nodeAead } from '../crypto/node.js';
export * from './errors.js';
export * as protocol from './protocol/index.js';
