/** Shared plumbing of the contract clients: typed smart queries and contract executes. */
import type { CosmWasmClient, SigningCosmWasmClient } from '@cosmjs/cosmwasm-stargate';
import { toUtf8 } from '@cosmjs/encoding';
import type { Event, StdFee } from '@cosmjs/stargate';
import { MsgExecuteContract } from 'cosmjs-types/cosmwasm/wasm/v1/tx';
import type { Coin } from '../contracts/index.js';
import {
  DEFAULT_QUERY_TIMEOUT_MS,
  DEFAULT_TX_TIMEOUT_MS,
  translateQueryError,
  translateTxError,
  withDeadline,
} from './call.js';
import type { CallOptions } from './call.js';
import { ChainAbortedError, TxRejectedError, UnexpectedResponseError } from './errors.js';

export interface QueryClientOptions {
  /** Default timeout of each query in ms. */
  queryTimeoutMs?: number;
  /** Used in error messages only. */
  rpcUrl?: string;
  /** Safety cap for "get all" helpers that follow pages. */
  maxPages?: number;
}

export interface SigningClientOptions extends QueryClientOptions {
  /** Fee for every execute: "auto" (simulate, needs a gas price on the client), gas multiplier, or fixed. */
  fee?: StdFee | 'auto' | number;
  /** Default timeout of each transaction in ms. */
  txTimeoutMs?: number;
  memo?: string;
}

export interface TxResult {
  txHash: string;
  height: number;
  gasUsed: bigint;
  gasWanted: bigint;
  events: readonly Event[];
}

export const DEFAULT_MAX_PAGES = 10_000;

export class ContractQueryBase {
  protected readonly queryTimeoutMs: number;
  protected readonly rpcUrl: string;
  protected readonly maxPages: number;

  constructor(
    readonly client: CosmWasmClient,
    readonly contractAddress: string,
    options: QueryClientOptions = {},
  ) {
    this.queryTimeoutMs = options.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS;
    this.rpcUrl = options.rpcUrl ?? 'rpc';
    this.maxPages = options.maxPages ?? DEFAULT_MAX_PAGES;
  }

  protected async smart<T>(msg: Record<string, unknown>, opts: CallOptions = {}): Promise<T> {
    const operation = Object.keys(msg)[0] ?? 'query';
    try {
      return (await withDeadline(operation, opts.timeoutMs ?? this.queryTimeoutMs, opts.signal, () =>
        this.client.queryContractSmart(this.contractAddress, msg),
      )) as T;
    } catch (err) {
      throw translateQueryError(operation, this.rpcUrl, err);
    }
  }

  /** Follow `start_next_after` until the contract says there is no next page. */
  protected async allPages<T, K>(
    operation: string,
    fetchPage: (startAfter: K | undefined) => Promise<{ items: T[]; next: K | null | undefined }>,
  ): Promise<T[]> {
    const out: T[] = [];
    let cursor: K | undefined;
    for (let page = 0; page < this.maxPages; page++) {
      const { items, next } = await fetchPage(cursor);
      if (!Array.isArray(items)) throw new UnexpectedResponseError(operation, 'page is not an array');
      out.push(...items);
      if (next === null || next === undefined) return out;
      // A cursor that does not move would loop forever.
      if (cursor !== undefined && next === cursor)
        throw new UnexpectedResponseError(operation, 'paging cursor did not advance');
      cursor = next;
    }
    throw new UnexpectedResponseError(operation, `more than ${this.maxPages} pages`);
  }
}

// One transaction at a time per signing account. CosmJS reads the account's sequence from
// the chain when it signs, so two concurrent signAndBroadcast calls from one account sign
// with the same sequence and the second is refused ("account sequence mismatch", sdk code
// 32): a gateway redeeming two clients' credentials at once did exactly that. (Another
// process signing with the same key can still clash; that surfaces as TxRejectedError.)
const accountQueues = new WeakMap<SigningCosmWasmClient, Map<string, Promise<void>>>();

function oneAtATime<T>(client: SigningCosmWasmClient, sender: string, task: () => Promise<T>): Promise<T> {
  let queues = accountQueues.get(client);
  if (!queues) accountQueues.set(client, (queues = new Map()));
  const run = (queues.get(sender) ?? Promise.resolve()).then(task);
  const tail = run.then(
    () => undefined,
    () => undefined,
  );
  queues.set(sender, tail);
  void tail.then(() => {
    if (queues.get(sender) === tail) queues.delete(sender);
  });
  return run;
}

export class ContractExecutor {
  readonly fee: StdFee | 'auto' | number;
  readonly txTimeoutMs: number;
  readonly memo: string;

  constructor(
    readonly client: SigningCosmWasmClient,
    readonly sender: string,
    readonly contractAddress: string,
    readonly rpcUrl: string,
    options: SigningClientOptions = {},
  ) {
    this.fee = options.fee ?? 'auto';
    this.txTimeoutMs = options.txTimeoutMs ?? DEFAULT_TX_TIMEOUT_MS;
    this.memo = options.memo ?? '';
  }

  async execute(
    msg: Record<string, unknown>,
    funds: readonly Coin[],
    opts: CallOptions = {},
  ): Promise<TxResult> {
    const operation = Object.keys(msg)[0] ?? 'execute';
    const timeoutMs = opts.timeoutMs ?? this.txTimeoutMs;
    const encoded = {
      typeUrl: '/cosmwasm.wasm.v1.MsgExecuteContract',
      value: MsgExecuteContract.fromPartial({
        sender: this.sender,
        contract: this.contractAddress,
        msg: toUtf8(JSON.stringify(msg)),
        funds: funds.map((c) => ({ denom: c.denom, amount: c.amount })),
      }),
    };
    let res;
    let gaveUp = false;
    // Waiting behind this account's earlier transactions counts towards the deadline; a
    // transaction whose caller has given up by its turn is not sent at all.
    const send = async () => {
      if (gaveUp) throw new ChainAbortedError(operation);
      return await this.client.signAndBroadcast(this.sender, [encoded], this.fee, this.memo);
    };
    try {
      res = await withDeadline(operation, timeoutMs, opts.signal, () =>
        oneAtATime(this.client, this.sender, send),
      );
    } catch (err) {
      gaveUp = true;
      throw translateTxError(operation, this.rpcUrl, timeoutMs, err);
    }
    if (res.code !== 0) {
      const log = res.rawLog ?? '';
      throw new TxRejectedError(
        'deliver',
        res.code,
        /wasm|contract/.test(log) ? 'wasm' : '',
        log,
        res.transactionHash,
        res.height,
      );
    }
    return {
      txHash: res.transactionHash,
      height: res.height,
      gasUsed: res.gasUsed,
      gasWanted: res.gasWanted,
      events: res.events,
    };
  }
}

/**
 * Find an attribute the contract emitted: first in the `wasm` event (response attributes),
 * then in `wasm-<type>` events.
 */
export function findWasmAttribute(
  events: readonly Event[],
  key: string,
  eventType?: string,
): string | undefined {
  const order = [
    ...events.filter((e) => e.type === 'wasm'),
    ...events.filter((e) => (eventType ? e.type === `wasm-${eventType}` : e.type.startsWith('wasm-'))),
  ];
  for (const e of order) {
    const a = e.attributes.find((x) => x.key === key);
    if (a) return a.value;
  }
  return undefined;
}
