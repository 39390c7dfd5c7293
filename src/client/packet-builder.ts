/**
 * Packet building: messages into fragments, fragments into Sphinx packets that carry a
 * SURB-ack, loop cover, and our reply SURBs (Nym's message_handler.rs in
 * common/client-core/src/client/real_messages_control/), over `src/nymsphinx`, Nym's
 * message layer byte for byte (common/nymsphinx/src/preparer/, cover/, anonymous-replies/):
 *
 *   mix packet    = what the gateway forwards: packet type ‖ key rotation ‖ first hop ‖ Sphinx packet
 *   Sphinx plaintext (regular) = SURB-ack (405) ‖ e·G (32)              ‖ AES-128-CTR(k, fragment)
 *   Sphinx plaintext (reply)   = SURB-ack (405) ‖ BLAKE3(reply key) (32) ‖ AES-128-CTR(reply key, fragment)
 *   Sphinx plaintext (cover)   = SURB-ack (405) ‖ e·G (32) ‖ AES-128-CTR(k, "The cake is a lie!" ‖ 0x01 ‖ 0…)
 *
 * Every real packet and every cover packet fills its Sphinx plaintext (messages are padded
 * to whole fragments, cover is sealed as a whole fragment), so they are the same size on
 * every link. Packets, acks and reply SURBs use Sphinx version 259 (payload key seeds) and
 * reply SURBs go out in v2 lists, as Nym's 1.4.1 client really sends them: its config says
 * `use_legacy_sphinx_format = true`, but client-core's `message_handler::Config::
 * disable_mix_hops` (always called) resets it to false for real packets, acks and SURBs
 * (captured from its wasm client: test/vectors/nymsphinx/nym-wasm-captured.json). Its loop
 * cover keeps the legacy version 258; Nymph's cover uses 259 like its real packets, so the
 * version a mix node reads cannot tell cover from real.
 *
 * Every route is fresh: a retransmission is rebuilt on a new route (a reply on a new SURB),
 * and the routes of a fragment (forward and ack) are noted so that their fate counts
 * towards node health.
 */
import { base58 } from '@scure/base';
import { encodeNodeAddress, type RouteNode } from '../sphinx/index.js';
import { encodeMixPacket, PACKET_TYPE_SPHINX } from '../gateway/protocol/index.js';
import {
  createReplySurb,
  fragmentCapacity,
  fragmentIdentifier,
  fragmentIdKey,
  makeRecipient,
  messageToFragments,
  prepareFragmentPacket,
  prepareLoopCoverPacket,
  prepareReplyPacket,
  randomSetId,
  replySurbFromBytes,
  replySurbToBytes,
  sphinxVersionFor,
  encodedLength,
  surbKeyDigest,
  type Fragment,
  type NymMessage,
  type PreparedPacket,
  type Recipient,
  type ReplySurb,
} from '../nymsphinx/index.js';
import type { GatewayEntry, MixNodeEntry } from '../topology/index.js';
import { recipientGatewayId } from './address.js';
import type { MessagePacketSize } from './config.js';
import type { CryptoBackend, RandomBytes } from './crypto.js';
import { InsufficientSurbsError, MessageTooLargeError } from './errors.js';
import type { ClientKeys } from './identity.js';
import { sampleHopDelays } from './poisson.js';

/** Fragment capacity of a packet size: plaintext minus SURB-ack and key slot (header included). */
export function fragmentLength(size: MessagePacketSize): number {
  return fragmentCapacity(size);
}

/** Fragment capacity of a regular packet (1611 bytes). */
export const FRAGMENT_LEN = fragmentLength('regular');

const HOPS = 3;
/** What Nym's client builds in effect: not the legacy format (see above). */
export const USE_LEGACY_SPHINX_FORMAT = false;
export const SPHINX_VERSION = sphinxVersionFor(USE_LEGACY_SPHINX_FORMAT);

export interface BuiltPacket {
  /** What goes to the gateway in a forward frame. */
  readonly mixPacket: Uint8Array;
  /** Length of the Sphinx packet inside: what the gateway charges against our bandwidth. */
  readonly sphinxBytes: number;
  /** Sum of the mix delays drawn for the packet and its ack (ack timeout input). */
  readonly expectedDelayMs: number;
}

/** Where a message goes: to a recipient's address, or back through a sender tag's reply SURBs. */
export type Destination =
  | { readonly kind: 'forward'; readonly recipient: Recipient }
  | { readonly kind: 'reply'; readonly senderTag: Uint8Array };

/**
 * One fragment to send, with what it takes to (re)build it on a fresh route. A reply's
 * first SURB is taken from the store when the message is queued (so the stock the replier
 * sees counts the replies already waiting); a retransmission takes another.
 */
export type FragmentJob = Destination & { readonly fragment: Fragment; surb?: Uint8Array };

/** A packet waiting to leave; built only when it goes, so that every attempt gets a fresh route. */
export interface OutPacket {
  /** fragment id key of a real packet; undefined for cover */
  readonly key?: string;
  build(): BuiltPacket;
}

/** A real packet: one fragment of a message, acknowledged by its key. */
export interface RealPacket extends OutPacket {
  readonly key: string;
}

/** What packet building needs from route choice (routes.ts). */
export interface RouteChoice {
  mixRoute(key?: string): readonly MixNodeEntry[];
  gateway(identity: string): GatewayEntry;
  readonly health: { newAttempt(key: string): void };
}

export interface PacketBuilderOptions {
  readonly crypto: CryptoBackend;
  readonly rng: RandomBytes;
  readonly keys: ClientKeys;
  readonly packetSize: MessagePacketSize;
  readonly averagePacketDelayMs: number;
  readonly averageAckDelayMs: number;
  readonly maxMessageBytes: number;
  readonly routes: RouteChoice;
  /** Our gateway: where acks, loop cover and replies to us arrive. */
  ownGateway(): GatewayEntry;
  /** One stored reply SURB of the anonymous sender behind `tag`, removed from the store. */
  takeSurb(tag: Uint8Array): Uint8Array | undefined;
  /** Reply SURBs stored for `tag`. */
  surbCount(tag: Uint8Array): number;
}

/** One of our reply SURBs (encoded as Nym's `ReplySurb`) and the key its reply comes under. */
export interface OwnReplySurb {
  readonly surb: ReplySurb;
  readonly bytes: Uint8Array;
  readonly key: Uint8Array;
  /** BLAKE3 of the key: what a reply carries in its key slot. */
  readonly digest: Uint8Array;
}

export class PacketBuilder {
  readonly fragmentLen: number;
  /** Our address, remade only when our gateway changes (its key checks are not free). */
  private selfCache: { gateway: GatewayEntry; recipient: Recipient } | undefined;

  constructor(private readonly o: PacketBuilderOptions) {
    this.fragmentLen = fragmentLength(o.packetSize);
  }

  get keys(): ClientKeys {
    return this.o.keys;
  }

  /** Our own address at our gateway: where acks, cover and replies come back. */
  self(): Recipient {
    const gateway = this.o.ownGateway();
    if (this.selfCache?.gateway !== gateway) {
      const { keys } = this.o;
      const recipient = makeRecipient(keys.identityPublic, keys.encryptionPublic, gateway.identityKeyBytes);
      this.selfCache = { gateway, recipient };
    }
    return this.selfCache.recipient;
  }

  /**
   * The packets of a message to `to`, one per fragment (Nym's padding and chunking), each
   * built when it leaves; throws MessageTooLargeError beyond the configured maximum.
   */
  packets(m: NymMessage, to: Destination): RealPacket[] {
    const { o } = this;
    const len = encodedLength(m);
    if (len > o.maxMessageBytes) throw new MessageTooLargeError(len, o.maxMessageBytes);
    const fragments = messageToFragments(m, o.packetSize, () => randomSetId(o.rng));
    if (to.kind === 'reply') {
      const have = o.surbCount(to.senderTag);
      if (have < fragments.length)
        throw new InsufficientSurbsError(have, fragments.length, base58.encode(to.senderTag));
    }
    return fragments.map((fragment) => {
      const job: FragmentJob =
        to.kind === 'reply' ? { ...to, fragment, surb: o.takeSurb(to.senderTag) } : { ...to, fragment };
      return { key: fragmentIdKey(fragmentIdentifier(fragment)), build: () => this.fragment(job) };
    });
  }

  /** The Sphinx packet of a fragment, on a fresh route. */
  fragment(job: FragmentJob): BuiltPacket {
    const key = fragmentIdKey(fragmentIdentifier(job.fragment));
    const { o } = this;
    if (job.kind === 'forward') {
      const gw = o.routes.gateway(recipientGatewayId(job.recipient));
      o.routes.health.newAttempt(key);
      const route = routeNodes(o.routes.mixRoute(key), gw);
      const d = this.delays(o.averagePacketDelayMs);
      const p = prepareFragmentPacket({
        ...this.common(key),
        fragment: job.fragment,
        recipient: job.recipient,
        route,
        delaysNs: d.ns,
      });
      return this.mix(p, d.totalMs);
    }
    const surbBytes = job.surb ?? o.takeSurb(job.senderTag);
    job.surb = undefined; // one SURB per attempt
    if (!surbBytes) throw new InsufficientSurbsError(0, 1, base58.encode(job.senderTag));
    const replySurb = replySurbFromBytes(surbBytes);
    o.routes.health.newAttempt(key);
    const p = prepareReplyPacket({ ...this.common(key), fragment: job.fragment, replySurb });
    // the SURB's delays were drawn by its creator; assume our own mean
    return this.mix(p, HOPS * o.averagePacketDelayMs);
  }

  /** A loop cover packet to ourselves (Nym's cover crate): a whole fragment's size, a real SURB-ack. */
  cover(): BuiltPacket {
    const { o } = this;
    const route = routeNodes(o.routes.mixRoute(), o.ownGateway());
    const d = this.delays(o.averagePacketDelayMs);
    const p = prepareLoopCoverPacket({ ...this.common(), route, delaysNs: d.ns, size: o.packetSize });
    return this.mix(p, 0);
  }

  /** One of our reply SURBs (Nym's `ReplySurb::construct`), seeded, for v2 lists. */
  replySurb(): OwnReplySurb {
    const { o } = this;
    const route = routeNodes(o.routes.mixRoute(), o.ownGateway());
    const d = this.delays(o.averagePacketDelayMs);
    const surb = createReplySurb({
      route,
      delaysNs: d.ns,
      self: this.self(),
      random: o.rng,
      legacy: USE_LEGACY_SPHINX_FORMAT,
      backend: o.crypto,
    });
    return { surb, bytes: replySurbToBytes(surb), key: surb.encryptionKey, digest: surbKeyDigest(surb) };
  }

  /** What every prepared packet shares: us as the ack's destination, a fresh ack route. */
  private common(key?: string) {
    const { o } = this;
    const ackRoute = routeNodes(o.routes.mixRoute(key), o.ownGateway());
    return {
      sender: this.self(),
      ackKey: o.keys.ackKey,
      ack: { route: ackRoute, delaysNs: this.delays(o.averageAckDelayMs).ns },
      random: o.rng,
      version: SPHINX_VERSION,
      backend: o.crypto,
    };
  }

  private mix(p: PreparedPacket, delayMs: number): BuiltPacket {
    return {
      mixPacket: encodeMixPacket({
        packetType: PACKET_TYPE_SPHINX,
        nextHop: p.firstHopAddress,
        packet: p.packet,
      }),
      sphinxBytes: p.packet.length,
      expectedDelayMs: delayMs + Number(p.ackDelayNs) / 1e6,
    };
  }

  private delays(meanMs: number): { ns: bigint[]; totalMs: number } {
    const ms = sampleHopDelays(HOPS, meanMs, this.o.rng);
    // the gateway (last hop) does not delay; Nym gives it a zero delay
    const ns = [...ms.map((d) => BigInt(Math.round(d * 1e6))), 0n];
    return { ns, totalMs: ms.reduce((a, b) => a + b, 0) };
  }
}

/**
 * A node's Sphinx route entry, made once per topology entry (a topology refresh brings new
 * entries): every packet and SURB-ack takes four of them.
 */
const routeNodeCache = new WeakMap<MixNodeEntry | GatewayEntry, RouteNode>();

function routeNode(n: MixNodeEntry | GatewayEntry): RouteNode {
  let r = routeNodeCache.get(n);
  if (!r) {
    r = { address: encodeNodeAddress({ host: n.host, port: n.mixPort }), publicKey: n.sphinxKeyBytes };
    routeNodeCache.set(n, r);
  }
  return r;
}

/** Layers 1–3, then the gateway as the last hop, as Sphinx route nodes. */
function routeNodes(mix: readonly MixNodeEntry[], gw: GatewayEntry): RouteNode[] {
  const route = mix.map(routeNode);
  route.push(routeNode(gw));
  return route;
}
