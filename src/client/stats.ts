/**
 * The client's counters, one object shared by its parts (each part counts what it does):
 * what `core.stats` and the Prometheus metrics report.
 */
export interface ClientStats {
  /** real packets on the wire, retransmissions included (traffic) */
  realSent: number;
  /** loop cover packets on the wire (traffic) */
  coverSent: number;
  /** fragments sent again after an ack timeout (acks) */
  retransmissions: number;
  /** SURB-acks of our real packets (acks) */
  acksReceived: number;
  /** complete messages reassembled (receiving) */
  received: number;
  /** fragments that arrived twice (receiving) */
  duplicates: number;
  /** payloads that failed to decrypt or decode (receiving) */
  malformed: number;
  /** loop cover packets that came back to us (receiving) */
  coverReceived: number;
  /** dropped input by error code: malformed payloads, unanswerable control messages */
  drops: Record<string, number>;
  /** messages that exhausted their retransmissions or could not be built (acks) */
  failed: number;
  /** successful reconnections to the gateway (gateway link) */
  reconnects: number;
  /** bandwidth credentials the gateway accepted (gateway link) */
  credentials: number;
}

export function newStats(): ClientStats {
  return {
    realSent: 0,
    coverSent: 0,
    retransmissions: 0,
    acksReceived: 0,
    received: 0,
    duplicates: 0,
    malformed: 0,
    coverReceived: 0,
    drops: {},
    failed: 0,
    reconnects: 0,
    credentials: 0,
  };
}

/** Count one dropped input under its error code. */
export function countDrop(stats: ClientStats, code: string): void {
  stats.drops[code] = (stats.drops[code] ?? 0) + 1;
}
