/**
 * Unwrap worker: a thread that owns a copy of the node's Sphinx key and turns batches of
 * packets into result records (see unwrap-records.ts). Buffers come and go transferred.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createKeyedUnwrapper, type WorkerKey } from './sphinx-adapter.js';
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
  type BatchRequest,
  type BatchResponse,
  type KeysMessage,
} from './unwrap-records.js';

const copyKeys = (keys: WorkerKey[]) =>
  keys.map((k) => ({ rotationId: k.rotationId, secret: new Uint8Array(k.secret) }));
const unwrapper = createKeyedUnwrapper(copyKeys(workerData.keys as WorkerKey[]));
const port = parentPort!;

port.on('message', (req: BatchRequest | KeysMessage) => {
  if ('keys' in req) {
    unwrapper.setKeys(copyKeys(req.keys));
    return;
  }
  const input = new Uint8Array(req.buf);
  let total = 0;
  for (let i = 0; i < req.lens.length; i++) total += REC_HEADER_SIZE + req.lens[i];
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  const t0 = process.hrtime.bigint();
  let inOff = 0;
  let o = 0;
  for (let i = 0; i < req.lens.length; i++) {
    const len = req.lens[i];
    const r = unwrapper.unwrap(input.subarray(inOff, inOff + len), req.markers[i]);
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
    out[o + REC_OFF_MARKER] = req.markers[i];
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
    out.set(body, o + REC_HEADER_SIZE);
    o += REC_HEADER_SIZE + body.length;
  }
  const res: BatchResponse = {
    id: req.id,
    out: out.buffer,
    count: req.lens.length,
    unwrapNs: Number(process.hrtime.bigint() - t0),
  };
  port.postMessage(res, [out.buffer]);
});
port.postMessage({ ready: true });
