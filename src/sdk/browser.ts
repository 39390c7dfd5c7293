/**
 * Browser entry of the SDK: `connect({ nymApi, storage })` with the page's WebSocket, the
 * client's keys and reply state in the IndexedDB database `storage` (in memory when absent,
 * so a new address per page load), and the web crypto backend that the "browser" condition
 * of `#crypto-default-backend` selects. No Node-only imports (see test/sdk).
 */
import { MixnetClientCore, type MixnetClientCoreOptions } from '../client/client.js';
import { MemoryKeyStore } from '../client/identity.js';
import { MemoryReplyStore } from '../client/store.js';
import { nymApiTopologySource } from '../client/topology-source.js';
import type { WebSocketFactory, WebSocketLike } from '../client/transport.js';
import { MixnetClient, type CallOptions } from './client.js';
import { IndexedDbKeyStore, IndexedDbReplyStore, openSdkDatabase, type StorageError } from './indexeddb.js';

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
  };

const pageWebSocket: WebSocketFactory = (url) => {
  if (typeof WebSocket !== 'function') throw new TypeError('sdk: no WebSocket in this environment');
  return new WebSocket(url) as unknown as WebSocketLike;
};

/** Start a mixnet client in this page and connect it to its gateway. */
export async function connect(opts: BrowserConnectOptions): Promise<MixnetClient> {
  const topology = opts.topology ?? (opts.nymApi?.length ? nymApiTopologySource(opts.nymApi) : undefined);
  if (!topology) throw new RangeError('sdk: pass nymApi URLs or a topology source');
  let keyStore;
  let replyStore;
  if (opts.storage !== undefined) {
    const db = await openSdkDatabase(opts.storage, opts.indexedDB);
    keyStore = new IndexedDbKeyStore(db);
    try {
      replyStore = await IndexedDbReplyStore.open(db, opts.onStorageError);
    } catch (e) {
      db.close();
      throw e;
    }
  } else {
    keyStore = new MemoryKeyStore();
    replyStore = new MemoryReplyStore();
  }
  const core = new MixnetClientCore({
    ...opts,
    topology,
    keyStore,
    replyStore,
    wsFactory: opts.wsFactory ?? pageWebSocket,
  });
  return MixnetClient.fromCore(core, opts);
}
