/**
 * CORS on the chain's JSON-RPC, so CosmJS in a web page (the browser SDK obtaining a
 * bandwidth credential) can reach it. Allowed origins come from `rpc_cors_allowed_origins`:
 * none by default (no CORS headers, browsers refuse cross-origin reads); each entry is an
 * exact origin (`scheme://host[:port]`), `*` only when configured explicitly.
 *
 * CometBFT has the same knob (`rpc.cors_allowed_origins` in config.toml), also empty by
 * default.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ChainConfigError } from './errors.js';

/** CosmJS posts JSON and reads JSON: no other method or header is needed. */
const ALLOW_METHODS = 'GET, POST, OPTIONS';
const ALLOW_HEADERS = 'Content-Type';
/** How long a browser may keep a preflight answer, seconds. */
const MAX_AGE = '600';

export const CORS_CONFIG_KEY = 'rpc_cors_allowed_origins';

/** An entry of `rpc_cors_allowed_origins` that is not an origin (or the list is not a list). */
export class ChainCorsConfigError extends ChainConfigError {
  readonly code = 'CHAIN_CORS_ORIGIN_INVALID';
  constructor(detail: string) {
    super(`${CORS_CONFIG_KEY}: ${detail}`, CORS_CONFIG_KEY);
  }
}

function isOrigin(o: string): boolean {
  if (o === '*') return true;
  try {
    const u = new URL(o);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.origin === o;
  } catch {
    return false;
  }
}

/**
 * Read the configured list: a TOML array of strings, or a comma-separated string (a flag).
 * Throws ChainCorsConfigError naming the bad entry.
 */
export function parseCorsOrigins(v: unknown): string[] {
  const list =
    typeof v === 'string'
      ? v
          .split(',')
          .map((o) => o.trim())
          .filter(Boolean)
      : v;
  if (!Array.isArray(list) || list.some((o) => typeof o !== 'string'))
    throw new ChainCorsConfigError('must be a list of origins');
  for (const o of list as string[])
    if (!isOrigin(o)) throw new ChainCorsConfigError(`'${o}' is not an origin (scheme://host[:port]) or *`);
  return [...new Set(list as string[])];
}

export interface RpcCors {
  /**
   * Add the headers the request's origin gets. Returns true when the request was a
   * preflight and has been answered (the caller writes nothing more).
   */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
}

export function rpcCors(allowedOrigins: readonly string[]): RpcCors {
  const any = allowedOrigins.includes('*');
  const allowed = new Set(allowedOrigins);
  return {
    handle(req, res) {
      // With a list of origins, answers differ by origin (shared caches must key on it).
      if (allowed.size > 0 && !any) res.setHeader('Vary', 'Origin');
      const origin = req.headers.origin;
      const preflight =
        req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined;
      if (origin === undefined) return false;
      const ok = any || allowed.has(origin);
      if (ok) res.setHeader('Access-Control-Allow-Origin', any ? '*' : origin);
      if (!preflight) return false;
      if (!ok) {
        const body = JSON.stringify({ error: 'origin not allowed', origin });
        res.writeHead(403, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
        res.end(body);
        return true;
      }
      res.writeHead(204, {
        'Access-Control-Allow-Methods': ALLOW_METHODS,
        'Access-Control-Allow-Headers': ALLOW_HEADERS,
        'Access-Control-Max-Age': MAX_AGE,
        'content-length': 0,
      });
      res.end();
      return true;
    },
  };
}
