/**
 * The native client's inbox on disk (src/client/delivered-store.ts): complete messages held
 * until an app took them, digests of accepted messages to drop repeats, fragments of
 * incomplete messages; everything survives the store being reopened (a restarted client).
 * A file that cannot be opened is refused with a typed error.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nodeBackend } from '../../src/crypto/node.js';
import { DeliveredStore, InboxStoreError, deliveryDigest } from '../../src/client/delivered-store.js';
import { generateKeys } from '../../src/client/identity.js';
import { Receiver } from '../../src/client/receiver.js';
import { newStats } from '../../src/client/stats.js';
import { MemoryInbox } from '../../src/client/ws-api/memory-inbox.js';
import {
  SURB_ACK_LEN,
  encodeFragment,
  encodeNymMessage,
  fragmentCapacity,
  padToFullPacketLengths,
  plainMessage,
  replyKeyDigest,
  replyMessage,
  sealRegularPayload,
  sealReplyPayload,
  splitIntoFragments,
  type NymMessage,
} from '../../src/nymsphinx/index.js';
import { seededRng } from './parts.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nymph-inbox-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const text = (s: string) => new TextEncoder().encode(s);

describe('DeliveredStore', () => {
  it('holds messages across a reopen, and drops a repeat of one accepted before', () => {
    const file = path.join(dir, 'a.sqlite');
    let s = new DeliveredStore(file, { maxHeld: 10 });
    const m = { message: text('hello'), kind: 'plain' as const, setIds: [7] };
    const id = s.accept(m, 1_000);
    expect(id).toBeTypeOf('number');
    // the same bytes in another message (other set ids) are a new message
    expect(s.accept({ ...m, setIds: [8] }, 1_000)).toBeTypeOf('number');
    expect(s.accept(m, 1_001)).toBeUndefined();
    expect(s.repeats).toBe(1);
    s.close();

    s = new DeliveredStore(file, { maxHeld: 10 });
    expect(s.size).toBe(2);
    const held = s.held(0, 10);
    expect(held.map((h) => new TextDecoder().decode(h.message.message))).toEqual(['hello', 'hello']);
    expect(held[0].message).toMatchObject({ kind: 'plain', setIds: [7] });
    s.handedOver(held[0].id);
    expect(s.size).toBe(1);
    // handed over, then pushed again after a restart: still a repeat
    expect(s.accept(m, 2_000)).toBeUndefined();
    expect(s.held(held[0].id, 10).map((h) => h.id)).toEqual([held[1].id]);
    s.close();
  });

  it('keeps a sender tag and kind, counts what is over the cap, and forgets digests past the retention', () => {
    const s = new DeliveredStore(path.join(dir, 'b.sqlite'), { maxHeld: 2, retentionMs: 1_000 });
    const tag = Uint8Array.of(1, 2, 3);
    s.accept({ message: text('a'), kind: 'repliable', senderTag: tag, setIds: [1] }, 0);
    s.accept({ message: text('b'), kind: 'reply', setIds: [2] }, 0);
    expect(s.accept({ message: text('c'), kind: 'plain', setIds: [3] }, 0)).toBeUndefined();
    expect(s.dropped).toBe(1);
    const [a, b] = s.held(0, 10);
    expect(a.message).toMatchObject({ kind: 'repliable', senderTag: tag });
    expect(b.message.kind).toBe('reply');
    s.handedOver(a.id);
    s.handedOver(b.id);
    expect(s.pruneDelivered(500)).toBe(0);
    expect(s.pruneDelivered(1_500)).toBe(2);
    // forgotten: the same delivery is taken again
    expect(s.accept({ message: text('b'), kind: 'reply', setIds: [2] }, 2_000)).toBeTypeOf('number');
    s.close();
  });

  it('keeps at most maxDelivered digests, the oldest going first', () => {
    const s = new DeliveredStore(path.join(dir, 'c.sqlite'), { maxHeld: 100, maxDelivered: 3 });
    for (let i = 0; i < 5; i++) s.accept({ message: text(`m${i}`), kind: 'plain', setIds: [i] }, i);
    expect(s.pruneDelivered(10)).toBe(2);
    for (const h of s.held(0, 10)) s.handedOver(h.id);
    expect(s.accept({ message: text('m0'), kind: 'plain', setIds: [0] }, 20)).toBeTypeOf('number');
    expect(s.accept({ message: text('m4'), kind: 'plain', setIds: [4] }, 20)).toBeUndefined();
    s.close();
  });

  it('keeps fragments across a reopen until pruned', () => {
    const file = path.join(dir, 'd.sqlite');
    let s = new DeliveredStore(file, { maxHeld: 10 });
    s.keepFragment(Uint8Array.of(1), 100);
    s.keepFragment(Uint8Array.of(2), 200);
    s.close();
    s = new DeliveredStore(file, { maxHeld: 10 });
    expect(s.keptFragments()).toEqual([{ payload: Uint8Array.of(1) }, { payload: Uint8Array.of(2) }]);
    s.pruneFragments(150);
    expect(s.keptFragments()).toEqual([{ payload: Uint8Array.of(2) }]);
    s.close();
  });

  it('names a delivery by set ids, kind, sender tag and bytes', () => {
    const base = { message: text('x'), kind: 'plain' as const, setIds: [1, 2] };
    const d = deliveryDigest(base).toString('hex');
    expect(deliveryDigest({ ...base }).toString('hex')).toBe(d);
    for (const other of [
      { ...base, setIds: [2, 1] },
      { ...base, kind: 'reply' as const },
      { ...base, senderTag: Uint8Array.of(0) },
      { ...base, message: text('y') },
    ])
      expect(deliveryDigest(other).toString('hex')).not.toBe(d);
  });

  it('refuses a path it cannot open, typed', () => {
    expect(() => new DeliveredStore(path.join(dir, 'missing', 'x', 'inbox.sqlite'), { maxHeld: 1 })).toThrow(
      InboxStoreError,
    );
    try {
      new DeliveredStore(path.join(dir, 'missing', 'x', 'inbox.sqlite'), { maxHeld: 1 });
    } catch (e) {
      expect((e as InboxStoreError).code).toBe('inbox_store');
    }
  });
});

describe('MemoryInbox', () => {
  it('holds in order up to its cap and pages by id', () => {
    const m = new MemoryInbox(2);
    const a = m.accept({ message: text('a'), kind: 'plain' })!;
    const b = m.accept({ message: text('b'), kind: 'plain' })!;
    expect(m.accept({ message: text('c'), kind: 'plain' })).toBeUndefined();
    expect(m.dropped).toBe(1);
    expect(m.held(a, 10).map((h) => h.id)).toEqual([b]);
    m.handedOver(a);
    expect(m.size).toBe(1);
  });
});

const CAPACITY = fragmentCapacity('regular');

/** A message's fragments in regular packets (Nym's padding and chunking), set ids from `firstSetId`. */
function fragmentsOf(m: NymMessage, firstSetId: number) {
  let setId = firstSetId;
  return splitIntoFragments(padToFullPacketLengths(encodeNymMessage(m), CAPACITY), CAPACITY, () => setId++);
}

describe('fragments kept across a restart', () => {
  it('a message whose first fragments came before the restart completes after it, once', () => {
    const keys = generateKeys(seededRng('bob'));
    const file = path.join(dir, 'e.sqlite');
    const big = seededRng('big')(CAPACITY * 2 + 10);
    const payloads = fragmentsOf(plainMessage(big), 9000).map(
      (f) =>
        sealRegularPayload({
          surbAck: new Uint8Array(SURB_ACK_LEN),
          fragment: encodeFragment(f),
          recipientEncryptionKey: keys.encryptionPublic,
          random: seededRng('seal'),
        }).plaintext.subarray(SURB_ACK_LEN), // the gateway cuts the SURB-ack off
    );
    expect(payloads).toHaveLength(3);
    // as the client core wires them (client.ts): an incomplete fragment is kept before its
    // frame is confirmed, kept ones are fed again at start, complete messages are accepted
    const run = (store: DeliveredStore) => {
      const got: { m: NymMessage; setIds: readonly number[] }[] = [];
      const rx = new Receiver({
        crypto: nodeBackend,
        keys,
        reassemblyTimeoutMs: 60_000,
        now: () => 0,
        stats: newStats(),
        takeReplyKey: () => undefined,
        onAck: () => undefined,
        onMessage: (m, setIds) => got.push({ m, setIds }),
      });
      for (const f of store.keptFragments()) rx.replay(f.payload, f.replyKey);
      const receive = (p: Uint8Array) => {
        const outcome = rx.payload(p);
        if (outcome === 'incomplete') store.keepFragment(p, 0);
        return outcome;
      };
      return { got, receive };
    };
    let store = new DeliveredStore(file, { maxHeld: 10 });
    const first = run(store);
    expect(first.receive(payloads[0])).toBe('incomplete');
    expect(first.receive(payloads[1])).toBe('incomplete');
    store.close(); // killed: the receiver's memory is gone, the kept fragments are not

    store = new DeliveredStore(file, { maxHeld: 10 });
    const second = run(store);
    expect(second.receive(payloads[2])).toBe('message');
    expect(second.got).toHaveLength(1);
    const m = second.got[0];
    if (m.m.kind !== 'plain') throw new Error(`expected a plain message, got ${m.m.kind}`);
    expect(Buffer.from(m.m.data).equals(Buffer.from(big))).toBe(true);
    expect(store.accept({ message: m.m.data, kind: 'plain', setIds: m.setIds }, 0)).toBeTypeOf('number');
    // the gateway pushes the last one again (its receipt was lost with the process): dropped
    expect(store.accept({ message: m.m.data, kind: 'plain', setIds: m.setIds }, 0)).toBeUndefined();
    store.pruneFragments(1);
    expect(store.keptFragments()).toEqual([]);
    store.close();
  });

  it("a reply's fragments kept before the restart are opened after it with the keys they used up", () => {
    const keys = generateKeys(seededRng('alice'));
    const file = path.join(dir, 'r.sqlite');
    const big = seededRng('reply')(CAPACITY * 2 + 10);
    const fragments = fragmentsOf(replyMessage(big), 7000);
    // one single-use reply key per packet, as the SURBs alice handed out
    const replyKeys = fragments.map((_, i) => seededRng(`key${i}`)(16));
    const payloads = fragments.map((f, i) =>
      sealReplyPayload({
        surbAck: new Uint8Array(SURB_ACK_LEN),
        fragment: encodeFragment(f),
        replyKey: replyKeys[i],
      }).plaintext.subarray(SURB_ACK_LEN),
    );
    const keyStore = new Map(replyKeys.map((k) => [Buffer.from(replyKeyDigest(k)).toString('hex'), k]));
    // as client.ts wires it: the key a payload used up (`replyKeyUsed`) is kept with it while
    // its message is incomplete, and handed back with it on replay
    const run = (store: DeliveredStore) => {
      const got: NymMessage[] = [];
      const rx = new Receiver({
        crypto: nodeBackend,
        keys,
        reassemblyTimeoutMs: 60_000,
        now: () => 0,
        stats: newStats(),
        takeReplyKey: (digest) => {
          const hex = Buffer.from(digest).toString('hex');
          const key = keyStore.get(hex);
          keyStore.delete(hex); // used once
          return key;
        },
        onAck: () => undefined,
        onMessage: (m) => got.push(m),
      });
      for (const f of store.keptFragments()) rx.replay(f.payload, f.replyKey);
      const receive = (p: Uint8Array) => {
        const outcome = rx.payload(p);
        if (outcome === 'incomplete') store.keepFragment(p, 0, rx.replyKeyUsed);
        return outcome;
      };
      return { got, receive };
    };
    let store = new DeliveredStore(file, { maxHeld: 10 });
    const first = run(store);
    expect(first.receive(payloads[0])).toBe('incomplete');
    expect(first.receive(payloads[1])).toBe('incomplete');
    expect(keyStore.size).toBe(1); // two keys used up
    store.close(); // killed

    store = new DeliveredStore(file, { maxHeld: 10 });
    expect(store.keptFragments().map((f) => f.replyKey)).toEqual([replyKeys[0], replyKeys[1]]);
    const second = run(store);
    expect(second.receive(payloads[2])).toBe('message');
    expect(second.got).toHaveLength(1);
    const m = second.got[0];
    if (m.kind !== 'reply' || m.content.type !== 'data') throw new Error(`expected a reply, got ${m.kind}`);
    expect(Buffer.from(m.content.message).equals(Buffer.from(big))).toBe(true);
    store.close();
  });
});
