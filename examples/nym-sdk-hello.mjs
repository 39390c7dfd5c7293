// Nym's own published packages against a Nymph localnet, unmodified:
//   npm start -- --detach          (a whole network, free bandwidth on its gateways)
//   node examples/nym-sdk-hello.mjs [--home .localnet]
// 1. @nymproject/contract-clients reads the mixnet contract on the localnet chain;
// 2. @nymproject/nym-client-wasm-node registers with a Nymph gateway, claims free bandwidth
//    and sends a message to its own Nym address through Nymph's three mix layers.
import 'fake-indexeddb/auto';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import WebSocket from 'ws';
import { CosmWasmClient } from '@cosmjs/cosmwasm-stargate';
import { contracts } from '@nymproject/contract-clients';

const home = process.argv.includes('--home') ? process.argv[process.argv.indexOf('--home') + 1] : '.localnet';
const info = JSON.parse(fs.readFileSync(path.join(home, 'localnet.json'), 'utf8'));
const chain = JSON.parse(fs.readFileSync(path.join(home, 'chain', 'chain.json'), 'utf8'));

// Nym's wasm client runs in Node with `ws` as the global WebSocket and IndexedDB from
// fake-indexeddb. A browser logs an exception thrown by an event listener and goes on;
// Node's `ws` rethrows it, and wasm-bindgen's close listener throws once the client has
// dropped it ("closure invoked ... after being dropped"), so give `ws` a browser's manners.
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
const nym = createRequire(import.meta.url)('@nymproject/nym-client-wasm-node');

// 1. Nym's generated contract client on the Nymph chain.
const cosmwasm = await CosmWasmClient.connect(chain.rpc);
const mixnet = new contracts.Mixnet.MixnetQueryClient(cosmwasm, chain.contracts.mixnet);
const bonds = await mixnet.getMixNodeBonds({});
const gateways = await mixnet.getGateways({});
console.log(`contract: ${bonds.nodes.length} mix nodes, ${gateways.nodes.length} gateways bonded`);

// 2. Nym's wasm client, pointed at a Nymph nym-api.
let resolveReply;
const reply = new Promise((r) => (resolveReply = r));
const client = await new nym.NymClient((bytes, senderTag) => resolveReply({ bytes, senderTag }), {
  clientId: `nym-sdk-hello-${Date.now()}`,
  nymApiUrl: info.nym_apis[0],
  clientOverride: {
    // Nym's performance scores come from its network monitor; a local network has none.
    topology: { minimumMixnodePerformance: 0, minimumGatewayPerformance: 0 },
  },
});
const me = client.selfAddress();
console.log(`Nym's wasm client is ${me}`);
const t0 = performance.now();
await client.send_regular_message(new TextEncoder().encode('hello from Nym, through Nymph'), me);
const got = await Promise.race([
  reply,
  new Promise((_, no) => setTimeout(() => no(new Error('no reply in 30 s')), 30_000)),
]);
console.log(
  `received ${JSON.stringify(new TextDecoder().decode(got.bytes))} in ${(performance.now() - t0).toFixed(0)} ms`,
);
client.free();
process.exit(0);
