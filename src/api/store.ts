/**
 * The durable record of deposits this instance has signed for, with the answer it gave.
 *
 * A deposit is signed for once per instance, and the sealed share is kept with a digest of
 * the request, so that the same request for the same deposit is answered again with the
 * very same sealed share (a retry after a lost answer, or a request replayed by someone who
 * captured it: the share is sealed to the deposit's encryption key, so only the depositor
 * can read it), and any other request for that deposit is refused. This is what Nym's
 * nym-api did (`nym-api/src/coconut/mod.rs` at nym-binaries-v1.1.20: `signed_before`
 * answers the stored `BlindedSignatureResponse` for a tx hash, `encrypt_and_store` inserts
 * it atomically and, losing a race, answers the one stored first); Nymph also keeps the
 * request digest so a different request is not handed a share it cannot unblind.
 *
 * The record is written after signing, atomically (INSERT OR IGNORE): of two concurrent
 * requests for one deposit the first to write wins and the other answers what it wrote.
 */
import Database from 'better-sqlite3';
import type { SealedShare } from '../api-client/envelope.js';

export interface UsedDeposit {
  /** Upper-case hex. */
  txHash: string;
  /** RFC 3339. */
  usedAt: string;
  /** base58 ed25519 key the deposit names (a repeated request must be signed by it). */
  identityKey: string;
  value: string;
  /** Hex SHA-256 of the request signed (issuer.ts `blindSignRequestDigest`); null in records from before answers were kept. */
  requestDigest: string | null;
  /** The answer given: the share sealed to the deposit's encryption key; null likewise. */
  share: SealedShare | null;
}

/** What is recorded when signing: digest and share are always known then. */
export type IssuedShare = UsedDeposit & { requestDigest: string; share: SealedShare };

export interface DepositStore {
  /** Record `d`; returns null when it was recorded, the earlier record otherwise. */
  claim(d: IssuedShare): UsedDeposit | null;
  /** Forget a deposit (operator repair; nothing in issuance calls it). */
  release(txHash: string): void;
  get(txHash: string): UsedDeposit | null;
  count(): number;
  close(): void;
}

/** Deposits are keyed by upper-case hex hash, as CometBFT prints them. */
const norm = (h: string): string => h.toUpperCase();

interface Row {
  txHash: string;
  usedAt: string;
  identityKey: string;
  value: string;
  requestDigest: string | null;
  remoteKey: string | null;
  encryptedSignature: string | null;
}

const fromRow = (r: Row): UsedDeposit => ({
  txHash: r.txHash,
  usedAt: r.usedAt,
  identityKey: r.identityKey,
  value: r.value,
  requestDigest: r.requestDigest,
  share:
    r.remoteKey !== null && r.encryptedSignature !== null
      ? { remote_key: r.remoteKey, encrypted_signature: r.encryptedSignature }
      : null,
});

/** Columns added after the first version of the table (stores from before get them empty). */
const ADDED_COLUMNS = ['request_digest', 'remote_key', 'encrypted_signature'];

export class SqliteDepositStore implements DepositStore {
  private readonly db: Database.Database;
  private readonly insert: Database.Statement;
  private readonly select: Database.Statement;
  private readonly remove: Database.Statement;
  private readonly countStmt: Database.Statement;

  constructor(file: string) {
    this.db = new Database(file);
    // WAL: the record is one fsynced write; readers never block it.
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.exec(`CREATE TABLE IF NOT EXISTS used_deposits (
      tx_hash TEXT PRIMARY KEY NOT NULL,
      used_at TEXT NOT NULL,
      identity_key TEXT NOT NULL,
      value TEXT NOT NULL
    ) WITHOUT ROWID`);
    const have = new Set(
      (this.db.pragma('table_info(used_deposits)') as { name: string }[]).map((c) => c.name),
    );
    for (const c of ADDED_COLUMNS)
      if (!have.has(c)) this.db.exec(`ALTER TABLE used_deposits ADD COLUMN ${c} TEXT`);
    this.insert = this.db.prepare(
      `INSERT OR IGNORE INTO used_deposits
        (tx_hash, used_at, identity_key, value, request_digest, remote_key, encrypted_signature)
        VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    this.select = this.db.prepare(
      `SELECT tx_hash AS txHash, used_at AS usedAt, identity_key AS identityKey, value,
        request_digest AS requestDigest, remote_key AS remoteKey, encrypted_signature AS encryptedSignature
        FROM used_deposits WHERE tx_hash = ?`,
    );
    this.remove = this.db.prepare('DELETE FROM used_deposits WHERE tx_hash = ?');
    this.countStmt = this.db.prepare('SELECT COUNT(*) AS n FROM used_deposits');
  }

  claim(d: IssuedShare): UsedDeposit | null {
    const h = norm(d.txHash);
    const r = this.insert.run(
      h,
      d.usedAt,
      d.identityKey,
      d.value,
      d.requestDigest,
      d.share.remote_key,
      d.share.encrypted_signature,
    );
    if (r.changes === 1) return null;
    return this.get(h);
  }

  release(txHash: string): void {
    this.remove.run(norm(txHash));
  }

  get(txHash: string): UsedDeposit | null {
    const row = this.select.get(norm(txHash)) as Row | undefined;
    return row ? fromRow(row) : null;
  }

  count(): number {
    return (this.countStmt.get() as { n: number }).n;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

/** For tests and throw-away instances. */
export class MemoryDepositStore implements DepositStore {
  private readonly map = new Map<string, UsedDeposit>();
  claim(d: IssuedShare): UsedDeposit | null {
    const h = norm(d.txHash);
    const prev = this.map.get(h);
    if (prev) return prev;
    this.map.set(h, { ...d, txHash: h, share: { ...d.share } });
    return null;
  }
  release(txHash: string): void {
    this.map.delete(norm(txHash));
  }
  get(txHash: string): UsedDeposit | null {
    return this.map.get(norm(txHash)) ?? null;
  }
  count(): number {
    return this.map.size;
  }
  close(): void {}
}
