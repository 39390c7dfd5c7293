/**
 * Messages between a page and the SDK client in its Web Worker (./worker.ts runs the
 * client, ./worker-client.ts is the page's handle). Structured-clone data only: bytes as
 * Uint8Array, errors as { name, code, message }.
 */
import type { CryptoBackendKind } from './browser.js';

/** What a worker client may be started with (functions cannot cross into a worker). */
export interface WorkerConnectOptions {
  readonly nymApi: readonly string[];
  readonly storage?: string;
  readonly gateway?: string;
  readonly config?: { readonly mode?: 'nym' | 'no-delays' | 'no-cover' | 'localnet' | 'bench' };
}

export type WorkerRequest =
  | { id: number; op: 'connect'; opts: WorkerConnectOptions }
  | { id: number; op: 'send'; recipient: string; message: Uint8Array }
  | { id: number; op: 'sendAnonymous'; recipient: string; message: Uint8Array; replySurbs: number }
  | { id: number; op: 'reply'; senderTag: string; message: Uint8Array }
  | { id: number; op: 'idle'; idle: boolean }
  | { id: number; op: 'disconnect' };

export interface WireError {
  readonly name: string;
  readonly code?: string;
  readonly message: string;
}

export type WorkerEvent =
  | { id: number; ok: true; value?: unknown }
  | { id: number; ok: false; error: WireError }
  | { event: 'connected'; address: string; backend: CryptoBackendKind; backendName: string }
  | { event: 'message'; message: Uint8Array; senderTag?: string }
  | { event: 'noBandwidth'; error: WireError };

export function toWire(e: unknown): WireError {
  const err = e as { name?: unknown; code?: unknown; message?: unknown } | null;
  return {
    name: typeof err?.name === 'string' ? err.name : 'Error',
    code: typeof err?.code === 'string' ? err.code : undefined,
    message: typeof err?.message === 'string' ? err.message : String(e),
  };
}
