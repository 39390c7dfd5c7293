/**
 * The result buffer a worker sends back for a batch: one record per input packet, in
 * order, so the main thread reads results in place (views, no copies).
 *
 *   record = status (1) ‖ error code (1) ‖ reserved (2) ‖ body length (u32 LE) ‖
 *            delay ns (u64 LE) ‖ replay tag (32) ‖ address (32) ‖ surb id (16) ‖ body
 *   status   0 forward: address = next hop, body = the re-wrapped packet
 *            1 final:   address = destination, body = final payload, surb id set
 *            2 error:   error code below, no body
 */
export const REC_STATUS_FORWARD = 0;
export const REC_STATUS_FINAL = 1;
export const REC_STATUS_ERROR = 2;

export const REC_ERR_MALFORMED = 1; // MAC mismatch, bad header, garbage
export const REC_ERR_OTHER = 2;

export const REC_OFF_STATUS = 0;
export const REC_OFF_ERROR = 1;
export const REC_OFF_LEN = 4;
export const REC_OFF_DELAY = 8;
export const REC_OFF_TAG = 16;
export const REC_OFF_ADDRESS = 48;
export const REC_OFF_SURB_ID = 80;
export const REC_HEADER_SIZE = 96;

/** Messages between the pool and its workers. */
export interface BatchRequest {
  id: number;
  buf: ArrayBuffer;
  lens: Uint32Array;
}
export interface BatchResponse {
  id: number;
  out: ArrayBuffer;
  count: number;
  unwrapNs: number;
}
