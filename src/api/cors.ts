/**
 * CORS for browser callers (a web page using Nym's SDK or Nymph's browser SDK against this
 * nym-api). Allowed origins come from `http.cors_allowed_origins`: none by default (no
 * CORS headers, so browsers refuse cross-origin reads), `*` only when configured.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CorsOriginNotAllowedError } from './errors.js';

const ALLOW_METHODS = 'GET, POST, OPTIONS';
/** What callers may send: JSON bodies and conditional GETs. */
const ALLOW_HEADERS = 'Content-Type, If-None-Match';
/** What scripts may read beyond the CORS-safelisted headers. */
const EXPOSE_HEADERS = 'ETag, Expires';
/** How long a browser may keep a preflight answer, seconds. */
const MAX_AGE = '600';

export interface CorsPolicy {
  /**
   * Add the CORS headers the request's origin gets. Returns true when the request was a
   * preflight and has been answered (the caller writes nothing more).
   */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
}

export function corsPolicy(allowedOrigins: readonly string[]): CorsPolicy {
  const any = allowedOrigins.includes('*');
  const allowed = new Set(allowedOrigins);
  return {
    handle(req, res) {
      // With a list of origins, answers differ by origin (shared caches must key on it).
      if (allowed.size > 0 && !any) res.setHeader('Vary', 'Origin');
      const origin = req.headers.origin;
      if (origin === undefined) return false;
      const ok = any || allowed.has(origin);
      const preflight =
        req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined;
      if (ok) res.setHeader('Access-Control-Allow-Origin', any ? '*' : origin);
      if (!preflight) {
        if (ok) res.setHeader('Access-Control-Expose-Headers', EXPOSE_HEADERS);
        return false;
      }
      if (!ok) {
        const err = new CorsOriginNotAllowedError(origin);
        const body = JSON.stringify(err.toJSON());
        res.writeHead(err.status, {
          'Content-Type': 'application/json',
          'Content-Length': Buffer.byteLength(body),
        });
        res.end(body);
        return true;
      }
      res.writeHead(204, {
        'Access-Control-Allow-Methods': ALLOW_METHODS,
        'Access-Control-Allow-Headers': ALLOW_HEADERS,
        'Access-Control-Max-Age': MAX_AGE,
        'Content-Length': 0,
      });
      res.end();
      return true;
    },
  };
}
