/**
 * SQLite reply store in the client's home (Node only), so reply SURBs, sender tags and
 * reply keys survive restarts.
 */
import Database from 'better-sqlite3';
import type { ReplyStore } from './store.js';

export class SqliteReplyStore implements ReplyStore {
  private readonly db: Database.Database;
  private readonly st: Record<string, Database.Statement>;

  constructor(path: string) {
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
      selSurbs: this.db.prepare('SELECT id, surb FROM reply_surbs WHERE tag = ? ORDER BY id LIMIT ?'),
      delSurb: this.db.prepare('DELETE FROM reply_surbs WHERE id = ?'),
      countSurbs: this.db.prepare('SELECT count(*) AS n FROM reply_surbs WHERE tag = ?'),
      getTag: this.db.prepare('SELECT tag FROM sender_tags WHERE recipient = ?'),
      tagOwner: this.db.prepare('SELECT recipient FROM sender_tags WHERE tag = ?'),
      setTag: this.db.prepare('INSERT OR REPLACE INTO sender_tags (recipient, tag) VALUES (?, ?)'),
      putKey: this.db.prepare('INSERT OR REPLACE INTO reply_keys (digest, key, tag, at) VALUES (?, ?, ?, ?)'),
      getKey: this.db.prepare('SELECT key, tag FROM reply_keys WHERE digest = ?'),
      delKey: this.db.prepare('DELETE FROM reply_keys WHERE digest = ?'),
      countKeys: this.db.prepare('SELECT count(*) AS n FROM reply_keys WHERE tag = ?'),
      pruneKeys: this.db.prepare('DELETE FROM reply_keys WHERE at < ?'),
      pruneSurbs: this.db.prepare('DELETE FROM reply_surbs WHERE at < ?'),
    };
  }

  addSurbs(tag: Uint8Array, surbs: Uint8Array[], now: number): void {
    this.db.transaction(() => {
      for (const s of surbs) this.st.addSurb.run(Buffer.from(tag), Buffer.from(s), now);
    })();
  }

  takeSurbs(tag: Uint8Array, n: number): Uint8Array[] {
    return this.db.transaction(() => {
      const rows = this.st.selSurbs.all(Buffer.from(tag), n) as { id: number; surb: Buffer }[];
      for (const r of rows) this.st.delSurb.run(r.id);
      return rows.map((r) => new Uint8Array(r.surb));
    })();
  }

  surbCount(tag: Uint8Array): number {
    return (this.st.countSurbs.get(Buffer.from(tag)) as { n: number }).n;
  }

  getSenderTag(recipient: string): Uint8Array | undefined {
    const r = this.st.getTag.get(recipient) as { tag: Buffer } | undefined;
    return r ? new Uint8Array(r.tag) : undefined;
  }

  setSenderTag(recipient: string, tag: Uint8Array): void {
    this.st.setTag.run(recipient, Buffer.from(tag));
  }

  recipientForTag(tag: Uint8Array): string | undefined {
    return (this.st.tagOwner.get(Buffer.from(tag)) as { recipient: string } | undefined)?.recipient;
  }

  putReplyKeys(entries: { digest: Uint8Array; key: Uint8Array; tag: Uint8Array }[], now: number): void {
    this.db.transaction(() => {
      for (const e of entries)
        this.st.putKey.run(Buffer.from(e.digest), Buffer.from(e.key), Buffer.from(e.tag), now);
    })();
  }

  takeReplyKey(digest: Uint8Array): { key: Uint8Array; tag: Uint8Array } | undefined {
    const d = Buffer.from(digest);
    const r = this.st.getKey.get(d) as { key: Buffer; tag: Buffer } | undefined;
    if (!r) return undefined;
    this.st.delKey.run(d);
    return { key: new Uint8Array(r.key), tag: new Uint8Array(r.tag) };
  }

  replyKeyCount(tag: Uint8Array): number {
    return (this.st.countKeys.get(Buffer.from(tag)) as { n: number }).n;
  }

  prune(cutoff: number): void {
    this.st.pruneKeys.run(cutoff);
    this.st.pruneSurbs.run(cutoff);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
