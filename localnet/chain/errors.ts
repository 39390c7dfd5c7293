/**
 * Typed errors of the localnet chain. Each ABCI-facing condition is one class carrying the
 * code, codespace and log a Cosmos SDK / wasmd node would answer, so that CosmJS turns them
 * into its usual exceptions (BroadcastTxError, "Query failed with (code): log", ...).
 *
 * `log` is exactly the SDK's text ("<detail>: <registered error>"); `message` adds the module.
 */
export abstract class AbciError extends Error {
  abstract readonly code: number;
  abstract readonly codespace: string;
  /** The SDK-style log: "<detail>: <registered description>". */
  readonly log: string;
  constructor(detail: string, description: string) {
    const log = detail ? `${detail}: ${description}` : description;
    super(`localnet: ${log}`);
    this.name = new.target.name;
    this.log = log;
  }
}

// Cosmos SDK types/errors (codespace "sdk").
export class TxDecodeError extends AbciError {
  readonly code = 2;
  readonly codespace = 'sdk';
  constructor(detail: string) {
    super(detail, 'tx parse error');
  }
}
export class InvalidSequenceError extends AbciError {
  readonly code = 32;
  readonly codespace = 'sdk';
  constructor(
    readonly expected: bigint,
    readonly got: bigint,
  ) {
    super(`account sequence mismatch, expected ${expected}, got ${got}`, 'incorrect account sequence');
  }
}
export class UnauthorizedError extends AbciError {
  readonly code = 4;
  readonly codespace = 'sdk';
  constructor(detail: string) {
    super(detail, 'unauthorized');
  }
}
export class InsufficientFundsError extends AbciError {
  readonly code = 5;
  readonly codespace = 'sdk';
  constructor(detail: string) {
    super(detail, 'insufficient funds');
  }
}
export class UnknownRequestError extends AbciError {
  readonly code = 6;
  readonly codespace = 'sdk';
  constructor(detail: string) {
    super(detail, 'unknown request');
  }
}
export class InvalidAddressError extends AbciError {
  readonly code = 7;
  readonly codespace = 'sdk';
  constructor(detail: string) {
    super(detail, 'invalid address');
  }
}
export class InvalidPubKeyError extends AbciError {
  readonly code = 8;
  readonly codespace = 'sdk';
  constructor(detail: string) {
    super(detail, 'invalid pubkey');
  }
}
export class UnknownAddressError extends AbciError {
  readonly code = 9;
  readonly codespace = 'sdk';
  constructor(detail: string) {
    super(detail, 'unknown address');
  }
}
export class InvalidCoinsError extends AbciError {
  readonly code = 10;
  readonly codespace = 'sdk';
  constructor(detail: string) {
    super(detail, 'invalid coins');
  }
}
export class OutOfGasError extends AbciError {
  readonly code = 11;
  readonly codespace = 'sdk';
  constructor(
    readonly gasWanted: bigint,
    readonly gasUsed: bigint,
  ) {
    super(`out of gas in location: txSize; gasWanted: ${gasWanted}, gasUsed: ${gasUsed}`, 'out of gas');
  }
}
export class InsufficientFeeError extends AbciError {
  readonly code = 13;
  readonly codespace = 'sdk';
  constructor(detail: string) {
    super(detail, 'insufficient fee');
  }
}
export class TxInMempoolError extends AbciError {
  readonly code = 19;
  readonly codespace = 'sdk';
  constructor() {
    super('', 'tx already in mempool');
  }
}
export class MempoolFullError extends AbciError {
  readonly code = 20;
  readonly codespace = 'sdk';
  constructor(size: number) {
    super(`mempool is full: ${size} txs`, 'mempool is full');
  }
}
export class NotFoundError extends AbciError {
  readonly code = 22;
  readonly codespace = 'sdk';
  constructor(detail: string) {
    super(detail, 'key not found');
  }
}
export class InvalidRequestError extends AbciError {
  readonly code = 18;
  readonly codespace = 'sdk';
  constructor(detail: string) {
    super(detail, 'invalid request');
  }
}

// wasmd x/wasm/types/errors.go (codespace "wasm").
export class WasmInstantiateError extends AbciError {
  readonly code = 4;
  readonly codespace = 'wasm';
  constructor(detail: string) {
    super(detail, 'instantiate wasm contract failed');
  }
}
export class WasmExecuteError extends AbciError {
  readonly code = 5;
  readonly codespace = 'wasm';
  constructor(detail: string) {
    super(detail, 'execute wasm contract failed');
  }
}
export class WasmQueryError extends AbciError {
  readonly code = 9;
  readonly codespace = 'wasm';
  constructor(detail: string) {
    super(detail, 'query wasm contract failed');
  }
}
export class WasmInvalidError extends AbciError {
  readonly code = 14;
  readonly codespace = 'wasm';
  constructor(detail: string) {
    super(detail, 'invalid');
  }
}
export class NoSuchContractError extends AbciError {
  readonly code = 22;
  readonly codespace = 'wasm';
  constructor(readonly address: string) {
    super(address, 'no such contract');
  }
}
export class NoSuchCodeError extends AbciError {
  readonly code = 28;
  readonly codespace = 'wasm';
  constructor(readonly codeId: bigint) {
    super(`code id ${codeId}`, 'no such code');
  }
}

/** Configuration or startup problem of the chain process (not an ABCI answer). */
export class ChainConfigError extends Error {
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(`localnet: ${message}`);
    this.name = new.target.name;
  }
}

/** The chain's SQLite store does not match what this code expects (other chain id, bad schema). */
export class ChainStoreError extends Error {
  constructor(message: string) {
    super(`localnet: ${message}`);
    this.name = new.target.name;
  }
}

/** A message of a tx failed; carries the inner error's code and codespace, as baseapp does. */
export class MessageFailedError extends AbciError {
  readonly code: number;
  readonly codespace: string;
  constructor(
    readonly msgIndex: number,
    readonly inner: AbciError,
  ) {
    super(`failed to execute message; message index: ${msgIndex}`, inner.log);
    this.code = inner.code;
    this.codespace = inner.codespace;
  }
}
