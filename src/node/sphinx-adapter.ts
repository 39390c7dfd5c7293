/**
 * The one place the node side touches the Sphinx room, so the packet path depends on a
 * narrow interface: unwrap bytes under the node key, decode a node address.
 */
import { SphinxError, SphinxNodeKey, decodeNodeAddress, unwrapPacket } from '../sphinx/index.js';
import type { Destination } from './connection-pool.js';

export type UnwrapOutcome =
  | { kind: 'forward'; nextAddress: Uint8Array; delayNs: bigint; packet: Uint8Array; replayTag: Uint8Array }
  | { kind: 'final'; destination: Uint8Array; surbId: Uint8Array; payload: Uint8Array; replayTag: Uint8Array }
  | { kind: 'error'; reason: string };

/** An unwrap function bound to the node key; never throws for bad packets. */
export function createUnwrapper(sphinxSecret: Uint8Array): (packet: Uint8Array) => UnwrapOutcome {
  const key = SphinxNodeKey.fromSecret(sphinxSecret);
  return (packet) => {
    try {
      const r = unwrapPacket(key, packet);
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
