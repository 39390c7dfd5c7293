/**
 * What the native client received, kept across its restarts (Node only: `inbox.sqlite` in
 * the client's home, next to reply.sqlite), so that a gateway's delivery receipt
 * (gateway/protocol/messages.ts) can be sent as soon as a frame is handled:
 *
 * - held: complete messages not yet handed to an app (the native API's held buffer), kept
 *   from the moment they complete until an app's socket took them;
 * - delivered: a digest of every complete message accepted, kept `retentionMs` (and at most
 *   `maxDelivered` of them), so that one pushed again after a restart (the gateway had not
 *   seen our receipt) or completed again from a retransmitted fragment is dropped. The
 *   digest is SHA-256 over the message's fragment set ids, kind, sender tag and bytes: set
 *   ids are random per message at the sender, so an app sending the same bytes twice sends
 *   two messages, while a repeat of one delivery carries the same ids;
 * - fragments: payloads that were fragments of a message not yet complete, fed to the
 *   receiver again at start, and dropped after the reassembly timeout (a fragment the
 *   gateway was told we hold must not die with the process before its message completes).
 *
 * Every write is its own SQLite transaction (WAL, synchronous=NORMAL: durable against the
 * process being killed, as the gateway's store), done synchronously in the receive path,
 * so a frame is durable when its handler returns, which is when the receipt counts it.
 */
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import type { ReceivedMessage } from './client.js';

export interface KeptFragment {
  readonly payload: Uint8Array;
  readonly replyKey?: Uint8Array;
}

/** What the client core needs to keep fragments across restarts (core-options.ts `inbound`). */
export interface DurableInbound {
  /** Fragments kept by an earlier run, oldest first (a reply's with the key that opens it). */
  keptFragments(): KeptFragment[];
  /**
   * A payload that is a fragment of a message not yet complete. A reply's payload comes with
   * the reply key that opened it: the key is used up once taken, and the payload could not
   * be opened again after a restart without it.
   */
  keepFragment(payload: Uint8Array, now: number, replyKey?: Uint8Array): void;
  /** Drops fragments kept before `cutoff` (ms). */
  pruneFragments(cutoff: number): void;
}

/** A complete message waiting for an app. */
export interface HeldMessage {
  readonly id: number;
  readonly message: ReceivedMessage;
}

/** Where the native API keeps received messages for apps (memory or this file). */
export interface AppInbox {
  /** Keeps a complete message for the apps: its id, or undefined for a repeat or one over the cap. */
  accept(m: ReceivedMessage, now: number): number | undefined;
  /** Held messages with an id above `afterId`, oldest first. */
  held(afterId: number, limit: number): HeldMessage[];
  /** An app's socket took it: it is no longer held. */
  handedOver(id: number): void;
  /** Messages held now. */
  readonly size: number;
  /** Messages dropped because `size` was at the cap. */
  readonly dropped: number;
  /** Repeats dropped. */
  readonly repeats: number;
  close(): void;
}

export class InboxStoreError extends Error {
  readonly code = 'inbox_store';
  constructor(
    readonly path: string,
    detail: string,
  ) {
    super(`client inbox store ${path}: ${detail}`);
    this.name = 'InboxStoreError';
  }
}

export interface DeliveredStoreOptions {
  /** Messages held for apps at most; more are dropped (counted). */
  readonly maxHeld: number;
  /** How long a delivered message's digest is kept (default 48 h: twice a gateway's inbox age). */
  readonly retentionMs?: number;
  /** Digests kept at most (the oldest go first). */
  readonly maxDelivered?: number;
}

const KINDS = ['plain', 'repliable', 'reply'] as const;
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
};

/** The digest that names one delivery of a message (see the file comment). */
export function deliveryDigest(m: ReceivedMessage): Buffer {
  const h = createHash('sha256');
  const ids = m.setIds ?? [];
  h.update(u32(ids.length));
  for (const id of ids) h.update(u32(id));
  h.update(u32(KINDS.indexOf(m.kind)));
  h.update(u32(m.senderTag?.length ?? 0));
  if (m.senderTag) h.update(m.senderTag);
  h.update(m.message);
  return h.digest();
}

const bytes = (b: Buffer) => new Uint8Array(b.buffer, b.byteOffset, b.length);

export class DeliveredStore implements AppInbox, DurableInbound {
  private readonly db: Database.Database;
  private readonly q: Record<string, Database.Statement>;
  private readonly acceptTx: (digest: Buffer, m: ReceivedMessage, now: number) => number | undefined;
  private heldCount: number;
  private droppedCount = 0;
  private repeatCount = 0;
  private readonly retentionMs: number;
  private readonly maxDelivered: number;

  constructor(
    readonly path: string,
    private readonly o: DeliveredStoreOptions,
  ) {
    try {
      this.db = new Database(path);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      this.db.exec(`
        CREATE TABLE IF NOT EXISTS held (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          message BLOB NOT NULL,
          sender_tag BLOB,
          kind INTEGER NOT NULL,
          set_ids TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS delivered (digest BLOB PRIMARY KEY, at INTEGER NOT NULL);
        CREATE INDEX IF NOT EXISTS delivered_at ON delivered (at);
        CREATE TABLE IF NOT EXISTS fragments (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          payload BLOB NOT NULL,
          reply_key BLOB,
          at INTEGER NOT NULL
        );
      `);
    } catch (e) {
      throw new InboxStoreError(path, (e as Error).message);
    }
    const p = (sql: string) => this.db.prepare(sql);
    this.q = {
      seen: p('SELECT 1 FROM delivered WHERE digest = ?'),
      markSeen: p('INSERT INTO delivered (digest, at) VALUES (?, ?)'),
      hold: p('INSERT INTO held (message, sender_tag, kind, set_ids) VALUES (?, ?, ?, ?)'),
      held: p('SELECT id, message, sender_tag, kind, set_ids FROM held WHERE id > ? ORDER BY id LIMIT ?'),
      countHeld: p('SELECT COUNT(*) AS n FROM held'),
      unhold: p('DELETE FROM held WHERE id = ?'),
      pruneAge: p('DELETE FROM delivered WHERE at < ?'),
      countDelivered: p('SELECT COUNT(*) AS n FROM delivered'),
      pruneCount: p(
        'DELETE FROM delivered WHERE digest IN (SELECT digest FROM delivered ORDER BY at LIMIT ?)',
      ),
      keep: p('INSERT INTO fragments (payload, reply_key, at) VALUES (?, ?, ?)'),
      kept: p('SELECT payload, reply_key FROM fragments ORDER BY id'),
      pruneFragments: p('DELETE FROM fragments WHERE at < ?'),
    };
    this.heldCount = (this.q.countHeld.get() as { n: number }).n;
    this.retentionMs = o.retentionMs ?? 48 * 3600_000;
    this.maxDelivered = o.maxDelivered ?? 1_000_000;
    // the digest and the held row in one transaction: a kill leaves both or neither
    this.acceptTx = this.db.transaction((digest: Buffer, m: ReceivedMessage, now: number) => {
      if (this.q.seen.get(digest)) return undefined;
      this.q.markSeen.run(digest, now);
      const r = this.q.hold.run(
        m.message,
        m.senderTag ?? null,
        KINDS.indexOf(m.kind),
        JSON.stringify(m.setIds ?? []),
      );
      return Number(r.lastInsertRowid);
    });
  }

  get size(): number {
    return this.heldCount;
  }

  get dropped(): number {
    return this.droppedCount;
  }

  get repeats(): number {
    return this.repeatCount;
  }

  accept(m: ReceivedMessage, now: number): number | undefined {
    const digest = deliveryDigest(m);
    if (this.heldCount >= this.o.maxHeld) {
      if (this.q.seen.get(digest)) this.repeatCount++;
      else this.droppedCount++;
      return undefined;
    }
    const id = this.acceptTx(digest, m, now);
    if (id === undefined) this.repeatCount++;
    else this.heldCount++;
    return id;
  }

  held(afterId: number, limit: number): HeldMessage[] {
    const rows = this.q.held.all(afterId, limit) as {
      id: number;
      message: Buffer;
      sender_tag: Buffer | null;
      kind: number;
      set_ids: string;
    }[];
    return rows.map((r) => ({
      id: r.id,
      message: {
        message: bytes(r.message),
        ...(r.sender_tag ? { senderTag: bytes(r.sender_tag) } : {}),
        kind: KINDS[r.kind] ?? 'plain',
        setIds: JSON.parse(r.set_ids) as number[],
      },
    }));
  }

  handedOver(id: number): void {
    if (this.q.unhold.run(id).changes > 0) this.heldCount--;
  }

  /** Forgets digests past the retention or the cap; returns how many went. */
  pruneDelivered(now: number): number {
    let n = this.q.pruneAge.run(now - this.retentionMs).changes;
    const over = (this.q.countDelivered.get() as { n: number }).n - this.maxDelivered;
    if (over > 0) n += this.q.pruneCount.run(over).changes;
    return n;
  }

  keptFragments(): KeptFragment[] {
    return (this.q.kept.all() as { payload: Buffer; reply_key: Buffer | null }[]).map((r) =>
      r.reply_key
        ? { payload: bytes(r.payload), replyKey: bytes(r.reply_key) }
        : { payload: bytes(r.payload) },
    );
  }

  keepFragment(payload: Uint8Array, now: number, replyKey?: Uint8Array): void {
    this.q.keep.run(payload, replyKey ?? null, now);
  }

  pruneFragments(cutoff: number): void {
    this.q.pruneFragments.run(cutoff);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
