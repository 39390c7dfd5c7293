/**
 * The one place the node side touches the Sphinx room, so the packet path depends on a
 * narrow interface: unwrap bytes under the node keys, decode a node address.
 */
import { SphinxError, SphinxNodeKey, decodeNodeAddress, unwrapPacket } from '../sphinx/index.js';
import type { Destination } from './connection-pool.js';

export type UnwrapOutcome =
  | { kind: 'forward'; nextAddress: Uint8Array; delayNs: bigint; packet: Uint8Array; replayTag: Uint8Array }
  | { kind: 'final'; destination: Uint8Array; surbId: Uint8Array; payload: Uint8Array; replayTag: Uint8Array }
  | { kind: 'error'; reason: string };

/** Frame key-rotation markers (Nym's `SphinxKeyRotation`): which key the sender used. */
export const MARKER_UNKNOWN = 0;
export const MARKER_ODD = 1;
export const MARKER_EVEN = 2;

/** A key a worker holds: the secret and its rotation id. */
export interface WorkerKey {
  rotationId: number;
  secret: Uint8Array;
}

export type KeyedOutcome =
  | (Exclude<UnwrapOutcome, { kind: 'error' }> & { rotationId: number })
  | { kind: 'error'; reason: string }
  | { kind: 'expired_key' };

/**
 * Unwraps under the primary key or the secondary one, as Nym's mix handler picks
 * (`try_partially_unwrap_packet`): a marked packet under the held key of that parity
 * (none held: the key expired); an unmarked one (legacy frames, Nymph's own) under the
 * primary first, then the secondary. `keys` is [primary, secondary?].
 */
export function createKeyedUnwrapper(initial: readonly WorkerKey[]): {
  setKeys(keys: readonly WorkerKey[]): void;
  /** `into`: where the result goes (see `unwrapPacket`), else a new array. */
  unwrap(packet: Uint8Array, marker: number, into?: Uint8Array): KeyedOutcome;
} {
  let held: { rotationId: number; unwrap: (p: Uint8Array, into?: Uint8Array) => UnwrapOutcome }[] = [];
  const setKeys = (keys: readonly WorkerKey[]) => {
    held = keys.map((k) => ({ rotationId: k.rotationId, unwrap: createUnwrapper(k.secret) }));
  };
  setKeys(initial);
  const attempt = (k: (typeof held)[number], packet: Uint8Array, into?: Uint8Array): KeyedOutcome => {
    const r = k.unwrap(packet, into);
    return r.kind === 'error' ? r : { ...r, rotationId: k.rotationId };
  };
  return {
    setKeys,
    unwrap(packet, marker, into) {
      if (marker === MARKER_UNKNOWN) {
        let last: KeyedOutcome = { kind: 'error', reason: 'no key' };
        for (const k of held) {
          last = attempt(k, packet, into);
          if (last.kind !== 'error') return last;
        }
        return last;
      }
      const even = marker === MARKER_EVEN;
      const k = held.find((h) => (h.rotationId % 2 === 0) === even);
      return k ? attempt(k, packet, into) : { kind: 'expired_key' };
    },
  };
}

/** An unwrap function bound to the node key; never throws for bad packets. */
export function createUnwrapper(
  sphinxSecret: Uint8Array,
): (packet: Uint8Array, into?: Uint8Array) => UnwrapOutcome {
  const key = SphinxNodeKey.fromSecret(sphinxSecret);
  return (packet, into) => {
    try {
      const r = unwrapPacket(key, packet, into);
      return r.kind === 'forward'
        ? r
        : {
            kind: 'final',
            destination: r.destinationAddress,
            surbId: r.surbId,
            payload: r.payload,
            replayTag: r.replayTag,
          };
    } catch (e) {
      if (e instanceof SphinxError) return { kind: 'error', reason: e.name };
      return { kind: 'error', reason: e instanceof Error ? e.message : String(e) };
    }
  };
}

/** Socket address of a 32-byte Sphinx node address; undefined when it does not decode. */
export function decodeAddress(bytes: Uint8Array): Destination | undefined {
  try {
    const a = decodeNodeAddress(bytes);
    return { host: a.host, port: a.port };
  } catch {
    return undefined;
  }
}
