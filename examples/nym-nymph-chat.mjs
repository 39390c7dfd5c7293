// A Nym app and a Nymph app talk through a Nymph network:
//   npm start -- --detach          (a whole network; its native client listens on 1977)
//   node examples/nym-nymph-chat.mjs [--home .localnet] [--nym-api URL] [--client ws://127.0.0.1:1977]
// - the Nym app is Nym's published wasm client (@nymproject/nym-client-wasm-node 1.4.1);
// - the Nymph app is any program on Nymph's native client, speaking Nym's native websocket
//   API (JSON here), exactly as it would to Nym's own native client.
// The Nym app writes anonymously (with reply SURBs), the Nymph app answers through them
// without learning its address, then writes to the Nym app's address directly.
import 'fake-indexeddb/auto';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import WebSocket from 'ws';

const arg = (name, fallback) =>
  process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : fallback;
const home = arg('--home', '.localnet');
const nymApi =
  arg('--nym-api', undefined) ??
  JSON.parse(fs.readFileSync(path.join(home, 'localnet.json'), 'utf8')).nym_apis[0];
const clientUrl = arg('--client', 'ws://127.0.0.1:1977');

// Nym's wasm client in Node: `ws` as the global WebSocket, with a browser's tolerance of
// listeners that throw (wasm-bindgen's close listener does once the client dropped it).
class BrowserLikeWebSocket extends WebSocket {
  #wrapped = new Map();
  addEventListener(type, listener, options) {
    const safe = (ev) => {
      try {
        listener.call(this, ev);
      } catch (e) {
        if (!/after being dropped/.test(e.message)) console.error(`${type} listener threw`, e);
      }
    };
    this.#wrapped.set(listener, safe);
    super.addEventListener(type, safe, options);
  }
  removeEventListener(type, listener) {
    super.removeEventListener(type, this.#wrapped.get(listener) ?? listener);
  }
}
globalThis.WebSocket = BrowserLikeWebSocket;
const nymWasm = createRequire(import.meta.url)('@nymproject/nym-client-wasm-node');
const text = (b) => new TextDecoder().decode(b);
const within = (p, what, ms = 60_000) =>
  Promise.race([
    p,
    new Promise((_, no) => setTimeout(() => no(new Error(`no ${what} in ${ms / 1000} s`)), ms)),
  ]);

// --- the Nymph app: a plain websocket client of the native client -------------------------
const app = new WebSocket(clientUrl);
await new Promise((ok, no) => (app.once('open', ok), app.once('error', no)));
const appInbox = [];
let appWake;
app.on('message', (data) => {
  appInbox.push(JSON.parse(data.toString()));
  appWake?.();
});
const appNext = async () => {
  while (!appInbox.length) await new Promise((r) => (appWake = r));
  return appInbox.shift();
};
app.send(JSON.stringify({ type: 'selfAddress' }));
const nymphAddress = (await within(appNext(), 'self address')).address;
console.log(`Nymph app is   ${nymphAddress.slice(0, 12)}…@${nymphAddress.split('@')[1].slice(0, 8)}…`);

// --- the Nym app: Nym's wasm client --------------------------------------------------------
// on_message gets the bytes and, for anonymous messages to it, an opaque sender tag; replies
// to it come without one
const nymInbox = [];
let nymWake;
const log = console.log;
console.log = () => {}; // the wasm client logs every packet
const nym = await new nymWasm.NymClient(
  (bytes) => {
    nymInbox.push(bytes);
    nymWake?.();
  },
  {
    clientId: `nym-nymph-chat-${Date.now()}`,
    nymApiUrl: nymApi,
    // Nym's performance scores come from its network monitor; a local network has none
    clientOverride: { topology: { minimumMixnodePerformance: 0, minimumGatewayPerformance: 0 } },
  },
);
const nymNext = async () => {
  while (!nymInbox.length) await new Promise((r) => (nymWake = r));
  return nymInbox.shift();
};
const nymAddress = nym.selfAddress();
log(`Nym app is     ${nymAddress.slice(0, 12)}…@${nymAddress.split('@')[1].slice(0, 8)}…`);

try {
  // 1. the Nym app writes anonymously, with 10 reply SURBs
  await nym.send_anonymous_message(new TextEncoder().encode('hello from a Nym app'), nymphAddress, 10);
  const got = await within(appNext(), 'anonymous message');
  log(`Nymph app got  ${JSON.stringify(got.message)} from sender tag ${got.senderTag}`);

  // 2. the Nymph app answers through the SURBs: it never learns the Nym app's address
  app.send(
    JSON.stringify({ type: 'reply', senderTag: got.senderTag, message: 'hello back, anonymous Nym app' }),
  );
  log(`Nym app got    ${JSON.stringify(text(await within(nymNext(), 'reply')))} (a reply)`);

  // 3. the Nymph app writes to the Nym app's address
  app.send(JSON.stringify({ type: 'send', recipient: nymAddress, message: 'and by address, from Nymph' }));
  log(`Nym app got    ${JSON.stringify(text(await within(nymNext(), 'message')))}`);
} finally {
  console.log = log;
  nym.free();
  app.close();
}
process.exit(0);
