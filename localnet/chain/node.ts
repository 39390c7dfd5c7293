/**
 * The single-validator node: genesis, mempool, block production and commit, tx indexing
 * and search. It owns the `App` and the `ChainStore`; the RPC layer (rpc.ts) calls into it.
 *
 * Blocks are produced `txBatchMs` after the first pending tx arrives (so that parallel
 * broadcasts share a block). Without txs, as CometBFT with `create_empty_blocks = false`,
 * no block is made (an idle chain does not grow) except when a contract's scheduled work is
 * due (the epoch advance: `Contract.nextScheduledNanos`) or, with an empty-block interval,
 * once that long has passed without a block; with `create_empty_blocks = true` and no
 * interval, every `blockIntervalMs`. The node looks every `blockIntervalMs`. A block runs
 * synchronously: BeginBlock hooks, DeliverTx for every mempool tx, then one SQLite
 * transaction for the block, its txs and the state it dirtied.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import type { Logger } from 'pino';
import type { Contract } from '../../contracts-mock/types.js';
import {
  App,
  type AbciEvent,
  type BlockContext,
  type CheckedTx,
  type StoredTx,
  type TxResultData,
} from './app.js';
import { AbciError, ChainStoreError, MempoolFullError, TxInMempoolError } from './errors.js';
import { sha256, toBase64, toHexUpper, rfc3339Nanos } from './crypto.js';
import { WorldState } from './state.js';
import { SignatureVerifier } from './verifier.js';
import { ChainMetrics } from './metrics.js';
import { ChainStore, resultFromJson, type StoredBlock, type StoredTxRow, type BlockWrite } from './store.js';

export const COMETBFT_VERSION = '0.38.17';
export const BLOCK_PROTOCOL = '11';
export const P2P_PROTOCOL = '8';
const EMPTY_HASH = toHexUpper(sha256(new Uint8Array()));

export interface GenesisAccount {
  address: string;
  coins: { denom: string; amount: string }[];
}

export interface GenesisContract {
  codeId: number;
  label: string;
  msg: unknown;
}

export interface NodeOptions {
  chainId: string;
  prefix: string;
  denom: string;
  minGasPrice: number;
  blockIntervalMs: number;
  /** CometBFT's create_empty_blocks. */
  createEmptyBlocks: boolean;
  /** CometBFT's create_empty_blocks_interval, ms; 0 for none. */
  createEmptyBlocksIntervalMs: number;
  txBatchMs: number;
  maxMempoolTxs: number;
  /** Worker threads for CheckTx signatures (0: verify on the main thread). */
  verifyWorkers: number;
  codes: ReadonlyMap<number, Contract>;
  log: Logger;
}

/** A tx result as CometBFT JSON-RPC prints it. */
export function txResultJson(r: TxResultData): Record<string, unknown> {
  return {
    code: r.code,
    data: toBase64(r.data),
    log: r.log,
    info: '',
    gas_wanted: r.gasWanted.toString(),
    gas_used: r.gasUsed.toString(),
    events: r.events.map(eventJson),
    codespace: r.codespace,
  };
}

function eventJson(e: AbciEvent): Record<string, unknown> {
  return { type: e.type, attributes: e.attributes.map((a) => ({ key: a.key, value: a.value, index: true })) };
}

interface Waiter {
  resolve: (r: { height: number; index: number; result: TxResultData }) => void;
}

export interface NewBlockEvent {
  block: Record<string, unknown>;
  blockId: Record<string, unknown>;
  results: Record<string, unknown>;
  txs: { hashHex: string; height: number; index: number; tx: Uint8Array; result: TxResultData }[];
}

export class ChainNode {
  readonly world = new WorldState();
  readonly metrics = new ChainMetrics();
  readonly app: App;
  height = 0;
  lastBlockId: { hash: string; parts: { total: number; hash: string } } = {
    hash: '',
    parts: { total: 0, hash: '' },
  };
  lastBlockTimeNanos = 0n;
  appHash = new Uint8Array(32);
  lastResultsHash = EMPTY_HASH;
  genesis: Record<string, unknown> = {};
  readonly validator: { secret: Uint8Array; pubkey: Uint8Array; address: string; nodeId: string };

  private mempool: CheckedTx[] = [];
  /** Hashes of txs whose signature is being checked. */
  private readonly verifying = new Set<string>();
  private readonly verifier: SignatureVerifier;
  private readonly mempoolHashes = new Set<string>();
  private readonly waiters = new Map<string, Waiter[]>();
  private readonly blockListeners = new Set<(e: NewBlockEvent) => void>();
  private batchTimer: NodeJS.Timeout | null = null;
  private intervalTimer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    readonly store: ChainStore,
    readonly opts: NodeOptions,
  ) {
    this.app = new App(
      this.world,
      {
        chainId: opts.chainId,
        prefix: opts.prefix,
        denom: opts.denom,
        minGasPrice: opts.minGasPrice,
        codes: opts.codes,
      },
      (hash) => this.lookupTx(hash),
    );
    this.verifier = new SignatureVerifier(opts.verifyWorkers);
    let secretHex = store.getMeta('validator_secret');
    if (!secretHex) {
      secretHex = Buffer.from(ed25519.utils.randomSecretKey()).toString('hex');
      store.putMeta('validator_secret', secretHex);
    }
    const secret = new Uint8Array(Buffer.from(secretHex, 'hex'));
    const pubkey = ed25519.getPublicKey(secret);
    const address = toHexUpper(sha256(pubkey).subarray(0, 20));
    this.validator = { secret, pubkey, address, nodeId: address.toLowerCase() };
  }

  /** Whether a genesis was already committed in this store. */
  get initialized(): boolean {
    return this.store.getMeta('genesis') !== undefined;
  }

  /** Load the committed state and the chain tip after a restart. */
  load(): void {
    const chainId = this.store.getMeta('chain_id');
    if (chainId !== this.opts.chainId) {
      throw new ChainStoreError(`store holds chain ${chainId}, configured ${this.opts.chainId}`);
    }
    this.store.loadWorld(this.world);
    this.genesis = JSON.parse(this.store.getMeta('genesis') ?? '{}') as Record<string, unknown>;
    this.height = Number(this.store.getMeta('height') ?? '0');
    this.appHash = new Uint8Array(Buffer.from(this.store.getMeta('app_hash') ?? '', 'hex'));
    this.lastResultsHash = this.store.getMeta('last_results_hash') ?? EMPTY_HASH;
    const tip = this.height > 0 ? this.store.getBlock(this.height) : undefined;
    if (tip) {
      const b = JSON.parse(tip.block) as { block_id: ChainNode['lastBlockId'] };
      this.lastBlockId = b.block_id;
      this.lastBlockTimeNanos = BigInt(this.store.getMeta('last_block_time_nanos') ?? '0');
      this.timeOffsetNanos = BigInt(this.store.getMeta('time_offset_nanos') ?? '0');
    }
  }

  /**
   * Write the genesis: accounts with coins (account numbers in order), then the genesis
   * contracts instantiated by `admin`. Committed as the genesis state (height 0).
   */
  initGenesis(
    accounts: GenesisAccount[],
    contracts: GenesisContract[],
    admin: string,
  ): Record<string, string> {
    const now = BigInt(Date.now()) * 1_000_000n;
    for (const a of accounts) {
      this.world.setAccount({
        address: a.address,
        number: this.world.takeAccountNumber(),
        sequence: 0n,
        pubkey: null,
      });
      for (const c of a.coins) this.world.setBalance(a.address, c.denom, BigInt(c.amount));
    }
    const block: BlockContext = { height: 0n, timeNanos: now };
    const addresses: Record<string, string> = {};
    for (const c of contracts) {
      const r = this.app.genesisInstantiate(admin, c.codeId, c.label, c.msg, block);
      addresses[c.label] = r.address;
    }
    this.genesis = {
      genesis_time: rfc3339Nanos(now),
      chain_id: this.opts.chainId,
      initial_height: '1',
      consensus_params: {
        block: { max_bytes: '22020096', max_gas: '-1' },
        evidence: { max_age_num_blocks: '100000', max_age_duration: '172800000000000', max_bytes: '1048576' },
        validator: { pub_key_types: ['ed25519'] },
        version: { app: '0' },
        abci: { vote_extensions_enable_height: '0' },
      },
      validators: [
        {
          address: this.validator.address,
          pub_key: { type: 'tendermint/PubKeyEd25519', value: toBase64(this.validator.pubkey) },
          power: '10',
          name: 'nymph',
        },
      ],
      app_hash: '',
      app_state: {
        auth: { accounts: accounts.map((a) => a.address) },
        bank: { balances: accounts },
        wasm: { contracts: Object.entries(addresses).map(([label, address]) => ({ label, address })) },
      },
    };
    this.appHash = sha256(new TextEncoder().encode(JSON.stringify(this.genesis)));
    this.lastBlockTimeNanos = now;
    // Genesis state is committed with the first block's transaction by start(); write the
    // meta now so a crash before block 1 simply re-runs genesis on an empty store.
    this.pendingGenesisMeta = {
      chain_id: this.opts.chainId,
      genesis: JSON.stringify(this.genesis),
      contracts: JSON.stringify(addresses),
    };
    return addresses;
  }
  private pendingGenesisMeta: Record<string, string> | null = null;
  private failingHooks = new Set<string>();
  /** Added to the wall clock for block times; grows with `advanceTime` (dev tooling). */
  private timeOffsetNanos = 0n;

  /**
   * Dev tooling, like Anvil's evm_increaseTime + evm_mine: move the chain clock forward and
   * commit a block at the new time (with any pending txs), so contracts' time-driven work
   * (epoch advance in beginBlock) can be tested without waiting.
   */
  advanceTime(seconds: number): { height: number; timeNanos: bigint } {
    if (!Number.isFinite(seconds) || seconds < 0 || seconds > 10 * 365 * 86400) {
      throw new RangeError(`localnet: advanceTime seconds must be in [0, 10 years], got ${seconds}`);
    }
    this.timeOffsetNanos += BigInt(Math.round(seconds * 1e9));
    this.mineBlock();
    return { height: this.height, timeNanos: this.lastBlockTimeNanos };
  }

  /** Commit a block now (with any pending txs), as Anvil's evm_mine. */
  mineBlock(): void {
    if (this.batchTimer) {
      clearTimeout(this.batchTimer);
      this.batchTimer = null;
    }
    this.produceBlock();
    this.scheduleInterval();
  }

  /** Produce block 1 if needed and start the block timer. */
  start(): void {
    if (this.height === 0) this.produceBlock();
    this.scheduleInterval();
  }

  private scheduleInterval(): void {
    if (this.closed) return;
    if (this.intervalTimer) clearTimeout(this.intervalTimer);
    this.intervalTimer = setTimeout(() => {
      this.intervalTimer = null;
      if (!this.batchTimer && this.blockWanted()) this.safeProduce();
      else this.scheduleInterval();
    }, this.opts.blockIntervalMs);
    this.intervalTimer.unref?.();
  }

  /** Gap after which an empty block is made, or null for never (CometBFT's rules). */
  private get emptyBlockGapMs(): number | null {
    const { createEmptyBlocks, createEmptyBlocksIntervalMs, blockIntervalMs } = this.opts;
    if (createEmptyBlocksIntervalMs > 0) return createEmptyBlocksIntervalMs;
    return createEmptyBlocks ? blockIntervalMs : null;
  }

  /** Between txs: is an empty block due, or a contract's scheduled work? */
  private blockWanted(): boolean {
    const gap = this.emptyBlockGapMs;
    if (gap !== null && Date.now() - this.lastBlockWallMs >= gap) return true;
    const due = this.app.nextScheduledNanos();
    // A hook that keeps failing leaves its due time in the past: one block per due time,
    // or a broken contract would bring back a block every interval.
    if (due === null || due === this.scheduledBlockFor || this.nextBlockTimeNanos() < due) return false;
    this.scheduledBlockFor = due;
    return true;
  }

  /** The due time the last scheduled-work block was made for. */
  private scheduledBlockFor: bigint | null = null;

  /** Wall-clock ms of the last block this process made (or loaded). */
  private lastBlockWallMs = Date.now();

  /** The time the next block would carry: wall clock plus the dev offset, strictly increasing. */
  private nextBlockTimeNanos(height = this.height + 1): bigint {
    const t = BigInt(Date.now()) * 1_000_000n + this.timeOffsetNanos + BigInt(height % 1_000_000);
    return t <= this.lastBlockTimeNanos ? this.lastBlockTimeNanos + 1n : t;
  }

  private safeProduce(): void {
    try {
      this.produceBlock();
    } catch (e) {
      this.opts.log.error({ err: e }, 'localnet: block production failed');
    }
    this.scheduleInterval();
  }

  // ---------------------------------------------------------------- mempool

  /**
   * CheckTx and enqueue; rejects with an AbciError. The signature is checked by the verifier
   * (a worker thread), between the stateless checks and the sequence/balance admission.
   */
  async addTx(bytes: Uint8Array): Promise<CheckedTx> {
    try {
      if (this.mempool.length + this.verifying.size >= this.opts.maxMempoolTxs) {
        throw new MempoolFullError(this.mempool.length + this.verifying.size);
      }
      const hashHex = toHexUpper(sha256(bytes));
      if (this.mempoolHashes.has(hashHex) || this.verifying.has(hashHex)) throw new TxInMempoolError();
      const { tx, signBytes, accountNumber } = this.app.precheckTx(bytes);
      this.verifying.add(hashHex);
      let ok: boolean;
      try {
        ok = await this.verifier.verify(tx.pubkey, signBytes, tx.signature);
      } finally {
        this.verifying.delete(hashHex);
      }
      if (!ok) throw this.app.signatureError(tx, accountNumber);
      if (this.closed) throw new MempoolFullError(0);
      this.app.admitTx(tx);
      this.mempool.push(tx);
      this.mempoolHashes.add(tx.hashHex);
      this.metrics.mempool.set(this.mempool.length);
      if (!this.batchTimer && !this.closed) {
        this.batchTimer = setTimeout(() => {
          this.batchTimer = null;
          this.safeProduce();
        }, this.opts.txBatchMs);
      }
      return tx;
    } catch (e) {
      if (e instanceof AbciError) this.metrics.rejected.inc({ codespace: e.codespace, code: e.code });
      throw e;
    }
  }

  get mempoolSize(): number {
    return this.mempool.length;
  }

  get mempoolBytes(): number {
    return this.mempool.reduce((n, t) => n + t.bytes.length, 0);
  }

  /** Resolve when the tx with this hash is committed (or reject on timeout/abort). */
  waitForTx(
    hashHex: string,
    timeoutMs: number,
  ): Promise<{ height: number; index: number; result: TxResultData } | null> {
    return new Promise((resolve) => {
      const list = this.waiters.get(hashHex) ?? [];
      const timer = setTimeout(() => {
        const l = this.waiters.get(hashHex);
        if (l) {
          const i = l.indexOf(w);
          if (i >= 0) l.splice(i, 1);
          if (l.length === 0) this.waiters.delete(hashHex);
        }
        resolve(null);
      }, timeoutMs);
      const w: Waiter = {
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
      };
      list.push(w);
      this.waiters.set(hashHex, list);
    });
  }

  onBlock(listener: (e: NewBlockEvent) => void): () => void {
    this.blockListeners.add(listener);
    return () => this.blockListeners.delete(listener);
  }

  // ---------------------------------------------------------------- blocks

  produceBlock(): void {
    const started = performance.now();
    const height = this.height + 1;
    const timeNanos = this.nextBlockTimeNanos(height);
    const time = rfc3339Nanos(timeNanos);
    const ctx: BlockContext = { height: BigInt(height), timeNanos };

    const failing = new Set<string>();
    const beginEvents = this.app.beginBlock(ctx, (address, e) => {
      failing.add(address);
      // Warn once per failing contract, not at every block.
      if (this.failingHooks.has(address))
        this.opts.log.debug({ address, err: e }, 'localnet: beginBlock failed again');
      else this.opts.log.warn({ address, err: e }, 'localnet: contract beginBlock failed; skipped');
    });
    this.failingHooks = failing;
    const txs = this.mempool;
    this.mempool = [];
    this.mempoolHashes.clear();
    const results: TxResultData[] = txs.map((tx, i) => this.app.deliverTx(tx, ctx, i));
    this.app.resetCheckState();

    // Hashes: not CometBFT's merkle trees, but stable digests of the same contents.
    const txHashes = txs.map((t) => t.hash);
    const dataHash = txs.length ? toHexUpper(sha256(concat(txHashes))) : EMPTY_HASH;
    // Each result is serialised once, in its RPC form, and reused by the block results,
    // the results hash and the tx rows.
    const resultTexts = results.map((r) => JSON.stringify(txResultJson(r)));
    const resultsText = `[${resultTexts.join(',')}]`;
    const lastResultsHash = this.lastResultsHash;
    const newResultsHash = toHexUpper(sha256(new TextEncoder().encode(resultsText)));
    const appHashHex = toHexUpper(this.appHash);
    const header = {
      version: { block: BLOCK_PROTOCOL, app: '0' },
      chain_id: this.opts.chainId,
      height: String(height),
      time,
      last_block_id: this.lastBlockId,
      last_commit_hash: toHexUpper(sha256(new TextEncoder().encode(JSON.stringify(this.lastBlockId)))),
      data_hash: dataHash,
      validators_hash: toHexUpper(sha256(this.validator.pubkey)),
      next_validators_hash: toHexUpper(sha256(this.validator.pubkey)),
      consensus_hash: EMPTY_HASH,
      app_hash: appHashHex,
      last_results_hash: lastResultsHash,
      evidence_hash: EMPTY_HASH,
      proposer_address: this.validator.address,
    };
    const blockHash = sha256(new TextEncoder().encode(JSON.stringify(header)));
    const blockHashHex = toHexUpper(blockHash);
    const blockId = { hash: blockHashHex, parts: { total: 1, hash: toHexUpper(sha256(blockHash)) } };
    const lastCommit =
      height === 1
        ? { height: '0', round: 0, block_id: { hash: '', parts: { total: 0, hash: '' } }, signatures: [] }
        : {
            height: String(height - 1),
            round: 0,
            block_id: this.lastBlockId,
            signatures: [
              {
                block_id_flag: 2,
                validator_address: this.validator.address,
                timestamp: rfc3339Nanos(this.lastBlockTimeNanos),
                signature: toBase64(
                  ed25519.sign(
                    new TextEncoder().encode(`${this.opts.chainId}/${height - 1}/${this.lastBlockId.hash}`),
                    this.validator.secret,
                  ),
                ),
              },
            ],
          };
    const block = {
      header,
      data: { txs: txs.map((t) => toBase64(t.bytes)) },
      evidence: { evidence: [] },
      last_commit: lastCommit,
    };
    // The app hash of this block's state goes in the next header, as in CometBFT.
    const nextAppHash = sha256(
      concat([this.appHash, blockHash, sha256(new TextEncoder().encode(newResultsHash))]),
    );
    const blockResultsText =
      `{"height":"${height}","txs_results":${txs.length ? resultsText : 'null'},` +
      `"finalize_block_events":${JSON.stringify(beginEvents.map(eventJson))},` +
      `"validator_updates":[],"consensus_param_updates":null,"app_hash":"${toBase64(nextAppHash)}"}`;
    const blockResponse = { block_id: blockId, block };
    const blockJson = JSON.stringify(blockResponse);

    const write: BlockWrite = {
      block: {
        height,
        hash: blockHashHex,
        time,
        numTxs: txs.length,
        block: blockJson,
        results: blockResultsText,
      },
      txs: txs.map((t, i) => ({
        idx: i,
        hash: t.hashHex,
        tx: t.bytes,
        resultJson: resultTexts[i],
        attrs: indexAttrs(results[i].events),
      })),
      meta: {
        ...(this.pendingGenesisMeta ?? {}),
        height: String(height),
        app_hash: Buffer.from(nextAppHash).toString('hex'),
        last_results_hash: newResultsHash,
        last_block_time_nanos: timeNanos.toString(),
        time_offset_nanos: this.timeOffsetNanos.toString(),
      },
    };
    this.store.commit(this.world, write);
    this.pendingGenesisMeta = null;

    this.height = height;
    this.lastBlockWallMs = Date.now();
    this.lastBlockId = blockId;
    this.lastBlockTimeNanos = timeNanos;
    this.appHash = nextAppHash;
    this.lastResultsHash = newResultsHash;
    const m = this.metrics;
    m.height.set(height);
    m.blocks.inc();
    m.mempool.set(0);
    for (const r of results) m.txs.inc({ result: r.code === 0 ? 'ok' : 'failed' });
    m.commitSeconds.observe((performance.now() - started) / 1000);

    if (txs.length > 0) this.opts.log.debug({ height, txs: txs.length }, 'localnet: block committed');
    const committed = txs.map((t, i) => ({
      hashHex: t.hashHex,
      height,
      index: i,
      tx: t.bytes,
      result: results[i],
    }));
    for (const c of committed) {
      const ws = this.waiters.get(c.hashHex);
      if (ws) {
        this.waiters.delete(c.hashHex);
        for (const w of ws) w.resolve({ height, index: c.index, result: c.result });
      }
    }
    if (this.blockListeners.size > 0) {
      const ev: NewBlockEvent = {
        block,
        blockId,
        results: JSON.parse(blockResultsText) as Record<string, unknown>,
        txs: committed,
      };
      for (const l of this.blockListeners) {
        try {
          l(ev);
        } catch (e) {
          this.opts.log.warn({ err: e }, 'localnet: block listener failed');
        }
      }
    }
  }

  // ---------------------------------------------------------------- reads

  get latestTimeNanos(): bigint {
    return this.lastBlockTimeNanos;
  }

  /** Context for queries: the committed height and time. */
  queryContext(): BlockContext {
    return { height: BigInt(Math.max(this.height, 1)), timeNanos: this.lastBlockTimeNanos };
  }

  getBlock(height: number): StoredBlock | undefined {
    return this.store.getBlock(height);
  }

  lookupTx(hashHex: string): StoredTx | undefined {
    const row = this.store.getTx(hashHex);
    if (!row) return undefined;
    return this.toStoredTx(row);
  }

  toStoredTx(row: StoredTxRow): StoredTx {
    const block = this.store.getBlock(row.height);
    return {
      hashHex: row.hash,
      height: BigInt(row.height),
      index: row.idx,
      tx: row.tx,
      result: resultFromJson(row.resultJson),
      time: block ? block.time : '',
    };
  }

  close(): void {
    this.closed = true;
    void this.verifier.close();
    if (this.batchTimer) clearTimeout(this.batchTimer);
    if (this.intervalTimer) clearTimeout(this.intervalTimer);
    this.batchTimer = this.intervalTimer = null;
    // Txs still in the mempool are lost, as on a CometBFT node without a persisted mempool.
    this.waiters.clear();
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * Index rows of a tx: event attributes as "type.key" = value (CometBFT's kv indexer), except
 * those nobody searches by that would double the index: signatures and per-event msg_index.
 */
function indexAttrs(events: AbciEvent[]): [string, string][] {
  const out: [string, string][] = [];
  const seen = new Set<string>();
  for (const e of events) {
    for (const a of e.attributes) {
      if (a.key === 'msg_index' && e.type !== 'message') continue;
      if (a.key === 'signature' && e.type === 'tx') continue;
      const k = `${e.type}.${a.key}`;
      const id = `${k}\u0000${a.value}`;
      if (seen.has(id)) continue;
      seen.add(id);
      out.push([k, a.value]);
    }
  }
  return out;
}
