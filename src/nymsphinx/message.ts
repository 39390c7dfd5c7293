/**
 * `NymMessage` (common/nymsphinx/src/message.rs, anonymous-replies/src/requests).
 *
 *   Plain:      0x00 ‖ data
 *   Repliable:  0x01 ‖ sender tag (16) ‖ content tag (1) ‖ content
 *     0 Data v1             SURB list v1 ‖ data
 *     1 AdditionalSurbs v1  SURB list v1
 *     2 Heartbeat v1        SURB list v1
 *     3 Data v2             SURB list v2 ‖ data
 *     4 AdditionalSurbs v2  SURB list v2
 *     5 Heartbeat v2        SURB list v2
 *     (content must not be empty; SURB lists in anonymous-replies.ts)
 *   Reply:      0x02 ‖ content tag (1) ‖ content
 *     0 Data                data (not empty)
 *     1 SurbRequest         recipient (96) ‖ amount (u32 BE)   exactly 100 bytes
 *
 * Padding (`pad_to_full_packet_lengths`): message ‖ 0x01 ‖ 0^n, where n is the room left in
 * the last fragment (`number_of_required_fragments(len + 1, capacity)`), so that every fragment
 * fills its packet and real packets look alike. Nym cuts at the last 0x01 on receipt; Nymph
 * also requires the bytes after it to be zero.
 *
 * Where Nym is lenient, Nymph is stricter: trailing bytes after additional SURBs or a
 * heartbeat are `TrailingBytesError` (Nym logs and accepts them).
 */
import { recipientFromBytes, recipientToBytes, RECIPIENT_LEN, type Recipient } from './addressing.js';
import {
  readSurbList,
  surbListLength,
  writeSurbList,
  type ReplySurbWithRotation,
  type SurbListVersion,
} from './anonymous-replies.js';
import { checkBytes } from './crypto.js';
import { numberOfRequiredFragments, splitIntoFragments, type Fragment } from './chunking.js';
import {
  EmptyMessageError,
  InvalidArgumentError,
  MissingPaddingMarkerError,
  PaddingNotZeroError,
  TrailingBytesError,
  TruncatedMessageError,
  UnknownMessageKindError,
  UnknownRepliableContentError,
  UnknownReplyContentError,
} from './errors.js';
import { fragmentCapacity, MIN_PADDING_OVERHEAD, SENDER_TAG_LEN, type PacketSize } from './params.js';

export type RepliableContent =
  | {
      readonly type: 'data';
      readonly version: SurbListVersion;
      readonly message: Uint8Array;
      readonly replySurbs: readonly ReplySurbWithRotation[];
    }
  | {
      readonly type: 'additionalSurbs';
      readonly version: SurbListVersion;
      readonly replySurbs: readonly ReplySurbWithRotation[];
    }
  | {
      readonly type: 'heartbeat';
      readonly version: SurbListVersion;
      readonly replySurbs: readonly ReplySurbWithRotation[];
    };

export type ReplyContent =
  | { readonly type: 'data'; readonly message: Uint8Array }
  | { readonly type: 'surbRequest'; readonly recipient: Recipient; readonly amount: number };

export type NymMessage =
  | { readonly kind: 'plain'; readonly data: Uint8Array }
  | { readonly kind: 'repliable'; readonly senderTag: Uint8Array; readonly content: RepliableContent }
  | { readonly kind: 'reply'; readonly content: ReplyContent };

const PLAIN = 0;
const REPLIABLE = 1;
const REPLY = 2;

const REPLIABLE_TAGS: Record<RepliableContent['type'], readonly [number, number]> = {
  data: [0, 3],
  additionalSurbs: [1, 4],
  heartbeat: [2, 5],
};
const REPLY_DATA = 0;
const REPLY_SURB_REQUEST = 1;
const SURB_REQUEST_LEN = RECIPIENT_LEN + 4;

// ---- constructors -----------------------------------------------------------------------------

export function plainMessage(data: Uint8Array): NymMessage {
  checkBytes('data', data);
  return { kind: 'plain', data };
}

/** A message with reply SURBs under a sender tag (Nym's `RepliableMessage::new_data`). */
export function repliableMessage(
  data: Uint8Array,
  senderTag: Uint8Array,
  replySurbs: readonly ReplySurbWithRotation[],
  version: SurbListVersion,
): NymMessage {
  checkBytes('data', data);
  return { kind: 'repliable', senderTag, content: { type: 'data', version, message: data, replySurbs } };
}

/** More SURBs for a replier (`RepliableMessage::new_additional_surbs`). */
export function additionalSurbsMessage(
  senderTag: Uint8Array,
  replySurbs: readonly ReplySurbWithRotation[],
  version: SurbListVersion,
): NymMessage {
  return { kind: 'repliable', senderTag, content: { type: 'additionalSurbs', version, replySurbs } };
}

export function replyMessage(data: Uint8Array): NymMessage {
  checkBytes('data', data);
  return { kind: 'reply', content: { type: 'data', message: data } };
}

/**
 * A replier low on SURBs asks for more (`NymMessage::new_additional_surbs_request`); it names
 * its own address so the original sender can find the matching sender tag.
 */
export function surbRequestMessage(recipient: Recipient, amount: number): NymMessage {
  if (!Number.isInteger(amount) || amount < 0 || amount > 0xffffffff)
    throw new InvalidArgumentError(`SURB request amount ${amount} is not a u32`);
  return { kind: 'reply', content: { type: 'surbRequest', recipient, amount } };
}

// ---- encoding ---------------------------------------------------------------------------------

function checkTag(tag: Uint8Array): void {
  checkBytes('sender tag', tag, SENDER_TAG_LEN);
}

export function encodedLength(m: NymMessage): number {
  switch (m.kind) {
    case 'plain':
      return 1 + m.data.length;
    case 'repliable': {
      const c = m.content;
      const list = surbListLength(c.version, c.replySurbs);
      return 2 + SENDER_TAG_LEN + list + (c.type === 'data' ? c.message.length : 0);
    }
    case 'reply':
      return 2 + (m.content.type === 'data' ? m.content.message.length : SURB_REQUEST_LEN);
  }
}

/** `NymMessage::into_bytes`: kind ‖ inner bytes. */
export function encodeNymMessage(m: NymMessage): Uint8Array {
  if (m === null || typeof m !== 'object') throw new InvalidArgumentError('message missing');
  const out = new Uint8Array(encodedLength(m));
  switch (m.kind) {
    case 'plain':
      out[0] = PLAIN;
      out.set(m.data, 1);
      return out;
    case 'repliable': {
      checkTag(m.senderTag);
      const c = m.content;
      if (c.version !== 1 && c.version !== 2)
        throw new InvalidArgumentError(`SURB list version ${String(c.version)}`);
      out[0] = REPLIABLE;
      out.set(m.senderTag, 1);
      out[1 + SENDER_TAG_LEN] = REPLIABLE_TAGS[c.type][c.version - 1];
      const at = writeSurbList(out, 2 + SENDER_TAG_LEN, c.version, c.replySurbs);
      if (c.type === 'data') out.set(c.message, at);
      return out;
    }
    case 'reply': {
      out[0] = REPLY;
      const c = m.content;
      if (c.type === 'data') {
        out[1] = REPLY_DATA;
        out.set(c.message, 2);
      } else {
        out[1] = REPLY_SURB_REQUEST;
        out.set(recipientToBytes(c.recipient), 2);
        new DataView(out.buffer).setUint32(2 + RECIPIENT_LEN, c.amount);
      }
      return out;
    }
    default:
      throw new InvalidArgumentError(`unknown message kind ${String((m as { kind: unknown }).kind)}`);
  }
}

function decodeRepliable(b: Uint8Array): NymMessage {
  // requests/mod.rs RepliableMessage::try_from_bytes: tag, content tag, non-empty content
  if (b.length < 1 + SENDER_TAG_LEN + 1) throw new TruncatedMessageError('repliable message header');
  const senderTag = b.slice(1, 1 + SENDER_TAG_LEN);
  const tag = b[1 + SENDER_TAG_LEN];
  if (tag > 5) throw new UnknownRepliableContentError(tag);
  const start = 2 + SENDER_TAG_LEN;
  if (b.length === start) throw new TruncatedMessageError('repliable content');
  const version: SurbListVersion = tag < 3 ? 1 : 2;
  const [replySurbs, end] = readSurbList(b, start, version);
  switch (tag % 3) {
    case 0:
      return {
        kind: 'repliable',
        senderTag,
        content: { type: 'data', version, message: b.slice(end), replySurbs },
      };
    case 1:
      if (end !== b.length) throw new TrailingBytesError('additional SURBs', b.length - end);
      return { kind: 'repliable', senderTag, content: { type: 'additionalSurbs', version, replySurbs } };
    default:
      if (end !== b.length) throw new TrailingBytesError('heartbeat', b.length - end);
      return { kind: 'repliable', senderTag, content: { type: 'heartbeat', version, replySurbs } };
  }
}

function decodeReply(b: Uint8Array): NymMessage {
  if (b.length < 2) throw new TruncatedMessageError('reply content tag');
  const tag = b[1];
  if (tag !== REPLY_DATA && tag !== REPLY_SURB_REQUEST) throw new UnknownReplyContentError(tag);
  const body = b.subarray(2);
  if (body.length === 0) throw new TruncatedMessageError('reply content');
  if (tag === REPLY_DATA) return { kind: 'reply', content: { type: 'data', message: body.slice() } };
  if (body.length < SURB_REQUEST_LEN) throw new TruncatedMessageError('SURB request');
  if (body.length > SURB_REQUEST_LEN)
    throw new TrailingBytesError('SURB request', body.length - SURB_REQUEST_LEN);
  const amount = new DataView(body.buffer, body.byteOffset + RECIPIENT_LEN, 4).getUint32(0);
  return {
    kind: 'reply',
    content: { type: 'surbRequest', recipient: recipientFromBytes(body.subarray(0, RECIPIENT_LEN)), amount },
  };
}

/** `NymMessage::try_from_bytes`. */
export function decodeNymMessage(b: Uint8Array): NymMessage {
  checkBytes('message', b);
  if (b.length === 0) throw new EmptyMessageError();
  switch (b[0]) {
    case PLAIN:
      return { kind: 'plain', data: b.slice(1) };
    case REPLIABLE:
      return decodeRepliable(b);
    case REPLY:
      return decodeReply(b);
    default:
      throw new UnknownMessageKindError(b[0]);
  }
}

// ---- padding and fragments -----------------------------------------------------------------

/** `pad_to_full_packet_lengths`: encoded ‖ 0x01 ‖ zeros up to whole fragments. */
export function padToFullPacketLengths(encoded: Uint8Array, capacity: number): Uint8Array {
  checkBytes('message', encoded);
  const [, spaceLeft] = numberOfRequiredFragments(encoded.length + MIN_PADDING_OVERHEAD, capacity);
  const out = new Uint8Array(encoded.length + MIN_PADDING_OVERHEAD + spaceLeft);
  out.set(encoded, 0);
  out[encoded.length] = 1;
  return out;
}

/** `PaddedMessage::remove_padding` (the bytes before the marker), stricter on the zeros. */
export function removePadding(padded: Uint8Array): Uint8Array {
  checkBytes('padded message', padded);
  let i = padded.length - 1;
  while (i >= 0 && padded[i] === 0) i--;
  if (i < 0) throw new MissingPaddingMarkerError();
  if (padded[i] !== 1) throw new PaddingNotZeroError();
  return padded.subarray(0, i);
}

/** Number of packets a message takes (message.rs `required_packets`). */
export function requiredPackets(m: NymMessage, size: PacketSize): number {
  return numberOfRequiredFragments(encodedLength(m) + MIN_PADDING_OVERHEAD, fragmentCapacity(size))[0];
}

/**
 * What Nym's `pad_and_split_message` does: encode, pad, split into fragments of `size`
 * packets. `nextSetId` gives one set id per set (`randomSetId(random)` as Nym).
 */
export function messageToFragments(m: NymMessage, size: PacketSize, nextSetId: () => number): Fragment[] {
  const capacity = fragmentCapacity(size);
  return splitIntoFragments(padToFullPacketLengths(encodeNymMessage(m), capacity), capacity, nextSetId);
}

/** The message in reassembled data (`Reassembler` output): unpad, then decode. */
export function messageFromReassembled(data: Uint8Array): NymMessage {
  return decodeNymMessage(removePadding(data));
}

/** What a client hands its app (receiver.rs `ReconstructedMessage`); control messages give none. */
export interface ReceivedMessage {
  readonly message: Uint8Array;
  /** Set for repliable data: the tag to `send_reply` to. */
  readonly senderTag?: Uint8Array;
}

/**
 * received_buffer.rs: plain data and reply data reach the app without a tag, repliable data
 * with its sender's tag; additional SURBs, heartbeats and SURB requests are for the client.
 */
export function receivedMessage(m: NymMessage): ReceivedMessage | undefined {
  if (m.kind === 'plain') return { message: m.data };
  if (m.kind === 'repliable')
    return m.content.type === 'data' ? { message: m.content.message, senderTag: m.senderTag } : undefined;
  return m.content.type === 'data' ? { message: m.content.message } : undefined;
}
