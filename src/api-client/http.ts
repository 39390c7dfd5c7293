/** One JSON request to nym-api with a timeout; refusals become NymApiResponseError with the server's code. */
import * as v from 'valibot';
import { NymApiResponseError } from './errors.js';

export interface RequestOptions {
  signal?: AbortSignal;
  /** Per-request timeout, ms (default 10 s). */
  timeoutMs?: number;
}

export const trimSlash = (u: string): string => u.replace(/\/+$/, '');

const ErrorBody = v.object({ error: v.object({ code: v.string(), message: v.optional(v.string()) }) });

export async function call<T>(url: string, init: RequestInit, opts: RequestOptions): Promise<T> {
  const signal = AbortSignal.any([
    ...(opts.signal ? [opts.signal] : []),
    AbortSignal.timeout(opts.timeoutMs ?? 10_000),
  ]);
  let res: Response;
  try {
    res = await fetch(url, { ...init, signal });
  } catch (err) {
    throw new NymApiResponseError(url, 0, 'unreachable', err instanceof Error ? err.message : String(err));
  }
  const text = await res.text();
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
