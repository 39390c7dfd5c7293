/**
 * The result buffer a worker sends back for a batch: one record per input packet, in
 * order, so the main thread reads results in place (views, no copies).
 *
 *   record = status (1) ‖ error code (1) ‖ frame key-rotation marker (1) ‖ reserved (1) ‖
 *            body length (u32 LE) ‖
 *            delay ns (u64 LE) ‖ replay tag (32) ‖ address (32) ‖ surb id (16) ‖
 *            rotation id of the key used (u32 LE) ‖ body
 *   status   0 forward: address = next hop, body = the re-wrapped packet
 *            1 final:   address = destination, body = final payload, surb id set
 *            2 error:   error code below, no body
 */
export const REC_STATUS_FORWARD = 0;
export const REC_STATUS_FINAL = 1;
export const REC_STATUS_ERROR = 2;

export const REC_ERR_MALFORMED = 1; // MAC mismatch, bad header, garbage
export const REC_ERR_OTHER = 2;
export const REC_ERR_EXPIRED_KEY = 3; // the frame names a key rotation the node no longer holds

export const REC_OFF_STATUS = 0;
export const REC_OFF_ERROR = 1;
export const REC_OFF_MARKER = 2;
export const REC_OFF_LEN = 4;
export const REC_OFF_DELAY = 8;
export const REC_OFF_TAG = 16;
export const REC_OFF_ADDRESS = 48;
export const REC_OFF_SURB_ID = 80;
export const REC_OFF_ROTATION = 96;
export const REC_HEADER_SIZE = 100;

/** Messages between the pool and its workers. */
export interface BatchRequest {
  id: number;
  buf: ArrayBuffer;
  lens: Uint32Array;
  /** Each packet's frame key-rotation marker (0 unknown, 1 odd, 2 even). */
  markers: Uint8Array;
}
/** Replaces a worker's keys: [primary, secondary?]. */
export interface KeysMessage {
  keys: { rotationId: number; secret: Uint8Array }[];
}
export interface BatchResponse {
  id: number;
  out: ArrayBuffer;
  count: number;
  unwrapNs: number;
}
