/** Fixtures for the contract tests: deterministic keys, addresses and signed bond messages. */
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { base58, bech32 } from '@scure/base';
import {
  MIXNET_CODE_ID,
  BANDWIDTH_CODE_ID,
  builtinContracts,
  genesisContracts,
  signOwnerPayload,
} from '../../contracts-mock/index.js';
import type {
  BandwidthState,
  Coin,
  Contract,
  Env,
  Gateway,
  MixNode,
  MixNodeCostParams,
  MixnetState,
} from '../../contracts-mock/index.js';

export const mixnet = builtinContracts.get(MIXNET_CODE_ID) as Contract<MixnetState>;
export const bandwidth = builtinContracts.get(BANDWIDTH_CODE_ID) as Contract<BandwidthState>;

const enc = new TextEncoder();

export function address(i: number): string {
  return bech32.encode('n', bech32.toWords(sha256(enc.encode(`account-${i}`)).slice(0, 20)));
}
export const ADMIN = address(0);

export const T0 = 1_700_000_000_000_000_000n;
export function env(height = 1, timeNanos = T0): Env {
  return { block: { height, timeNanos, chainId: 'nyx' }, contract: { address: address(999) } };
}

export interface NodeKeys {
  secret: Uint8Array;
  identity: string;
  sphinx: string;
}
export function nodeKeys(seed: number): NodeKeys {
  const secret = sha256(enc.encode(`identity-${seed}`));
  const sphinxSecret = sha256(enc.encode(`sphinx-${seed}`));
  return {
    secret,
    identity: base58.encode(ed25519.getPublicKey(secret)),
    sphinx: base58.encode(x25519.getPublicKey(sphinxSecret)),
  };
}

export const PLEDGE: Coin = { denom: 'unym', amount: '100000000' };
export const COSTS: MixNodeCostParams = {
  profit_margin_percent: '0.1',
  interval_operating_cost: { denom: 'unym', amount: '40000000' },
};

export function mixNode(keys: NodeKeys, over: Partial<MixNode> = {}): MixNode {
  return {
    host: '127.0.0.1',
    mix_port: 1789,
    verloc_port: 1790,
    http_api_port: 8000,
    sphinx_key: keys.sphinx,
    identity_key: keys.identity,
    version: '1.1.20',
    ...over,
  };
}

export function gateway(keys: NodeKeys, over: Partial<Gateway> = {}): Gateway {
  return {
    host: 'gateway.localnet',
    mix_port: 1789,
    clients_port: 9000,
    location: 'Localhost',
    sphinx_key: keys.sphinx,
    identity_key: keys.identity,
    version: '1.1.20',
    ...over,
  };
}

export function bondMixnodeMsg(
  keys: NodeKeys,
  sender: string,
  nonce: number,
  node: MixNode = mixNode(keys),
  pledge: Coin = PLEDGE,
): { bond_mixnode: { mix_node: MixNode; cost_params: MixNodeCostParams; owner_signature: string } } {
  const owner_signature = signOwnerPayload(keys.secret, {
    kind: 'mixnode-bonding',
    sender,
    nonce,
    pledge,
    mix_node: node,
    cost_params: COSTS,
  });
  return { bond_mixnode: { mix_node: node, cost_params: COSTS, owner_signature } };
}

export function bondGatewayMsg(
  keys: NodeKeys,
  sender: string,
  nonce: number,
  gw: Gateway = gateway(keys),
  pledge: Coin = PLEDGE,
): { bond_gateway: { gateway: Gateway; owner_signature: string } } {
  const owner_signature = signOwnerPayload(keys.secret, {
    kind: 'gateway-bonding',
    sender,
    nonce,
    pledge,
    gateway: gw,
  });
  return { bond_gateway: { gateway: gw, owner_signature } };
}

export function freshMixnet(opts: Parameters<typeof genesisContracts>[1] = {}): MixnetState {
  return mixnet.instantiate(env(), { sender: ADMIN, funds: [] }, genesisContracts(ADMIN, opts)[0].msg).state;
}

export function freshBandwidth(): BandwidthState {
  return bandwidth.instantiate(env(), { sender: ADMIN, funds: [] }, genesisContracts(ADMIN)[1].msg).state;
}

/** Bond mix node `seed` from account `seed`, nonce read from the state. */
export function bondMix(state: MixnetState, seed: number, height = 2): MixnetState {
  const sender = address(seed);
  const nonce = state.signing_nonces[sender] ?? 0;
  return mixnet.execute(
    state,
    env(height),
    { sender, funds: [PLEDGE] },
    bondMixnodeMsg(nodeKeys(seed), sender, nonce),
  ).state;
}

/** Recursively freeze, so any mutation of an input state throws in strict mode. */
export function deepFreeze<T>(o: T): T {
  if (typeof o === 'object' && o !== null && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}
