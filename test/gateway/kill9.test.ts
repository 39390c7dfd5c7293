/**
 * Durability with real processes: a gateway started by `nymph gateway run` stores 1,000
 * messages for an offline client, is killed with SIGKILL, restarts from the same home,
 * and delivers every message exactly once.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { base58 } from '@scure/base';
import { afterAll, describe, expect, it } from 'vitest';
import { createPacket, encodeNodeAddress } from '../../src/sphinx/index.js';
import { connectTo, frame, tempHome, until } from '../mixnode/helpers.js';
import { TestClient, newIdentity, random } from './client.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(ROOT, 'bin/nymph.js');

interface Ready {
  mixPort: number;
  clientsUrl: string;
  identityKey: string;
  sphinxKey: string;
  metrics: string;
}

function runGateway(home: string): { child: ChildProcess; ready: Promise<Ready> } {
  const child = spawn(process.execPath, [BIN, 'gateway', 'run', '--home', home, '--log-level', 'error'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const ready = new Promise<Ready>((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (c: Buffer) => {
      buf += c.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) resolve(JSON.parse(buf.slice(0, nl)) as Ready);
    });
    child.once('exit', (code) => reject(new Error(`gateway exited (${code}) before it was ready`)));
  });
  return { child, ready };
}

async function storedTotal(metricsUrl: string): Promise<number> {
  const text = await (await fetch(metricsUrl)).text();
  const m = /^nymph_gateway_messages_stored_total (\d+)/m.exec(text);
  return m ? Number(m[1]) : 0;
}

describe('gateway inbox survives kill -9', () => {
  const home = tempHome('kill9');
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('delivers 1,000 stored messages once after a crash and restart', async () => {
    execFileSync(
      process.execPath,
      [
        BIN,
        'gateway',
        'init',
        '--home',
        home,
        '--mix-port',
        '0',
        '--clients-port',
        '0',
        '--http-api-port',
        '0',
        '--free-bandwidth',
      ],
      { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] },
    );
    let run = runGateway(home);
    children.push(run.child);
    let ready = await run.ready;

    const bob = newIdentity();
    const reg = await TestClient.register(ready.clientsUrl, bob, base58.decode(ready.identityKey));
    const key = reg.sharedKey!;
    reg.close();

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
    await new Promise((r) => setTimeout(r, 500));
    expect(again.client.received.length).toBe(0);
    again.client.close();

    run.child.kill('SIGTERM');
    await new Promise((r) => run.child.once('exit', r));
  }, 180_000);
});
