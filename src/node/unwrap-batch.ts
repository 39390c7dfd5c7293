/**
 * One batch of packets through the node's keys into result records (unwrap-records.ts):
 * what an unwrap worker does with each batch it is sent, and what the pool does itself when
 * it runs without workers (`workers = -1`, worker-pool.ts). Pure: bytes in, bytes out.
 */
import type { createKeyedUnwrapper } from './sphinx-adapter.js';
import {
  REC_ERR_EXPIRED_KEY,
  REC_ERR_MALFORMED,
  REC_HEADER_SIZE,
  REC_OFF_ADDRESS,
  REC_OFF_DELAY,
  REC_OFF_ERROR,
  REC_OFF_LEN,
  REC_OFF_MARKER,
  REC_OFF_ROTATION,
  REC_OFF_STATUS,
  REC_OFF_SURB_ID,
  REC_OFF_TAG,
  REC_STATUS_ERROR,
  REC_STATUS_FINAL,
  REC_STATUS_FORWARD,
} from './unwrap-records.js';

export type KeyedUnwrapper = ReturnType<typeof createKeyedUnwrapper>;

export interface UnwrappedBatch {
  /** The records, one per input packet, in order. */
  out: ArrayBuffer;
  count: number;
  /** Time spent unwrapping (ns). */
  unwrapNs: number;
}

/** `input` holds the packets back to back, `lens[i]` bytes each, framed with `markers[i]`. */
export function unwrapBatch(
  unwrapper: KeyedUnwrapper,
  input: Uint8Array,
  lens: ArrayLike<number>,
  markers: ArrayLike<number>,
): UnwrappedBatch {
  let total = 0;
  for (let i = 0; i < lens.length; i++) total += REC_HEADER_SIZE + lens[i];
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  const t0 = process.hrtime.bigint();
  let inOff = 0;
  let o = 0;
  for (let i = 0; i < lens.length; i++) {
    const len = lens[i];
    // the result is written in place, where its record's body goes (a final payload
    // lands a few bytes further in and is moved down below)
    const r = unwrapper.unwrap(
      input.subarray(inOff, inOff + len),
      markers[i],
      out.subarray(o + REC_HEADER_SIZE, o + REC_HEADER_SIZE + len),
    );
    inOff += len;
    if (
      r.kind === 'error' ||
      r.kind === 'expired_key' ||
      (r.kind === 'forward' ? r.packet : r.payload).length > len
    ) {
      out[o + REC_OFF_STATUS] = REC_STATUS_ERROR;
      out[o + REC_OFF_ERROR] = r.kind === 'expired_key' ? REC_ERR_EXPIRED_KEY : REC_ERR_MALFORMED;
      view.setUint32(o + REC_OFF_LEN, 0, true);
      o += REC_HEADER_SIZE;
      continue;
    }
    const body = r.kind === 'forward' ? r.packet : r.payload;
    out[o + REC_OFF_STATUS] = r.kind === 'forward' ? REC_STATUS_FORWARD : REC_STATUS_FINAL;
    out[o + REC_OFF_MARKER] = markers[i];
    view.setUint32(o + REC_OFF_LEN, body.length, true);
    out.set(r.replayTag, o + REC_OFF_TAG);
    view.setUint32(o + REC_OFF_ROTATION, r.rotationId, true);
    if (r.kind === 'forward') {
      view.setBigUint64(o + REC_OFF_DELAY, r.delayNs, true);
      out.set(r.nextAddress, o + REC_OFF_ADDRESS);
    } else {
      out.set(r.destination, o + REC_OFF_ADDRESS);
      out.set(r.surbId, o + REC_OFF_SURB_ID);
    }
    const at = out.byteOffset + o + REC_HEADER_SIZE;
    if (body.buffer !== out.buffer) out.set(body, o + REC_HEADER_SIZE);
    else if (body.byteOffset !== at)
      out.copyWithin(
        o + REC_HEADER_SIZE,
        body.byteOffset - out.byteOffset,
        body.byteOffset - out.byteOffset + body.length,
      );
    o += REC_HEADER_SIZE + body.length;
  }
  return { out: out.buffer, count: lens.length, unwrapNs: Number(process.hrtime.bigint() - t0) };
}
