/**
 * Captures test/vectors/nymsphinx/nym-wasm-captured.json: what Nym's published wasm client
 * (`@nymproject/nym-client-wasm-node` 1.4.1, from npm, unmodified) builds, as a Nymph gateway
 * delivers it to a Nymph client whose keys we hold.
 *
 * On an in-process Nymph network (chain, nym-api, three mix layers, one gateway), the wasm
 * client sends to a Nymph SDK client: plain messages (one and several fragments), a message
 * with reply SURBs, and a `send_reply` through SURBs the Nymph client gave it. Every payload
 * the gateway pushes to the Nymph client (SURB-ack already split off: key slot ‖ ciphertext)
 * is recorded with the Nymph client's x25519 secret and, for replies, the reply keys, so
 * test/nymsphinx/wasm-captured.test.ts can decrypt and decode them and check Nymph's codecs
 * against Nym's bytes. The message contents are fixed (SHA-256 of a label); the wasm client's
 * randomness (ephemeral keys, set ids, SURBs) is its own.
 *
 *   npx tsx scripts/capture-nym-wasm-vectors.ts
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { startLocalNet } from '../test/client/harness.js';
import { startWasmClient, waitUntilListed } from '../test/client/nym-wasm.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
/** Fixed bytes: SHA-256 in counter mode over a label. */
function det(label: string, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0, off = 0; off < n; i++) {
    const h = createHash('sha256').update(`${label}/${i}`).digest();
    out.set(h.subarray(0, Math.min(32, n - off)), off);
    off += 32;
  }
  return out;
}

interface CoreParts {
  builder: { keys: { encryptionSecret: Uint8Array; encryptionPublic: Uint8Array } };
  receiver: { payload(p: Uint8Array): void };
  replies: { takeReplyKey(d: Uint8Array): Uint8Array | undefined };
}

const log = console.log;
const net = await startLocalNet();
try {
  await waitUntilListed(net.apiUrl, net.gateway.identityKey);
  const nymph = await net.client();
  const core = nymph.core as unknown as CoreParts;
  const deliveries: Uint8Array[] = [];
  const replyKeys: Uint8Array[] = [];
  const payload = core.receiver.payload.bind(core.receiver);
  core.receiver.payload = (p) => {
    if (p.length !== 21) deliveries.push(p.slice()); // acks of our own packets are ours
    payload(p);
  };
  const takeReplyKey = core.replies.takeReplyKey.bind(core.replies);
  core.replies.takeReplyKey = (d) => {
    const k = takeReplyKey(d);
    if (k) replyKeys.push(k.slice());
    return k;
  };
  const wasm = await startWasmClient(net.apiUrl, 'capture');
  console.log = () => {};

  const cases: Record<string, unknown>[] = [];
  async function capture(name: string, sent: Uint8Array, send: () => Promise<unknown>, extra = {}) {
    deliveries.length = 0;
    replyKeys.length = 0;
    const got = nymph.nextMessage({ signal: AbortSignal.timeout(60_000) });
    await send();
    const m = await got;
    if (hex(m.message) !== hex(sent)) throw new Error(`${name}: received something else`);
    cases.push({
      name,
      kind: m.kind,
      sent: hex(sent),
      deliveries: deliveries.map(hex),
      ...(replyKeys.length ? { reply_keys: replyKeys.map(hex) } : {}),
      ...extra,
    });
  }

  const short = new TextEncoder().encode('hello Nymph, from Nym');
  await capture('plain, one fragment', short, () => wasm.client.send_regular_message(short, nymph.address));
  const long = det('plain long', 5000);
  await capture('plain, four fragments', long, () => wasm.client.send_regular_message(long, nymph.address));
  const anon = det('anonymous', 100);
  await capture(
    'repliable, 3 reply SURBs',
    anon,
    () => wasm.client.send_anonymous_message(anon, nymph.address, 3),
    {
      reply_surbs: 3,
    },
  );
  // a reply: the Nymph client asks anonymously, the wasm client answers with send_reply
  await nymph.sendAnonymous(wasm.address, 'ask', { replySurbs: 4 });
  const asked = await wasm.next(60_000);
  const reply = det('reply', 2000);
  await capture('reply, two fragments', reply, () => wasm.client.send_reply(reply, asked.senderTag!));
  wasm.free();
  console.log = log;

  const keys = core.builder.keys;
  const out = {
    description:
      "Payloads built by Nym's published wasm client (@nymproject/nym-client-wasm-node 1.4.1, npm) and " +
      'delivered by a Nymph gateway to a Nymph client: key slot ‖ AES-128-CTR ciphertext (the gateway ' +
      'split the SURB-ack off). Made by scripts/capture-nym-wasm-vectors.ts; hex throughout.',
    recipient_encryption_secret: hex(keys.encryptionSecret),
    recipient_encryption_public: hex(keys.encryptionPublic),
    cases,
  };
  writeFileSync(
    new URL('../test/vectors/nymsphinx/nym-wasm-captured.json', import.meta.url),
    `${JSON.stringify(out, null, 2)}\n`,
  );
  log(`wrote test/vectors/nymsphinx/nym-wasm-captured.json (${cases.length} cases)`);
} finally {
  console.log = log;
  await net.close();
}
process.exit(0);
