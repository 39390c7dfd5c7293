/** The gateway's own Prometheus metrics (the packet path's are the node pipeline's). */
import { Counter, Gauge, type Registry } from 'prom-client';

export class GatewayMetrics {
  readonly stored: Counter;
  readonly delivered: Counter;
  readonly acksSent: Counter;
  readonly clientErrors: Counter<'code'>;
  readonly credentials: Counter<'result'>;
  readonly freeClaims: Counter;
  readonly purged: Counter;
  readonly clientPackets: Counter;
  readonly connectionsRefused: Counter<'reason'>;
  readonly connectionsTimedOut: Counter<'phase'>;
  /** `openConnections`: TCP connections open on the client ports, authenticated or not. */
  constructor(r: Registry, connected: () => number, openConnections: () => number = () => 0) {
    const c = (name: string, help: string) =>
      new Counter({ name: `nymph_gateway_${name}`, help, registers: [r] });
    this.stored = c('messages_stored_total', 'Messages stored for offline clients');
    this.delivered = c('messages_delivered_total', 'Messages written to client sockets');
    this.acksSent = c('surb_acks_sent_total', 'SURB-acks sent back into the mixnet');
    this.purged = c('messages_purged_total', 'Stored messages purged for age');
    this.clientPackets = c('client_packets_total', 'Mix packets received from clients and forwarded');
    this.freeClaims = c('free_bandwidth_claims_total', 'claimFreeTestnetBandwidth requests granted');
    this.clientErrors = new Counter({
      name: 'nymph_gateway_client_errors_total',
      help: 'Error responses sent to clients, by code',
      labelNames: ['code'],
      registers: [r],
    });
    this.credentials = new Counter({
      name: 'nymph_gateway_credentials_total',
      help: 'Bandwidth credentials, by result',
      labelNames: ['result'],
      registers: [r],
    });
    this.connectionsRefused = new Counter({
      name: 'nymph_gateway_client_connections_refused_total',
      help: 'Client-port connections refused, by reason (total_limit, ip_limit, origin)',
      labelNames: ['reason'],
      registers: [r],
    });
    this.connectionsTimedOut = new Counter({
      name: 'nymph_gateway_client_connections_timed_out_total',
      help: 'Client-port connections closed for silence, by phase (upgrade, first_request, handshake, idle)',
      labelNames: ['phase'],
      registers: [r],
    });
    new Gauge({
      name: 'nymph_gateway_client_connections',
      help: 'TCP connections open on the client ports (ws and wss), authenticated or not',
      registers: [r],
      collect() {
        this.set(openConnections());
      },
    });
    new Gauge({
      name: 'nymph_gateway_connected_clients',
      help: 'Authenticated client connections',
      registers: [r],
      collect() {
        this.set(connected());
      },
    });
  }
}
