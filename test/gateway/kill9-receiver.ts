/**
 * A receiving client as its own process, for kill9.test.ts to kill with SIGKILL: Nymph's
 * gateway session with delivery receipts, keeping what the gateway pushes in the native
 * client's inbox store (src/client/delivered-store.ts) before the session confirms it. A
 * pushed message is `label|filler`; the label is kept as the message (an app's unique id).
 *
 *   node --import tsx kill9-receiver.ts <args as JSON>
 *
 * Prints one JSON line per 25 messages kept, and when it ends: {"held":n,"repeats":n}.
 */
import { base58 } from '@scure/base';
import { nodeAead } from '../../src/crypto/node.js';
import { DeliveredStore } from '../../src/client/delivered-store.js';
import type { ClientKeys } from '../../src/client/identity.js';
import { GatewaySession } from '../../src/client/gateway-session.js';
import { nodeWebSocketFactory } from '../../src/client/node.js';
import { random } from './client.js';

interface Args {
  url: string;
  gatewayIdentity: string;
  identitySecret: string;
  identityPublic: string;
  sharedKey: string;
  inbox: string;
}

const a = JSON.parse(process.argv[2]!) as Args;
const hex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));
const store = new DeliveredStore(a.inbox, { maxHeld: 1_000_000 });
const keys = {
  identitySecret: hex(a.identitySecret),
  identityPublic: hex(a.identityPublic),
} as ClientKeys;
const report = () =>
  process.stdout.write(`${JSON.stringify({ held: store.size, repeats: store.repeats })}\n`);

const session = await GatewaySession.connect({
  url: a.url,
  gatewayIdentity: base58.decode(a.gatewayIdentity),
  keys,
  sharedKey: hex(a.sharedKey),
  wsFactory: nodeWebSocketFactory,
  rng: random,
  timeoutMs: 10_000,
  now: () => Date.now(),
  aead: nodeAead,
  receipts: true,
});
if (!session.receipts) throw new Error('the gateway did not take delivery receipts');
let seen = 0;
session.attach({
  onReceived: (p) => {
    const label = p.subarray(0, p.indexOf(0x7c));
    store.accept({ message: label, kind: 'plain' }, Date.now());
    if (++seen % 25 === 0) report();
  },
  onText: () => undefined,
  onClose: () => {
    report();
    process.exit(0);
  },
});
report();
process.on('SIGTERM', () => {
  report();
  session.close();
});
