/**
 * The express application: routes, request validation at the boundary, metrics and error
 * mapping. Every refusal answers `{"error": {"code", "message", ...}}` with its status.
 * Topology routes write a pre-serialised buffer (and answer 304 on a matching ETag).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import type { ContractCache, CachedRoute, Serialised } from './contract-cache.js';
import {
  BodyTooLargeError,
  CacheNotReadyError,
  CoconutDisabledError,
  MalformedJsonError,
  NymApiError,
  RouteNotFoundError,
  UnsupportedMediaTypeError,
} from './errors.js';
import { deadline } from '../api-client/deadline.js';
import { corsPolicy } from './cors.js';
import type { CredentialIssuer } from './issuer.js';
import type { ApiMetrics } from './metrics.js';
import { NYM_ROUTES, serveNymRoute } from './nym-routes.js';
import { parseBlindSignBody, parseVerifyBody } from './schema.js';
import { bondedNode, registerSphinxKeyRoutes, type SphinxKeyRegistry } from './sphinx-keys.js';

export interface AppDeps {
  cache: ContractCache;
  issuer: CredentialIssuer | null;
  metrics: ApiMetrics;
  logger: Logger;
  maxBodyBytes: number;
  requestTimeoutMs: number;
  openapi: Buffer;
  /** `http.cors_allowed_origins`: browser origins allowed to read answers; `*` for any. */
  corsAllowedOrigins?: readonly string[];
  startedAt: number;
  /** Aborted at shutdown: in-flight chain calls stop. */
  shutdown: AbortSignal;
  /** Nodes' rotating Sphinx keys (`POST /v1/nym-nodes/sphinx-keys`); absent: route off. */
  sphinxKeys?: SphinxKeyRegistry;
}

const JSON_TYPE = 'application/json; charset=utf-8';

function sendError(res: Response, err: NymApiError): void {
  if (res.headersSent) return;
  res.status(err.status).type('application/json').send(JSON.stringify(err.toJSON()));
}

/** Answer one pre-serialised body: 304 on a matching ETag, else 200 with the bytes. Returns the status. */
function writeSerialised(req: IncomingMessage, res: ServerResponse, s: Serialised): number {
  if (req.headers['if-none-match'] === s.etag) {
    res.writeHead(304, { ETag: s.etag, 'Cache-Control': 'no-cache' });
    res.end();
    return 304;
  }
  res.writeHead(200, {
    'Content-Type': JSON_TYPE,
    'Content-Length': s.body.length,
    ETag: s.etag,
    'Cache-Control': 'no-cache',
  });
  res.end(s.body);
  return 200;
}

/** Coconut-era paths served straight from the snapshot, ahead of express's router. */
export const CACHED_ROUTES: ReadonlyMap<string, CachedRoute> = new Map<string, CachedRoute>([
  ['/v1/mixnodes', 'mixnodes'],
  ['/v1/mixnodes/detailed', 'mixnodes_detailed'],
  ['/v1/mixnodes/active', 'active'],
  ['/v1/mixnodes/rewarded', 'rewarded'],
  ['/v1/gateways', 'gateways'],
  ['/v1/epoch/current', 'epoch'],
  ['/v1/topology', 'topology'],
]);

/**
 * The server's request listener: CORS first; GETs of the topology routes (the Coconut-era
 * ones and Nym's) are answered from the snapshot directly (they are the hot path: every
 * client polls them); everything else goes through express. Both paths count the same
 * metrics.
 */
export function createRequestHandler(d: AppDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const app = createApp(d);
  const cors = corsPolicy(d.corsAllowedOrigins ?? []);
  // Label-bound metric children per route and status: no label hashing per request.
  const bound = new Map<string, { count: { inc(): void }; time: { observe(v: number): void } }>();
  const count = (path: string, method: string, status: number, start: bigint): void => {
    const key = `${path} ${method} ${status}`;
    let m = bound.get(key);
    if (!m) {
      m = {
        count: d.metrics.httpRequests.labels({ route: path, method, status: String(status) }),
        time: d.metrics.httpDuration.labels({ route: path }),
      };
      bound.set(key, m);
    }
    m.count.inc();
    m.time.observe(Number(process.hrtime.bigint() - start) / 1e9);
  };
  return (req, res) => {
    if (cors.handle(req, res)) return;
    const url = req.url ?? '/';
    const mark = url.indexOf('?');
    const path = mark < 0 ? url : url.slice(0, mark);
    // HEAD is a GET without the body (node:http drops it).
    const get = req.method === 'GET' || req.method === 'HEAD';
    const cached = get ? CACHED_ROUTES.get(path) : undefined;
    const nym = get && cached === undefined ? NYM_ROUTES.get(path) : undefined;
    const snap = d.cache.snapshot;
    if ((cached === undefined && nym === undefined) || !snap) {
      app(req, res);
      return;
    }
    const start = process.hrtime.bigint();
    const ifNoneMatch = req.headers['if-none-match'];
    let status: number;
    if (cached !== undefined) status = writeSerialised(req, res, snap.serialised[cached]);
    else {
      try {
        status = serveNymRoute(nym!, snap, mark < 0 ? '' : url.slice(mark + 1), ifNoneMatch, res);
      } catch (err) {
        // A throw out of a request listener would take the process down: answer instead.
        if (!(err instanceof NymApiError)) d.logger.error({ err, path }, 'unhandled error in request');
        const e = err instanceof NymApiError ? err : new NymApiError('internal error');
        sendRawError(res, e);
        status = e.status;
      }
    }
    count(path, req.method!, status, start);
  };
}

function sendRawError(res: ServerResponse, err: NymApiError): void {
  const body = JSON.stringify(err.toJSON());
  res.writeHead(err.status, { 'Content-Type': JSON_TYPE, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

export function createApp(d: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.set('query parser', false);

  // Metrics per request, labelled by route pattern (bounded cardinality).
  app.use((req: Request, res: Response, next: NextFunction) => {
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      const route = (req.route?.path as string | undefined) ?? 'unmatched';
      d.metrics.httpRequests.inc({ route, method: req.method, status: String(res.statusCode) });
      d.metrics.httpDuration.observe({ route }, Number(process.hrtime.bigint() - start) / 1e9);
    });
    next();
  });

  const cached = (route: CachedRoute) => (req: Request, res: Response) => {
    const snap = d.cache.snapshot;
    if (!snap) return sendError(res, new CacheNotReadyError());
    writeSerialised(req, res, snap.serialised[route]);
  };

  for (const [path, route] of CACHED_ROUTES) app.get(path, cached(route));
  // Before the first refresh the fast path hands Nym's routes here: not ready yet.
  for (const path of NYM_ROUTES.keys())
    app.get(path, (_req, res) => sendError(res, new CacheNotReadyError()));

  app.get('/openapi.json', (_req, res) => {
    res.writeHead(200, { 'Content-Type': JSON_TYPE, 'Content-Length': d.openapi.length });
    res.end(d.openapi);
  });

  app.get('/health', (_req, res) => {
    const snap = d.cache.snapshot;
    res.json({
      status: snap ? 'ok' : 'starting',
      uptime_seconds: (Date.now() - d.startedAt) / 1000,
      cache: snap
        ? {
            version: snap.version,
            age_ms: Date.now() - snap.builtAt,
            mixnodes: snap.mixnodes.length,
            active: snap.active.length,
            gateways: snap.gateways.length,
            epoch_id: snap.interval.current_epoch_id,
          }
        : null,
      coconut: d.issuer ? { index: d.issuer.keyIndex } : null,
    });
  });

  app.get('/metrics', async (_req, res) => {
    res.type(d.metrics.registry.contentType).send(await d.metrics.registry.metrics());
  });

  // ---------------------------------------------------------------- coconut
  const requireIssuer = (): CredentialIssuer => {
    if (!d.issuer) throw new CoconutDisabledError();
    return d.issuer;
  };

  app.get('/v1/coconut/verification-key', (_req, res) => {
    res.json(requireIssuer().verificationKey());
  });

  const jsonBody = [
    (req: Request, _res: Response, next: NextFunction) => {
      if (!req.is('application/json'))
        return next(new UnsupportedMediaTypeError(req.headers['content-type']));
      next();
    },
    express.json({ limit: d.maxBodyBytes, strict: true, type: () => true }),
  ];

  /** A signal that aborts at shutdown, on client disconnect, or after the request timeout. */
  const requestSignal = (req: Request, res: Response): AbortSignal => {
    const ac = new AbortController();
    // A timer-held deadline, not AbortSignal.timeout (see deadline.ts), ended with the response.
    const time = deadline(d.requestTimeoutMs, ac.signal, d.shutdown);
    res.on('close', () => {
      if (!res.writableFinished) ac.abort(new Error('client went away'));
      time.clear();
    });
    void req;
    return time.signal;
  };

  if (d.sphinxKeys)
    registerSphinxKeyRoutes(app, {
      registry: d.sphinxKeys,
      bondOf: (identity) => bondedNode(d.cache.snapshot, identity),
      jsonBody,
      // a node's key for the current rotation changed (it was down): show it now
      onChange: () => void d.cache.refresh(),
    });

  app.post('/v1/coconut/bandwidth/blind-sign', ...jsonBody, async (req: Request, res: Response) => {
    const issuer = requireIssuer();
    const end = d.metrics.blindSignDuration.startTimer();
    try {
      const body = parseBlindSignBody(req.body);
      const out = await issuer.blindSign(body, requestSignal(req, res));
      d.metrics.blindSignRequests.inc({ outcome: 'ok' });
      end();
      res.json(out);
    } catch (err) {
      d.metrics.blindSignRequests.inc({ outcome: err instanceof NymApiError ? err.code : 'internal' });
      throw err;
    }
  });

  app.post(
    '/v1/coconut/bandwidth/verify-bandwidth-credential',
    ...jsonBody,
    async (req: Request, res: Response) => {
      const issuer = requireIssuer();
      try {
        const body = parseVerifyBody(req.body);
        const out = await issuer.verifyCredential(body, requestSignal(req, res));
        d.metrics.verifyRequests.inc({ outcome: out.verification_result ? 'valid' : 'invalid' });
        res.json(out);
      } catch (err) {
        d.metrics.verifyRequests.inc({ outcome: err instanceof NymApiError ? err.code : 'internal' });
        throw err;
      }
    },
  );

  app.use((req: Request, _res: Response, next: NextFunction) => {
    next(new RouteNotFoundError(req.method, req.path));
  });

  // Error mapping: our typed errors as they are, body-parser's by type, anything else 500.
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    void _next;
    let e: NymApiError;
    const t = (err as { type?: string } | null)?.type;
    if (err instanceof NymApiError) e = err;
    else if (t === 'entity.too.large') {
      const x = err as { limit?: number; length?: number };
      e = new BodyTooLargeError(x.limit ?? d.maxBodyBytes, x.length);
    } else if (t === 'entity.parse.failed') e = new MalformedJsonError('syntax error');
    else if (t === 'encoding.unsupported' || t === 'charset.unsupported') {
      e = new UnsupportedMediaTypeError(req.headers['content-type']);
    } else if (t === 'request.aborted' || t === 'request.size.invalid' || t === 'stream.encoding.set') {
      e = new MalformedJsonError(t);
    } else {
      d.logger.error({ err, path: req.path }, 'unhandled error in request');
      e = new NymApiError('internal error');
    }
    if (e.status >= 500 && err instanceof NymApiError) {
      d.logger.warn({ code: e.code, path: req.path, err: e.message }, 'request failed');
    } else if (req.method === 'POST') {
      // Credential refusals are rare and worth a line each; topology 404s are not.
      d.logger.info({ code: e.code, status: e.status, path: req.path, ...e.details() }, 'request refused');
    }
    sendError(res, e);
  });

  return app;
}
