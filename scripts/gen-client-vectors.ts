/**
 * Generates test/vectors/client.json: byte-exact vectors for the client codecs from fixed
 * inputs and fixed randomness: recipient addresses, fragment splits (including a message
 * that needs linked sets), message kinds, payload sealing (regular, reply, ack ids), and
 * the native websocket API's binary and text forms. The vectors test replays each one
 * and checks both directions.
 *
 *   npx tsx scripts/gen-client-vectors.ts   # rewrites test/vectors/client.json
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { pureBackend } from '../src/crypto/index.js';
import { makeRecipient, recipientToBytes, recipientToString } from '../src/client/address.js';
import { encodeFragment, splitMessage } from '../src/client/fragment.js';
import { encodeMessage, type ClientMessage } from '../src/client/message.js';
import { sealAckId, sealPayload, sealReplyPayload } from '../src/client/payload.js';
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
/** A randomness source that replays a fixed stream. */
function stream(label: string) {
  let i = 0;
  return (n: number) => det(`${label}#${i++}`, n);
}

const recipient = makeRecipient(det('identity', 32), det('encryption', 32), det('gateway', 32));

// fragments: a short message, one set, and one that needs two linked sets (64-byte fragments)
const fragments = [
  { message: 'short', len: 64 },
  { message: 'x'.repeat(200), len: 64 },
  { message: 'linked '.repeat(2500), len: 64 },
].map(({ message, len }) => {
  let id = 1000;
  const m = new TextEncoder().encode(message);
  return {
    message_hex: hex(m),
    max_fragment_len: len,
    first_set_id: 1000,
    fragments: splitMessage(m, len, () => id++).map((f) => hex(encodeFragment(f))),
  };
});

const messages: ClientMessage[] = [
  { kind: 'plain', data: det('plain', 5) },
  {
    kind: 'repliable',
    senderTag: det('tag', 16),
    surbs: [det('surb1', 3), det('surb2', 4)],
    data: det('d', 6),
  },
  { kind: 'additionalSurbs', senderTag: det('tag', 16), surbs: [det('surb3', 2)] },
  { kind: 'reply', data: det('reply', 4) },
  { kind: 'surbRequest', amount: 20 },
];
const toJson = (m: ClientMessage) =>
  JSON.parse(JSON.stringify(m, (_k, v) => (v instanceof Uint8Array ? hex(v) : v)));

const recipientSecret = det('recipient-secret', 32);
const recipientPublic = pureBackend.x25519Base(recipientSecret);
const ack = det('surb-ack', 418);
const fragment = det('fragment', 100);
const replyKey = det('reply-key', 16);
const ackKey = det('ack-key', 16);

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
    'Client codec vectors (scripts/gen-client-vectors.ts). Hex unless named otherwise; randomness is SHA-256("<label>#<call>/<block>") per call.',
  recipient: { string: recipientToString(recipient), bytes: hex(recipientToBytes(recipient)) },
  fragments,
  messages: messages.map((m) => ({ message: toJson(m), bytes: hex(encodeMessage(m)) })),
  payload: {
    recipient_secret: hex(recipientSecret),
    recipient_public: hex(recipientPublic),
    surb_ack: hex(ack),
    fragment: hex(fragment),
    random_label: 'payload',
    sealed: hex(sealPayload(pureBackend, stream('payload'), ack, recipientPublic, fragment)),
    reply_key: hex(replyKey),
    sealed_reply: hex(sealReplyPayload(pureBackend, ack, replyKey, fragment)),
    ack_key: hex(ackKey),
    ack_id: { setId: 123456, index: 7 },
    ack_random_label: 'ack',
    sealed_ack: hex(sealAckId(pureBackend, stream('ack'), ackKey, { setId: 123456, index: 7 })),
  },
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
