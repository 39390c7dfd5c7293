/**
 * When a node's Sphinx keys change: Nym's key rotation schedule and its controller's
 * decisions (nym-node `src/node/key_rotation/controller.rs`), as pure functions of the
 * nym-api's `/v1/epoch/key-rotation-info`, the keys held, and the time.
 *
 * A rotation lasts `validity_epochs` epochs (Nym: 24 one-hour epochs). Rotation id
 * = (absolute epoch - initial epoch) / validity (mixnet-contract `key_rotation.rs`). A node
 * holds at most two keys: the primary (its current rotation) and a secondary, which is
 *   - the pre-announced key of the next rotation, made at the start of the last epoch of
 *     the current one, so nym-api lists it and clients can use it before the boundary;
 *   - after the boundary, the previous rotation's key, kept one epoch (the overlap) for
 *     clients whose topology is a little old, then purged with its replay filter.
 * Pre-announcing and purging need distinct epochs, so a rotation lasts at least 2 epochs.
 */
import type { KeyRotationInfoResponse } from '../api-client/nym-nodes.js';
import { NodeConfigError } from './errors.js';

export interface RotationSchedule {
  epochMs: number;
  validityEpochs: number;
  initialEpoch: number;
  /** The absolute epoch current when the schedule was read, and its start (ms). */
  currentEpoch: number;
  currentEpochStartMs: number;
}

/** Nym's `is_epoch_stuck` margin: 20% into the following epoch with no advance. */
const STUCK_FRACTION = 0.2;

export function scheduleFromInfo(info: KeyRotationInfoResponse): RotationSchedule {
  const epochMs = info.epoch_duration.secs * 1000 + Math.floor(info.epoch_duration.nanos / 1e6);
  const startMs = Date.parse(info.current_epoch_start);
  if (!(epochMs > 0)) throw new NodeConfigError('key_rotation', 'epoch duration must be positive');
  if (!Number.isFinite(startMs)) throw new NodeConfigError('key_rotation', 'epoch start is not a time');
  if (info.key_rotation_state.validity_epochs < 2)
    throw new NodeConfigError(
      'key_rotation',
      `a rotation must last at least 2 epochs (pre-announce, then overlap), got ${info.key_rotation_state.validity_epochs}`,
    );
  return {
    epochMs,
    validityEpochs: info.key_rotation_state.validity_epochs,
    initialEpoch: info.key_rotation_state.initial_epoch_id,
    currentEpoch: info.current_absolute_epoch_id,
    currentEpochStartMs: startMs,
  };
}

export function rotationOfEpoch(s: RotationSchedule, epoch: number): number {
  return Math.floor(Math.max(0, epoch - s.initialEpoch) / s.validityEpochs);
}

export function rotationStartEpoch(s: RotationSchedule, rotation: number): number {
  return s.initialEpoch + s.validityEpochs * rotation;
}

export function epochStartMs(s: RotationSchedule, epoch: number): number {
  return s.currentEpochStartMs + (epoch - s.currentEpoch) * s.epochMs;
}

export function currentRotation(s: RotationSchedule): number {
  return rotationOfEpoch(s, s.currentEpoch);
}

/** The rotation the clock says it is (differs from `currentRotation` when the chain lags). */
export function expectedRotationAt(s: RotationSchedule, nowMs: number): number {
  const elapsed = Math.floor((nowMs - s.currentEpochStartMs) / s.epochMs);
  return rotationOfEpoch(s, s.currentEpoch + Math.max(0, elapsed));
}

/** How long a key (and its replay filter) lives: its rotation plus the overlap epoch. */
export function rotationLifetimeMs(s: RotationSchedule): number {
  return (s.validityEpochs + 1) * s.epochMs;
}

export function isEpochStuck(s: RotationSchedule, nowMs: number): boolean {
  return nowMs > s.currentEpochStartMs + s.epochMs * (1 + STUCK_FRACTION);
}

export type RotationAction =
  | { kind: 'pre_announce'; rotation: number; atMs: number }
  | { kind: 'swap'; rotation: number; atMs: number }
  | { kind: 'purge'; atMs: number }
  | { kind: 'wait'; atMs: number };

/** Nym's fixed waits (240 s, 30 s), shortened for short epochs so tests can rotate in seconds. */
function waits(s: RotationSchedule): { long: number; short: number } {
  return { long: Math.min(240_000, s.epochMs / 2), short: Math.min(30_000, s.epochMs / 8) };
}

/**
 * The next thing to do with the keys (Nym's `try_determine_next_action`): which action,
 * and when. `secondary` is the rotation id of the secondary key, if there is one.
 */
export function nextRotationAction(
  s: RotationSchedule,
  keys: { primary: number; secondary?: number },
  nowMs: number,
): RotationAction {
  const w = waits(s);
  if (isEpochStuck(s, nowMs)) return { kind: 'wait', atMs: nowMs + w.long };
  const current = currentRotation(s);
  // the chain has not advanced the epoch yet (clocks a little apart): look again soon
  if (current !== expectedRotationAt(s, nowMs)) return { kind: 'wait', atMs: nowMs + w.short };
  const nextStartEpoch = rotationStartEpoch(s, current + 1);
  const nextStartMs = epochStartMs(s, nextStartEpoch);
  // too close to the boundary to start work that the boundary would undo
  if (nextStartMs - nowMs < w.short) return { kind: 'wait', atMs: nextStartMs };
  const next = current + 1;
  const rotatesNextEpoch = nextStartEpoch === s.currentEpoch + 1;
  if (keys.secondary === undefined) {
    if (keys.primary !== current)
      // the primary is stale (the node was down): a key for now, promoted at the next look
      return { kind: 'pre_announce', rotation: rotatesNextEpoch ? next : current, atMs: nowMs };
    return { kind: 'pre_announce', rotation: next, atMs: epochStartMs(s, nextStartEpoch - 1) };
  }
  if (keys.secondary === next) return { kind: 'swap', rotation: next, atMs: nextStartMs };
  if (keys.secondary === current) return { kind: 'swap', rotation: current, atMs: nowMs };
  if (keys.secondary < current) {
    // the previous rotation's key stays for the overlap epoch; an older one goes now
    const atMs = keys.secondary === current - 1 ? epochStartMs(s, rotationStartEpoch(s, current) + 1) : nowMs;
    return { kind: 'purge', atMs };
  }
  return { kind: 'wait', atMs: nowMs + w.long };
}

/**
 * A key-rotation-info document for a schedule kept by the clock alone (epochs of
 * `epochMs` from `originMs`): for nodes run without nym-api, and for tests.
 */
export function localRotationInfo(
  o: { epochMs: number; validityEpochs: number; originMs: number },
  nowMs: number,
): KeyRotationInfoResponse {
  const epoch = Math.max(0, Math.floor((nowMs - o.originMs) / o.epochMs));
  const start = o.originMs + epoch * o.epochMs;
  const rotation = Math.floor(epoch / o.validityEpochs);
  return {
    key_rotation_state: { validity_epochs: o.validityEpochs, initial_epoch_id: 0 },
    current_absolute_epoch_id: epoch,
    current_epoch_start: new Date(start).toISOString(),
    epoch_duration: { secs: Math.floor(o.epochMs / 1000), nanos: (o.epochMs % 1000) * 1e6 },
    progress: {
      current_key_rotation_id: rotation,
      current_rotation_starting_epoch: rotation * o.validityEpochs,
      current_rotation_ending_epoch: rotation * o.validityEpochs + o.validityEpochs - 1,
    },
  };
}
