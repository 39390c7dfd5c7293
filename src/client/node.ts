/**
 * Node wiring of the client core: the `ws` websocket, keys as a JSON file and reply state
 * as SQLite in the client's home, pino-compatible logging. Browsers use the core directly
 * with their own WebSocket and stores.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { nodeAead } from '../crypto/node.js';
import { MixnetClientCore, type MixnetClientCoreOptions } from './client.js';
import { CorruptStateError } from './errors.js';
import { stateFromJson, stateToJson, MemoryKeyStore, type KeyStore, type StoredState } from './identity.js';
import { MemoryReplyStore } from './store.js';
import { SqliteReplyStore } from './store-sqlite.js';
import type { WebSocketFactory, WebSocketLike } from './transport.js';

export const nodeWebSocketFactory: WebSocketFactory = (url) =>
  new WebSocket(url, { perMessageDeflate: false, maxPayload: 256 * 1024 * 1024 }) as unknown as WebSocketLike;

/** `keys.json` (0600) in the client's home; written atomically. */
export class FileKeyStore implements KeyStore {
  readonly path: string;
  constructor(readonly home: string) {
    this.path = join(home, 'keys.json');
  }
  async load(): Promise<StoredState | undefined> {
    if (!existsSync(this.path)) return undefined;
    let j: unknown;
    try {
      j = JSON.parse(readFileSync(this.path, 'utf8'));
    } catch (e) {
      throw new CorruptStateError(this.path, (e as Error).message);
    }
    return stateFromJson(j, this.path);
  }
  async save(state: StoredState): Promise<void> {
    mkdirSync(this.home, { recursive: true, mode: 0o700 });
    const tmp = `${this.path}.tmp`;
    writeFileSync(tmp, JSON.stringify(stateToJson(state), null, 2), { mode: 0o600 });
    chmodSync(tmp, 0o600);
    renameSync(tmp, this.path);
  }
}

export type NodeClientOptions = Omit<MixnetClientCoreOptions, 'keyStore' | 'replyStore' | 'wsFactory'> & {
  /** Client home: keys.json and reply.sqlite live here. Without it, everything is in memory. */
  readonly home?: string;
  readonly keyStore?: KeyStore;
  readonly wsFactory?: WebSocketFactory;
};

export function createNodeClient(opts: NodeClientOptions): MixnetClientCore {
  let keyStore = opts.keyStore;
  let replyStore;
  if (opts.home) {
    mkdirSync(opts.home, { recursive: true, mode: 0o700 });
    keyStore ??= new FileKeyStore(opts.home);
    replyStore = new SqliteReplyStore(join(opts.home, 'reply.sqlite'));
  } else {
    keyStore ??= new MemoryKeyStore();
    replyStore = new MemoryReplyStore();
  }
  return new MixnetClientCore({
    ...opts,
    keyStore,
    replyStore,
    wsFactory: opts.wsFactory ?? nodeWebSocketFactory,
    aead: opts.aead ?? nodeAead,
  });
}
