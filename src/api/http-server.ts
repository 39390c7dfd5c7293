/**
 * nym-api's HTTP listener with connection limits (src/net-limits): caps in total and per
 * host, a deadline for each request head, the request timeout, and a keep-alive idle
 * timeout, from the `[http]` config table. Refusals and timeouts are logged, at most once a
 * minute per kind, so a flood does not flood the log too.
 */
import type http from 'node:http';
import type { Logger } from 'pino';
import {
  createGuardedServer,
  guardLogGate,
  type GuardEvent,
  type GuardedServer,
} from '../net-limits/index.js';
import type { ApiConfig } from './config.js';

const LOG_EVERY_MS = 60_000;

export function createApiHttpServer(
  c: ApiConfig['http'],
  handler: http.RequestListener,
  logger: Logger,
): GuardedServer {
  const gate = guardLogGate(LOG_EVERY_MS);
  const onEvent = (e: GuardEvent) => {
    const { log, kind, total } = gate(e);
    if (!log) return;
    logger.warn(
      { kind, peer: e.peer, total, limits: { max: c.maxConnections, perHost: c.maxConnectionsPerHost } },
      e.kind === 'refused'
        ? 'connection refused over the limit'
        : 'request head not received in time, connection closed',
    );
  };
  return createGuardedServer(
    {
      maxConnections: c.maxConnections,
      maxConnectionsPerHost: c.maxConnectionsPerHost,
      headersTimeoutMs: c.headersTimeoutMs,
      requestTimeoutMs: c.requestTimeoutMs,
      idleTimeoutMs: c.idleTimeoutMs,
    },
    { onRequest: handler, onEvent },
  );
}
