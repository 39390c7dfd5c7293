/**
 * The gateway's durable state in one SQLite file (WAL): registered clients with their
 * shared keys, last authentication time and bandwidth; the inbox of messages for clients
 * that are offline; and the blinded serial numbers of credentials spent here.
 * `':memory:'` gives the same store in memory for tests.
 *
 * Transaction semantics of the inbox. Messages from the mixnet are inserted in one
 * transaction per event-loop turn (`storeMessages`, delivery.ts), whose SURB-acks are sent
 * only after it commits; each DELETE of a message pushed to a client without receipts is its
 * own transaction (autocommit), confirmed ones go in one per receipt. Once a commit returns,
 * its WAL frames are written to the file (the OS holds them), so the change survives the
 * process being killed with SIGKILL; with synchronous=NORMAL the WAL is not fsynced per
 * commit, so a power cut may lose the last commits (the guarantee is against process death,
 * not against the machine's).
 *
 * A message leaves the inbox once the gateway has written it to the client's socket: the
 * socket's write callback (the kernel took the frame) runs `deleteMessage` for that one
 * message, and the next frame is written only then (authenticated.ts `drain`). Deleting
 * per message, one frame in flight, is what makes a kill -9 mid-drain neither lose nor
 * repeat messages: a frame the kernel took reaches the client after the process dies (the
 * kernel still sends it before the FIN) and is already deleted, or is deleted in the same
 * turn of the event loop; a frame still in the process's buffers dies with it and stays
 * stored. What remains is a window of microseconds per message, between the kernel taking a
 * frame and its DELETE returning: a kill inside it repeats that one message; and a client
 * killed before it stored what the kernel handed it loses that message.
 *
 * A client that asked for delivery receipts (protocol/messages.ts: Nymph's client does,
 * Nym's does not) is drained differently: each pushed message stays here until the client
 * says it holds it durably, then the confirmed ones go in one transaction
 * (`deleteMessages`); messages that arrive while it is connected are stored too and pushed
 * from here, so they survive a kill -9 of the gateway. The drain reads past the pushed, unconfirmed ones with
 * `messagesAfter`; a session that ends first leaves them for the next one, which pushes
 * them again (the client drops what it already has). A kill -9 of both sides then loses
 * nothing, and the only repeats are messages the client already holds.
 */
import Database from 'better-sqlite3';

export interface ClientRecord {
  identity: Uint8Array;
  sharedKey: Uint8Array;
  lastAuthTimestamp: number | undefined;
  bandwidth: number;
}

export interface StoredMessage {
  id: number;
  content: Uint8Array;
}

export class GatewayStore {
  private readonly db: Database.Database;
  private readonly q: {
    getClient: Database.Statement;
    putClient: Database.Statement;
    setAuth: Database.Statement;
    setBandwidth: Database.Statement;
    allClients: Database.Statement;
    insertMsg: Database.Statement;
    batch: Database.Statement;
    batchAfter: Database.Statement;
    countMsgs: Database.Statement;
    deleteMsg: Database.Statement;
    purge: Database.Statement;
    isSpent: Database.Statement;
    markSpent: Database.Statement;
    forgetClient: Database.Statement;
    forgetInbox: Database.Statement;
  };

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS clients (
        identity BLOB PRIMARY KEY,
        shared_key BLOB NOT NULL,
        last_auth_ts INTEGER,
        bandwidth INTEGER NOT NULL DEFAULT 0,
        registered_at INTEGER NOT NULL
      );
      CREATE TABLE IF NOT EXISTS inbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        client BLOB NOT NULL,
        content BLOB NOT NULL,
        received_at INTEGER NOT NULL
      );
      CREATE INDEX IF NOT EXISTS inbox_client ON inbox (client, id);
      CREATE INDEX IF NOT EXISTS inbox_age ON inbox (received_at);
      CREATE TABLE IF NOT EXISTS spent_credentials (
        serial TEXT PRIMARY KEY,
        client BLOB NOT NULL,
        bytes INTEGER NOT NULL,
        spent_at INTEGER NOT NULL
      );
    `);
    const p = (sql: string) => this.db.prepare(sql);
    this.q = {
      getClient: p('SELECT identity, shared_key, last_auth_ts, bandwidth FROM clients WHERE identity = ?'),
      putClient: p(
        `INSERT INTO clients (identity, shared_key, last_auth_ts, bandwidth, registered_at) VALUES (?, ?, NULL, 0, ?)
         ON CONFLICT(identity) DO UPDATE SET shared_key = excluded.shared_key, last_auth_ts = NULL`,
      ),
      setAuth: p('UPDATE clients SET last_auth_ts = ? WHERE identity = ?'),
      setBandwidth: p('UPDATE clients SET bandwidth = ? WHERE identity = ?'),
      allClients: p('SELECT identity FROM clients'),
      insertMsg: p('INSERT INTO inbox (client, content, received_at) VALUES (?, ?, ?)'),
      batch: p('SELECT id, content FROM inbox WHERE client = ? ORDER BY id LIMIT ?'),
      batchAfter: p('SELECT id, content FROM inbox WHERE client = ? AND id > ? ORDER BY id LIMIT ?'),
      countMsgs: p('SELECT COUNT(*) AS n FROM inbox WHERE client = ?'),
      deleteMsg: p('DELETE FROM inbox WHERE id = ?'),
      purge: p('DELETE FROM inbox WHERE received_at < ?'),
      isSpent: p('SELECT 1 FROM spent_credentials WHERE serial = ?'),
      markSpent: p('INSERT INTO spent_credentials (serial, client, bytes, spent_at) VALUES (?, ?, ?, ?)'),
      forgetClient: p('DELETE FROM clients WHERE identity = ?'),
      forgetInbox: p('DELETE FROM inbox WHERE client = ?'),
    };
  }

  getClient(identity: Uint8Array): ClientRecord | undefined {
    const r = this.q.getClient.get(identity) as
      { identity: Buffer; shared_key: Buffer; last_auth_ts: number | null; bandwidth: number } | undefined;
    if (!r) return undefined;
    return {
      identity: new Uint8Array(r.identity),
      sharedKey: new Uint8Array(r.shared_key),
      lastAuthTimestamp: r.last_auth_ts ?? undefined,
      bandwidth: r.bandwidth,
    };
  }

  /** Registers a client or replaces its shared key (a new registration); bandwidth is kept. */
  putClient(identity: Uint8Array, sharedKey: Uint8Array, nowMs: number): void {
    this.q.putClient.run(identity, sharedKey, nowMs);
  }

  /** Nym's ForgetMe: the client's key, balance and stored messages go (spends stay on record). */
  forgetClient(identity: Uint8Array): void {
    this.db.transaction(() => {
      this.q.forgetInbox.run(identity);
      this.q.forgetClient.run(identity);
    })();
  }

  /** Milliseconds of the last accepted authenticateV2 timestamp (whole seconds × 1000). */
  setLastAuth(identity: Uint8Array, ts: number): void {
    this.q.setAuth.run(ts, identity);
  }

  setBandwidth(identity: Uint8Array, bytes: number): void {
    this.q.setBandwidth.run(bytes, identity);
  }

  storeMessage(client: Uint8Array, content: Uint8Array, nowMs: number): number {
    return Number(this.q.insertMsg.run(client, content, nowMs).lastInsertRowid);
  }

  /**
   * Several messages in one transaction (the final hop's per-turn batch, delivery.ts): all
   * are stored or none; returns their ids, in order.
   */
  storeMessages(
    items: readonly { readonly destination: Uint8Array; readonly message: Uint8Array }[],
    nowMs: number,
  ): number[] {
    return this.db.transaction(() =>
      items.map((m) => Number(this.q.insertMsg.run(m.destination, m.message, nowMs).lastInsertRowid)),
    )();
  }

  messages(client: Uint8Array, limit: number): StoredMessage[] {
    return (this.q.batch.all(client, limit) as { id: number; content: Buffer }[]).map((r) => ({
      id: r.id,
      content: new Uint8Array(r.content.buffer, r.content.byteOffset, r.content.length),
    }));
  }

  /** The oldest `limit` messages with an id above `afterId` (those pushed are still stored). */
  messagesAfter(client: Uint8Array, afterId: number, limit: number): StoredMessage[] {
    return (this.q.batchAfter.all(client, afterId, limit) as { id: number; content: Buffer }[]).map((r) => ({
      id: r.id,
      content: new Uint8Array(r.content.buffer, r.content.byteOffset, r.content.length),
    }));
  }

  countMessages(client: Uint8Array): number {
    return (this.q.countMsgs.get(client) as { n: number }).n;
  }

  /** One delivered message, in its own transaction (see the file comment). */
  deleteMessage(id: number): void {
    this.q.deleteMsg.run(id);
  }

  /** Several messages in one transaction: all of them go, or none. */
  deleteMessages(ids: number[]): void {
    this.db.transaction((xs: number[]) => {
      for (const id of xs) this.q.deleteMsg.run(id);
    })(ids);
  }

  purgeOlderThan(cutoffMs: number): number {
    return this.q.purge.run(cutoffMs).changes;
  }

  isSpent(serial: string): boolean {
    return this.q.isSpent.get(serial) !== undefined;
  }

  /** Records a spend and the client's new balance in one transaction. */
  recordSpend(serial: string, client: Uint8Array, bytes: number, balanceAfter: number, nowMs: number): void {
    this.db.transaction(() => {
      this.q.markSpent.run(serial, client, bytes, nowMs);
      this.q.setBandwidth.run(balanceAfter, client);
    })();
  }

  /** Every registered identity (to recognise destinations without a query per packet). */
  clientIdentities(): Uint8Array[] {
    return (this.q.allClients.all() as { identity: Buffer }[]).map((r) => new Uint8Array(r.identity));
  }

  close(): void {
    this.db.close();
  }
}
