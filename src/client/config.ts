/**
 * Client configuration with Nym's defaults and named traffic modes.
 *
 * Nym (common/client-core/config-types): average per-hop delay 50 ms (Coconut era), ack
 * delay the same, loop cover every 200 ms on average, a real-or-cover packet every 20 ms on
 * average, topology refresh every 5 minutes.
 */
import { InvalidConfigError } from './errors.js';
import { DEFAULT_RETRANSMIT, type RetransmitConfig } from './retransmit.js';

export interface TrafficConfig {
  /** Mean of the exponential per-hop delay of forward packets (ms). */
  readonly averagePacketDelayMs: number;
  /** Mean of the exponential per-hop delay of SURB-ack packets (ms). */
  readonly averageAckDelayMs: number;
  /** Mean gap of the Poisson stream of real-or-cover packets (ms). */
  readonly messageSendingAverageDelayMs: number;
  /** Mean gap of the separate loop cover stream (ms). */
  readonly loopCoverAverageDelayMs: number;
  /** Send real packets as soon as they are ready instead of on the Poisson schedule. */
  readonly disableMainPoissonStream: boolean;
  /** No loop cover traffic at all. */
  readonly disableLoopCover: boolean;
  /** Cover gaps are multiplied by this while no application is attached (Nym #491). */
  readonly idleCoverSlowdown: number;
}

export type TrafficMode = 'nym' | 'no-delays' | 'no-cover' | 'localnet' | 'bench';

export const TRAFFIC_MODES: Record<TrafficMode, TrafficConfig> = {
  // Nym's defaults
  nym: {
    averagePacketDelayMs: 50,
    averageAckDelayMs: 50,
    messageSendingAverageDelayMs: 20,
    loopCoverAverageDelayMs: 200,
    disableMainPoissonStream: false,
    disableLoopCover: false,
    idleCoverSlowdown: 10,
  },
  // full cover traffic, but no mixing delay (latency tests)
  'no-delays': {
    averagePacketDelayMs: 0,
    averageAckDelayMs: 0,
    messageSendingAverageDelayMs: 20,
    loopCoverAverageDelayMs: 200,
    disableMainPoissonStream: false,
    disableLoopCover: false,
    idleCoverSlowdown: 10,
  },
  // delays, but no cover and no Poisson pacing
  'no-cover': {
    averagePacketDelayMs: 50,
    averageAckDelayMs: 50,
    messageSendingAverageDelayMs: 0,
    loopCoverAverageDelayMs: 0,
    disableMainPoissonStream: true,
    disableLoopCover: true,
    idleCoverSlowdown: 1,
  },
  // fast and quiet: what tests and the one-command localnet use
  localnet: {
    averagePacketDelayMs: 0,
    averageAckDelayMs: 0,
    messageSendingAverageDelayMs: 0,
    loopCoverAverageDelayMs: 0,
    disableMainPoissonStream: true,
    disableLoopCover: true,
    idleCoverSlowdown: 1,
  },
  bench: {
    averagePacketDelayMs: 0,
    averageAckDelayMs: 0,
    messageSendingAverageDelayMs: 0,
    loopCoverAverageDelayMs: 0,
    disableMainPoissonStream: true,
    disableLoopCover: true,
    idleCoverSlowdown: 1,
  },
};

export interface BackoffConfig {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly multiplier: number;
  /** Give up after this many consecutive failed attempts (Infinity: never). */
  readonly maxAttempts: number;
}

/** Packet sizes for messages and cover (acks always use the ack size). */
export type MessagePacketSize = 'regular' | 'extended8' | 'extended16' | 'extended32';
export const MESSAGE_PACKET_SIZES: readonly MessagePacketSize[] = [
  'regular',
  'extended8',
  'extended16',
  'extended32',
];

export interface ClientConfig {
  /**
   * Every real and cover packet has this size (Nym's `packet_size`: regular 2 KiB, or
   * an extended size for bulk transfers; all of one client's packets look alike).
   */
  readonly packetSize: MessagePacketSize;
  readonly traffic: TrafficConfig;
  readonly retransmit: RetransmitConfig;
  readonly reconnect: BackoffConfig;
  readonly topologyRefreshMs: number;
  /** Least time between extra refreshes for recipients on gateways not yet in the topology. */
  readonly onDemandTopologyRefreshMs: number;
  /** Most real packets sent and not yet acknowledged; more wait in the queue. */
  readonly maxInFlight: number;
  /** Incomplete fragment sets are dropped after this long without new fragments. */
  readonly reassemblyTimeoutMs: number;
  /** Largest message the client accepts to send (bytes). */
  readonly maxMessageBytes: number;
  /** Gateway latency probe timeout (each candidate, all at once). */
  readonly gatewayProbeTimeoutMs: number;
  /** Timeout of each handshake step and of authentication. */
  readonly handshakeTimeoutMs: number;
  /** Ask the anonymous sender for more SURBs when fewer than this remain. */
  readonly surbLowWatermark: number;
  /** How many SURBs to ask for at once. */
  readonly surbTopUpAmount: number;
  /** How long `reply` waits for requested SURBs to arrive. */
  readonly surbWaitTimeoutMs: number;
  /** Reply SURBs and reply keys older than this are dropped (ms). */
  readonly surbMaxAgeMs: number;
  /** A mix node on this many consecutive timed-out routes is avoided for `suspectNodeMs`. */
  readonly suspectAfterFailures: number;
  readonly suspectNodeMs: number;
  /** Top up bandwidth when the gateway reports less than this many bytes. */
  readonly bandwidthLowWatermark: number;
  /** How long the gateway may take to verify and spend a credential. */
  readonly credentialTimeoutMs: number;
}

export const DEFAULT_CONFIG: ClientConfig = {
  packetSize: 'regular',
  traffic: TRAFFIC_MODES.nym,
  retransmit: DEFAULT_RETRANSMIT,
  reconnect: { initialMs: 250, maxMs: 10_000, multiplier: 2, maxAttempts: Infinity },
  topologyRefreshMs: 5 * 60_000,
  onDemandTopologyRefreshMs: 1_000,
  maxInFlight: 256,
  reassemblyTimeoutMs: 5 * 60_000,
  maxMessageBytes: 64 * 1024 * 1024,
  gatewayProbeTimeoutMs: 3_000,
  handshakeTimeoutMs: 5_000,
  surbLowWatermark: 10,
  surbTopUpAmount: 20,
  surbWaitTimeoutMs: 30_000,
  surbMaxAgeMs: 24 * 3600_000,
  suspectAfterFailures: 2,
  suspectNodeMs: 60_000,
  bandwidthLowWatermark: 16 * 1024 * 1024,
  credentialTimeoutMs: 30_000,
};

export type ClientConfigInput = Partial<Omit<ClientConfig, 'traffic' | 'retransmit' | 'reconnect'>> & {
  readonly mode?: TrafficMode;
  readonly traffic?: Partial<TrafficConfig>;
  readonly retransmit?: Partial<RetransmitConfig>;
  readonly reconnect?: Partial<BackoffConfig>;
};

function nonNegative(key: string, v: number): void {
  if (typeof v !== 'number' || Number.isNaN(v) || v < 0)
    throw new InvalidConfigError(key, 'must be a number >= 0');
}

export function resolveConfig(input: ClientConfigInput = {}): ClientConfig {
  const { mode, traffic, retransmit, reconnect, ...rest } = input;
  if (mode !== undefined && !(mode in TRAFFIC_MODES))
    throw new InvalidConfigError(
      'mode',
      `unknown mode ${String(mode)}; one of ${Object.keys(TRAFFIC_MODES).join(', ')}`,
    );
  const cfg: ClientConfig = {
    ...DEFAULT_CONFIG,
    ...rest,
    traffic: { ...TRAFFIC_MODES[mode ?? 'nym'], ...traffic },
    retransmit: { ...DEFAULT_RETRANSMIT, ...retransmit },
    reconnect: { ...DEFAULT_CONFIG.reconnect, ...reconnect },
  };
  for (const [k, v] of Object.entries(cfg.traffic)) if (typeof v === 'number') nonNegative(`traffic.${k}`, v);
  for (const [k, v] of Object.entries(cfg.retransmit)) nonNegative(`retransmit.${k}`, v);
  for (const [k, v] of Object.entries(cfg.reconnect)) nonNegative(`reconnect.${k}`, v);
  for (const [k, v] of Object.entries(rest)) if (k !== 'packetSize') nonNegative(k, v as number);
  if (!MESSAGE_PACKET_SIZES.includes(cfg.packetSize))
    throw new InvalidConfigError('packetSize', `one of ${MESSAGE_PACKET_SIZES.join(', ')}`);
  if (cfg.traffic.idleCoverSlowdown < 1)
    throw new InvalidConfigError('traffic.idleCoverSlowdown', 'must be >= 1');
  return cfg;
}

/** Next reconnect delay for attempt n (0-based). */
export function backoffDelay(cfg: BackoffConfig, attempt: number): number {
  return Math.min(cfg.maxMs, cfg.initialMs * cfg.multiplier ** attempt);
}
