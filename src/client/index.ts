/**
 * Client core: what app developers touch, through the native websocket client, the SDK
 * and the SOCKS5 client. Pure codecs (address, Nym's message layer from src/nymsphinx, native API),
 * the core (`MixnetClientCore`) and its Node wiring (`createNodeClient`, `startWsApi`).
 */
export * from './errors.js';
export {
  RECIPIENT_LEN,
  makeRecipient,
  parseRecipient,
  recipientEquals,
  recipientFromBytes,
  recipientToBytes,
  recipientToString,
  type Recipient,
} from './address.js';
// the message layer: Nym's, byte for byte
export * as nymsphinx from '../nymsphinx/index.js';
export { SENDER_TAG_LEN } from '../nymsphinx/index.js';
export { sampleExponential, sampleHopDelays } from './poisson.js';
export { randomUnit, secureRandom, type RandomBytes } from './crypto.js';
export { AckTracker, DEFAULT_RETRANSMIT, ackTimeout, type RetransmitConfig } from './retransmit.js';
export { MemoryReplyStore, type ReplyStore } from './store.js';
export { SqliteReplyStore } from './store-sqlite.js';
export {
  DEFAULT_CONFIG,
  TRAFFIC_MODES,
  backoffDelay,
  resolveConfig,
  type BackoffConfig,
  type ClientConfig,
  type ClientConfigInput,
  type TrafficConfig,
  type TrafficMode,
} from './config.js';
export {
  MemoryKeyStore,
  addressOf,
  generateKeys,
  stateFromJson,
  stateToJson,
  type ClientKeys,
  type GatewayRegistration,
  type KeyStore,
  type StoredState,
} from './identity.js';
export {
  TopologyUnavailableError,
  chainTopologySource,
  fallbackTopologySource,
  nymApiTopologySource,
  staticTopologySource,
  type LayeredTopologyQuery,
  type TopologySource,
} from './topology-source.js';
export { GatewaySession, probeGateway } from './gateway-session.js';
export { silentLogger, type Logger, type WebSocketFactory, type WebSocketLike } from './transport.js';
export {
  FRAGMENT_LEN,
  MixnetClientCore,
  fragmentLength,
  type ClientState,
  type CredentialSource,
  type MixnetClientCoreOptions,
  type ReceivedMessage,
  type SendOptions,
} from './client.js';
// the core's parts, each usable alone
export { systemClock, type Clock } from './clock.js';
export { newStats, type ClientStats } from './stats.js';
export { Routes, NodeHealth, type RoutesOptions } from './routes.js';
export { GatewayLink, type GatewayLinkOptions } from './gateway-link.js';
export { PacketBuilder, type BuiltPacket, type Destination, type OutPacket } from './packet-builder.js';
export { MAX_CATCH_UP, PoissonSchedule, TrafficPump, type TrafficPumpOptions } from './traffic.js';
export { AckControl, type AckControlOptions } from './ack-control.js';
export { ReplyController, type ReplyControllerOptions } from './replies.js';
export { Receiver, type ReceiverOptions } from './receiver.js';
export { ReceivedBuffer } from './received-buffer.js';
export { clientRegistry, startClientMetrics } from './metrics.js';
export {
  coconutCredentialSource,
  type CoconutCredentialOptions,
  type CoconutCredentialSource,
} from './bandwidth.js';
export { FileKeyStore, createNodeClient, nodeWebSocketFactory, type NodeClientOptions } from './node.js';
export { startWsApi, type WsApiServer, type WsApiServerOptions } from './ws-api/server.js';
export * as wsApi from './ws-api/codec.js';
