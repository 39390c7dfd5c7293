/**
 * SQLite reply store in the client's home (Node only), so reply SURBs, sender tags and
 * reply keys survive restarts.
 *
 * Reads come from memory (`MemoryReplyStore`, loaded from the file at open) and changes are
 * written behind: each change is queued as the SQL statement that repeats it, and the queue
 * runs as one transaction at the end of the event-loop turn (and at `close`). A SOCKS
 * transfer takes a SURB and a reply key per 32 KB packet and counts SURBs several times per
 * reply; as a SELECT, DELETE and transaction each, that was ~100 us of a packet's CPU, and a
 * turn's worth of packets now shares one commit. Only what is safe to undo waits for the
 * turn's end: a SURB taken or a reply key used (a process killed in that window restarts
 * with them back: a SURB used twice is dropped by the mix nodes' replay filters, a key used
 * twice finds a duplicate). What must outlive a crash is written at once, with whatever
 * is queued: reply keys before the SURBs they open leave in a packet, SURBs and sender tags
 * received before the gateway is told the message was kept (delivery receipts). These come
 * once per message, not per packet.
 */
import Database from 'better-sqlite3';
import { MemoryReplyStore, tagKey } from './store.js';

interface QueuedWrite {
  readonly st: Database.Statement;
  readonly args: unknown[];
}

export class SqliteReplyStore extends MemoryReplyStore {
  private readonly db: Database.Database;
  private readonly st: Record<string, Database.Statement>;
  private queue: QueuedWrite[] = [];
  private flushScheduled = false;

  /** `onError`: a deferred write failed (default: a process warning); memory stays authoritative. */
  constructor(
    path: string,
    private readonly onError: (e: Error) => void = (e) => process.emitWarning(e),
  ) {
    super();
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS reply_surbs (id INTEGER PRIMARY KEY AUTOINCREMENT, tag BLOB NOT NULL, surb BLOB NOT NULL, at INTEGER NOT NULL);
      CREATE INDEX IF NOT EXISTS reply_surbs_tag ON reply_surbs(tag, id);
      CREATE TABLE IF NOT EXISTS sender_tags (recipient TEXT PRIMARY KEY, tag BLOB NOT NULL);
      CREATE TABLE IF NOT EXISTS reply_keys (digest BLOB PRIMARY KEY, key BLOB NOT NULL, tag BLOB NOT NULL, at INTEGER NOT NULL);
      CREATE INDEX IF NOT EXISTS reply_keys_tag ON reply_keys(tag);
    `);
    this.st = {
      addSurb: this.db.prepare('INSERT INTO reply_surbs (tag, surb, at) VALUES (?, ?, ?)'),
      // the oldest `n` of a tag: what `takeSurbs` hands out
      takeSurbs: this.db.prepare(
        'DELETE FROM reply_surbs WHERE id IN (SELECT id FROM reply_surbs WHERE tag = ? ORDER BY id LIMIT ?)',
      ),
      setTag: this.db.prepare('INSERT OR REPLACE INTO sender_tags (recipient, tag) VALUES (?, ?)'),
      putKey: this.db.prepare('INSERT OR REPLACE INTO reply_keys (digest, key, tag, at) VALUES (?, ?, ?, ?)'),
      delKey: this.db.prepare('DELETE FROM reply_keys WHERE digest = ?'),
      pruneKeys: this.db.prepare('DELETE FROM reply_keys WHERE at < ?'),
      pruneSurbs: this.db.prepare('DELETE FROM reply_surbs WHERE at < ?'),
    };
    this.load();
  }

  /** Everything in the file into memory, SURBs in the order they came. */
  private load(): void {
    const surbs = this.db.prepare('SELECT tag, surb, at FROM reply_surbs ORDER BY id').all() as {
      tag: Buffer;
      surb: Buffer;
      at: number;
    }[];
    for (const r of surbs) {
      const k = tagKey(r.tag);
      let list = this.surbs.get(k);
      if (!list) this.surbs.set(k, (list = []));
      list.push({ surb: new Uint8Array(r.surb), at: r.at });
    }
    const tags = this.db.prepare('SELECT recipient, tag FROM sender_tags').all() as {
      recipient: string;
      tag: Buffer;
    }[];
    for (const r of tags) this.tags.set(r.recipient, new Uint8Array(r.tag));
    const keys = this.db.prepare('SELECT digest, key, tag, at FROM reply_keys').all() as {
      digest: Buffer;
      key: Buffer;
      tag: Buffer;
      at: number;
    }[];
    for (const r of keys)
      this.keys.set(tagKey(r.digest), { key: new Uint8Array(r.key), tag: new Uint8Array(r.tag), at: r.at });
  }

  /** Queue a change that is safe to undo (see the file comment); it is written at the turn's end. */
  private write(st: Database.Statement, ...args: unknown[]): void {
    this.queue.push({ st, args });
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  /** Run the queued writes as one transaction. */
  flush(): void {
    this.flushScheduled = false;
    if (this.queue.length === 0 || !this.db.open) return;
    const queue = this.queue;
    this.queue = [];
    try {
      this.db.transaction(() => {
        for (const w of queue) w.st.run(...w.args);
      })();
    } catch (e) {
      this.onError(e as Error);
    }
  }

  override addSurbs(tag: Uint8Array, surbs: Uint8Array[], now: number): void {
    super.addSurbs(tag, surbs, now);
    const t = Buffer.from(tag);
    for (const s of surbs) this.write(this.st.addSurb, t, Buffer.from(s), now);
    this.flush();
  }

  override takeSurbs(tag: Uint8Array, n: number): Uint8Array[] {
    const taken = super.takeSurbs(tag, n);
    if (taken.length) this.write(this.st.takeSurbs, Buffer.from(tag), taken.length);
    return taken;
  }

  override setSenderTag(recipient: string, tag: Uint8Array): void {
    super.setSenderTag(recipient, tag);
    this.write(this.st.setTag, recipient, Buffer.from(tag));
    this.flush();
  }

  override putReplyKeys(
    entries: { digest: Uint8Array; key: Uint8Array; tag: Uint8Array }[],
    now: number,
  ): void {
    super.putReplyKeys(entries, now);
    for (const e of entries)
      this.write(this.st.putKey, Buffer.from(e.digest), Buffer.from(e.key), Buffer.from(e.tag), now);
    this.flush();
  }

  override takeReplyKey(digest: Uint8Array): { key: Uint8Array; tag: Uint8Array } | undefined {
    const taken = super.takeReplyKey(digest);
    if (taken) this.write(this.st.delKey, Buffer.from(digest));
    return taken;
  }

  override prune(cutoff: number): void {
    super.prune(cutoff);
    this.write(this.st.pruneKeys, cutoff);
    this.write(this.st.pruneSurbs, cutoff);
  }

  override close(): void {
    if (!this.db.open) return;
    this.flush();
    this.db.close();
  }
}
