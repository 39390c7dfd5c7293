/**
 * Generates test/vectors/sphinx.json: Sphinx packets built from fixed node keys and fixed
 * randomness, with every hop's expected unwrap result, plus SURB and node-address vectors.
 * The randomness each packet consumed is stored, so tests replay it exactly and check that
 * both crypto backends reproduce the bytes.
 *
 * The file also carries values published by Nym's own crates, reproduced here (not by this
 * script's code) as cross-checks: nymtech/sphinx header/shared_secret.rs
 * `results_in_same_values_as_old_implementation` and the lioness 0.1.2 crate's test vector.
 *
 *   npx tsx scripts/gen-sphinx-vectors.ts   # rewrites test/vectors/sphinx.json
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { chacha20orig } from '@noble/ciphers/chacha.js';
import { nodeBackend } from '../src/crypto/node.js';
import {
  createPacket,
  createSurb,
  encodeNodeAddress,
  SphinxNodeKey,
  surbToBytes,
  unwrapPacket,
  useSurb,
  type PacketSize,
  type SphinxVersion,
} from '../src/sphinx/index.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Deterministic byte stream: original ChaCha20 keystream of a 32-byte seed. */
function streamOf(seedByte: number): (n: number) => Uint8Array {
  const ks = chacha20orig(new Uint8Array(32).fill(seedByte), new Uint8Array(8), new Uint8Array(1 << 16));
  let at = 0;
  return (n) => {
    const out = ks.slice(at, at + n);
    at += n;
    return out;
  };
}

/** Records every chunk handed out, so the test can replay the exact same randomness. */
function recording(random: (n: number) => Uint8Array): { random: (n: number) => Uint8Array; log: string[] } {
  const log: string[] = [];
  return {
    log,
    random: (n) => {
      const b = random(n);
      log.push(hex(b));
      return b;
    },
  };
}

const nodeSecrets = [0, 1, 2, 3, 4].map((i) => streamOf(0x10 + i)(32));
const nodeKeys = nodeSecrets.map((s) => SphinxNodeKey.fromSecret(s, nodeBackend));
const addresses = [
  { host: '10.0.0.1', port: 1789 },
  { host: '10.0.0.2', port: 1789 },
  { host: '2001:db8::3', port: 1789 },
  { host: '192.168.1.4', port: 9000 },
  { host: '::1', port: 1790 },
];

interface PacketCase {
  name: string;
  hops: number;
  size: PacketSize;
  version: SphinxVersion;
  message: string;
  seed: number;
}

const cases: PacketCase[] = [
  {
    name: '3 mix hops + gateway, regular, v259',
    hops: 4,
    size: 'regular',
    version: 259,
    message: 'hello from nymph',
    seed: 1,
  },
  {
    name: '3 hops, regular, v258',
    hops: 3,
    size: 'regular',
    version: 258,
    message: 'legacy payload keys',
    seed: 2,
  },
  { name: '1 hop, ack, v259', hops: 1, size: 'ack', version: 259, message: 'ack-frag-id-21-bytes!', seed: 3 },
  {
    name: '5 hops, extended8, v259',
    hops: 5,
    size: 'extended8',
    version: 259,
    message: 'x'.repeat(5000),
    seed: 4,
  },
];

const packets = cases.map((c) => {
  const route = nodeKeys.slice(0, c.hops).map((k, i) => ({
    address: encodeNodeAddress(addresses[i]),
    publicKey: k.publicKey,
  }));
  const delaysNs = route.map((_, i) => BigInt(1_000_000 * (i + 1) + i));
  const destination = { address: streamOf(0x40 + c.seed)(32), surbId: streamOf(0x50 + c.seed)(16) };
  const rec = recording(streamOf(0x60 + c.seed));
  const message = new TextEncoder().encode(c.message);
  const packet = createPacket({
    route,
    delaysNs,
    destination,
    payload: message,
    size: c.size,
    random: rec.random,
    backend: nodeBackend,
    version: c.version,
  });
  const hops: unknown[] = [];
  let p = packet;
  for (let i = 0; i < c.hops; i++) {
    const r = unwrapPacket(nodeKeys[i], p);
    if (r.kind === 'forward') {
      hops.push({
        kind: 'forward',
        next_address: hex(r.nextAddress),
        delay_ns: r.delayNs.toString(),
        replay_tag: hex(r.replayTag),
        packet_sha256: sha256(r.packet),
      });
      p = r.packet;
    } else {
      hops.push({
        kind: 'final',
        destination_address: hex(r.destinationAddress),
        surb_id: hex(r.surbId),
        replay_tag: hex(r.replayTag),
        payload: hex(r.payload),
      });
    }
  }
  return {
    name: c.name,
    size: c.size,
    version: c.version,
    route: route.map((r, i) => ({
      secret_key: hex(nodeSecrets[i]),
      public_key: hex(r.publicKey),
      address: hex(r.address),
    })),
    delays_ns: delaysNs.map(String),
    destination: { address: hex(destination.address), surb_id: hex(destination.surbId) },
    message: hex(message),
    randomness: rec.log,
    packet: hex(packet),
    hops,
  };
});

// SURB: built by the owner of destination, used by someone else, unwrapped along the route.
const surbRoute = nodeKeys
  .slice(0, 4)
  .map((k, i) => ({ address: encodeNodeAddress(addresses[i]), publicKey: k.publicKey }));
const surbRec = recording(streamOf(0x70));
const surbDestination = { address: streamOf(0x71)(32), surbId: streamOf(0x72)(16) };
const surbDelays = surbRoute.map((_, i) => BigInt(2_000_000 * (i + 1)));
const { surb, replyKey } = createSurb({
  route: surbRoute,
  delaysNs: surbDelays,
  destination: surbDestination,
  random: surbRec.random,
  backend: nodeBackend,
});
const replyMessage = new TextEncoder().encode('a reply through a SURB');
const used = useSurb(surb, replyMessage, { backend: nodeBackend });
let rp = used.packet;
let deliveredReply: Uint8Array = new Uint8Array();
for (let i = 0; i < 4; i++) {
  const r = unwrapPacket(nodeKeys[i], rp);
  if (r.kind === 'forward') rp = r.packet;
  else deliveredReply = r.payload;
}

const nodeAddresses = [
  { host: '1.2.3.4', port: 42 },
  { host: '0.0.0.0', port: 42 },
  { host: '255.255.255.255', port: 65535 },
  { host: '1:203:405:607:809:a0b:c0d:e0f', port: 42 },
  { host: '2001:db8::1', port: 1789 },
  { host: '::', port: 0 },
  { host: '::ffff:10.1.2.3', port: 80 },
].map((a) => ({ ...a, bytes: hex(encodeNodeAddress(a)) }));

const vectors = {
  description:
    'Nymph Sphinx test vectors (scripts/gen-sphinx-vectors.ts). Packets: header(348) || payload; ' +
    '`randomness` lists the byte strings the builder drew, in order (initial secret, final routing padding).',
  nym_cross_checks: {
    // nymtech/sphinx src/header/shared_secret.rs, test `results_in_same_values_as_old_implementation`:
    // ChaCha20Rng seeded with [1u8; 32] gives sk1 then sk2; ss = X25519(sk2, X25519_base(sk1)).
    expanded_shared_secret: {
      rng_seed: hex(new Uint8Array(32).fill(1)),
      stream_cipher_key: hex(
        Uint8Array.from([186, 234, 152, 113, 202, 124, 191, 228, 173, 89, 91, 8, 127, 251, 214, 200]),
      ),
      header_integrity_hmac_key: hex(
        Uint8Array.from([28, 222, 17, 227, 46, 180, 170, 7, 34, 52, 177, 142, 150, 137, 142, 222]),
      ),
      legacy_payload_key_prefix: hex(
        Uint8Array.from([210, 209, 81, 241, 254, 123, 36, 81, 155, 85, 115, 40]),
      ),
      legacy_payload_key_suffix: hex(Uint8Array.from([32, 70, 66, 30, 63, 102])),
      blinding_factor: hex(
        Uint8Array.from([
          227, 64, 184, 235, 140, 62, 232, 172, 235, 42, 58, 169, 241, 253, 245, 2, 136, 149, 74, 48, 6, 165,
          145, 133, 190, 105, 222, 218, 248, 172, 49, 188,
        ]),
      ),
    },
    // lioness crate 0.1.2 (burdges/lioness-rs) src/lib.rs `chach20_blake2b_lioness_vectors_test`
    lioness: {
      key:
        '0f2c69732932c99e56fa50fbb2763ad77ee221fc5d9e6c08f89fc577a7467f1ee34003440ee2bfbf' +
        'aac60912b0e547fbe9a6a9292db70bc718c6f2773ab198ac8f255378f7ea799e1d4b8596079173b6' +
        'e443c416f13195f1976acc03d53a4b8581b609df3b7029d5b487051d5ae4189129c045edc8822e1f' +
        '52e30251e4b322b3f6d6e8bb0ddb0578dcba41603abf5e51848c84d2082d293f30a645faf4df028e' +
        'e2c40853ea33e40b55fca902371dc00dc1e0e77161bd097a59e8368bf99174d9',
      input:
        '5ac4cb9674a8908915a2b1aaf2043271612531911a26186bd5c811951330753a0e3259f3fcf52f' +
        'b86e666ab4d96243e57d73b976611f928d44ad137799016861576ca0a6b8a8a9e2ea02db71e71c' +
        '9654e476ca845c44456eba62f11f004b222756e485185c446c30b7a05cf9acd53b3131227b428d' +
        'a5c9601664d45ae5c2387956307961a0680894844190605dce0c86e597105884e151eb8a005eda' +
        '08ff5891a6b40bae299cddad979063a9a356f3477feabb9cc7bd80a1e2d6a419fcd8af9e98f7b1' +
        '93c71bd6056d7634b8c2b8f85920f314554104659e52d9266ddbc2ac40c1b875f6b00225f832cf' +
        '310e139ad8cc2568608f0323534fa15a84280e776e7e1167a001f6e18c49f3cd02c19837da47ac' +
        '091219ee2fdb4458836db20cbd362bb65add9b40f2817f666caf19787abc2013737eea8c7552d7' +
        '55a29beba5da31956f75fe7628221fe8d0a75da5bee39af956a2246c5a339560dcf029eb76d191' +
        '963354b70142df29ec69930977ce2f0e491513664ce83a8fa75f3e698530cf9dafbdb90b19745e' +
        '9257d03d7320c6d306f529eda242cb3f6f452a943f6e1c04eb02cbb0368d79e49a2b42ac3ff7cd' +
        '9a5686bfdb90a29322016bbcef5c733f451a9f4ea7c534116158eb611796d47b83ffe7cd6e6c11' +
        'd56e2d26c7a386853212a2f92efeabc74e8fe69e3d374d7b033d0ec9862221435b14ad534217ad' +
        '7da50bc236',
      output:
        '9eb45ca2ca4d0b6ff05a749511aad1357aa64caf9ce547c7388fe24fd1300fe856bb5c396869a' +
        'cd21c45805e6a7c8a1b7f71cc5f0ea9dd0c4ecd4bba9a7a4853bc352bc9f6562e9907973f91fb' +
        'cf7c710f5a89abc8eb4489b90e8111cbf85ffd595d603268ddceb40e39e747a4e7bd5c965585b' +
        '6964e180bd6ccb9d0fad210c7f7dd6f90cf6db9bda70d41d3922cedec5ea147ef318de5f34e6f' +
        'e5bd646859a9d4171b973b6b58c8d7f94bc9eb293c197f3408a51e3626196e3f6bca625cef90f' +
        'a7a3e3713bdaebdda82f48db1a97c9ed5c48bc419dbc3d1f9ef43d1b17dd83c966bde9d9360b7' +
        'cdac0871844c27921dcf3bb7edce9fb24661a41a8f92c8502925f062e9cd2f77c561e5825eae2' +
        '11657652330bc64cd63b18d1014975f167f8b68d6e702dd3d3547971662238216cc5b07517cc9' +
        '0aaa49a61ee423861cdc49c0e1f64e086007095a00f8adb0314fd85c88158001202edf2ed43c2' +
        '01176d6141e469dd89430352a927ee22a41c62c8cfdfd5d592e76793e58a9c63b7fe6dad335d7' +
        'acec90727675854d7708358115794e013bb4fdb504c44e21ce500f764fac211e8de20b81ca55f' +
        'c778ace024d2a40045241e71b023ceb519c8c28285c333b9f90f5e2cde21ca6744e43f89d0054' +
        '5dd34df072c7214f6cbd2123c4b0613614609961dd855d6d611c3018e4df3550b4e93f33f7c3e' +
        '8b2c890ca0405c957aa277d',
    },
  },
  packets,
  surb: {
    route: surbRoute.map((r, i) => ({
      secret_key: hex(nodeSecrets[i]),
      public_key: hex(r.publicKey),
      address: hex(r.address),
    })),
    delays_ns: surbDelays.map(String),
    destination: { address: hex(surbDestination.address), surb_id: hex(surbDestination.surbId) },
    randomness: surbRec.log,
    surb_bytes: hex(surbToBytes(surb)),
    reply_key: hex(replyKey.encryptionKey),
    reply_message: hex(replyMessage),
    reply_packet: hex(used.packet),
    first_hop_address: hex(used.firstHopAddress),
    delivered_payload: hex(deliveredReply),
  },
  node_addresses: nodeAddresses,
};

const out = new URL('../test/vectors/sphinx.json', import.meta.url);
writeFileSync(out, JSON.stringify(vectors, null, 2) + '\n');
console.log(`wrote ${out.pathname}: ${packets.length} packets, 1 SURB, ${nodeAddresses.length} addresses`);
