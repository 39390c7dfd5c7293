/**
 * The client core's public options and small public types (client.ts is the core; Node
 * wiring fills the options in node.ts, the browser SDK in src/sdk/browser.ts), and the
 * context its parts share.
 */
import type { Aead } from '../gateway/protocol/index.js';
import type { GatewayEntry } from '../topology/index.js';
import { systemClock, type Clock } from './clock.js';
import type { ClientConfigInput } from './config.js';
import { secureRandom, type CryptoBackend, type RandomBytes } from './crypto.js';
import type { DurableInbound } from './delivered-store.js';
import type { CredentialSource } from './gateway-link.js';
import type { KeyStore } from './identity.js';
import type { ReplyStore } from './store.js';
import type { TopologySource } from './topology-source.js';
import type { ClientStats } from './stats.js';
import { silentLogger, type Logger, type WebSocketFactory } from './transport.js';

export type ClientState = 'new' | 'connecting' | 'connected' | 'reconnecting' | 'closed';

export interface MixnetClientCoreOptions {
  readonly keyStore: KeyStore;
  readonly replyStore: ReplyStore;
  readonly topology: TopologySource;
  readonly wsFactory: WebSocketFactory;
  readonly config?: ClientConfigInput;
  /** Use this gateway (base58 identity) instead of choosing by latency on first run. */
  readonly gateway?: string;
  /** Rewrites a gateway's websocket URL (e.g. wss behind a proxy). */
  readonly gatewayUrl?: (g: GatewayEntry) => string;
  /** Bandwidth credentials, shown when the gateway reports too little (absent: free-bandwidth gateways). */
  readonly credentials?: CredentialSource;
  readonly crypto?: CryptoBackend;
  /** Session AEAD for gateway frames (default `defaultAead`: OpenSSL + wasm in Node, noble + wasm in browsers). */
  readonly aead?: Aead;
  readonly rng?: RandomBytes;
  /** Wall time for timestamps (ack timing, reply state ages, gateway authentication). */
  readonly now?: () => number;
  /** Timers, and the monotonic time of the traffic streams. */
  readonly clock?: Clock;
  readonly logger?: Logger;
  /**
   * Durable receiving (delivered-store.ts): fragments of incomplete messages are kept across
   * restarts, and the gateway is asked for delivery receipts. Set it only with a listener
   * that keeps complete messages durably, subscribed (`onMessage`) before `start`: a frame
   * is confirmed to the gateway as soon as its handling returns.
   */
  readonly inbound?: DurableInbound;
}

export interface SendOptions {
  readonly signal?: AbortSignal;
}

/** What every part of the core shares: randomness, time, counters, logging. */
export interface CoreContext {
  readonly rng: RandomBytes;
  readonly now: () => number;
  readonly clock: Clock;
  readonly stats: ClientStats;
  readonly log: Logger;
}

export function coreContext(o: MixnetClientCoreOptions, stats: ClientStats): CoreContext {
  return {
    rng: o.rng ?? secureRandom,
    now: o.now ?? (() => Date.now()),
    clock: o.clock ?? systemClock,
    stats,
    log: o.logger ?? silentLogger,
  };
}
