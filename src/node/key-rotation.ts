/**
 * The key rotation controller of a node (Nym's `KeyRotationController`, nym-node
 * `src/node/key_rotation/controller.rs`): reads nym-api's `/v1/epoch/key-rotation-info`,
 * and at the times rotation-schedule.ts computes, pre-announces the next rotation's key,
 * swaps it in at the boundary (the old one kept for the overlap epoch), then purges the
 * old key. Each key has its own replay filter, made with it and deleted with it. After
 * every change the unwrap workers get the keys and the node announces them
 * (`announce`: to nym-api, see key-announce.ts), so clients learn the next key before
 * the boundary.
 */
import crypto from 'node:crypto';
import path from 'node:path';
import type { Logger } from 'pino';
import type { KeyRotationInfoResponse } from '../api-client/nym-nodes.js';
import { bloomSizing, type BloomSizing, type ReplayFilters } from './replay-store.js';
import {
  currentRotation,
  nextRotationAction,
  rotationLifetimeMs,
  scheduleFromInfo,
  type RotationAction,
  type RotationSchedule,
} from './rotation-schedule.js';
import type { WorkerKey } from './sphinx-adapter.js';
import { SphinxKeyStore, type RotationKey } from './sphinx-keys.js';

/** What a node publishes: Nym's `primary_x25519_sphinx_key` and `pre_announced_x25519_sphinx_key`. */
export interface SphinxKeyAnnouncement {
  primary: { rotationId: number; publicKey: Uint8Array };
  preAnnounced?: { rotationId: number; publicKey: Uint8Array };
}

export interface ReplaySizingConfig {
  /** Expected packets a second (Nym's `initial_expected_packets_per_second`). */
  packetsPerSecond: number;
  /** Target false-positive rate (Nym's default 1e-5). */
  falsePositiveRate: number;
  /** Head room (Nym's `bloomfilter_size_multiplier`, 1.12). */
  multiplier?: number;
  /** Key lifetime assumed without a schedule (Nym's assumption: 24 h + 1 h of overlap). */
  defaultLifetimeMs?: number;
  /** How often the filters' bitmaps are written (Nym: 10 min). */
  snapshotMs?: number;
}

export const DEFAULT_REPLAY_SIZING: Required<ReplaySizingConfig> = {
  packetsPerSecond: 200,
  falsePositiveRate: 1e-5,
  multiplier: 1.12,
  defaultLifetimeMs: 25 * 3600_000,
  snapshotMs: 10 * 60_000,
};

export interface SphinxRotationOptions {
  home: string;
  /** The replay filters (one per key rotation), usually the packet pipeline's. */
  filters: ReplayFilters;
  /** The bonded X25519 secret: the first primary key. */
  initialSecret: Uint8Array;
  /** The rotation schedule; absent: keys never rotate (rotation 0). */
  info?: (signal: AbortSignal) => Promise<KeyRotationInfoResponse>;
  /** Publishes the keys held (after every change, and every `announceEveryMs`). */
  announce?: (a: SphinxKeyAnnouncement, signal: AbortSignal) => Promise<void>;
  announceEveryMs?: number;
  /** Longest sleep between looks at the schedule (Nym polls every 4 h; default 60 s). */
  pollMs?: number;
  replay?: ReplaySizingConfig;
  random?: (n: number) => Uint8Array;
  now?: () => number;
  logger: Logger;
}

export class SphinxRotation {
  readonly filters: ReplayFilters;
  private schedule: RotationSchedule | undefined;
  private readonly sizing: Required<ReplaySizingConfig>;
  private readonly now: () => number;
  private target: { setKeys(keys: readonly WorkerKey[]): void } | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private announceTimer: ReturnType<typeof setInterval> | undefined;
  private snapshotTimer: ReturnType<typeof setInterval> | undefined;
  private readonly stopper = new AbortController();
  private loggedAnnounceError = false;
  private loggedInfoError = false;
  /** Each filter's sizing, as allocated (for logs and tests). */
  readonly sizings = new Map<number, BloomSizing>();

  private constructor(
    private readonly o: SphinxRotationOptions,
    private readonly store: SphinxKeyStore,
    schedule: RotationSchedule | undefined,
  ) {
    this.schedule = schedule;
    this.sizing = { ...DEFAULT_REPLAY_SIZING, ...o.replay };
    this.now = o.now ?? Date.now;
    this.filters = o.filters;
    const held = this.heldIds();
    this.filters.removeOthers(held);
    for (const id of held) this.openFilter(id);
  }

  /** Loads (or makes) the keys for the current rotation and their replay filters. */
  static async open(o: SphinxRotationOptions, signal?: AbortSignal): Promise<SphinxRotation> {
    let schedule: RotationSchedule | undefined;
    if (o.info) {
      const ac = new AbortController();
      const abort = () => ac.abort();
      signal?.addEventListener('abort', abort, { once: true });
      try {
        schedule = scheduleFromInfo(await o.info(ac.signal));
      } catch (e) {
        if (signal?.aborted) throw e;
        o.logger.warn(
          { err: (e as Error).message },
          'key rotation info unavailable at start: keeping the stored keys until it answers',
        );
      } finally {
        signal?.removeEventListener('abort', abort);
      }
    }
    const random = o.random ?? ((n: number) => new Uint8Array(crypto.randomBytes(n)));
    const rotation = schedule ? currentRotation(schedule) : undefined;
    const store = SphinxKeyStore.open(o.home, rotation ?? storedOrZero(o.home), o.initialSecret, random);
    return new SphinxRotation(o, store, schedule);
  }

  get primary(): RotationKey {
    return this.store.primary;
  }

  get secondary(): RotationKey | undefined {
    return this.store.secondary;
  }

  /** [primary, secondary?] for the unwrap workers. */
  get workerKeys(): WorkerKey[] {
    const keys = [this.store.primary];
    if (this.store.secondary) keys.push(this.store.secondary);
    return keys.map((k) => ({ rotationId: k.rotationId, secret: k.secret }));
  }

  get announcement(): SphinxKeyAnnouncement {
    const pre = this.store.preAnnounced;
    return {
      primary: { rotationId: this.store.primary.rotationId, publicKey: this.store.primary.publicKey },
      preAnnounced: pre && { rotationId: pre.rotationId, publicKey: pre.publicKey },
    };
  }

  /** Starts the controller; `target` (the packet pipeline) gets every change of keys. */
  start(target: { setKeys(keys: readonly WorkerKey[]): void }): void {
    this.target = target;
    target.setKeys(this.workerKeys);
    const snapshot = setInterval(() => this.snapshot(), this.sizing.snapshotMs);
    snapshot.unref?.();
    this.snapshotTimer = snapshot;
    if (this.o.announce) {
      void this.announce();
      const every = this.o.announceEveryMs ?? 60_000;
      this.announceTimer = setInterval(() => void this.announce(), every);
      this.announceTimer.unref?.();
    }
    if (this.o.info) void this.step();
  }

  /** Stops the timers. The filters are closed (and snapshot) by the pipeline's stop. */
  stop(): void {
    this.stopper.abort();
    if (this.timer) clearTimeout(this.timer);
    if (this.announceTimer) clearInterval(this.announceTimer);
    if (this.snapshotTimer) clearInterval(this.snapshotTimer);
  }

  private snapshot(): void {
    try {
      this.filters.snapshot();
    } catch (e) {
      this.o.logger.error({ err: (e as Error).message }, 'replay filter snapshot failed');
    }
  }

  private heldIds(): number[] {
    const ids = [this.store.primary.rotationId];
    if (this.store.secondary) ids.push(this.store.secondary.rotationId);
    return ids;
  }

  /** The filter size for a new rotation: the measured rate if higher than the configured one. */
  sizingFor(): BloomSizing {
    const measured = this.filters.rate(this.store.primary.rotationId);
    return bloomSizing({
      packetsPerSecond: Math.max(this.sizing.packetsPerSecond, measured),
      lifetimeMs: this.schedule ? rotationLifetimeMs(this.schedule) : this.sizing.defaultLifetimeMs,
      falsePositiveRate: this.sizing.falsePositiveRate,
      multiplier: this.sizing.multiplier,
    });
  }

  private openFilter(rotationId: number): void {
    if (this.filters.has(rotationId)) return;
    const size = this.sizingFor();
    this.filters.open(rotationId, size);
    const held = this.filters.sizeOf(rotationId)!;
    this.sizings.set(rotationId, { ...size, bits: held.bits, hashes: held.hashes });
    this.o.logger.info(
      {
        rotation: rotationId,
        items: size.items,
        bits: held.bits,
        hashes: held.hashes,
        mib: held.bits / 8 / 2 ** 20,
        falsePositiveRate: size.expectedFalsePositiveRate,
      },
      'replay filter ready',
    );
  }

  private async fetchInfo(): Promise<RotationSchedule | undefined> {
    try {
      const s = scheduleFromInfo(await this.o.info!(this.stopper.signal));
      this.schedule = s;
      this.loggedInfoError = false;
      return s;
    } catch (e) {
      if (!this.stopper.signal.aborted && !this.loggedInfoError) {
        this.loggedInfoError = true;
        this.o.logger.warn({ err: (e as Error).message }, 'key rotation info unavailable; retrying');
      }
      return undefined;
    }
  }

  private sleep(ms: number, then: () => void): void {
    if (this.stopper.signal.aborted) return;
    this.timer = setTimeout(then, Math.max(0, ms));
  }

  /** Looks at the schedule, then sleeps until the next action (or the next look). */
  private async step(): Promise<void> {
    if (this.stopper.signal.aborted) return;
    const pollMs = this.o.pollMs ?? 60_000;
    const s = await this.fetchInfo();
    if (this.stopper.signal.aborted) return;
    if (!s) return this.sleep(Math.min(pollMs, 5_000), () => void this.step());
    const keys = { primary: this.store.primary.rotationId, secondary: this.store.secondary?.rotationId };
    const action = nextRotationAction(s, keys, this.now());
    const wait = action.atMs - this.now();
    if (wait > pollMs) return this.sleep(pollMs, () => void this.step());
    this.sleep(wait, () => {
      this.execute(action);
      void this.step();
    });
  }

  /** Carries out one action (exposed for tests through `step`). */
  private execute(a: RotationAction): void {
    if (this.stopper.signal.aborted) return;
    try {
      switch (a.kind) {
        case 'pre_announce':
          this.o.logger.info({ rotation: a.rotation }, 'pre-announcing the next sphinx key');
          this.openFilter(a.rotation);
          this.store.generate(a.rotation);
          break;
        case 'swap': {
          this.o.logger.info({ rotation: a.rotation }, 'swapping to the new sphinx key');
          this.openFilter(a.rotation);
          this.store.rotate(a.rotation);
          break;
        }
        case 'purge': {
          const old = this.store.secondary?.rotationId;
          this.o.logger.info({ rotation: old }, 'purging the old sphinx key and its replay filter');
          this.store.removeSecondary();
          break;
        }
        case 'wait':
          return;
      }
      // workers first, then filters: a result under a purged key finds no filter (dropped)
      this.target?.setKeys(this.workerKeys);
      this.filters.removeOthers(this.heldIds());
      void this.announce();
    } catch (e) {
      this.o.logger.error({ err: (e as Error).message, action: a.kind }, 'key rotation step failed');
    }
  }

  private async announce(): Promise<void> {
    if (!this.o.announce || this.stopper.signal.aborted) return;
    try {
      await this.o.announce(this.announcement, this.stopper.signal);
      this.loggedAnnounceError = false;
    } catch (e) {
      if (this.stopper.signal.aborted || this.loggedAnnounceError) return;
      this.loggedAnnounceError = true;
      this.o.logger.warn({ err: (e as Error).message }, 'announcing sphinx keys failed; retrying');
    }
  }
}

/** Without a schedule at start: the stored primary's rotation (else 0), so nothing is regenerated. */
function storedOrZero(home: string): number {
  try {
    return SphinxKeyStore.peekPrimaryRotation(home) ?? 0;
  } catch {
    return 0;
  }
}

/** A node's rotation settings, from its `[sphinx]` table (node-config.ts). */
export interface NodeSphinxOptions {
  info?: SphinxRotationOptions['info'];
  announce?: SphinxRotationOptions['announce'];
  announceEveryMs?: number;
  pollMs?: number;
  replay?: ReplaySizingConfig;
}

/** The replay directory of a node home. */
export function replayDirOf(home: string): string {
  return path.join(home, 'data', 'replay');
}
