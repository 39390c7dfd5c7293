/**
 * Contract costs with 100 bonded mix nodes and 10 gateways, in process (no chain):
 * get_layered_topology, bond_mixnode (dominated by the owner signature check) and the
 * no-op beginBlock, each against a baseline measured in the same run (ed25519 verify,
 * JSON round trip of the state).
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import {
  address,
  bondGatewayMsg,
  bondMix,
  bondMixnodeMsg,
  env,
  freshMixnet,
  mixnet,
  nodeKeys,
  PLEDGE,
} from '../test/contracts-mock/helpers.js';

function perOp(n: number, fn: () => void): number {
  for (let i = 0; i < Math.min(50, n); i++) fn();
  const t = performance.now();
  for (let i = 0; i < n; i++) fn();
  return ((performance.now() - t) * 1000) / n; // microseconds
}

let s = freshMixnet();
for (let i = 1; i <= 100; i++) s = bondMix(s, i);
for (let i = 1; i <= 10; i++) {
  const sender = address(500 + i);
  s = mixnet.execute(
    s,
    env(),
    { sender, funds: [PLEDGE] },
    bondGatewayMsg(nodeKeys(500 + i), sender, 0),
  ).state;
}
const stateJson = JSON.stringify(s);

const sk = nodeKeys(1).secret;
const msg = new Uint8Array(600).fill(7);
const sig = ed25519.sign(msg, sk);
const pub = ed25519.getPublicKey(sk);
const verifyUs = perOp(300, () => ed25519.verify(sig, msg, pub));
const jsonUs = perOp(300, () => JSON.stringify(JSON.parse(stateJson)));

const layeredUs = perOp(5000, () => mixnet.query(s, env(), { get_layered_topology: {} }));
const layeredJsonUs = perOp(2000, () => JSON.stringify(mixnet.query(s, env(), { get_layered_topology: {} })));
const bondSender = address(900);
const bondMsg = bondMixnodeMsg(nodeKeys(900), bondSender, 0);
const bondUs = perOp(300, () => mixnet.execute(s, env(), { sender: bondSender, funds: [PLEDGE] }, bondMsg));
const beginBlockUs = perOp(100_000, () => mixnet.beginBlock?.(s, env()));

console.log(`state: 100 mix nodes, 10 gateways, ${stateJson.length} bytes of JSON`);
console.log(
  `get_layered_topology        ${layeredUs.toFixed(1)} us (${layeredJsonUs.toFixed(1)} us with JSON encoding)`,
);
console.log(`baseline state JSON parse+stringify ${jsonUs.toFixed(1)} us`);
console.log(`bond_mixnode                ${bondUs.toFixed(1)} us`);
console.log(`baseline ed25519 verify     ${verifyUs.toFixed(1)} us`);
console.log(`beginBlock (nothing due)    ${(beginBlockUs * 1000).toFixed(0)} ns`);
console.log(
  JSON.stringify({
    bench: 'contracts',
    nodes: 100,
    gateways: 10,
    state_bytes: stateJson.length,
    layered_topology_us: +layeredUs.toFixed(2),
    layered_topology_json_us: +layeredJsonUs.toFixed(2),
    state_json_roundtrip_us: +jsonUs.toFixed(2),
    layered_vs_state_json: +(layeredJsonUs / jsonUs).toFixed(3),
    bond_mixnode_us: +bondUs.toFixed(2),
    ed25519_verify_us: +verifyUs.toFixed(2),
    bond_vs_verify: +(bondUs / verifyUs).toFixed(3),
    begin_block_noop_ns: +(beginBlockUs * 1000).toFixed(0),
  }),
);
