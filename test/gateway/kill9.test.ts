/**
 * Durability with real processes: a gateway started by `nymph gateway run` stores 1,000
 * messages for an offline client, is killed with SIGKILL, restarts from the same home,
 * and delivers every message exactly once; and again when it is killed while it pushes
 * the stored messages (mid-drain), with the receiver restarting too; and when the gateway
 * and a receiving client process (kill9-receiver.ts: delivery receipts, the native
 * client's inbox store) are killed together mid-drain.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import type net from 'node:net';
import path from 'node:path';
import { base58 } from '@scure/base';
import { afterAll, describe, expect, it } from 'vitest';
import { withSurbAck } from '../../src/gateway/protocol/index.js';
import { createPacket, encodeNodeAddress } from '../../src/sphinx/index.js';
import { connectTo, frame, tempHome, until } from '../mixnode/helpers.js';
import { DeliveredStore } from '../../src/client/delivered-store.js';
import { TestClient, newIdentity, random } from './client.js';
import { ROOT, runGateway, startGateway, storedTotal, type Ready } from './gateway-process.js';

/** Stores `n` messages of ~30 KB for `bob` (`message i|filler`), each behind a SURB-ack to nowhere. */
async function storeBig(ready: Ready, bob: ReturnType<typeof newIdentity>, n: number): Promise<void> {
  const hop = {
    address: encodeNodeAddress({ host: '127.0.0.1', port: ready.mixPort }),
    publicKey: base58.decode(ready.sphinxKey),
  };
  const nowhere = encodeNodeAddress({ host: '127.0.0.1', port: 9 });
  const sock = await connectTo(ready.mixPort);
  const filler = random(30_000);
  const before = await storedTotal(ready.metrics);
  for (let i = 0; i < n; i++) {
    const text = new TextEncoder().encode(`message ${i}|`);
    const body = new Uint8Array(text.length + filler.length);
    body.set(text);
    body.set(filler, text.length);
    const pkt = createPacket({
      route: [hop],
      delaysNs: [0n],
      destination: { address: bob.publicKey, surbId: new Uint8Array(16) },
      payload: withSurbAck({ firstHop: nowhere, ackPacket: random(386) }, body),
      size: 'extended32',
      random,
    });
    sock.write(frame(pkt));
  }
  await until(async () => (await storedTotal(ready.metrics)) - before === n, 60_000, `${n} stored`);
  sock.destroy();
}

/** A gateway home for one describe, and its processes: killed and removed after it. */
function gatewayHome(name: string): { home: string; children: ChildProcess[] } {
  const home = tempHome(name);
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    fs.rmSync(home, { recursive: true, force: true });
  });
  return { home, children };
}

/** A client registered at the gateway, offline again: its messages are stored. */
async function registerBob(ready: Awaited<ReturnType<typeof runGateway>['ready']>) {
  const bob = newIdentity();
  const reg = await TestClient.register(ready.clientsUrl, bob, base58.decode(ready.identityKey));
  const key = reg.sharedKey!;
  reg.close();
  return { bob, key };
}

describe('gateway inbox survives kill -9', () => {
  const { home, children } = gatewayHome('kill9');

  it('delivers 1,000 stored messages once after a crash and restart', async () => {
    let { run, ready } = await startGateway(home, children);
    const { bob, key } = await registerBob(ready);

    const hop = {
      address: encodeNodeAddress({ host: '127.0.0.1', port: ready.mixPort }),
      publicKey: base58.decode(ready.sphinxKey),
    };
    const sock = await connectTo(ready.mixPort);
    const N = 1000;
    for (let i = 0; i < N; i++) {
      const pkt = createPacket({
        route: [hop],
        delaysNs: [0n],
        destination: { address: bob.publicKey, surbId: new Uint8Array(16) },
        payload: new TextEncoder().encode(`message ${i}`),
        size: 'regular',
        random,
      });
      sock.write(frame(pkt));
    }
    await until(async () => (await storedTotal(ready.metrics)) === N, 30_000, '1000 stored');
    sock.destroy();

    run.child.kill('SIGKILL');
    await new Promise((r) => run.child.once('exit', r));

    run = runGateway(home);
    children.push(run.child);
    ready = await run.ready;
    const { client, response } = await TestClient.authenticate(ready.clientsUrl, bob, key);
    expect(response).toMatchObject({ type: 'authenticate', status: true });
    await client.prove();
    await client.waitReceived(N, 30_000);
    const got = client.received.map((m) => new TextDecoder().decode(m));
    expect(new Set(got).size).toBe(N);
    expect(got.sort()).toEqual(Array.from({ length: N }, (_, i) => `message ${i}`).sort());
    await new Promise((r) => setTimeout(r, 300));
    expect(client.received.length).toBe(N);
    client.close();

    // delivered messages were deleted: a later session gets nothing
    // authenticateV2 timestamps are whole seconds and must grow
    const again = await TestClient.authenticate(ready.clientsUrl, bob, key, Date.now() + 1000);
    expect(again.response).toMatchObject({ type: 'authenticate' });
    await again.client.prove();
    await new Promise((r) => setTimeout(r, 500));
    expect(again.client.received.length).toBe(0);
    again.client.close();

    run.child.kill('SIGTERM');
    await new Promise((r) => run.child.once('exit', r));
  }, 180_000);
});

describe('a gateway killed while it pushes stored messages', () => {
  const { home, children } = gatewayHome('kill9drain');

  it('loses none and delivers none twice when killed mid-drain and restarted', async () => {
    let { run, ready } = await startGateway(home, children);
    const { bob, key } = await registerBob(ready);

    // 1,000 messages of ~30 KB (more than the loopback socket buffers hold), each behind a
    // SURB-ack whose first hop listens nowhere (the gateway tries to send it and drops it)
    const N = 1000;
    await storeBig(ready, bob, N);

    // What the receiver got, over both of its lives (it keeps what it received, as an app would)
    const seen: string[] = [];
    const label = (m: Uint8Array) => new TextDecoder().decode(m.subarray(0, m.indexOf(0x7c)));

    const first = await TestClient.authenticate(ready.clientsUrl, bob, key);
    expect(first.response).toMatchObject({ type: 'authenticate', status: true });
    await first.client.prove();
    await first.client.waitReceived(1, 30_000);
    // the receiver stops reading: the gateway's writes back up mid-drain; then it is killed
    const tcp = (first.client.ws as unknown as { _socket: net.Socket })._socket;
    tcp.pause();
    await new Promise((r) => setTimeout(r, 500));
    run.child.kill('SIGKILL');
    await new Promise((r) => run.child.once('exit', r));
    // what the dead gateway's kernel still held reaches the receiver, then the connection ends
    tcp.resume();
    await first.client.waitClosed(10_000);
    seen.push(...first.client.received.map(label));
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.length).toBeLessThan(N);

    run = runGateway(home);
    children.push(run.child);
    ready = await run.ready;
    // the receiver restarts too: a new connection, a newer authentication
    const second = await TestClient.authenticate(ready.clientsUrl, bob, key, Date.now() + 1000);
    expect(second.response).toMatchObject({ type: 'authenticate', status: true });
    await second.client.prove();
    await until(
      () => new Set([...seen, ...second.client.received.map(label)]).size === N,
      60_000,
      'every message once',
    );
    await new Promise((r) => setTimeout(r, 500));
    const all = [...seen, ...second.client.received.map(label)];
    const lost = N - new Set(all).size;
    const duplicated = all.length - new Set(all).size;
    expect({ lost, duplicated }).toEqual({ lost: 0, duplicated: 0 });
    expect(new Set(all)).toEqual(new Set(Array.from({ length: N }, (_, i) => `message ${i}`)));
    second.client.close();

    run.child.kill('SIGTERM');
    await new Promise((r) => run.child.once('exit', r));
  }, 240_000);
});

/** The receiving client process (kill9-receiver.ts); `progress` is its last report. */
function runReceiver(args: object) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(ROOT, 'test/gateway/kill9-receiver.ts'), JSON.stringify(args)],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const state = { held: 0, repeats: 0 };
  let buf = '';
  child.stdout!.on('data', (c: Buffer) => {
    buf += c.toString();
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      Object.assign(state, JSON.parse(buf.slice(0, nl)) as typeof state);
      buf = buf.slice(nl + 1);
    }
  });
  return { child, state };
}

describe('a gateway and its client killed together while it pushes stored messages', () => {
  const { home, children } = gatewayHome('kill9both');

  it('loses none and hands none to the app twice: the gateway deletes on receipt, the client keeps what it confirmed', async () => {
    let { run, ready } = await startGateway(home, children);
    const { bob, key } = await registerBob(ready);
    const N = 1000;
    await storeBig(ready, bob, N);

    const inbox = path.join(home, 'receiver-inbox.sqlite');
    const args = () => ({
      url: ready.clientsUrl,
      gatewayIdentity: ready.identityKey,
      identitySecret: Buffer.from(bob.secretKey).toString('hex'),
      identityPublic: Buffer.from(bob.publicKey).toString('hex'),
      sharedKey: Buffer.from(key).toString('hex'),
      inbox,
    });
    const first = runReceiver(args());
    children.push(first.child);
    // both die together once the client has kept some: mid-drain
    await until(() => first.state.held > 0, 60_000, 'the receiver keeping messages');
    run.child.kill('SIGKILL');
    first.child.kill('SIGKILL');
    await Promise.all([
      new Promise((r) => run.child.once('exit', r)),
      new Promise((r) => first.child.once('exit', r)),
    ]);
    const before = new DeliveredStore(inbox, { maxHeld: N });
    const keptBefore = before.size;
    before.close();
    expect(keptBefore).toBeGreaterThan(0);
    expect(keptBefore).toBeLessThan(N);

    run = runGateway(home);
    children.push(run.child);
    ready = await run.ready;
    const second = runReceiver(args());
    children.push(second.child);
    await until(() => second.state.held >= N, 60_000, 'every message kept');
    // nothing more comes: the gateway deleted what the client confirmed
    await new Promise((r) => setTimeout(r, 500));
    second.child.kill('SIGTERM');
    await new Promise((r) => second.child.once('exit', r));

    const store = new DeliveredStore(inbox, { maxHeld: N });
    const labels = store.held(0, 2 * N).map((h) => new TextDecoder().decode(h.message.message));
    store.close();
    const lost = N - new Set(labels).size;
    const duplicated = labels.length - new Set(labels).size;
    expect({ lost, duplicated }).toEqual({ lost: 0, duplicated: 0 });
    expect(new Set(labels)).toEqual(new Set(Array.from({ length: N }, (_, i) => `message ${i}`)));
    // what came again after the restart (pushed, not yet confirmed) is at most the drain's window
    expect(second.state.repeats).toBeLessThanOrEqual(250);
    process.stderr.write(
      `kill9 both: ${keptBefore} kept before the kill, ${second.state.repeats} pushed again and dropped\n`,
    );

    // the inbox is empty now
    const again = await TestClient.authenticate(ready.clientsUrl, bob, key, Date.now() + 2000);
    expect(again.response).toMatchObject({ type: 'authenticate', status: true });
    await again.client.prove();
    await new Promise((r) => setTimeout(r, 500));
    expect(again.client.received.length).toBe(0);
    again.client.close();

    run.child.kill('SIGTERM');
    await new Promise((r) => run.child.once('exit', r));
  }, 240_000);
});
