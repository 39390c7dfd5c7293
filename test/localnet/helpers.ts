/** Fixtures for the localnet tests: a small counter contract and a chain in a temp home. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DirectSecp256k1HdWallet, makeCosmoshubPath } from '@cosmjs/proto-signing';
import { GasPrice } from '@cosmjs/stargate';
import { SigningCosmWasmClient } from '@cosmjs/cosmwasm-stargate';
import pino from 'pino';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { base58 } from '@scure/base';
import { signOwnerPayload, type Coin, type MixNode } from '../../contracts-mock/index.js';
import { ContractError, emptyResponse, type Contract } from '../../contracts-mock/types.js';
import {
  defaultContracts,
  startChain,
  type RunningChain,
  type StartChainOptions,
} from '../../localnet/index.js';

export interface CounterState {
  count: number;
  owner: string;
  /** Grows with every `add`, so tests can make the state as big as they need. */
  items: string[];
}

export const COUNTER_CODE_ID = 100;

/** A tiny contract: increment, add items, fail on demand, pay out through a bank sub-message. */
export const counterContract: Contract<CounterState> = {
  name: 'crates.io:nymph-counter',
  version: '0.1.0',
  instantiate(_env, info, msg) {
    const m = msg as { count?: number };
    if (typeof m.count !== 'number') throw new ContractError('count must be a number');
    const response = emptyResponse();
    response.attributes.push({ key: 'action', value: 'instantiate' });
    return { state: { count: m.count, owner: info.sender, items: [] }, response };
  },
  execute(state, _env, info, msg) {
    const m = msg as Record<string, Record<string, unknown>>;
    const response = emptyResponse();
    if (m.increment) {
      state.count += 1;
      response.attributes.push(
        { key: 'action', value: 'increment' },
        { key: 'count', value: String(state.count) },
      );
      response.events.push({ type: 'counted', attributes: [{ key: 'by', value: info.sender }] });
      return { state, response };
    }
    if (m.add) {
      state.items.push(String(m.add.item));
      response.attributes.push({ key: 'action', value: 'add' });
      return { state, response };
    }
    if (m.fail) {
      state.count += 1000; // must not survive: the chain discards the state of a failed message
      throw new ContractError(`asked to fail: ${String(m.fail.reason)}`);
    }
    if (m.pay) {
      response.messages.push({
        bank: {
          send: { to_address: String(m.pay.to), amount: [{ denom: 'unym', amount: String(m.pay.amount) }] },
        },
      });
      response.attributes.push({ key: 'action', value: 'pay' });
      return { state, response };
    }
    throw new ContractError('unknown message');
  },
  // Scheduled work: with a "tick" item the count grows every block; "boom" makes the hook throw.
  beginBlock(state, env) {
    if (state.items.includes('boom')) throw new ContractError('boom');
    if (!state.items.includes('tick')) return null;
    state.count += 1;
    const response = emptyResponse();
    response.attributes.push(
      { key: 'action', value: 'tick' },
      { key: 'height', value: String(env.block.height) },
    );
    return { state, response };
  },
  query(state, _env, msg) {
    const m = msg as Record<string, unknown>;
    if (m.count) return { count: state.count, owner: state.owner };
    if (m.items) return { items: state.items };
    throw new ContractError('unknown query');
  },
};

/** Nym's contracts plus the counter at code id 100. */
export function testContracts(): NonNullable<StartChainOptions['contracts']> {
  const base = defaultContracts();
  return {
    ...base,
    codes: new Map([...base.codes, [COUNTER_CODE_ID, counterContract as Contract]]),
  };
}

export function tempHome(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'nymph-chain-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function startTestChain(over: Partial<StartChainOptions> = {}): Promise<{
  chain: RunningChain;
  cleanup: () => Promise<void>;
}> {
  const home = tempHome();
  const chain = await startChain({
    home: home.dir,
    rpcPort: 0,
    blockIntervalMs: 200,
    txBatchMs: 5,
    accounts: 5,
    contracts: testContracts(),
    logger: pino({ level: 'silent' }),
    ...over,
  });
  return {
    chain,
    cleanup: async () => {
      await chain.close();
      home.cleanup();
    },
  };
}

export async function wallet(mnemonic: string, n = 5): Promise<DirectSecp256k1HdWallet> {
  return DirectSecp256k1HdWallet.fromMnemonic(mnemonic, {
    prefix: 'n',
    hdPaths: Array.from({ length: n }, (_, i) => makeCosmoshubPath(i)),
  });
}

export async function signingClient(
  rpcUrl: string,
  w: DirectSecp256k1HdWallet,
): Promise<SigningCosmWasmClient> {
  return SigningCosmWasmClient.connectWithSigner(rpcUrl, w, {
    gasPrice: GasPrice.fromString('0.025unym'),
    broadcastPollIntervalMs: 50,
  });
}

/** A bond_mixnode message with a valid owner signature, for `sender` and identity seed `seed`. */
export async function bondMixnodeMsg(
  client: SigningCosmWasmClient,
  mixnet: string,
  sender: string,
  seed: number,
): Promise<{ msg: unknown; funds: Coin[]; identity: string }> {
  const secret = new Uint8Array(32).fill(seed);
  const pledge = { denom: 'unym', amount: '100000000' };
  const mixNode: MixNode = {
    host: `10.0.${seed >> 8}.${seed & 255}`,
    mix_port: 1789,
    verloc_port: 1790,
    http_api_port: 8000,
    sphinx_key: base58.encode(x25519.getPublicKey(new Uint8Array(32).fill((seed + 128) & 255))),
    identity_key: base58.encode(ed25519.getPublicKey(secret)),
    version: '1.1.20',
  };
  const costParams = {
    profit_margin_percent: '0.1',
    interval_operating_cost: { denom: 'unym', amount: '40000000' },
  };
  const nonce = (await client.queryContractSmart(mixnet, {
    get_signing_nonce: { address: sender },
  })) as number;
  const owner_signature = signOwnerPayload(secret, {
    kind: 'mixnode-bonding',
    sender,
    nonce,
    pledge,
    mix_node: mixNode,
    cost_params: costParams,
  });
  return {
    msg: { bond_mixnode: { mix_node: mixNode, cost_params: costParams, owner_signature } },
    funds: [pledge],
    identity: mixNode.identity_key,
  };
}
