/** One JSON request to nym-api with a timeout; refusals become NymApiResponseError with the server's code. */
import * as v from 'valibot';
import { deadline } from './deadline.js';
import { NymApiResponseError } from './errors.js';

export interface RequestOptions {
  signal?: AbortSignal;
  /** Per-request timeout, ms (default 10 s): connecting, sending, the headers and the whole body. */
  timeoutMs?: number;
}

export const DEFAULT_TIMEOUT_MS = 10_000;

export const trimSlash = (u: string): string => u.replace(/\/+$/, '');

const ErrorBody = v.object({ error: v.object({ code: v.string(), message: v.optional(v.string()) }) });

export async function call<T>(url: string, init: RequestInit, opts: RequestOptions): Promise<T> {
  // One deadline for connecting, sending, the headers and the whole body (deadline.ts says
  // why it is not AbortSignal.timeout).
  const time = deadline(opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, opts.signal);
  const failed = (err: unknown, status: number): NymApiResponseError =>
    time.timedOut
      ? new NymApiResponseError(url, status, 'timeout', (time.signal.reason as Error).message)
      : new NymApiResponseError(url, status, 'unreachable', err instanceof Error ? err.message : String(err));
  let res: Response;
  let text: string;
  try {
    try {
      res = await fetch(url, { ...init, signal: time.signal });
    } catch (err) {
      throw failed(err, 0);
    }
    try {
      // Bound by the same timer: a server that sends headers and then stalls is a timeout too.
      text = await res.text();
    } catch (err) {
      throw failed(err, res.status);
    }
  } finally {
    time.clear();
  }
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    throw new NymApiResponseError(url, res.status, 'bad_response', 'response is not JSON');
  }
  if (!res.ok) {
    const e = v.safeParse(ErrorBody, body);
    throw new NymApiResponseError(
      url,
      res.status,
      e.success ? e.output.error.code : 'http_error',
      (e.success ? e.output.error.message : undefined) ?? text.slice(0, 200),
    );
  }
  return body as T;
}

/** GET a JSON body and read it with `schema` (it is untrusted). */
export async function getValidated<S extends v.GenericSchema>(
  url: string,
  schema: S,
  opts: RequestOptions,
): Promise<v.InferOutput<S>> {
  const r = v.safeParse(schema, await call<unknown>(url, { method: 'GET' }, opts), { abortEarly: true });
  if (r.success) return r.output;
  const issue = r.issues[0];
  const path = (issue.path ?? []).map((p) => String(p.key)).join('.');
  throw new NymApiResponseError(url, 200, 'bad_response', `${path || 'body'}: ${issue.message}`);
}
