/**
 * Packet building: client messages into fragments, fragments into Sphinx packets that
 * carry a SURB-ack, loop cover, and our reply SURBs (Nym's message_handler.rs in
 * common/client-core/src/client/real_messages_control/ and common/nymsphinx/src/preparer/).
 *
 *   mix packet    = what the gateway forwards: packet type ‖ first hop ‖ Sphinx packet
 *   Sphinx payload (regular) = SURB-ack ‖ ephemeral key ‖ AES-CTR(k, fragment)   (payload.ts)
 *   Sphinx payload (reply)   = SURB-ack ‖ reply key digest ‖ AES-CTR(reply key, fragment)
 *   SURB-ack      = first hop ‖ ack Sphinx packet back to our own gateway, carrying the
 *                   encrypted fragment id                        (gateway/protocol/surb-ack.ts)
 *
 * Every route is fresh: a retransmission is rebuilt on a new route, and the routes of a
 * fragment (forward and ack) are noted so that their fate counts towards node health.
 */
import { base58 } from '@scure/base';
import {
  createPacket,
  createSurb,
  encodeNodeAddress,
  surbFromBytes,
  surbToBytes,
  useSurb,
  Geometry,
  type RouteNode,
} from '../sphinx/index.js';
import {
  encodeMixPacket,
  encodeSurbAck,
  PACKET_TYPE_SPHINX,
  SURB_ACK_SIZE,
} from '../gateway/protocol/index.js';
import type { GatewayEntry, MixNodeEntry } from '../topology/index.js';
import type { Recipient } from './address.js';
import type { MessagePacketSize } from './config.js';
import { aesCtrZeroIv, randomSetId, type CryptoBackend, type RandomBytes } from './crypto.js';
import { InsufficientSurbsError, MessageTooLargeError } from './errors.js';
import { encodeFragment, splitMessage } from './fragment.js';
import type { ClientKeys } from './identity.js';
import { encodeMessage, type ClientMessage } from './message.js';
import {
  KEY_SLOT_LEN,
  fragmentIdKey,
  replyKeyDigest,
  sealAckId,
  sealPayload,
  sealReplyPayload,
  type FragmentId,
} from './payload.js';
import { sampleHopDelays } from './poisson.js';

/** Fragment capacity of a packet size: plaintext minus SURB-ack and key slot. */
export function fragmentLength(size: MessagePacketSize): number {
  return Geometry.of(size).plaintextLength - SURB_ACK_SIZE - KEY_SLOT_LEN;
}

/** Fragment capacity of a regular packet. */
export const FRAGMENT_LEN = fragmentLength('regular');

/** Set id 0 never names a real set: a fragment starting with it is loop cover. */
const COVER_FRAGMENT = new Uint8Array(7);
const ZERO_SURB_ID = new Uint8Array(16);
const HOPS = 3;

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

/** One fragment to send, with what it takes to (re)build it on a fresh route. */
export type FragmentJob = Destination & { readonly bytes: Uint8Array; readonly id: FragmentId };

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
}

export class PacketBuilder {
  readonly fragmentLen: number;

  constructor(private readonly o: PacketBuilderOptions) {
    this.fragmentLen = fragmentLength(o.packetSize);
  }

  get keys(): ClientKeys {
    return this.o.keys;
  }

  /**
   * The packets of a message to `to`, one per fragment, each built when it leaves; throws
   * MessageTooLargeError beyond the configured maximum.
   */
  packets(m: ClientMessage, to: Destination): RealPacket[] {
    const encoded = encodeMessage(m);
    if (encoded.length > this.o.maxMessageBytes)
      throw new MessageTooLargeError(encoded.length, this.o.maxMessageBytes);
    return splitMessage(encoded, this.fragmentLen, () => randomSetId(this.o.rng)).map((f) => {
      const job: FragmentJob = {
        ...to,
        bytes: encodeFragment(f),
        id: { setId: f.header.setId, index: f.header.index },
      };
      return { key: fragmentIdKey(job.id), build: () => this.fragment(job) };
    });
  }

  /** The Sphinx packet of a fragment, on a fresh route. */
  fragment(job: FragmentJob): BuiltPacket {
    return job.kind === 'forward' ? this.forward(job) : this.reply(job);
  }

  private forward(job: { recipient: Recipient; bytes: Uint8Array; id: FragmentId }): BuiltPacket {
    const { o } = this;
    const gw = o.routes.gateway(base58.encode(job.recipient.gateway));
    const key = fragmentIdKey(job.id);
    o.routes.health.newAttempt(key);
    const route = routeNodes(o.routes.mixRoute(key), gw);
    const d = this.delays(o.averagePacketDelayMs);
    const ack = this.surbAck(job.id, key);
    const payload = sealPayload(o.crypto, o.rng, ack.surbAck, job.recipient.encryptionKey, job.bytes);
    const packet = createPacket({
      route,
      delaysNs: d.ns,
      destination: { address: job.recipient.identity, surbId: ZERO_SURB_ID },
      payload,
      size: o.packetSize,
      random: o.rng,
      backend: o.crypto,
    });
    return this.mix(route[0].address, packet, d.totalMs + ack.delayMs);
  }

  private reply(job: { senderTag: Uint8Array; bytes: Uint8Array; id: FragmentId }): BuiltPacket {
    const { o } = this;
    const surbBytes = o.takeSurb(job.senderTag);
    if (!surbBytes) throw new InsufficientSurbsError(0, 1, base58.encode(job.senderTag));
    const surb = surbFromBytes(surbBytes);
    const key = fragmentIdKey(job.id);
    o.routes.health.newAttempt(key);
    const ack = this.surbAck(job.id, key);
    const plain = sealReplyPayload(o.crypto, ack.surbAck, surb.encryptionKey, job.bytes);
    // useSurb encrypts its whole input under the SURB key; pre-applying the same keystream
    // leaves the SURB-ack readable for the receiving gateway (Nym encrypts only the fragment)
    const { packet, firstHopAddress } = useSurb(surb, aesCtrZeroIv(o.crypto, surb.encryptionKey, plain), {
      size: o.packetSize,
      backend: o.crypto,
    });
    // the SURB's delays were drawn by its creator; assume our own mean
    return this.mix(firstHopAddress, packet, HOPS * o.averagePacketDelayMs + ack.delayMs);
  }

  /** A loop cover packet to ourselves, with a real SURB-ack: complete cover traffic. */
  cover(): BuiltPacket {
    const { o } = this;
    const route = routeNodes(o.routes.mixRoute(), o.ownGateway());
    const d = this.delays(o.averagePacketDelayMs);
    const ack = this.surbAck({ setId: 0, index: 0 });
    const payload = sealPayload(o.crypto, o.rng, ack.surbAck, o.keys.encryptionPublic, COVER_FRAGMENT);
    const packet = createPacket({
      route,
      delaysNs: d.ns,
      destination: { address: o.keys.identityPublic, surbId: ZERO_SURB_ID },
      payload,
      size: o.packetSize,
      random: o.rng,
      backend: o.crypto,
    });
    return this.mix(route[0].address, packet, 0);
  }

  /** One of our reply SURBs, and the one-use key its user encrypts the reply with. */
  replySurb(): { surb: Uint8Array; key: Uint8Array; digest: Uint8Array } {
    const { o } = this;
    const route = routeNodes(o.routes.mixRoute(), o.ownGateway());
    const d = this.delays(o.averagePacketDelayMs);
    const { surb, replyKey } = createSurb({
      route,
      delaysNs: d.ns,
      destination: { address: o.keys.identityPublic, surbId: o.rng(16) },
      random: o.rng,
      backend: o.crypto,
    });
    const key = replyKey.encryptionKey;
    return { surb: surbToBytes(surb), key, digest: replyKeyDigest(key) };
  }

  /** SURB-ack: a ready ack packet back to our own gateway carrying the encrypted fragment id. */
  private surbAck(id: FragmentId, key?: string): { surbAck: Uint8Array; delayMs: number } {
    const { o } = this;
    const route = routeNodes(o.routes.mixRoute(key), o.ownGateway());
    const d = this.delays(o.averageAckDelayMs);
    const ackPacket = createPacket({
      route,
      delaysNs: d.ns,
      destination: { address: o.keys.identityPublic, surbId: ZERO_SURB_ID },
      payload: sealAckId(o.crypto, o.rng, o.keys.ackKey, id),
      size: 'ack',
      random: o.rng,
      backend: o.crypto,
    });
    return { surbAck: encodeSurbAck({ firstHop: route[0].address, ackPacket }), delayMs: d.totalMs };
  }

  private mix(firstHop: Uint8Array, packet: Uint8Array, expectedDelayMs: number): BuiltPacket {
    return {
      mixPacket: encodeMixPacket({ packetType: PACKET_TYPE_SPHINX, nextHop: firstHop, packet }),
      sphinxBytes: packet.length,
      expectedDelayMs,
    };
  }

  private delays(meanMs: number): { ns: bigint[]; totalMs: number } {
    const ms = sampleHopDelays(HOPS, meanMs, this.o.rng);
    return { ns: ms.map((d) => BigInt(Math.round(d * 1e6))), totalMs: ms.reduce((a, b) => a + b, 0) };
  }
}

/** Layers 1–3, then the gateway as the last hop, as Sphinx route nodes. */
function routeNodes(mix: readonly MixNodeEntry[], gw: GatewayEntry): RouteNode[] {
  return [
    ...mix.map((n) => ({
      address: encodeNodeAddress({ host: n.host, port: n.mixPort }),
      publicKey: n.sphinxKeyBytes,
    })),
    { address: encodeNodeAddress({ host: gw.host, port: gw.mixPort }), publicKey: gw.sphinxKeyBytes },
  ];
}
