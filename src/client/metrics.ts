/**
 * Prometheus metrics of a running client (Node): its counters read at scrape time, plus
 * queue and reassembly gauges, served on `/metrics`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Gauge, Registry } from 'prom-client';
import type { MixnetClientCore } from './client.js';
import type { ClientStats } from './stats.js';

type Counter = { [K in keyof ClientStats]: ClientStats[K] extends number ? K : never }[keyof ClientStats];

export function clientRegistry(core: MixnetClientCore): Registry {
  const r = new Registry();
  const stat = (name: Counter, help: string) =>
    new Gauge({
      name: `nymph_client_${name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}_total`,
      help,
      registers: [r],
      collect() {
        this.set(core.stats[name]);
      },
    });
  stat('realSent', 'Real packets sent (first transmissions and retransmissions)');
  stat('coverSent', 'Loop cover packets sent');
  stat('retransmissions', 'Fragments retransmitted after an ack timeout');
  stat('acksReceived', 'SURB-acks received for real packets');
  stat('received', 'Messages reassembled and delivered to the application');
  stat('duplicates', 'Duplicate fragments suppressed');
  stat('malformed', 'Received payloads dropped as malformed');
  stat('coverReceived', 'Loop cover packets that came back');
  stat('failed', 'Messages reported as undeliverable');
  stat('reconnects', 'Reconnections to the gateway');
  stat('credentials', 'Bandwidth credentials shown to the gateway');
  new Gauge({
    name: 'nymph_client_dropped_total',
    help: 'Received input dropped, by error code (malformed payloads, unanswerable requests)',
    labelNames: ['code'],
    registers: [r],
    collect() {
      for (const [code, n] of Object.entries(core.stats.drops)) this.set({ code }, n);
    },
  });
  new Gauge({
    name: 'nymph_client_queue_length',
    help: 'Packets waiting to be sent',
    registers: [r],
    collect() {
      this.set(core.queueLength);
    },
  });
  new Gauge({
    name: 'nymph_client_pending_messages',
    help: 'Messages waiting for acknowledgements',
    registers: [r],
    collect() {
      this.set(core.pendingMessages);
    },
  });
  const reassembly = (name: string, help: string, read: (a: MixnetClientCore['reassembly']) => number) =>
    new Gauge({
      name: `nymph_client_${name}`,
      help,
      registers: [r],
      collect() {
        this.set(read(core.reassembly));
      },
    });
  reassembly('reassembly_incomplete_sets', 'Fragment sets waiting for more fragments', (a) => a.incomplete);
  reassembly('remembered_sets', 'Completed set ids remembered against late duplicates', (a) => a.remembered);
  reassembly(
    'remembered_evicted_total',
    'Completed set ids forgotten before their dedup window ended (the cap was reached)',
    (a) => a.evicted,
  );
  reassembly(
    'set_id_collisions_total',
    'Fresh messages whose set id was remembered from another completed set (delivered, not duplicates)',
    (a) => a.idCollisions,
  );
  return r;
}

export async function startClientMetrics(
  core: MixnetClientCore,
  host: string,
  port: number,
): Promise<{ url: string; close(): Promise<void> }> {
  const registry = clientRegistry(core);
  const server = http.createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    registry.metrics().then(
      (body) => res.writeHead(200, { 'content-type': registry.contentType }).end(body),
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const a = server.address() as AddressInfo;
  return {
    url: `http://${host}:${a.port}/metrics`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
