/**
 * What a scenario gets and gives back. Each scenario reports its own numbers under its own
 * key prefix (`<prefix>_sent`, `_delivered`, `_lost`, `_duplicated`, …) and the targets it
 * missed, in words; the suite fails when any scenario missed one.
 */
import type { Counter, CountingApp, Tally } from './apps.js';
import type { ReliabilityNet } from './net.js';

/** How big each scenario is: the short form (`npm test`) and the long one (`npm run reliability -- --long`). */
export interface Sizes {
  /** Messages through a mix node killed mid-transfer. */
  mixKill: number;
  /** Messages stored at a gateway killed with them. */
  gatewayStored: number;
  /** Messages stored at a gateway killed mid-drain (more: a drain of few is over at once). */
  gatewayDrain: number;
  /** Messages waiting while the native client restarts. */
  clientWaiting: number;
  /** Messages sent while the chain is down. */
  chainOutage: number;
  /** Idle sockets opened on a mix port (and on each of the other ports). */
  idleSockets: number;
  /** An idle socket still open this long after it opened was held without a deadline. */
  idleDeadlineMs: number;
  /** Fuzzed inputs per decoder. */
  fuzzInputs: number;
  load: { streams: number; perSecond: number; seconds: number; window: number; sampleMs: number };
  /** How long a scenario waits for its last messages (a loss costs this much time). */
  awaitMs: number;
  /** Largest RSS slope after warm-up counted as flat, KiB per minute. */
  rssFlatKiBPerMin: number;
}

export const SHORT: Sizes = {
  mixKill: 200,
  gatewayStored: 200,
  gatewayDrain: 400,
  clientWaiting: 20,
  chainOutage: 50,
  idleSockets: 500,
  idleDeadlineMs: 15_000,
  fuzzInputs: 10_000,
  load: { streams: 6, perSecond: 5, seconds: 30, window: 50, sampleMs: 1_000 },
  // past the client's fourth transmission (about 32 s after the first): a packet lost on its
  // way to a gateway that is then killed is retransmitted, not lost, but may need that long
  awaitMs: 40_000,
  // 30 s of load is mostly the garbage collector's sawtooth (slopes from -2 to +48 MiB/min
  // measured on quiet runs): reported here, judged only by the long form
  rssFlatKiBPerMin: Infinity,
};

export const LONG: Sizes = {
  mixKill: 1_000,
  gatewayStored: 1_000,
  gatewayDrain: 1_000,
  clientWaiting: 20,
  chainOutage: 200,
  idleSockets: 500,
  idleDeadlineMs: 20_000,
  fuzzInputs: 1_000_000,
  load: { streams: 50, perSecond: 20, seconds: 600, window: 100, sampleMs: 10_000 },
  awaitMs: 90_000,
  rssFlatKiBPerMin: 1024,
};

/** The sender (first native client) and the receiver (second), with the receiver's counter kept across its restarts. */
export interface Ctx {
  net: ReliabilityNet;
  sizes: Sizes;
  /** A tag unique to this run, so that stray messages of another run are not counted. */
  run: string;
  sender: CountingApp;
  senderAddress: string;
  receiverName: string;
  receiverAddress: string;
  receiverCounter: Counter;
  /** The receiver's current app (replaced when the receiver restarts). */
  receiver: CountingApp | undefined;
  /** Connects a new app to the receiver, polling until its websocket accepts. */
  reconnectReceiver(): Promise<CountingApp>;
  log(msg: string): void;
}

export interface ScenarioResult {
  numbers: Record<string, number>;
  /** Targets missed, each a sentence; empty when the scenario held. */
  failures: string[];
  /** Context for the report (what was not run, and why). */
  notes?: string[];
}

export interface Scenario {
  name: string;
  run(ctx: Ctx): Promise<ScenarioResult>;
}

/** `prefix_sent`, `_delivered`, `_lost`, `_duplicated` of a tally. */
export function tallyNumbers(prefix: string, t: Tally): Record<string, number> {
  return {
    [`${prefix}_sent`]: t.sent,
    [`${prefix}_delivered`]: t.delivered,
    [`${prefix}_lost`]: t.lost,
    [`${prefix}_duplicated`]: t.duplicated,
  };
}

/** The targets every transfer has: nothing lost, nothing twice. */
export function tallyFailures(what: string, t: Tally): string[] {
  const f: string[] = [];
  if (t.lost) f.push(`${what}: ${t.lost} of ${t.sent} lost`);
  if (t.duplicated) f.push(`${what}: ${t.duplicated} delivered twice`);
  return f;
}
