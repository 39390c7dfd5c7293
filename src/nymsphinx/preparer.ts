/**
 * Whole packets from fragments (common/nymsphinx/src/preparer/mod.rs `FragmentPreparer`,
 * cover/src/lib.rs): SURB-ack, payload, Sphinx. The caller picks routes and delays (topology
 * and Poisson sampling are not codecs) and passes randomness in.
 *
 *   real fragment:  route = mix hops ‖ recipient's gateway, destination = recipient identity
 *   reply fragment: the reply SURB's precomputed header and first hop
 *   loop cover:     route = mix hops ‖ own gateway, destination = own identity
 *   every SURB-ack: route = mix hops ‖ the sender's own gateway, destination = own identity
 */
import type { CryptoBackend } from '../crypto/index.js';
import { defaultBackend } from '../crypto/index.js';
import type { SphinxVersion } from '../sphinx/keys.js';
import { createPacket, type RouteNode } from '../sphinx/packet.js';
import { buildSurbAck, COVER_FRAGMENT_ID, type FragmentIdentifier } from './acknowledgements.js';
import { sphinxDestination, type Recipient } from './addressing.js';
import { applyReplySurb, type ReplySurb } from './anonymous-replies.js';
import { encodeFragment, fragmentIdentifier, type Fragment } from './chunking.js';
import { buildLoopCoverPayload } from './cover.js';
import type { RandomBytes } from './crypto.js';
import { InvalidArgumentError } from './errors.js';
import { sealRegularPayload, sealReplyPayload } from './payload.js';
import type { PacketSize } from './params.js';

export interface AckRoute {
  /** Mix hops then the sender's own gateway. */
  readonly route: RouteNode[];
  readonly delaysNs: bigint[];
}

interface Common {
  /** This client: acks come back to it. */
  sender: Recipient;
  ackKey: Uint8Array;
  ack: AckRoute;
  random: RandomBytes;
  /** 258 (Nym's legacy default, `DEFAULT_USE_LEGACY_SPHINX_FORMAT`) or 259. */
  version: SphinxVersion;
  backend?: CryptoBackend;
}

export interface PreparedPacket {
  /** 32-byte Sphinx node address of the first hop (the sender's gateway forwards to it). */
  readonly firstHopAddress: Uint8Array;
  /** The whole Sphinx packet. */
  readonly packet: Uint8Array;
  readonly size: PacketSize;
  /** The fragment this packet carries (`COVER_FRAGMENT_ID` for cover). */
  readonly fragmentId: FragmentIdentifier;
  /** Delay the ack takes before the sender's gateway, in ns (for retransmission timers). */
  readonly ackDelayNs: bigint;
}

function ackFor(c: Common, id: FragmentIdentifier) {
  return buildSurbAck({
    route: c.ack.route,
    delaysNs: c.ack.delaysNs,
    sender: c.sender,
    ackKey: c.ackKey,
    fragmentId: id,
    random: c.random,
    version: c.version,
    backend: c.backend,
  });
}

/** `prepare_chunk_for_sending`: a fragment to a recipient. */
export function prepareFragmentPacket(
  opts: Common & { fragment: Fragment; recipient: Recipient; route: RouteNode[]; delaysNs: bigint[] },
): PreparedPacket {
  if (!Array.isArray(opts.route) || opts.route.length < 1) throw new InvalidArgumentError('route is empty');
  const fragmentId = fragmentIdentifier(opts.fragment);
  const surbAck = ackFor(opts, fragmentId);
  const sealed = sealRegularPayload({
    surbAck: surbAck.bytes,
    fragment: encodeFragment(opts.fragment),
    recipientEncryptionKey: opts.recipient.encryptionKey,
    random: opts.random,
    backend: opts.backend,
  });
  const packet = createPacket({
    route: opts.route,
    delaysNs: opts.delaysNs,
    destination: sphinxDestination(opts.recipient),
    payload: sealed.plaintext,
    size: sealed.size,
    random: opts.random,
    version: opts.version,
    backend: opts.backend ?? defaultBackend,
  });
  return {
    firstHopAddress: opts.route[0].address.slice(),
    packet,
    size: sealed.size,
    fragmentId,
    ackDelayNs: surbAck.expectedDelayNs,
  };
}

/** `prepare_reply_chunk_for_sending`: a fragment of a reply, through a reply SURB. */
export function prepareReplyPacket(
  opts: Common & { fragment: Fragment; replySurb: ReplySurb },
): PreparedPacket {
  const fragmentId = fragmentIdentifier(opts.fragment);
  const surbAck = ackFor(opts, fragmentId);
  const sealed = sealReplyPayload({
    surbAck: surbAck.bytes,
    fragment: encodeFragment(opts.fragment),
    replyKey: opts.replySurb.encryptionKey,
    backend: opts.backend,
  });
  const applied = applyReplySurb(
    opts.replySurb,
    sealed.plaintext,
    sealed.size,
    opts.backend ?? defaultBackend,
  );
  return { ...applied, size: sealed.size, fragmentId, ackDelayNs: surbAck.expectedDelayNs };
}

/** `generate_loop_cover_packet`: a packet to oneself, the size of a real one. */
export function prepareLoopCoverPacket(
  opts: Common & { route: RouteNode[]; delaysNs: bigint[]; size: PacketSize },
): PreparedPacket {
  if (!Array.isArray(opts.route) || opts.route.length < 1) throw new InvalidArgumentError('route is empty');
  const surbAck = ackFor(opts, COVER_FRAGMENT_ID);
  const payload = buildLoopCoverPayload({
    surbAck: surbAck.bytes,
    ownEncryptionKey: opts.sender.encryptionKey,
    size: opts.size,
    random: opts.random,
    backend: opts.backend,
  });
  const packet = createPacket({
    route: opts.route,
    delaysNs: opts.delaysNs,
    destination: sphinxDestination(opts.sender),
    payload,
    size: opts.size,
    random: opts.random,
    version: opts.version,
    backend: opts.backend ?? defaultBackend,
  });
  return {
    firstHopAddress: opts.route[0].address.slice(),
    packet,
    size: opts.size,
    fragmentId: COVER_FRAGMENT_ID,
    ackDelayNs: surbAck.expectedDelayNs,
  };
}
