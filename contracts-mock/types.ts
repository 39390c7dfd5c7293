/**
 * The interface between the localnet chain and its built-in contracts.
 *
 * Contracts are CosmWasm-shaped but written in TypeScript: pure functions of
 * (state, env, info, msg) that return the next state and a response. The chain owns
 * persistence, bank balances and atomicity: it hands a contract a private copy of its
 * state, and commits the returned state only if the whole transaction succeeds, so a
 * failing message writes nothing.
 *
 * Rules for contract code: no I/O, no clocks, no randomness, no globals; everything
 * time-dependent comes from `env.block`. Throw a `ContractError` (or a subclass) to fail
 * the message; its message becomes the tx log, as wasmd's does.
 */

export type { Coin } from '../src/contracts/coin.js';
import type { Coin } from '../src/contracts/coin.js';

/** Block and contract context, as CosmWasm's `Env`. */
export interface Env {
  block: {
    height: number;
    /** Block time as nanoseconds since the Unix epoch (CosmWasm `Timestamp`). */
    timeNanos: bigint;
    chainId: string;
  };
  contract: { address: string };
  /**
   * Read-only view of the bank at this point of the transaction (CosmWasm's
   * `deps.querier.query_balance`). The chain always provides it; in-process callers may not.
   */
  querier?: { balance(address: string, denom: string): string };
}

/** As CosmWasm's `MessageInfo`: who sent the message and what funds came with it. */
export interface MessageInfo {
  sender: string;
  funds: Coin[];
}

export interface Attribute {
  key: string;
  value: string;
}

export interface Event {
  type: string;
  attributes: Attribute[];
}

/** Messages a contract asks the chain to dispatch after it returns (CosmWasm `CosmosMsg`). */
export type SubMessage = { bank: { send: { to_address: string; amount: Coin[] } } };

/** As CosmWasm's `Response`: attributes go into the `wasm` event, events become `wasm-<type>`. */
export interface Response {
  attributes: Attribute[];
  events: Event[];
  messages: SubMessage[];
  /** Optional binary data returned to the caller (MsgExecuteContractResponse.data). */
  data?: Uint8Array;
}

export interface ExecuteResult<S> {
  state: S;
  response: Response;
}

/**
 * A contract implementation. `S` is its whole state, JSON-serialisable (bigints must be
 * kept as decimal strings), so that the chain can persist it and serve raw state queries:
 * `RawContractState` with key `k` answers the JSON of the top-level field named `k`.
 */
export interface Contract<S = unknown> {
  /** cw2 contract name, e.g. "crates.io:nym-mixnet-contract". */
  readonly name: string;
  readonly version: string;
  instantiate(env: Env, info: MessageInfo, msg: unknown): ExecuteResult<S>;
  execute(state: S, env: Env, info: MessageInfo, msg: unknown): ExecuteResult<S>;
  /** Smart query; returns a JSON-serialisable value. Must not change `state`. */
  query(state: S, env: Env, msg: unknown): unknown;
  /**
   * Called by the chain at the start of every block, for scheduled work (epoch advance).
   * Returns null when there is nothing to do. Must be cheap in that case.
   */
  beginBlock?(state: S, env: Env): ExecuteResult<S> | null;
  /**
   * Block time (ns since the Unix epoch) from which `beginBlock` has work to do, or null.
   * A chain that skips empty blocks still makes a block then, so scheduled work (the epoch
   * advance) happens on time. Must be cheap: the chain asks between blocks.
   */
  nextScheduledNanos?(state: S): bigint | null;
  /**
   * Bring a state written by an earlier version of this contract to the current shape
   * (CosmWasm's `migrate`, run by the chain when it loads state). Returns null when the state
   * is already current. Deterministic: every node migrates to the same state.
   */
  migrate?(state: unknown): S | null;
}

/** A contract-level failure. The chain fails the tx with this message in its log. */
export class ContractError extends Error {
  readonly code: string = 'contract_error';
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export function emptyResponse(): Response {
  return { attributes: [], events: [], messages: [] };
}
