/**
 * A walk-through of the Sphinx codec: keys for 3 mix nodes and a gateway, one packet sent
 * through them hop by hop, then a SURB reply. Pure like the rest of the room: output goes
 * through `log`, randomness through `random`.
 */
import type { CryptoBackend } from '../crypto/index.js';
import { defaultBackend } from '../crypto/index.js';
import { decodeNodeAddress, encodeNodeAddress } from './address.js';
import { Geometry } from './geometry.js';
import { createPacket, SphinxNodeKey, unwrapPacket, type RandomSource, type RouteNode } from './packet.js';
import { createSurb, decryptSurbReply, surbFromBytes, surbToBytes, useSurb } from './surb.js';

const hex = (b: Uint8Array, n = b.length) =>
  Array.from(b.subarray(0, n), (x) => x.toString(16).padStart(2, '0')).join('');

function fmtAddress(bytes: Uint8Array): string {
  const a = decodeNodeAddress(bytes);
  return a.family === 6 ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

export interface SphinxDemoOptions {
  random: RandomSource;
  log: (line: string) => void;
  message?: string;
  backend?: CryptoBackend;
}

/** Runs the demo; returns the delivered message and reply so callers can check them. */
export function runSphinxDemo(opts: SphinxDemoOptions): { delivered: string; reply: string } {
  const { random, log } = opts;
  const backend = opts.backend ?? defaultBackend;
  const message = opts.message ?? 'Hello from Nymph: this message crossed three mix layers.';
  const names = ['mix layer 1', 'mix layer 2', 'mix layer 3', 'gateway'];
  const hosts = [
    { host: '127.0.0.1', port: 1789 },
    { host: '127.0.0.2', port: 1789 },
    { host: '::1', port: 1790 },
    { host: '127.0.0.4', port: 1789 },
  ];
  const keys = names.map(() => SphinxNodeKey.generate(random, backend));
  const route: RouteNode[] = keys.map((k, i) => ({
    address: encodeNodeAddress(hosts[i]),
    publicKey: k.publicKey,
  }));
  log(`Sphinx demo (${backend.name} crypto backend)`);
  names.forEach((n, i) =>
    log(`  ${n.padEnd(12)} ${fmtAddress(route[i].address).padEnd(18)} key ${hex(keys[i].publicKey, 8)}...`),
  );

  const recipient = { address: random(32), surbId: random(16) };
  const delaysNs = [50_000_000n, 30_000_000n, 70_000_000n, 0n];
  const g = Geometry.of('regular');
  let packet = createPacket({
    route,
    delaysNs,
    destination: recipient,
    payload: new TextEncoder().encode(message),
    size: 'regular',
    random,
    backend,
  });
  log(
    `packet: ${packet.length} bytes (header ${g.headerLength} + payload ${g.payloadLength}), to ${fmtAddress(route[0].address)}`,
  );

  let delivered = '';
  for (let i = 0; i < keys.length; i++) {
    const r = unwrapPacket(keys[i], packet);
    const tag = hex(r.replayTag, 8);
    if (r.kind === 'forward') {
      log(
        `  hop ${i + 1} ${names[i].padEnd(12)} forward -> ${fmtAddress(r.nextAddress).padEnd(18)} ` +
          `delay ${(Number(r.delayNs) / 1e6).toFixed(1)} ms  replay tag ${tag}...`,
      );
      packet = r.packet;
    } else {
      delivered = new TextDecoder().decode(r.payload);
      log(
        `  hop ${i + 1} ${names[i].padEnd(12)} final -> recipient ${hex(r.destinationAddress, 8)}...  replay tag ${tag}...`,
      );
      log(`  payload: "${delivered}"`);
    }
  }

  // The recipient builds a SURB for a route back to itself; the other side replies with it.
  const back = [1, 0, 2, 3].map((i) => route[i]);
  const backKeys = [1, 0, 2, 3].map((i) => keys[i]);
  const { surb, replyKey } = createSurb({ route: back, delaysNs, destination: recipient, random, backend });
  const wire = surbToBytes(surb);
  log(
    `SURB: ${wire.length} bytes (key 16 + header 348 + first hop 32 + ${surb.payloadKeyMaterial.length} seeds)`,
  );
  const used = useSurb(surbFromBytes(wire), new TextEncoder().encode('Reply received, thanks!'), { backend });
  log(`reply packet: ${used.packet.length} bytes, to ${fmtAddress(used.firstHopAddress)}`);
  let reply = '';
  let p = used.packet;
  for (let i = 0; i < backKeys.length; i++) {
    const r = unwrapPacket(backKeys[i], p);
    if (r.kind === 'forward') {
      log(`  reply hop ${i + 1} forward -> ${fmtAddress(r.nextAddress)}`);
      p = r.packet;
    } else {
      reply = new TextDecoder().decode(decryptSurbReply(replyKey, r.payload, backend));
      log(`  reply hop ${i + 1} final, SURB id ${hex(r.surbId, 8)}...; decrypted by the builder: "${reply}"`);
    }
  }
  return { delivered, reply };
}
