/**
 * Traffic: when packets leave the client (Nym's real_traffic_stream.rs in
 * common/client-core/src/client/real_messages_control/ and cover_traffic_stream.rs).
 *
 * - The main stream: a Poisson process of slots, each carrying the next real packet or,
 *   when none waits, a loop cover packet (Loopix; `messageSendingAverageDelayMs`).
 * - The loop cover stream: a second Poisson process of cover packets only
 *   (`loopCoverAverageDelayMs`); with no application attached both carry less cover
 *   (`idleCoverSlowdown`, Nym #491).
 * - Without the main stream (`disableMainPoissonStream`), real packets go out as soon as
 *   they are queued, in time slices, paced by the socket, the bandwidth and the window of
 *   packets in flight.
 *
 * Slot times are drawn as Nym draws them: each from the previous *scheduled* time
 * (next = previous + Exp(mean)), not from when the work after the last slot ended, so
 * building packets and timer lateness do not stretch the gaps. A stream that fell behind
 * catches up at most `maxCatchUp` slots per timer firing; a stall longer than that many
 * mean gaps is forgiven rather than paid back in a burst.
 */
import { randomIndex } from '../topology/index.js';
import { Timers, type Clock, type TimerHandle } from './clock.js';
import type { TrafficConfig } from './config.js';
import type { RandomBytes } from './crypto.js';
import type { BuiltPacket, OutPacket } from './packet-builder.js';
import { sampleExponential } from './poisson.js';
import type { ClientStats } from './stats.js';

/** What the pump sends through (gateway-link.ts). */
export interface PumpLink {
  readonly writable: boolean;
  /** bytes queued in the socket */
  readonly backlogBytes: number;
  haveBandwidth(): boolean;
  send(mixPacket: Uint8Array, sphinxBytes: number): void;
}

/** What the pump reports to and asks of acknowledgement control (ack-control.ts). */
export interface PumpAcks {
  windowFull(): boolean;
  isPending(key: string): boolean;
  sent(key: string, expectedDelayMs: number): void;
  buildFailed(key: string, err: Error): void;
}

/** Slots handled in one timer firing when a stream fell behind. */
export const MAX_CATCH_UP = 4;
/** Socket backlog above which the immediate pump waits for the socket to drain. */
const MAX_SOCKET_BACKLOG = 1 << 20;
/** Longest run of the immediate pump before it yields to I/O. */
const SLICE_MS = 8;

/**
 * Slots at the times of a Poisson process with mean gap `mean()` (read at each draw, so it
 * may change), measured on `clock`.
 */
export class PoissonSchedule {
  private next = 0;
  private timer: TimerHandle | undefined;
  private stopped = true;
  /** slots forgiven after stalls */
  skipped = 0;

  constructor(
    private readonly clock: Clock,
    private readonly rng: RandomBytes,
    private readonly mean: () => number,
    private readonly onSlot: () => void,
    private readonly maxCatchUp = MAX_CATCH_UP,
  ) {}

  start(): void {
    this.stopped = false;
    this.next = this.clock.now() + this.gap();
    this.arm();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = undefined;
  }

  private gap(): number {
    return sampleExponential(this.mean(), this.rng);
  }

  private arm(): void {
    if (this.stopped) return;
    this.timer = this.clock.setTimer(() => this.fire(), Math.max(0, this.next - this.clock.now()));
  }

  private fire(): void {
    this.timer = undefined;
    // a zero mean has no schedule to keep: one slot per timer turn
    const cap = this.mean() > 0 ? this.maxCatchUp : 1;
    for (let n = 0; n < cap && this.next <= this.clock.now() && !this.stopped; n++) {
      this.onSlot();
      this.next += this.gap();
    }
    const now = this.clock.now();
    if (now - this.next > cap * this.mean()) {
      this.skipped++;
      this.next = now + this.gap();
    }
    this.arm();
  }
}

export interface TrafficPumpOptions {
  readonly traffic: TrafficConfig;
  readonly clock: Clock;
  readonly rng: RandomBytes;
  readonly stats: ClientStats;
  readonly link: PumpLink;
  readonly acks: PumpAcks;
  /** A fresh loop cover packet. */
  cover(): BuiltPacket;
  readonly maxCatchUp?: number;
}

export class TrafficPump {
  private readonly queue: OutPacket[] = [];
  private readonly streams: PoissonSchedule[] = [];
  private readonly timers: Timers;
  private idle = false;
  private pumping = false;
  private stopped = false;

  constructor(private readonly o: TrafficPumpOptions) {
    this.timers = new Timers(o.clock);
    const t = o.traffic;
    if (!t.disableMainPoissonStream)
      this.streams.push(
        this.schedule(
          () => t.messageSendingAverageDelayMs,
          () => this.mainSlot(),
        ),
      );
    if (!t.disableLoopCover)
      this.streams.push(
        this.schedule(
          () => t.loopCoverAverageDelayMs * (this.idle ? t.idleCoverSlowdown : 1),
          () => this.loopSlot(),
        ),
      );
  }

  private schedule(mean: () => number, slot: () => void): PoissonSchedule {
    return new PoissonSchedule(this.o.clock, this.o.rng, mean, slot, this.o.maxCatchUp);
  }

  get length(): number {
    return this.queue.length;
  }

  /** Slots forgiven after stalls, over both streams. */
  get skippedSlots(): number {
    return this.streams.reduce((a, s) => a + s.skipped, 0);
  }

  /** With no application attached, cover traffic slows down by `idleCoverSlowdown`. */
  setIdle(idle: boolean): void {
    this.idle = idle;
  }

  start(): void {
    for (const s of this.streams) s.start();
  }

  stop(): void {
    this.stopped = true;
    for (const s of this.streams) s.stop();
    this.timers.stop();
  }

  push(p: OutPacket): void {
    this.queue.push(p);
  }

  /** Ahead of everything queued (retransmissions). */
  pushFront(p: OutPacket): void {
    this.queue.unshift(p);
  }

  /** Wake the sender when real packets are not paced by the main stream. */
  kick(): void {
    if (!this.o.traffic.disableMainPoissonStream || this.pumping || this.stopped) return;
    if (this.queue.length === 0) return;
    this.pumping = true;
    this.o.clock.defer(() => this.pump());
  }

  private pump(): void {
    const { link, acks, clock } = this.o;
    if (!link.writable || this.stopped) {
      this.pumping = false; // reconnecting: the link wakes us
      return;
    }
    const sliceEnd = clock.now() + SLICE_MS;
    while (this.queue.length > 0 && clock.now() < sliceEnd) {
      // flow control: do not run ahead of the socket
      if (link.backlogBytes > MAX_SOCKET_BACKLOG) return this.timers.after(2, () => this.pump());
      if (!link.haveBandwidth() || acks.windowFull()) {
        this.pumping = false; // a top-up, an ack or a timeout kicks us again
        return;
      }
      this.transmit(this.queue.shift()!);
    }
    if (this.queue.length > 0) clock.defer(() => this.pump());
    else this.pumping = false;
  }

  /** A main-stream slot: the next real packet, else cover (less of it while idle). */
  private mainSlot(): void {
    const { link, acks } = this.o;
    if (!link.writable || !link.haveBandwidth()) return;
    // packets acknowledged or cancelled while queued do not take a slot
    while (this.queue.length && this.queue[0].key !== undefined && !acks.isPending(this.queue[0].key))
      this.queue.shift();
    const real = acks.windowFull() ? undefined : this.queue.shift();
    if (real) this.transmit(real);
    else if (!this.o.traffic.disableLoopCover && this.coverDue()) this.transmit(this.coverPacket());
  }

  private loopSlot(): void {
    if (this.o.link.writable) this.transmit(this.coverPacket());
  }

  /** While idle, only one in `idleCoverSlowdown` empty slots carries cover (Nym #491). */
  private coverDue(): boolean {
    const slow = this.o.traffic.idleCoverSlowdown;
    return !this.idle || slow <= 1 || randomIndex(Math.round(slow), this.o.rng) === 0;
  }

  private coverPacket(): OutPacket {
    return { build: () => this.o.cover() };
  }

  private transmit(p: OutPacket): void {
    const { link, acks, stats } = this.o;
    if (!link.writable) {
      if (p.key !== undefined) this.queue.unshift(p);
      return;
    }
    if (p.key !== undefined && !acks.isPending(p.key)) return; // acked or cancelled meanwhile
    let built: BuiltPacket;
    try {
      built = p.build();
    } catch (e) {
      if (p.key !== undefined) acks.buildFailed(p.key, e as Error);
      return;
    }
    link.send(built.mixPacket, built.sphinxBytes);
    if (p.key === undefined) {
      stats.coverSent++;
      return;
    }
    stats.realSent++;
    acks.sent(p.key, built.expectedDelayMs);
  }
}
