/**
 * Timeouts, abort signals and error translation around CosmJS calls.
 *
 * CosmJS calls cannot be cancelled, so an abort or timeout rejects the caller's promise at
 * once and the late result is dropped. Every CosmJS failure is mapped to one of our typed
 * errors carrying the chain's code and log.
 */
import { BroadcastTxError, TimeoutError } from '@cosmjs/stargate';
import {
  ChainAbortedError,
  ChainTimeoutError,
  ChainUnavailableError,
  QueryFailedError,
  TxRejectedError,
  UnexpectedResponseError,
} from './errors.js';

export interface CallOptions {
  /** Abort the call (the promise rejects with ChainAbortedError). */
  signal?: AbortSignal;
  /** Overrides the client's default timeout for this call. */
  timeoutMs?: number;
}

/** Default timeout of one query (ms). */
export const DEFAULT_QUERY_TIMEOUT_MS = 10_000;
/** Default timeout of one transaction, from signing to inclusion (ms). */
export const DEFAULT_TX_TIMEOUT_MS = 30_000;

export async function withDeadline<T>(
  operation: string,
  timeoutMs: number,
  signal: AbortSignal | undefined,
  run: () => Promise<T>,
): Promise<T> {
  if (signal?.aborted) throw new ChainAbortedError(operation);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ChainTimeoutError(operation, timeoutMs)), timeoutMs);
    if (signal) {
      onAbort = () => reject(new ChainAbortedError(operation));
      signal.addEventListener('abort', onAbort, { once: true });
    }
  });
  const work = run();
  // The losing promise must not surface as an unhandled rejection.
  work.catch(() => undefined);
  try {
    return await Promise.race([work, guard]);
  } finally {
    clearTimeout(timer);
    if (signal && onAbort) signal.removeEventListener('abort', onAbort);
  }
}

const QUERY_FAILED = /Query failed with \((\d+)\): ([\s\S]*)$/;
const DELIVER_FAILED = /Error when broadcasting tx (\w+) at height (\d+)\. Code: (\d+); Raw log: ([\s\S]*)$/;

function isTransport(message: string): boolean {
  return /ECONNREFUSED|ECONNRESET|fetch failed|socket hang up|ENOTFOUND|EHOSTUNREACH|network/i.test(message);
}

/** Map a CosmJS error thrown by a query to our errors. */
export function translateQueryError(operation: string, rpcUrl: string, err: unknown): Error {
  if (isOurs(err)) return err as Error;
  const message = err instanceof Error ? err.message : String(err);
  const m = QUERY_FAILED.exec(message);
  if (m) return new QueryFailedError(operation, Number(m[1]), m[2]);
  if (isTransport(message)) return new ChainUnavailableError(operation, rpcUrl, message);
  return new UnexpectedResponseError(operation, message);
}

/** Map a CosmJS error thrown while simulating or broadcasting a tx to our errors. */
export function translateTxError(operation: string, rpcUrl: string, timeoutMs: number, err: unknown): Error {
  if (isOurs(err)) return err as Error;
  if (err instanceof BroadcastTxError)
    return new TxRejectedError('broadcast', err.code, err.codespace, err.log ?? '');
  if (err instanceof TimeoutError) return new ChainTimeoutError(operation, timeoutMs, err.txId);
  const message = err instanceof Error ? err.message : String(err);
  const q = QUERY_FAILED.exec(message);
  // "auto" fees simulate first; a contract error surfaces there as a failed abci query.
  if (q) return new TxRejectedError('simulate', Number(q[1]), codespaceOf(q[2]), q[2]);
  const d = DELIVER_FAILED.exec(message);
  if (d) return new TxRejectedError('deliver', Number(d[3]), codespaceOf(d[4]), d[4], d[1], Number(d[2]));
  if (isTransport(message)) return new ChainUnavailableError(operation, rpcUrl, message);
  return new UnexpectedResponseError(operation, message);
}

function codespaceOf(log: string): string {
  return /codespace[:= ]+(\w+)/.exec(log)?.[1] ?? (/wasm|contract/.test(log) ? 'wasm' : '');
}

function isOurs(err: unknown): boolean {
  return (
    err instanceof TxRejectedError ||
    err instanceof QueryFailedError ||
    err instanceof ChainTimeoutError ||
    err instanceof ChainAbortedError ||
    err instanceof ChainUnavailableError ||
    err instanceof UnexpectedResponseError
  );
}
