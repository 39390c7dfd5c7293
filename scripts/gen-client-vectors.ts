/**
 * Generates test/vectors/client.json: byte-exact vectors for the client codecs from fixed
 * inputs: recipient addresses and the native websocket API's binary and text forms (the
 * message layer's vectors are under test/vectors/nymsphinx/). The vectors test replays each one
 * and checks both directions.
 *
 *   npx tsx scripts/gen-client-vectors.ts   # rewrites test/vectors/client.json
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { makeRecipient, recipientToBytes, recipientToString } from '../src/client/address.js';
import {
  encodeBinaryRequest,
  encodeBinaryResponse,
  encodeTextRequest,
  encodeTextResponse,
  ErrorKind,
  type WsRequest,
  type WsResponse,
} from '../src/client/ws-api/codec.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
/** Deterministic bytes: SHA-256 in counter mode over a label. */
function det(label: string, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0, off = 0; off < n; i++) {
    const h = createHash('sha256').update(`${label}/${i}`).digest();
    out.set(h.subarray(0, Math.min(32, n - off)), off);
    off += 32;
  }
  return out;
}
const recipient = makeRecipient(det('identity', 32), det('encryption', 32), det('gateway', 32));

const requests: WsRequest[] = [
  { type: 'send', recipient, message: det('m1', 10), connectionId: 7n },
  { type: 'sendAnonymous', recipient, message: det('m2', 3), replySurbs: 20, connectionId: 0n },
  { type: 'reply', senderTag: det('tag', 16), message: det('m3', 2), connectionId: 1n },
  { type: 'selfAddress' },
  { type: 'closedConnection', connectionId: 99n },
  { type: 'getLaneQueueLength', connectionId: 3n },
];
const responses: WsResponse[] = [
  { type: 'received', message: det('r1', 4) },
  { type: 'received', message: det('r2', 4), senderTag: det('tag', 16) },
  { type: 'selfAddress', address: recipient },
  { type: 'laneQueueLength', lane: 3n, queueLength: 12 },
  { type: 'error', kind: ErrorKind.MalformedRequest, message: 'malformed request' },
];
const textRequests: WsRequest[] = [
  { type: 'send', recipient, message: new TextEncoder().encode('hello'), connectionId: 7n },
  { type: 'sendAnonymous', recipient, message: new TextEncoder().encode('hi'), replySurbs: 10 },
  { type: 'reply', senderTag: det('tag', 16), message: new TextEncoder().encode('back') },
  { type: 'selfAddress' },
];

const vectors = {
  description:
    'Client codec vectors (scripts/gen-client-vectors.ts). Hex unless named otherwise; fixed inputs are SHA-256("<label>/<block>").',
  recipient: { string: recipientToString(recipient), bytes: hex(recipientToBytes(recipient)) },
  ws_binary_requests: requests.map((r) => hex(encodeBinaryRequest(r))),
  ws_binary_responses: responses.map((r) => hex(encodeBinaryResponse(r))),
  ws_text_requests: textRequests.map((r) => encodeTextRequest(r)),
  ws_text_responses: responses.map((r) => encodeTextResponse(r)),
};

writeFileSync(
  new URL('../test/vectors/client.json', import.meta.url),
  `${JSON.stringify(vectors, null, 2)}\n`,
);
console.log('wrote test/vectors/client.json');
