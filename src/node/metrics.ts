/**
 * Prometheus metrics of the packet path, one registry per node instance (several nodes
 * may share a process in tests and in the one-command network). Counters are bumped once
 * per batch; queue gauges are read at scrape time, so the hot path pays nothing for them.
 */
import http from 'node:http';
import { Counter, Histogram, Registry, Gauge } from 'prom-client';

export type DropCause =
  | 'bad_frame'
  | 'malformed'
  | 'replay'
  | 'expired_key'
  | 'queue_full'
  | 'unreachable'
  | 'workers_busy'
  | 'bad_address'
  | 'delay_too_long'
  | 'unexpected_final'
  | 'unexpected_forward'
  | 'unknown_client'
  | 'bad_payload';

export class PacketMetrics {
  readonly registry = new Registry();
  readonly received: Counter;
  readonly forwarded: Counter;
  readonly dropped: Counter<'cause'>;
  readonly unwrapSeconds: Histogram;
  readonly connections: Gauge;
  readonly connectionsClosed: Counter<'reason'>;

  constructor(
    readonly prefix: string,
    depths: {
      delayQueue: () => number;
      outbound: () => number;
      unwrapBacklog: () => number;
      /** Replay tags held over every key rotation's filter. */
      replayTags?: () => number;
      /** Rotation id of the primary Sphinx key. */
      keyRotation?: () => number;
    },
  ) {
    const r = this.registry;
    this.received = new Counter({
      name: `${prefix}_packets_received_total`,
      help: 'Sphinx packets received',
      registers: [r],
    });
    this.forwarded = new Counter({
      name: `${prefix}_packets_forwarded_total`,
      help: 'Sphinx packets sent on',
      registers: [r],
    });
    this.dropped = new Counter({
      name: `${prefix}_packets_dropped_total`,
      help: 'Packets dropped, by cause',
      labelNames: ['cause'],
      registers: [r],
    });
    this.unwrapSeconds = new Histogram({
      name: `${prefix}_unwrap_seconds`,
      help: 'Sphinx unwrap time per packet (batch average), seconds',
      buckets: [50e-6, 100e-6, 150e-6, 200e-6, 300e-6, 500e-6, 1e-3, 5e-3],
      registers: [r],
    });
    this.connections = new Gauge({
      name: `${prefix}_inbound_connections`,
      help: 'Open inbound connections',
      registers: [r],
    });
    this.connectionsClosed = new Counter({
      name: `${prefix}_inbound_connections_closed_total`,
      help: 'Inbound connections refused or closed by the node: total_limit, host_limit, no_frame, idle',
      labelNames: ['reason'],
      registers: [r],
    });
    const gauge = (name: string, help: string, f: () => number) =>
      new Gauge({
        name: `${prefix}_${name}`,
        help,
        registers: [r],
        collect() {
          this.set(f());
        },
      });
    gauge('delay_queue_packets', 'Packets held for their mixing delay', depths.delayQueue);
    gauge('outbound_queue_packets', 'Packets queued for next hops', depths.outbound);
    gauge('unwrap_backlog_packets', 'Packets waiting for or inside unwrap workers', depths.unwrapBacklog);
    if (depths.replayTags)
      gauge('replay_filter_tags', 'Replay tags held (all key rotations)', depths.replayTags);
    if (depths.keyRotation)
      gauge('sphinx_key_rotation', 'Rotation id of the primary Sphinx key', depths.keyRotation);
  }

  drop(cause: DropCause, n = 1): void {
    this.dropped.inc({ cause }, n);
  }

  /** Current value of the drop counter for one cause (tests, logs). */
  async dropCount(cause: DropCause): Promise<number> {
    const m = await this.dropped.get();
    return m.values.find((v) => v.labels.cause === cause)?.value ?? 0;
  }
}

/** Serves `GET /metrics` (Prometheus text) and `GET /health`. */
export async function startMetricsServer(
  registries: Registry[],
  host: string,
  port: number,
): Promise<{ server: http.Server; port: number }> {
  const merged = Registry.merge(registries);
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/metrics') {
      merged.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': merged.contentType });
          res.end(text);
        },
        () => {
          res.writeHead(500);
          res.end();
        },
      );
    } else if (req.method === 'GET' && req.url === '/health') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"status":"ok"}');
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const addr = server.address();
  return { server, port: typeof addr === 'object' && addr ? addr.port : port };
}
