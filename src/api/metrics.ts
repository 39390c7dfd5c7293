/**
 * Prometheus metrics of one nym-api instance. Each instance owns its registry (several run
 * in one process in tests and in the one-command network), so nothing is global.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface ApiMetrics {
  registry: Registry;
  httpRequests: Counter<'route' | 'method' | 'status'>;
  httpDuration: Histogram<'route'>;
  refreshes: Counter<'outcome'>;
  refreshDuration: Histogram;
  skippedNodes: Counter<'kind' | 'reason'>;
  cachedNodes: Gauge<'kind'>;
  cacheAgeSeconds: Gauge;
  blindSignRequests: Counter<'outcome'>;
  blindSignDuration: Histogram;
  verifyRequests: Counter<'outcome'>;
  /** Record a successful refresh (feeds nym_api_cache_age_seconds). */
  markRefreshed(): void;
}

export function createMetrics(
  opts: { defaultMetrics?: boolean; labels?: Record<string, string> } = {},
): ApiMetrics {
  const registry = new Registry();
  if (opts.labels) registry.setDefaultLabels(opts.labels);
  if (opts.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'nym_api_' });
  const registers = [registry];
  let lastRefresh = 0;
  const m: ApiMetrics = {
    registry,
    httpRequests: new Counter({
      name: 'nym_api_http_requests_total',
      help: 'HTTP requests by route, method and status',
      labelNames: ['route', 'method', 'status'] as const,
      registers,
    }),
    httpDuration: new Histogram({
      name: 'nym_api_http_request_duration_seconds',
      help: 'HTTP request duration by route',
      labelNames: ['route'] as const,
      buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
      registers,
    }),
    refreshes: new Counter({
      name: 'nym_api_cache_refreshes_total',
      help: 'Contract cache refreshes by outcome (ok, unchanged, error)',
      labelNames: ['outcome'] as const,
      registers,
    }),
    refreshDuration: new Histogram({
      name: 'nym_api_cache_refresh_duration_seconds',
      help: 'Duration of one contract cache refresh',
      buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    skippedNodes: new Counter({
      name: 'nym_api_cache_skipped_nodes_total',
      help: 'Nodes left out of the cache because their contract data is malformed',
      labelNames: ['kind', 'reason'] as const,
      registers,
    }),
    cachedNodes: new Gauge({
      name: 'nym_api_cache_nodes',
      help: 'Nodes in the cache (mixnodes, active, gateways)',
      labelNames: ['kind'] as const,
      registers,
    }),
    cacheAgeSeconds: new Gauge({
      name: 'nym_api_cache_age_seconds',
      help: 'Seconds since the last successful refresh',
      registers,
      collect() {
        this.set(lastRefresh ? (Date.now() - lastRefresh) / 1000 : -1);
      },
    }),
    blindSignRequests: new Counter({
      name: 'nym_api_blind_sign_requests_total',
      help: 'Blind-sign requests by outcome (ok or the error code)',
      labelNames: ['outcome'] as const,
      registers,
    }),
    blindSignDuration: new Histogram({
      name: 'nym_api_blind_sign_duration_seconds',
      help: 'Duration of a successful blind-sign request (chain lookup included)',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    verifyRequests: new Counter({
      name: 'nym_api_verify_credential_requests_total',
      help: 'Credential verification requests by outcome',
      labelNames: ['outcome'] as const,
      registers,
    }),
    markRefreshed() {
      lastRefresh = Date.now();
    },
  };
  return m;
}
