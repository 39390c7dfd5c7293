/**
 * Unwrap worker: a thread that owns a copy of the node's Sphinx key and turns batches of
 * packets into result records (unwrap-batch.ts). Buffers come and go transferred.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createKeyedUnwrapper, type WorkerKey } from './sphinx-adapter.js';
import { unwrapBatch } from './unwrap-batch.js';
import type { BatchRequest, BatchResponse, KeysMessage } from './unwrap-records.js';

const copyKeys = (keys: WorkerKey[]) =>
  keys.map((k) => ({ rotationId: k.rotationId, secret: new Uint8Array(k.secret) }));
const unwrapper = createKeyedUnwrapper(copyKeys(workerData.keys as WorkerKey[]));
const port = parentPort!;

port.on('message', (req: BatchRequest | KeysMessage) => {
  if ('keys' in req) {
    unwrapper.setKeys(copyKeys(req.keys));
    return;
  }
  const r = unwrapBatch(unwrapper, new Uint8Array(req.buf), req.lens, req.markers);
  const res: BatchResponse = { id: req.id, ...r };
  port.postMessage(res, [r.out]);
});
port.postMessage({ ready: true });
