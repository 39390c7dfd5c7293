/**
 * SQLite persistence (better-sqlite3, WAL). One SQLite transaction per block writes the
 * block, its txs and their index rows, and every state entry the block dirtied, so that a
 * kill -9 at any moment leaves the last committed block and its state intact.
 */
import Database from 'better-sqlite3';
import { ChainStoreError } from './errors.js';
import { WorldState, type AccountRecord, type ContractRecord } from './state.js';
import type { TxResultData } from './app.js';

// 2: tx results stored as their CometBFT JSON-RPC text.
const SCHEMA_VERSION = '2';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS accounts (
  address TEXT PRIMARY KEY, number TEXT NOT NULL, sequence TEXT NOT NULL, pubkey BLOB);
CREATE TABLE IF NOT EXISTS balances (
  address TEXT NOT NULL, denom TEXT NOT NULL, amount TEXT NOT NULL,
  PRIMARY KEY (address, denom)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS contracts (
  address TEXT PRIMARY KEY, code_id TEXT NOT NULL, instance_id TEXT NOT NULL, label TEXT NOT NULL,
  creator TEXT NOT NULL, admin TEXT NOT NULL, created_height TEXT NOT NULL, created_index TEXT NOT NULL,
  state TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS blocks (
  height INTEGER PRIMARY KEY, hash TEXT NOT NULL, time TEXT NOT NULL, num_txs INTEGER NOT NULL,
  block TEXT NOT NULL, results TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS txs (
  height INTEGER NOT NULL, idx INTEGER NOT NULL, hash TEXT NOT NULL, tx BLOB NOT NULL, result TEXT NOT NULL,
  PRIMARY KEY (height, idx)) WITHOUT ROWID;
CREATE UNIQUE INDEX IF NOT EXISTS txs_hash ON txs (hash);
CREATE TABLE IF NOT EXISTS tx_attrs (
  key TEXT NOT NULL, value TEXT NOT NULL, height INTEGER NOT NULL, idx INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS tx_attrs_kv ON tx_attrs (key, value, height, idx);
`;

export interface StoredBlock {
  height: number;
  hash: string;
  time: string;
  numTxs: number;
  /** The `block` RPC result object, as JSON text. */
  block: string;
  /** The `block_results` RPC result object, as JSON text. */
  results: string;
}

export interface StoredTxRow {
  height: number;
  idx: number;
  hash: string;
  tx: Uint8Array;
  /** The tx result as CometBFT JSON-RPC prints it (`tx_result`), served verbatim. */
  resultJson: string;
}

export interface BlockWrite {
  block: StoredBlock;
  txs: { idx: number; hash: string; tx: Uint8Array; resultJson: string; attrs: [string, string][] }[];
  meta: Record<string, string>;
}

/** Parse a stored `tx_result` (CometBFT JSON-RPC shape) back into a TxResultData. */
export function resultFromJson(s: string): TxResultData {
  const o = JSON.parse(s) as {
    code: number;
    codespace: string;
    log: string;
    data: string;
    gas_wanted: string;
    gas_used: string;
    events: TxResultData['events'];
  };
  return {
    code: o.code,
    codespace: o.codespace,
    log: o.log,
    data: new Uint8Array(Buffer.from(o.data, 'base64')),
    gasWanted: BigInt(o.gas_wanted),
    gasUsed: BigInt(o.gas_used),
    events: o.events,
  };
}

function stateToJson(state: unknown): string {
  return JSON.stringify(state, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? 'null';
}

type Row = Record<string, unknown>;

export class ChainStore {
  readonly db: Database.Database;
  private readonly stmts;
  private readonly searchCache = new Map<string, Database.Statement>();

  constructor(path: string) {
    // Short busy timeout: the only contender is another process holding the home.
    this.db = new Database(path, { timeout: 200 });
    try {
      // One process per chain home: the exclusive lock is held until this process ends
      // (the OS drops it on kill -9 too), so a second `chain run` fails fast and clearly.
      this.db.pragma('locking_mode = EXCLUSIVE');
      this.db.pragma('journal_mode = WAL');
      this.db.exec('BEGIN IMMEDIATE; COMMIT;');
    } catch (e) {
      this.db.close();
      if ((e as { code?: string }).code === 'SQLITE_BUSY')
        throw new ChainStoreError(`chain home is in use by another process: ${path}`);
      throw e;
    }
    // NORMAL in WAL mode: a committed block survives a process crash (kill -9); only an OS
    // crash can lose the last blocks, which a dev chain accepts for the write speed.
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(SCHEMA);
    const version = this.getMeta('schema_version');
    if (version === undefined)
      this.db.prepare('INSERT INTO meta VALUES (?, ?)').run('schema_version', SCHEMA_VERSION);
    else if (version !== SCHEMA_VERSION)
      throw new ChainStoreError(`unsupported store schema version ${version}`);
    const db = this.db;
    this.stmts = {
      putMeta: db.prepare(
        'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
      ),
      getMeta: db.prepare('SELECT value FROM meta WHERE key = ?'),
      putAccount: db.prepare(
        'INSERT INTO accounts VALUES (?, ?, ?, ?) ON CONFLICT(address) DO UPDATE SET number = excluded.number, sequence = excluded.sequence, pubkey = excluded.pubkey',
      ),
      putBalance: db.prepare(
        'INSERT INTO balances VALUES (?, ?, ?) ON CONFLICT(address, denom) DO UPDATE SET amount = excluded.amount',
      ),
      delBalance: db.prepare('DELETE FROM balances WHERE address = ? AND denom = ?'),
      putContract: db.prepare(
        `INSERT INTO contracts VALUES (?, ?, ?, ?, ?, ?, ?, ?, '{}') ON CONFLICT(address) DO UPDATE SET
         code_id = excluded.code_id, instance_id = excluded.instance_id, label = excluded.label,
         creator = excluded.creator, admin = excluded.admin`,
      ),
      putState: db.prepare('UPDATE contracts SET state = ? WHERE address = ?'),
      putBlock: db.prepare('INSERT INTO blocks VALUES (?, ?, ?, ?, ?, ?)'),
      putTx: db.prepare('INSERT INTO txs VALUES (?, ?, ?, ?, ?)'),
      putAttr: db.prepare('INSERT INTO tx_attrs VALUES (?, ?, ?, ?)'),
      getBlock: db.prepare('SELECT * FROM blocks WHERE height = ?'),
      getBlockByHash: db.prepare('SELECT * FROM blocks WHERE hash = ?'),
      getTxByHash: db.prepare('SELECT * FROM txs WHERE hash = ?'),
      blockMetas: db.prepare(
        'SELECT * FROM blocks WHERE height BETWEEN ? AND ? ORDER BY height DESC LIMIT 20',
      ),
    };
  }

  getMeta(key: string): string | undefined {
    const row = this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as
      { value: string } | undefined;
    return row?.value;
  }

  /** Load the whole committed state into memory. */
  loadWorld(world: WorldState): void {
    for (const r of this.db.prepare('SELECT * FROM accounts').all() as Row[]) {
      const a: AccountRecord = {
        address: r.address as string,
        number: BigInt(r.number as string),
        sequence: BigInt(r.sequence as string),
        pubkey: r.pubkey ? new Uint8Array(r.pubkey as Buffer) : null,
      };
      world.accounts.set(a.address, a);
    }
    for (const r of this.db.prepare('SELECT * FROM balances').all() as Row[]) {
      let m = world.balances.get(r.address as string);
      if (!m) world.balances.set(r.address as string, (m = new Map()));
      m.set(r.denom as string, BigInt(r.amount as string));
    }
    for (const r of this.db.prepare('SELECT * FROM contracts').all() as Row[]) {
      const c: ContractRecord = {
        address: r.address as string,
        codeId: BigInt(r.code_id as string),
        instanceId: BigInt(r.instance_id as string),
        label: r.label as string,
        creator: r.creator as string,
        admin: r.admin as string,
        createdHeight: BigInt(r.created_height as string),
        createdIndex: BigInt(r.created_index as string),
      };
      world.contracts.set(c.address, c);
      world.contractStates.set(c.address, JSON.parse(r.state as string));
    }
    world.nextAccountNumber = BigInt(this.getMeta('next_account_number') ?? '0');
    world.nextInstanceId = BigInt(this.getMeta('next_instance_id') ?? '1');
    world.clearDirty();
  }

  /** Commit one block and the state it dirtied, atomically. */
  commit(world: WorldState, write: BlockWrite): void {
    const s = this.stmts;
    this.db.transaction(() => {
      for (const addr of world.dirtyAccounts) {
        const a = world.accounts.get(addr);
        if (a)
          s.putAccount.run(
            a.address,
            a.number.toString(),
            a.sequence.toString(),
            a.pubkey ? Buffer.from(a.pubkey) : null,
          );
      }
      for (const key of world.dirtyBalances) {
        const [addr, denom] = WorldState.splitBalanceKey(key);
        const amount = world.getBalance(addr, denom);
        if (amount === 0n) s.delBalance.run(addr, denom);
        else s.putBalance.run(addr, denom, amount.toString());
      }
      for (const addr of world.dirtyContracts) {
        const c = world.contracts.get(addr);
        if (c) {
          s.putContract.run(
            c.address,
            c.codeId.toString(),
            c.instanceId.toString(),
            c.label,
            c.creator,
            c.admin,
            c.createdHeight.toString(),
            c.createdIndex.toString(),
          );
        }
      }
      for (const addr of world.dirtyStates) s.putState.run(stateToJson(world.contractStates.get(addr)), addr);
      const b = write.block;
      s.putBlock.run(b.height, b.hash, b.time, b.numTxs, b.block, b.results);
      for (const t of write.txs) {
        s.putTx.run(b.height, t.idx, t.hash, Buffer.from(t.tx), t.resultJson);
        for (const [k, v] of t.attrs) s.putAttr.run(k, v, b.height, t.idx);
      }
      const meta: Record<string, string> = {
        ...write.meta,
        next_account_number: world.nextAccountNumber.toString(),
        next_instance_id: world.nextInstanceId.toString(),
      };
      for (const [k, v] of Object.entries(meta)) s.putMeta.run(k, v);
    })();
    world.clearDirty();
  }

  putMeta(key: string, value: string): void {
    this.stmts.putMeta.run(key, value);
  }

  getBlock(height: number): StoredBlock | undefined {
    const r = this.stmts.getBlock.get(height) as Row | undefined;
    return r ? toBlock(r) : undefined;
  }

  getBlockByHash(hash: string): StoredBlock | undefined {
    const r = this.stmts.getBlockByHash.get(hash) as Row | undefined;
    return r ? toBlock(r) : undefined;
  }

  /** Up to 20 blocks from max down to min, as the `blockchain` RPC. */
  blockRange(min: number, max: number): StoredBlock[] {
    return (this.stmts.blockMetas.all(min, max) as Row[]).map(toBlock);
  }

  getTx(hash: string): StoredTxRow | undefined {
    const r = this.stmts.getTxByHash.get(hash) as Row | undefined;
    return r ? toTx(r) : undefined;
  }

  /**
   * Run a parsed tx query. `where` is SQL over table alias t (txs) with its parameters.
   * Returns the total count and the requested page, ordered by (height, idx).
   */
  searchTxs(
    where: string,
    params: unknown[],
    desc: boolean,
    limit: number,
    offset: number,
  ): { total: number; rows: StoredTxRow[] } {
    const countSql = `SELECT COUNT(*) AS n FROM txs t WHERE ${where}`;
    const order = desc ? 'DESC' : 'ASC';
    const pageSql = `SELECT * FROM txs t WHERE ${where} ORDER BY t.height ${order}, t.idx ${order} LIMIT ? OFFSET ?`;
    const total = (this.prepared(countSql).get(...params) as { n: number }).n;
    const rows = (this.prepared(pageSql).all(...params, limit, offset) as Row[]).map(toTx);
    return { total, rows };
  }

  private prepared(sql: string): Database.Statement {
    let st = this.searchCache.get(sql);
    if (!st) {
      if (this.searchCache.size > 200) this.searchCache.clear();
      st = this.db.prepare(sql);
      this.searchCache.set(sql, st);
    }
    return st;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

function toBlock(r: Row): StoredBlock {
  return {
    height: r.height as number,
    hash: r.hash as string,
    time: r.time as string,
    numTxs: r.num_txs as number,
    block: r.block as string,
    results: r.results as string,
  };
}

function toTx(r: Row): StoredTxRow {
  return {
    height: r.height as number,
    idx: r.idx as number,
    hash: r.hash as string,
    tx: new Uint8Array(r.tx as Buffer),
    resultJson: r.result as string,
  };
}
