/**
 * CPU per live message at the gateway (main thread) for a connected client, from the final
 * hop's payload to the pushed frame and, with delivery receipts, the client's receipt: the
 * real session, the real SQLite store in a file, an in-memory socket. Messages of 32 KB
 * (extended32, as the SOCKS client and requester use), `perTurn` arriving per event-loop
 * turn, the client confirming everything pushed once per turn.
 *
 *   npx tsx test/gateway/bench-live.ts            (NYMPH_BENCH_MESSAGES, default 3000)
 *
 * Prints one JSON line: µs of CPU per message by mode and messages per turn.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  DELIVERY_RECEIPTS_VERSION,
  createAuthenticateRequest,
  sealSensitiveRequest,
  withSurbAck,
} from '../../src/gateway/protocol/index.js';
import { encodeNodeAddress } from '../../src/sphinx/index.js';
import {
  finalHop,
  random,
  registerClient,
  sessionRig,
  type MemorySocket,
  type SessionRig,
} from './memory-session.js';

const MESSAGES = Number(process.env.NYMPH_BENCH_MESSAGES ?? 3000);
const MESSAGE_BYTES = 32 * 1024 - 405; // an extended32 payload less its SURB-ack
const tick = () => new Promise((r) => setImmediate(r));

async function connected(r: SessionRig, receipts: boolean) {
  const { socket: s, identity, key } = await registerClient(r);
  s.close(1000, 'offline');
  await new Promise((res) => setTimeout(res, 20));
  const again = r.connect();
  again.request(createAuthenticateRequest({ identity, sharedKey: key, nowMs: Date.now(), random }));
  await again.next();
  if (receipts) {
    again.request({ type: 'deliveryReceipts', version: DELIVERY_RECEIPTS_VERSION });
    await again.next();
  }
  again.request(sealSensitiveRequest({ kind: 'rememberMe', sessionType: 'Native' }, key, random));
  await again.next();
  return { identity, socket: again };
}

async function run(receipts: boolean, perTurn: number): Promise<number> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-live-'));
  const rig = sessionRig({ storeFile: path.join(dir, 'gateway.sqlite') });
  try {
    const { identity, socket } = await connected(rig, receipts);
    let acks = 0;
    const deliver = finalHop(rig, () => (acks++, true));
    const body = random(MESSAGE_BYTES);
    const ackAt = encodeNodeAddress({ host: '127.0.0.1', port: 9 });
    const payloads = Array.from({ length: perTurn }, () =>
      withSurbAck({ firstHop: ackAt, ackPacket: random(386) }, body),
    );
    const sock: MemorySocket = socket;
    let frames = 0;
    const cpu0 = process.cpuUsage();
    for (let sent = 0; sent < MESSAGES; sent += perTurn) {
      deliver(payloads.map((payload) => ({ destination: identity.publicKey, payload })));
      await tick();
      // the client holds what it got: one cumulative receipt per turn
      frames += sock.binaries.length;
      sock.binaries.length = 0;
      if (receipts) sock.request({ type: 'received', count: frames });
      await tick();
    }
    const cpu = process.cpuUsage(cpu0);
    if (acks !== MESSAGES || frames !== MESSAGES) throw new Error(`acks ${acks}, frames ${frames}`);
    if (rig.store.countMessages(identity.publicKey) !== 0) throw new Error('messages left stored');
    return (cpu.user + cpu.system) / MESSAGES;
  } finally {
    await rig.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const out: Record<string, number> = {};
for (const perTurn of [1, 8]) {
  for (const receipts of [false, true]) {
    await run(receipts, perTurn); // warm-up
    out[`${receipts ? 'receipts' : 'plain'}_${perTurn}_per_turn_cpu_us_per_msg`] = Math.round(
      await run(receipts, perTurn),
    );
  }
}
out.messages = MESSAGES;
out.load_1m = Math.round(os.loadavg()[0] * 100) / 100;
process.stdout.write(`${JSON.stringify(out)}\n`);
