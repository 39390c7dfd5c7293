/**
 * Browser persistence for the SDK: the client's keys and gateway registration
 * (`IndexedDbKeyStore`) and its reply state (`IndexedDbReplyStore`) in one IndexedDB
 * database, so a page keeps its mixnet address and can still answer anonymous senders (and
 * decrypt their replies) after a reload. The Node counterparts are keys.json and
 * reply.sqlite in the client's home.
 *
 * Database layout (version 1), one object store each, out-of-line keys:
 *   state       'client'          -> stateToJson(...) (the same JSON as keys.json)
 *   surbs       base58(sender tag) -> [{ surb, at }]  reply SURBs received, oldest first
 *   tags        recipient address  -> our sender tag towards it
 *   replyKeys   base58(digest)     -> { key, tag, at } keys of the reply SURBs we handed out
 *
 * The reply store keeps everything in memory (the core's ReplyStore interface is
 * synchronous) and writes each change through to IndexedDB in order; a failed write is
 * reported to `onError` and the in-memory state stays authoritative for this session.
 */
import { ClientError } from '../client/errors.js';
import { stateFromJson, stateToJson, type KeyStore, type StoredState } from '../client/identity.js';
import { MemoryReplyStore, tagKey } from '../client/store.js';

const VERSION = 1;
const STATE = 'state';
const SURBS = 'surbs';
const TAGS = 'tags';
const REPLY_KEYS = 'replyKeys';
const STATE_KEY = 'client';

/** IndexedDB could not be opened or used (private mode, quota, blocked upgrade...). */
export class StorageError extends ClientError {
  override readonly code = 'storage_failed';
  constructor(
    readonly operation: string,
    cause?: unknown,
  ) {
    super(`sdk storage: ${operation} failed${cause instanceof Error ? `: ${cause.message}` : ''}`, { cause });
  }
}

function request<T>(operation: string, r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(new StorageError(operation, r.error));
  });
}

/** Open (creating or upgrading) the SDK's database `name`. */
export function openSdkDatabase(
  name: string,
  factory: IDBFactory = globalThis.indexedDB,
): Promise<IDBDatabase> {
  if (typeof name !== 'string' || name.length === 0)
    throw new RangeError('sdk storage: database name missing');
  if (!factory) return Promise.reject(new StorageError('open (no IndexedDB in this environment)'));
  return new Promise((resolve, reject) => {
    const r = factory.open(name, VERSION);
    r.onupgradeneeded = () => {
      const db = r.result;
      for (const store of [STATE, SURBS, TAGS, REPLY_KEYS])
        if (!db.objectStoreNames.contains(store)) db.createObjectStore(store);
    };
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(new StorageError(`open ${name}`, r.error));
    r.onblocked = () => reject(new StorageError(`open ${name} (blocked by another tab on an older version)`));
  });
}

/** Keys and gateway registration in IndexedDB (the browser's keys.json). */
export class IndexedDbKeyStore implements KeyStore {
  constructor(private readonly db: IDBDatabase) {}

  async load(): Promise<StoredState | undefined> {
    const tx = this.db.transaction(STATE, 'readonly');
    const j = await request('load keys', tx.objectStore(STATE).get(STATE_KEY));
    return j === undefined ? undefined : stateFromJson(j, `IndexedDB ${this.db.name}`);
  }

  async save(state: StoredState): Promise<void> {
    const tx = this.db.transaction(STATE, 'readwrite');
    await request('save keys', tx.objectStore(STATE).put(stateToJson(state), STATE_KEY));
  }
}

async function entries<V>(db: IDBDatabase, store: string): Promise<[string, V][]> {
  const tx = db.transaction(store, 'readonly');
  const os = tx.objectStore(store);
  const [keys, values] = await Promise.all([
    request(`read ${store}`, os.getAllKeys()),
    request(`read ${store}`, os.getAll()),
  ]);
  return keys.map((k, i) => [String(k), values[i] as V]);
}

/** Reply state in memory, written through to IndexedDB (see the module comment). */
export class IndexedDbReplyStore extends MemoryReplyStore {
  private constructor(
    private readonly db: IDBDatabase,
    private readonly onError: (e: StorageError) => void,
  ) {
    super();
  }

  /** Load the reply state kept in `db`. */
  static async open(
    db: IDBDatabase,
    onError: (e: StorageError) => void = () => undefined,
  ): Promise<IndexedDbReplyStore> {
    const s = new IndexedDbReplyStore(db, onError);
    const [surbs, tags, keys] = await Promise.all([
      entries<{ surb: Uint8Array; at: number }[]>(db, SURBS),
      entries<Uint8Array>(db, TAGS),
      entries<{ key: Uint8Array; tag: Uint8Array; at: number }>(db, REPLY_KEYS),
    ]);
    for (const [k, list] of surbs) s.surbs.set(k, list);
    for (const [recipient, tag] of tags) s.tags.set(recipient, tag);
    for (const [k, e] of keys) s.keys.set(k, e);
    return s;
  }

  private write(store: string, key: string, value: unknown | undefined): void {
    try {
      const tx = this.db.transaction(store, 'readwrite');
      const os = tx.objectStore(store);
      if (value === undefined) os.delete(key);
      else os.put(value, key);
      tx.onerror = () => this.onError(new StorageError(`write ${store}`, tx.error));
    } catch (e) {
      this.onError(new StorageError(`write ${store}`, e));
    }
  }

  private writeSurbs(k: string): void {
    this.write(SURBS, k, this.surbs.get(k));
  }

  override addSurbs(tag: Uint8Array, surbs: Uint8Array[], now: number): void {
    super.addSurbs(tag, surbs, now);
    this.writeSurbs(tagKey(tag));
  }

  override takeSurbs(tag: Uint8Array, n: number): Uint8Array[] {
    const taken = super.takeSurbs(tag, n);
    if (taken.length) this.writeSurbs(tagKey(tag));
    return taken;
  }

  override setSenderTag(recipient: string, tag: Uint8Array): void {
    super.setSenderTag(recipient, tag);
    this.write(TAGS, recipient, this.tags.get(recipient));
  }

  override putReplyKeys(
    entries: { digest: Uint8Array; key: Uint8Array; tag: Uint8Array }[],
    now: number,
  ): void {
    super.putReplyKeys(entries, now);
    for (const e of entries) {
      const k = tagKey(e.digest);
      this.write(REPLY_KEYS, k, this.keys.get(k));
    }
  }

  override takeReplyKey(digest: Uint8Array): { key: Uint8Array; tag: Uint8Array } | undefined {
    const taken = super.takeReplyKey(digest);
    if (taken) this.write(REPLY_KEYS, tagKey(digest), undefined);
    return taken;
  }

  override prune(cutoff: number): void {
    const oldKeys = [...this.keys].filter(([, e]) => e.at < cutoff).map(([k]) => k);
    const touched = [...this.surbs].filter(([, list]) => list.some((e) => e.at < cutoff)).map(([k]) => k);
    super.prune(cutoff);
    for (const k of oldKeys) this.write(REPLY_KEYS, k, undefined);
    for (const k of touched) this.writeSurbs(k);
  }

  override close(): void {
    this.db.close();
  }
}
