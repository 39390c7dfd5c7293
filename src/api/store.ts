/**
 * The durable record of deposits this instance has already signed for. A deposit may be
 * used once per instance: the claim is taken atomically *before* signing (so two
 * concurrent requests for one deposit cannot both pass) and released only if signing
 * then fails for a reason that is not the caller's.
 */
import Database from 'better-sqlite3';

export interface UsedDeposit {
  txHash: string;
  /** RFC 3339. */
  usedAt: string;
  identityKey: string;
  value: string;
}

export interface DepositStore {
  /** Claim `txHash`; returns null when the claim succeeded, the earlier record otherwise. */
  claim(d: UsedDeposit): UsedDeposit | null;
  /** Undo a claim (signing failed on our side). */
  release(txHash: string): void;
  get(txHash: string): UsedDeposit | null;
  count(): number;
  close(): void;
}

/** Deposits are keyed by upper-case hex hash, as CometBFT prints them. */
const norm = (h: string): string => h.toUpperCase();

export class SqliteDepositStore implements DepositStore {
  private readonly db: Database.Database;
  private readonly insert: Database.Statement;
  private readonly select: Database.Statement;
  private readonly remove: Database.Statement;
  private readonly countStmt: Database.Statement;

  constructor(file: string) {
    this.db = new Database(file);
    // WAL: the claim is one fsynced write; readers never block it.
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.exec(`CREATE TABLE IF NOT EXISTS used_deposits (
      tx_hash TEXT PRIMARY KEY NOT NULL,
      used_at TEXT NOT NULL,
      identity_key TEXT NOT NULL,
      value TEXT NOT NULL
    ) WITHOUT ROWID`);
    this.insert = this.db.prepare(
      'INSERT OR IGNORE INTO used_deposits (tx_hash, used_at, identity_key, value) VALUES (?, ?, ?, ?)',
    );
    this.select = this.db.prepare(
      'SELECT tx_hash AS txHash, used_at AS usedAt, identity_key AS identityKey, value FROM used_deposits WHERE tx_hash = ?',
    );
    this.remove = this.db.prepare('DELETE FROM used_deposits WHERE tx_hash = ?');
    this.countStmt = this.db.prepare('SELECT COUNT(*) AS n FROM used_deposits');
  }

  claim(d: UsedDeposit): UsedDeposit | null {
    const h = norm(d.txHash);
    const r = this.insert.run(h, d.usedAt, d.identityKey, d.value);
    if (r.changes === 1) return null;
    return this.get(h);
  }

  release(txHash: string): void {
    this.remove.run(norm(txHash));
  }

  get(txHash: string): UsedDeposit | null {
    return (this.select.get(norm(txHash)) as UsedDeposit | undefined) ?? null;
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
  claim(d: UsedDeposit): UsedDeposit | null {
    const h = norm(d.txHash);
    const prev = this.map.get(h);
    if (prev) return prev;
    this.map.set(h, { ...d, txHash: h });
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
