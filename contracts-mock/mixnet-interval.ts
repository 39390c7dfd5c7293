/** Epochs and intervals: Nym's `Interval` (mixnet-contract/src/interval.rs) advanced by block time. */
import type { Interval } from '../src/contracts/mixnet.js';

export const NANOS_PER_SEC = 1_000_000_000n;

/** RFC 3339 with nanosecond precision, as `time::OffsetDateTime` prints it. */
export function rfc3339FromNanos(nanos: bigint): string {
  const secs = nanos / NANOS_PER_SEC;
  const frac = nanos % NANOS_PER_SEC;
  const base = new Date(Number(secs) * 1000).toISOString().slice(0, 19);
  return frac === 0n ? `${base}Z` : `${base}.${frac.toString().padStart(9, '0').replace(/0+$/, '')}Z`;
}

export function epochLengthNanos(i: Interval): bigint {
  return BigInt(i.epoch_length.secs) * NANOS_PER_SEC + BigInt(i.epoch_length.nanos);
}

/** The next epoch starting at `nowNanos`, rolling over to a new interval after the last epoch. */
export function nextEpoch(i: Interval, nowNanos: bigint): Interval {
  const nextEpochId = i.current_epoch_id + 1;
  const rollover = nextEpochId >= i.epochs_in_interval;
  return {
    ...i,
    id: rollover ? i.id + 1 : i.id,
    current_epoch_id: rollover ? 0 : nextEpochId,
    current_epoch_start: rfc3339FromNanos(nowNanos),
    total_elapsed_epochs: i.total_elapsed_epochs + 1,
  };
}
