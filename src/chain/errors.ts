/**
 * Chain client errors, one class per condition, each carrying what the chain said
 * (code, codespace, log) so callers can show it or branch on it.
 */

/** The chain rejected a transaction: at simulation, at CheckTx (broadcast) or in the block. */
export class TxRejectedError extends Error {
  constructor(
    readonly stage: 'simulate' | 'broadcast' | 'deliver',
    readonly code: number,
    readonly codespace: string,
    readonly log: string,
    readonly txHash?: string,
    readonly height?: number,
  ) {
    super(
      `chain: transaction rejected at ${stage} with code ${code}${codespace ? ` (${codespace})` : ''}: ${log}`,
    );
    this.name = 'TxRejectedError';
  }
}

/** A smart query failed on the chain (contract error or bad query). */
export class QueryFailedError extends Error {
  constructor(
    readonly query: string,
    readonly code: number,
    readonly log: string,
  ) {
    super(`chain: query ${query} failed with code ${code}: ${log}`);
    this.name = 'QueryFailedError';
  }
}

/** The call did not finish within its timeout. */
export class ChainTimeoutError extends Error {
  constructor(
    readonly operation: string,
    readonly timeoutMs: number,
    readonly txHash?: string,
  ) {
    super(`chain: ${operation} timed out after ${timeoutMs} ms${txHash ? ` (tx ${txHash})` : ''}`);
    this.name = 'ChainTimeoutError';
  }
}

/** The caller aborted the call through its AbortSignal. */
export class ChainAbortedError extends Error {
  constructor(readonly operation: string) {
    super(`chain: ${operation} was aborted`);
    this.name = 'ChainAbortedError';
  }
}

/** The RPC endpoint could not be reached or answered with a transport error. */
export class ChainUnavailableError extends Error {
  constructor(
    readonly operation: string,
    readonly rpcUrl: string,
    readonly detail: string,
  ) {
    super(`chain: ${operation} could not reach ${rpcUrl}: ${detail}`);
    this.name = 'ChainUnavailableError';
  }
}

/** The chain answered, but not in the shape the contract promises. */
export class UnexpectedResponseError extends Error {
  constructor(
    readonly operation: string,
    readonly detail: string,
  ) {
    super(`chain: unexpected response to ${operation}: ${detail}`);
    this.name = 'UnexpectedResponseError';
  }
}

/** Arguments given to a client method are invalid (checked before anything is sent). */
export class InvalidArgumentError extends Error {
  constructor(
    readonly argument: string,
    readonly reason: string,
  ) {
    super(`chain: invalid argument ${argument}: ${reason}`);
    this.name = 'InvalidArgumentError';
  }
}
