/**
 * Live pushes to a client with delivery receipts survive a gateway killed with SIGKILL: a
 * client asks for receipts, stops reading (its TCP socket paused, so nothing is confirmed
 * and the gateway's writes back up), messages arrive from the mixnet, each behind a SURB-ack
 * whose first hop is a listener here (so the test knows which acks went out), and the
 * gateway process is killed -9. After a restart the client comes back: every message whose
 * SURB-ack left the gateway reaches it, and the client's dedup (by message label, what it
 * kept before the kill) leaves none twice; once it confirms them, the inbox is empty.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import type net from 'node:net';
import { base58 } from '@scure/base';
import { afterAll, describe, expect, it } from 'vitest';
import { DELIVERY_RECEIPTS_VERSION, withSurbAck } from '../../src/gateway/protocol/index.js';
import { createPacket, encodeNodeAddress } from '../../src/sphinx/index.js';
import { connectTo, frame, startSink, tempHome } from '../mixnode/helpers.js';
import { TestClient, newIdentity, random } from './client.js';
import { runGateway, startGateway, type Ready } from './gateway-process.js';

const enc = new TextEncoder();
const dec = new TextDecoder();
/** A pushed message is `label|filler`; the label is the message's unique id. */
const label = (m: Uint8Array) => dec.decode(m.subarray(0, m.indexOf(0x7c)));

/** Authenticates with receipts on, proves the key; frames pushed from then on count. */
async function receiptClient(ready: Ready, bob: ReturnType<typeof newIdentity>, key: Uint8Array, at: number) {
  const { client, response } = await TestClient.authenticate(ready.clientsUrl, bob, key, at);
  expect(response).toMatchObject({ type: 'authenticate', status: true });
  client.request({ type: 'deliveryReceipts', version: DELIVERY_RECEIPTS_VERSION });
  expect(await client.next()).toEqual({ type: 'deliveryReceipts', version: DELIVERY_RECEIPTS_VERSION });
  await client.prove();
  return client;
}

describe('a gateway killed with live pushes unconfirmed', () => {
  const home = tempHome('kill9live');
  const children: ChildProcess[] = [];
  let sink: Awaited<ReturnType<typeof startSink>> | undefined;
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await sink?.close();
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('delivers every message whose SURB-ack went out after a restart, none twice', async () => {
    let { run, ready } = await startGateway(home, children);
    const bob = newIdentity();
    const reg = await TestClient.register(ready.clientsUrl, bob, base58.decode(ready.identityKey));
    const key = reg.sharedKey!;
    reg.close();
    // the SURB-acks' first hop: what reaches it is what the gateway acknowledged
    sink = await startSink();
    const acked = () => sink!.packets.map((p) => label(p));

    let at = Date.now();
    const first = await receiptClient(ready, bob, key, at);
    // the client stops reading and never confirms: the gateway's pushes back up
    const tcp = (first.ws as unknown as { _socket: net.Socket })._socket;
    tcp.pause();

    // 600 live messages of ~30 KB (18 MB, more than the loopback socket buffers hold)
    const N = 600;
    const hop = {
      address: encodeNodeAddress({ host: '127.0.0.1', port: ready.mixPort }),
      publicKey: base58.decode(ready.sphinxKey),
    };
    const mix = await connectTo(ready.mixPort);
    const filler = random(30_000);
    for (let i = 0; i < N; i++) {
      const text = enc.encode(`message ${i}|`);
      const body = new Uint8Array(text.length + filler.length);
      body.set(text);
      body.set(filler, text.length);
      const ackPacket = random(386);
      ackPacket.set(text);
      const pkt = createPacket({
        route: [hop],
        delaysNs: [0n],
        destination: { address: bob.publicKey, surbId: new Uint8Array(16) },
        payload: withSurbAck({ firstHop: sink.address, ackPacket }, body),
        size: 'extended32',
        random,
      });
      mix.write(frame(pkt));
    }
    await sink.waitFor(N, 90_000);
    mix.destroy();

    run.child.kill('SIGKILL');
    await new Promise((r) => run.child.once('exit', r));
    // what the dead gateway's kernel still held reaches the client, then the connection ends
    tcp.resume();
    await first.waitClosed(10_000);
    // the client keeps what it got (its dedup set), as Nymph's client keeps it in its inbox store
    const kept = new Set(first.received.map(label));
    expect(kept.size).toBe(first.received.length);
    expect(kept.size).toBeLessThan(N);

    run = runGateway(home);
    children.push(run.child);
    ready = await run.ready;
    at = Math.max(at + 1000, Date.now());
    const second = await receiptClient(ready, bob, key, at);
    const everyAcked = new Set(acked());
    expect(everyAcked.size).toBe(N);
    const pushedAgain = () => second.received.map(label);
    const confirm = () => second.request({ type: 'received', count: second.received.length });
    // the client confirms as it goes (the gateway's receipt window); what is missing after
    // 30 s is lost
    const allThere = () => [...everyAcked].every((l) => kept.has(l) || pushedAgain().includes(l));
    for (const t0 = Date.now(); !allThere() && Date.now() - t0 < 30_000;) {
      confirm();
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, 300));
    confirm();
    const again = pushedAgain();
    // the gateway pushes each stored message once per session
    expect(new Set(again).size).toBe(again.length);
    const handedToApp = [...kept, ...again.filter((l) => !kept.has(l))];
    const lost = [...everyAcked].filter((l) => !handedToApp.includes(l)).length;
    const duplicated = handedToApp.length - new Set(handedToApp).size;
    expect({ lost, duplicated }).toEqual({ lost: 0, duplicated: 0 });
    // nothing the gateway never acknowledged
    expect(handedToApp.every((l) => everyAcked.has(l))).toBe(true);
    process.stderr.write(
      `kill9 live: ${N} acked, ${kept.size} reached the client before the kill, ${again.length} pushed after the restart (${again.filter((l) => kept.has(l)).length} dropped by the client's dedup)\n`,
    );
    await new Promise((r) => setTimeout(r, 300));
    second.close();

    // confirmed messages left the inbox: the next session gets nothing
    const third = await receiptClient(ready, bob, key, Math.max(at + 1000, Date.now()));
    await new Promise((r) => setTimeout(r, 500));
    expect(third.received.length).toBe(0);
    third.close();

    run.child.kill('SIGTERM');
    await new Promise((r) => run.child.once('exit', r));
  }, 240_000);
});
