/**
 * Browser entry of the SDK: `connect({ nymApi, storage })` with the page's WebSocket, the
 * client's keys and reply state in the IndexedDB database `storage` (in memory when absent,
 * so a new address per page load), and the web crypto backend that the "browser" condition
 * of `#crypto-default-backend` selects (wasm where the page may compile WebAssembly, the
 * pure one under a CSP without `wasm-unsafe-eval`); which one is reported once at start.
 * No Node-only imports (see test/sdk).
 *
 * Bandwidth: without `credentials`, the client claims the gateway's free bandwidth; a
 * gateway that refuses it fails `connect` (or, later, every send) with `NoBandwidthError`
 * at once, and the client stops rather than retry (bandwidth.ts). With `bandwidth`
 * (`browserBandwidth({ mnemonic, rpcUrl, ... })` from browser-credentials.ts, its own entry
 * `nymph/browser/credentials`: CosmJS and Coconut stay out of pages that do not pay), the
 * free claim comes first and, where the gateway refuses it, the client connects again paying
 * with a Coconut credential obtained in the page (kept in IndexedDB with `storage`).
 *
 * The same client runs in a Web Worker (./worker.ts, ./worker-client.ts), so cover traffic
 * and Sphinx work stay off the page's main thread.
 */
import { MixnetClientCore, type MixnetClientCoreOptions } from '../client/client.js';
import { errorCode, throwIfAborted } from '../client/errors.js';
import { MemoryKeyStore } from '../client/identity.js';
import { MemoryReplyStore } from '../client/store.js';
import { nymApiTopologySource } from '../client/topology-source.js';
import type { Logger, WebSocketFactory, WebSocketLike } from '../client/transport.js';
import { defaultBackend } from '../crypto/index.js';
import { Geometry } from '../sphinx/index.js';
import { BandwidthWatch, NoBandwidthError } from './bandwidth.js';
import { MixnetClient, type CallOptions } from './client.js';
import { IndexedDbKeyStore, IndexedDbReplyStore, openSdkDatabase, type StorageError } from './indexeddb.js';
import type { BrowserCredentialSource } from './browser-credentials.js';

export {
  MixnetClient,
  type SdkMessage,
  type CallOptions,
  type ReceivedMessage,
  type Recipient,
} from './client.js';
export { IndexedDbKeyStore, IndexedDbReplyStore, openSdkDatabase, StorageError } from './indexeddb.js';
export { parseRecipient, recipientToString } from '../client/address.js';
export * from '../client/errors.js';
export { NoBandwidthError } from './bandwidth.js';
export type { BrowserBandwidthOptions, BrowserCredentialSource } from './browser-credentials.js';

/** Bandwidth a page pays for: `browserBandwidth(options)` from `nymph/browser/credentials`. */
export interface PaidBandwidth {
  /** The credential source; unspent credentials kept in IndexedDB under `storage`, else in memory. */
  open(storage: string | undefined, indexedDB?: IDBFactory): Promise<BrowserCredentialSource>;
}

/** `wasm`: the web backend's WebAssembly hashes, ciphers and X25519; `pure`: plain JS. */
export type CryptoBackendKind = 'wasm' | 'pure';

export type BrowserConnectOptions = Omit<
  MixnetClientCoreOptions,
  'keyStore' | 'replyStore' | 'wsFactory' | 'topology'
> &
  CallOptions & {
    /** nym-api base URLs (topology); or pass `topology` yourself */
    readonly nymApi?: readonly string[];
    readonly topology?: MixnetClientCoreOptions['topology'];
    /**
     * IndexedDB database for keys and reply state; absent: kept in memory only. One page at a
     * time per name: two tabs on one name would be one address with two gateway sessions.
     */
    readonly storage?: string;
    /** The IndexedDB to use (default: the page's `indexedDB`). */
    readonly indexedDB?: IDBFactory;
    /** Default: the page's WebSocket. */
    readonly wsFactory?: WebSocketFactory;
    /** A reply-state write that IndexedDB refused (the session goes on from memory). */
    readonly onStorageError?: (e: StorageError) => void;
    /** Called once at start with the crypto backend in use (default: one `console.info` line). */
    readonly onBackend?: (kind: CryptoBackendKind, name: string) => void;
    /**
     * Pay for bandwidth where the gateway gives none free: Coconut credentials obtained in
     * this page (deposit through CosmJS, shares from the nym-apis). Ignored with `credentials`.
     */
    readonly bandwidth?: PaidBandwidth;
  };

const pageWebSocket: WebSocketFactory = (url) => {
  if (typeof WebSocket !== 'function') throw new TypeError('sdk: no WebSocket in this environment');
  return new WebSocket(url) as unknown as WebSocketLike;
};

export const backendKind = (name: string): CryptoBackendKind => (name === 'pure' ? 'pure' : 'wasm');

/**
 * The SDK client of a page: `MixnetClient` plus the crypto backend in use, idle mode, and
 * sends that fail at once with `NoBandwidthError` when the gateway has no bandwidth left
 * for us and there is no way to get more.
 */
export class BrowserMixnetClient extends MixnetClient {
  /** @internal use `connect` */
  constructor(
    core: MixnetClientCore,
    readonly backend: CryptoBackendKind,
    watch: BandwidthWatch,
    /** The page's own credential source (`bandwidth` option), when the gateway wanted one. */
    readonly credentialSource?: BrowserCredentialSource,
  ) {
    super(core, watch);
  }

  /**
   * Idle: no application is sending, so loop cover traffic slows down by the mode's
   * `idleCoverSlowdown` (10× in `nym` mode); pages call it when hidden.
   */
  setIdle(idle: boolean): void {
    this.core.setIdle(idle);
  }

  override async disconnect(opts: CallOptions = {}): Promise<void> {
    try {
      await super.disconnect(opts);
    } finally {
      this.credentialSource?.close();
    }
  }
}

function reportBackend(opts: BrowserConnectOptions, name: string): CryptoBackendKind {
  const kind = backendKind(name);
  if (opts.onBackend) opts.onBackend(kind, name);
  else if (opts.logger) opts.logger.info({ backend: kind, name }, 'crypto backend');
  else console.info(`nymph sdk: crypto backend ${kind} (${name})`);
  return kind;
}

/** Start a mixnet client in this page and connect it to its gateway. */
export async function connect(opts: BrowserConnectOptions): Promise<BrowserMixnetClient> {
  const topology = opts.topology ?? (opts.nymApi?.length ? nymApiTopologySource(opts.nymApi) : undefined);
  if (!topology) throw new RangeError('sdk: pass nymApi URLs or a topology source');
  const crypto = opts.crypto ?? defaultBackend;
  const backend = reportBackend(opts, crypto.name);
  const memory = { keyStore: new MemoryKeyStore(), replyStore: new MemoryReplyStore() };
  // opened per start: a stopped core closes its database (a second start, with a credential
  // source, opens it again)
  const openStores = async () => {
    if (opts.storage === undefined) return memory;
    const db = await openSdkDatabase(opts.storage, opts.indexedDB);
    try {
      return {
        keyStore: new IndexedDbKeyStore(db),
        replyStore: await IndexedDbReplyStore.open(db, opts.onStorageError),
      };
    } catch (e) {
      db.close();
      throw e;
    }
  };
  const start = async (credentials: MixnetClientCoreOptions['credentials']) => {
    const watch = new BandwidthWatch(!!credentials);
    const core = new MixnetClientCore({
      ...opts,
      crypto,
      topology,
      ...(await openStores()),
      logger: opts.logger as Logger | undefined,
      credentials: credentials && watch.credentials(credentials),
      wsFactory: watch.watch(opts.wsFactory ?? pageWebSocket),
    });
    // with credentials, the client waits below one packet's bandwidth for a top-up
    if (credentials) watch.needBytes = Geometry.of(core.config.packetSize).packetLength;
    try {
      throwIfAborted(opts.signal, 'connect');
      await core.start(opts.signal);
    } catch (e) {
      await core.stop();
      throw e;
    }
    return { core, watch };
  };
  const freeRefused = (e: unknown) => errorCode(e) === 'free_bandwidth_disabled';
  let started: { core: MixnetClientCore; watch: BandwidthWatch };
  let source: BrowserCredentialSource | undefined;
  try {
    started = await start(opts.credentials);
  } catch (e) {
    if (!freeRefused(e)) throw e;
    if (!opts.bandwidth)
      // a gateway that refuses free bandwidth to a client without credentials: typed, at once
      throw new NoBandwidthError('the gateway gives no free bandwidth and no credential source was given', {
        cause: e,
      });
    // the gateway wants a credential
    source = await opts.bandwidth.open(opts.storage, opts.indexedDB);
    try {
      started = await start(source);
    } catch (e2) {
      source.close();
      throw e2;
    }
    // the first credential failed (chain or nym-apis unreachable, deposit refused) and the
    // gateway gave nothing: typed, at once, rather than a client retrying in the background
    const blocked = started.watch.blocked;
    if (blocked) {
      await started.core.stop();
      source.close();
      throw new NoBandwidthError(blocked, { cause: started.watch.credentialError });
    }
  }
  const { core, watch } = started;
  core.setIdle(false);
  return new BrowserMixnetClient(core, backend, watch, source);
}
