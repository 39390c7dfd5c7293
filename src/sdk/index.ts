/**
 * The in-process SDK. `connect` (Node: `ws`, SQLite in `home`) returns a `MixnetClient`
 * with `address`, `send`, `sendAnonymous`, `reply`, `nextMessage`/`messages()` (async
 * iteration) or `onMessage`, and `disconnect`; every call takes an AbortSignal.
 * Browsers use `./browser.ts` instead: the page's WebSocket and IndexedDB storage.
 */
export {
  MixnetClient,
  type SdkMessage,
  type CallOptions,
  type ReceivedMessage,
  type Recipient,
} from './client.js';
export { connect, type ConnectOptions } from './node.js';
export { NoBandwidthError } from './bandwidth.js';
export { parseRecipient, recipientToString } from '../client/address.js';
export * from '../client/errors.js';
export { NoRouteError } from '../topology/index.js';
