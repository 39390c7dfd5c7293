/**
 * Nym's own generated contract clients (`@nymproject/contract-clients` 1.4.1: MixnetClient,
 * MixnetQueryClient, CoconutBandwidthClient, CoconutBandwidthQueryClient), unmodified, against
 * a real localnet chain in process, through CosmJS over CometBFT JSON-RPC on loopback.
 *
 * Under NodeNext the package's client classes type their results `any` (its .d.ts files import
 * each other without extensions), so each answer is checked against the response type the
 * package declares (`Mixnet.types.d.ts`, `CoconutBandwidth.types.d.ts`) with a `Shape<T>`
 * spec: tsc holds every spec to Nym's type, `expectShape` holds the chain's answer to the spec.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { base58 } from '@scure/base';
import { SigningCosmWasmClient, CosmWasmClient } from '@cosmjs/cosmwasm-stargate';
import { GasPrice } from '@cosmjs/stargate';
import { contracts } from '@nymproject/contract-clients';
import type * as M from '@nymproject/contract-clients/Mixnet.types.js';
import type * as B from '@nymproject/contract-clients/CoconutBandwidth.types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChain } from '../../localnet/index.js';
import type { RunningChain } from '../../localnet/index.js';
import { accountWallet } from '../../src/chain/index.js';
import { signOwnerPayload } from '../../src/contracts/index.js';
import { expectShape, type Shape } from './nym-shape.js';

// ---------------------------------------------------------------- Nym's declared shapes

const coin: Shape<M.Coin> = { amount: 'string', denom: 'string' };
const costParams: Shape<M.NodeCostParams> = {
  interval_operating_cost: coin,
  profit_margin_percent: 'string',
};
const mixNode: Shape<M.MixNode> = {
  host: 'string',
  http_api_port: 'number',
  identity_key: 'string',
  mix_port: 'number',
  sphinx_key: 'string',
  verloc_port: 'number',
  version: 'string',
};
const mixNodeBond: Shape<M.MixNodeBond> = {
  bonding_height: 'number',
  is_unbonding: 'boolean',
  mix_id: 'number',
  mix_node: mixNode,
  original_pledge: coin,
  owner: 'string',
  proxy: { nullable: 'string' },
};
const nodeRewarding: Shape<M.NodeRewarding> = {
  cost_params: costParams,
  delegates: 'string',
  last_rewarded_epoch: 'number',
  operator: 'string',
  total_unit_reward: 'string',
  unique_delegations: 'number',
  unit_delegation: 'string',
};
const mixNodeDetails: Shape<M.MixNodeDetails> = {
  bond_information: mixNodeBond,
  pending_changes: {
    nullable: { cost_params_change: { nullable: 'number' }, pledge_change: { nullable: 'number' } },
  },
  rewarding_details: nodeRewarding,
};
const gateway: Shape<M.Gateway> = {
  clients_port: 'number',
  host: 'string',
  identity_key: 'string',
  location: 'string',
  mix_port: 'number',
  sphinx_key: 'string',
  version: 'string',
};
const gatewayBond: Shape<M.GatewayBond> = {
  block_height: 'number',
  gateway,
  owner: 'string',
  pledge_amount: coin,
  proxy: { nullable: 'string' },
};
const ranged: Shape<M.RangedValueForUint128> = { maximum: 'string', minimum: 'string' };
const contractStateParams: Shape<M.ContractStateParams> = {
  config_score_params: {
    current_nym_node_semver: 'string',
    version_score_formula_params: { penalty: 'string', penalty_scaling: 'string' },
    version_weights: { major: 'number', minor: 'number', patch: 'number', prerelease: 'number' },
  },
  delegations_params: { minimum_delegation: { nullable: coin } },
  operators_params: { interval_operating_cost: ranged, minimum_pledge: coin, profit_margin: ranged },
};
const contractState: Shape<M.ContractState> = {
  owner: { nullable: 'string' },
  params: contractStateParams,
  rewarding_denom: 'string',
  rewarding_validator_address: 'string',
  vesting_contract_address: 'string',
};
const rewardingParams: Shape<M.RewardingParams> = {
  interval: {
    active_set_work_factor: 'string',
    epoch_reward_budget: 'string',
    interval_pool_emission: 'string',
    reward_pool: 'string',
    stake_saturation_point: 'string',
    staking_supply: 'string',
    staking_supply_scale_factor: 'string',
    sybil_resistance: 'string',
  },
  rewarded_set: { entry_gateways: 'number', exit_gateways: 'number', mixnodes: 'number', standby: 'number' },
};
const epochStatus: Shape<M.EpochStatus> = { being_advanced_by: 'string', state: 'string' };
const buildInfo: Shape<M.ContractBuildInformation> = {
  build_timestamp: 'string',
  build_version: 'string',
  cargo_debug: { nullable: 'string' },
  cargo_opt_level: { nullable: 'string' },
  commit_branch: 'string',
  commit_sha: 'string',
  commit_timestamp: 'string',
  contract_name: { nullable: 'string' },
  rustc_version: 'string',
};
const currentInterval: Shape<M.CurrentIntervalResponse> = {
  current_blocktime: 'number',
  interval: {
    current_epoch_id: 'number',
    current_epoch_start: 'string',
    epoch_length: { nanos: 'number', secs: 'number' },
    epochs_in_interval: 'number',
    id: 'number',
    total_elapsed_epochs: 'number',
  },
  is_current_epoch_over: 'boolean',
  is_current_interval_over: 'boolean',
};
const pagedBonds: Shape<M.PagedMixnodeBondsResponse> = {
  nodes: { array: mixNodeBond },
  per_page: 'number',
  start_next_after: { nullable: 'number' },
};
const pagedDetails: Shape<M.PagedMixnodesDetailsResponse> = {
  nodes: { array: mixNodeDetails },
  per_page: 'number',
  start_next_after: { nullable: 'number' },
};
const unbondedMixnode: Shape<M.UnbondedMixnode> = {
  identity_key: 'string',
  owner: 'string',
  proxy: { nullable: 'string' },
  unbonding_height: 'number',
};
const pagedUnbonded: Shape<M.PagedUnbondedMixnodesResponse> = {
  nodes: { array: { tuple: ['number', unbondedMixnode] } },
  per_page: 'number',
  start_next_after: { nullable: 'number' },
};
const unbondedInfo: Shape<M.UnbondedMixnodeResponse> = {
  mix_id: 'number',
  unbonded_info: { nullable: unbondedMixnode },
};
const mixDetails: Shape<M.MixnodeDetailsResponse> = {
  mix_id: 'number',
  mixnode_details: { nullable: mixNodeDetails },
};
const mixByIdentity: Shape<M.MixnodeDetailsByIdentityResponse> = {
  identity_key: 'string',
  mixnode_details: { nullable: mixNodeDetails },
};
const rewardingDetails: Shape<M.MixnodeRewardingDetailsResponse> = {
  mix_id: 'number',
  rewarding_details: { nullable: nodeRewarding },
};
const saturation: Shape<M.MixStakeSaturationResponse> = {
  current_saturation: { nullable: 'string' },
  mix_id: 'number',
  uncapped_saturation: { nullable: 'string' },
};
const ownedMix: Shape<M.MixOwnershipResponse> = {
  address: 'string',
  mixnode_details: { nullable: mixNodeDetails },
};
const pagedGateways: Shape<M.PagedGatewayResponse> = {
  nodes: { array: gatewayBond },
  per_page: 'number',
  start_next_after: { nullable: 'string' },
};
const gatewayBondResponse: Shape<M.GatewayBondResponse> = {
  gateway: { nullable: gatewayBond },
  identity: 'string',
};
const ownedGateway: Shape<M.GatewayOwnershipResponse> = {
  address: 'string',
  gateway: { nullable: gatewayBond },
};
const preassigned: Shape<M.PreassignedGatewayIdsResponse> = {
  ids: { array: { identity: 'string', node_id: 'number' } },
  start_next_after: { nullable: 'string' },
};
const admin: Shape<M.AdminResponse> = { admin: { nullable: 'string' } };
const spendCredential: Shape<B.SpendCredential> = {
  blinded_serial_number: 'string',
  funds: coin,
  gateway_cosmos_address: 'string',
  status: 'string',
};
const spendResponse: Shape<B.SpendCredentialResponse> = { spend_credential: { nullable: spendCredential } };
const pagedSpends: Shape<B.PagedSpendCredentialResponse> = {
  per_page: 'number',
  spend_credentials: { array: spendCredential },
  start_next_after: { nullable: 'string' },
};

// ---------------------------------------------------------------- the chain and accounts

const enc = new TextEncoder();
const secret = (label: string): Uint8Array => sha256(enc.encode(`nym-clients-${label}`));
const PLEDGE = { denom: 'unym', amount: '100000000' };
const COSTS: M.NodeCostParams = {
  profit_margin_percent: '0.1',
  interval_operating_cost: { denom: 'unym', amount: '40000000' },
};

let home: string;
let chain: RunningChain;
let reader: CosmWasmClient;
let nymQuery: InstanceType<typeof contracts.Mixnet.MixnetQueryClient>;
let nymBandwidthQuery: InstanceType<typeof contracts.CoconutBandwidth.CoconutBandwidthQueryClient>;
const signing: SigningCosmWasmClient[] = [];

/** Account `i` of the localnet mnemonic as a CosmJS signing client, and its address. */
async function account(i: number): Promise<{ client: SigningCosmWasmClient; address: string }> {
  const wallet = await accountWallet(chain.chainInfo.mnemonic, i);
  const [{ address }] = await wallet.getAccounts();
  const client = await SigningCosmWasmClient.connectWithSigner(chain.rpcUrl, wallet, {
    gasPrice: GasPrice.fromString('0.025unym'),
    broadcastPollIntervalMs: 50,
  });
  signing.push(client);
  return { client, address };
}

/** Nym's MessageSignature for a bond: the owner signature as an array of byte values. */
function byteSignature(sig: string): M.MessageSignature {
  return Array.from(base58.decode(sig));
}

function mixNodeOf(label: string, port: number): M.MixNode {
  return {
    host: '127.0.0.1',
    mix_port: port,
    verloc_port: port + 1,
    http_api_port: port + 2,
    sphinx_key: base58.encode(x25519.getPublicKey(secret(`sphinx-${label}`))),
    identity_key: base58.encode(ed25519.getPublicKey(secret(label))),
    version: '1.1.20',
  };
}

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'nymph-nym-clients-'));
  chain = await startChain({
    home,
    rpcHost: '127.0.0.1',
    rpcPort: 0,
    logLevel: 'silent',
    blockIntervalMs: 200,
  });
  reader = await CosmWasmClient.connect(chain.rpcUrl);
  nymQuery = new contracts.Mixnet.MixnetQueryClient(reader, chain.chainInfo.contracts.mixnet);
  nymBandwidthQuery = new contracts.CoconutBandwidth.CoconutBandwidthQueryClient(
    reader,
    chain.chainInfo.contracts.bandwidth,
  );
});

afterAll(async () => {
  for (const c of signing) c.disconnect();
  reader?.disconnect();
  await chain?.close();
  rmSync(home, { recursive: true, force: true });
});

// ---------------------------------------------------------------- tests

describe("Nym's MixnetClient signs and sends on the localnet chain", () => {
  let operator: { client: SigningCosmWasmClient; address: string };
  let nymOperator: InstanceType<typeof contracts.Mixnet.MixnetClient>;
  let mixId: number;
  const node = (): M.MixNode => mixNodeOf('mix-a', 1800);

  it('bondMixnode with the owner signature as bytes', async () => {
    operator = await account(1);
    nymOperator = new contracts.Mixnet.MixnetClient(
      operator.client,
      operator.address,
      chain.chainInfo.contracts.mixnet,
    );
    const nonce = (await nymOperator.getSigningNonce({ address: operator.address })) as M.Uint32;
    expect(nonce).toBe(0);
    const sig = signOwnerPayload(secret('mix-a'), {
      kind: 'mixnode-bonding',
      sender: operator.address,
      nonce,
      pledge: PLEDGE,
      mix_node: node(),
      cost_params: COSTS,
    });
    const r = await nymOperator.bondMixnode(
      { mixNode: node(), costParams: COSTS, ownerSignature: byteSignature(sig) },
      'auto',
      undefined,
      [PLEDGE],
    );
    const bonded = r.events.find((e: { type: string }) => e.type === 'wasm-mixnode_bonding');
    mixId = Number(bonded?.attributes.find((a: { key: string }) => a.key === 'mix_id')?.value);
    expect(mixId).toBeGreaterThan(0);
    const owned = (await nymQuery.getOwnedMixnode({ address: operator.address })) as M.MixOwnershipResponse;
    expectShape(owned, ownedMix);
    expect(owned.mixnode_details?.bond_information.mix_id).toBe(mixId);
  });

  it('bondGateway with the owner signature as bytes; the gateway gets a node id no mix node has', async () => {
    const gw = await account(2);
    const nymGw = new contracts.Mixnet.MixnetClient(gw.client, gw.address, chain.chainInfo.contracts.mixnet);
    const g: M.Gateway = {
      host: 'gateway.localnet',
      mix_port: 1789,
      clients_port: 9000,
      location: 'Loopback',
      sphinx_key: base58.encode(x25519.getPublicKey(secret('sphinx-gw'))),
      identity_key: base58.encode(ed25519.getPublicKey(secret('gw'))),
      version: '1.1.20',
    };
    const sig = signOwnerPayload(secret('gw'), {
      kind: 'gateway-bonding',
      sender: gw.address,
      nonce: (await nymGw.getSigningNonce({ address: gw.address })) as number,
      pledge: PLEDGE,
      gateway: g,
    });
    await nymGw.bondGateway({ gateway: g, ownerSignature: byteSignature(sig) }, 'auto', undefined, [PLEDGE]);

    const ids = (await nymQuery.getPreassignedGatewayIds({})) as M.PreassignedGatewayIdsResponse;
    expectShape(ids, preassigned);
    const mine = ids.ids.find((e) => e.identity === g.identity_key);
    expect(mine?.node_id).toBeGreaterThan(0);
    expect(mine?.node_id).not.toBe(mixId);
    const bonds = (await nymQuery.getMixNodeBonds({})) as M.PagedMixnodeBondsResponse;
    expect(bonds.nodes.map((n) => n.mix_id)).not.toContain(mine?.node_id);

    const gws = (await nymQuery.getGateways({})) as M.PagedGatewayResponse;
    expectShape(gws, pagedGateways);
    const bond = (await nymQuery.getGatewayBond({ identity: g.identity_key })) as M.GatewayBondResponse;
    expectShape(bond, gatewayBondResponse);
    expect(bond.gateway?.owner).toBe(gw.address);
    const owned = (await nymQuery.getOwnedGateway({ address: gw.address })) as M.GatewayOwnershipResponse;
    expectShape(owned, ownedGateway);
  });

  it('updateMixnodeConfig and updateCostParams', async () => {
    const newConfig: M.MixNodeConfigUpdate = {
      host: '127.0.0.2',
      mix_port: 1900,
      verloc_port: 1901,
      http_api_port: 1902,
      version: '1.1.21',
    };
    await nymOperator.updateMixnodeConfig({ newConfig });
    const newCosts: M.NodeCostParams = {
      profit_margin_percent: '0.25',
      interval_operating_cost: { denom: 'unym', amount: '1234' },
    };
    await nymOperator.updateCostParams({ newCosts });
    const d = (await nymQuery.getMixnodeDetails({ mixId })) as M.MixnodeDetailsResponse;
    expectShape(d, mixDetails);
    expect(d.mixnode_details?.bond_information.mix_node).toMatchObject(newConfig);
    expect(d.mixnode_details?.rewarding_details.cost_params).toEqual(newCosts);
  });

  it("answers every query a client or operator uses, in Nym's declared shapes", async () => {
    const params = (await nymQuery.getStateParams()) as M.ContractStateParams;
    expectShape(params, contractStateParams);
    expect(params.operators_params.minimum_pledge).toEqual(PLEDGE);

    const state = (await nymQuery.getState()) as M.ContractState;
    expectShape(state, contractState);
    expect(state.rewarding_validator_address).toBe(chain.chainInfo.accounts[0]);

    const rewarding = (await nymQuery.getRewardingParams()) as M.RewardingParams;
    expectShape(rewarding, rewardingParams);

    const status = (await nymQuery.getEpochStatus()) as M.EpochStatus;
    expectShape(status, epochStatus);
    expect(status.state).toBe('in_progress');

    const version = (await nymQuery.getContractVersion()) as M.ContractBuildInformation;
    expectShape(version, buildInfo);
    const cw2 = (await nymQuery.getCw2ContractVersion()) as { contract: unknown; version: unknown };
    expect([typeof cw2.contract, typeof cw2.version]).toEqual(['string', 'string']);

    expectShape(await nymQuery.admin(), admin);
    expect(typeof (await nymQuery.getRewardingValidatorAddress())).toBe('string');
    expectShape(await nymQuery.getCurrentIntervalDetails(), currentInterval);

    const bonds = (await nymQuery.getMixNodeBonds({ limit: 10 })) as M.PagedMixnodeBondsResponse;
    expectShape(bonds, pagedBonds);
    const detailed = (await nymQuery.getMixNodesDetailed({})) as M.PagedMixnodesDetailsResponse;
    expectShape(detailed, pagedDetails);
    expect(detailed.nodes[0].rewarding_details).toMatchObject({
      operator: PLEDGE.amount,
      delegates: '0',
      total_unit_reward: '0',
      unit_delegation: '1000000000',
    });

    const rd = (await nymQuery.getMixnodeRewardingDetails({ mixId })) as M.MixnodeRewardingDetailsResponse;
    expectShape(rd, rewardingDetails);
    expect(rd.rewarding_details?.last_rewarded_epoch).toBe(0);

    const sat = (await nymQuery.getStakeSaturation({ mixId })) as M.MixStakeSaturationResponse;
    expectShape(sat, saturation);
    expect(Number(sat.current_saturation)).toBeGreaterThan(0);

    const byId = (await nymQuery.getBondedMixnodeDetailsByIdentity({
      mixIdentity: node().identity_key,
    })) as M.MixnodeDetailsByIdentityResponse;
    expectShape(byId, mixByIdentity);
    expect(byId.mixnode_details?.bond_information.mix_id).toBe(mixId);

    expectShape(await nymQuery.getUnbondedMixNodes({}), pagedUnbonded);
    expectShape(await nymQuery.getUnbondedMixNodeInformation({ mixId }), unbondedInfo);
  });

  it('unbondMixnode, after which the unbonded queries find it', async () => {
    await nymOperator.unbondMixnode();
    const owned = (await nymQuery.getOwnedMixnode({ address: operator.address })) as M.MixOwnershipResponse;
    expect(owned.mixnode_details).toBeNull();
    const all = (await nymQuery.getUnbondedMixNodes({})) as M.PagedUnbondedMixnodesResponse;
    expectShape(all, pagedUnbonded);
    expect(all.nodes).toContainEqual([
      mixId,
      expect.objectContaining({ identity_key: node().identity_key, owner: operator.address }),
    ]);
    const byOwner = (await nymQuery.getUnbondedMixNodesByOwner({
      owner: operator.address,
    })) as M.PagedUnbondedMixnodesResponse;
    expectShape(byOwner, pagedUnbonded);
    expect(byOwner.nodes.map((n) => n[0])).toEqual([mixId]);
    const byKey = (await nymQuery.getUnbondedMixNodesByIdentityKey({
      identityKey: node().identity_key,
    })) as M.PagedUnbondedMixnodesResponse;
    expect(byKey.nodes.map((n) => n[0])).toEqual([mixId]);
    const info = (await nymQuery.getUnbondedMixNodeInformation({ mixId })) as M.UnbondedMixnodeResponse;
    expectShape(info, unbondedInfo);
    expect(info.unbonded_info?.owner).toBe(operator.address);
  });

  it("refuses Nym's messages this chain does not model with a typed error naming them", async () => {
    const delegator = await account(3);
    const nymDelegator = new contracts.Mixnet.MixnetClient(
      delegator.client,
      delegator.address,
      chain.chainInfo.contracts.mixnet,
    );
    await expect(nymDelegator.delegate({ nodeId: 1 }, 'auto', undefined, [PLEDGE])).rejects.toThrow(
      /execute message 'delegate' of Nym's contract is unsupported by this chain/,
    );
    await expect(
      nymDelegator.bondNymNode({
        node: { host: 'x', identity_key: 'y' },
        costParams: COSTS,
        ownerSignature: [],
      }),
    ).rejects.toThrow(/'bond_nym_node' of Nym's contract is unsupported by this chain/);
    await expect(nymQuery.getNymNodeBondsPaged({})).rejects.toThrow(
      /query message 'get_nym_node_bonds_paged' of Nym's contract is unsupported by this chain/,
    );
    await expect(nymQuery.getPendingEpochEvents({})).rejects.toThrow(
      /'get_pending_epoch_events'.*unsupported/,
    );
    // Through CosmJS the refusal is the wasm query error (code 9) with the contract's words.
    const err = await reader
      .queryContractSmart(chain.chainInfo.contracts.mixnet, { get_all_delegations: {} })
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(String(err)).toMatch(
      /Query failed with \(9\):.*query message 'get_all_delegations' of Nym's contract is unsupported by this chain/,
    );
  });
});

describe("Nym's CoconutBandwidthClient on the localnet chain", () => {
  it('deposits, spends and releases funds; queries answer in the declared shapes', async () => {
    const depositor = await account(4);
    const bw = new contracts.CoconutBandwidth.CoconutBandwidthClient(
      depositor.client,
      depositor.address,
      chain.chainInfo.contracts.bandwidth,
    );
    const keys = {
      identity_key: base58.encode(ed25519.getPublicKey(secret('credential'))),
      encryption_key: base58.encode(x25519.getPublicKey(secret('credential-enc'))),
    };
    const deposit: B.DepositData = { deposit_info: 'BandwidthVoucher', ...keys };
    await bw.depositFunds({ data: deposit }, 'auto', undefined, [{ denom: 'unym', amount: '5000000' }]);

    const gw = await account(5);
    const gwBw = new contracts.CoconutBandwidth.CoconutBandwidthClient(
      gw.client,
      gw.address,
      chain.chainInfo.contracts.bandwidth,
    );
    const serial = base58.encode(sha256(enc.encode('serial-1')));
    const spend: B.SpendCredentialData = {
      blinded_serial_number: serial,
      funds: { denom: 'unym', amount: '5000000' },
      gateway_cosmos_address: gw.address,
    };
    await gwBw.spendCredential({ data: spend });
    const one = (await nymBandwidthQuery.getSpentCredential({
      blindedSerialNumber: serial,
    })) as B.SpendCredentialResponse;
    expectShape(one, spendResponse);
    expect(one.spend_credential?.status).toBe('spent');
    const all = (await nymBandwidthQuery.getAllSpentCredentials({})) as B.PagedSpendCredentialResponse;
    expectShape(all, pagedSpends);
    await expect(gwBw.spendCredential({ data: spend })).rejects.toThrow(/already spent/);

    // release_funds: the admin (Nym: the multisig) sends held coins to the pool.
    const adminAccount = await account(0);
    const adminBw = new contracts.CoconutBandwidth.CoconutBandwidthClient(
      adminAccount.client,
      adminAccount.address,
      chain.chainInfo.contracts.bandwidth,
    );
    const before = BigInt((await reader.getBalance(chain.chainInfo.contracts.bandwidth, 'unym')).amount);
    expect(before).toBeGreaterThanOrEqual(5000000n);
    await adminBw.releaseFunds({ funds: { denom: 'unym', amount: '3000000' } });
    const after = BigInt((await reader.getBalance(chain.chainInfo.contracts.bandwidth, 'unym')).amount);
    expect(before - after).toBe(3000000n);
    await expect(gwBw.releaseFunds({ funds: { denom: 'unym', amount: '1' } })).rejects.toThrow(
      /not authorised to release funds/,
    );
    await expect(
      adminBw.releaseFunds({ funds: { denom: 'unym', amount: String(after + 1n) } }),
    ).rejects.toThrow(/aren't enough funds in the contract/);
  });
});

describe('the shape check itself', () => {
  it('fails on a missing field, a wrong JS type, a missing nullable and a bad tuple', () => {
    expect(() => expectShape({ mix_id: 1, current_saturation: null }, saturation)).toThrow(
      /uncapped_saturation/,
    );
    expect(() =>
      expectShape({ mix_id: '1', current_saturation: null, uncapped_saturation: null }, saturation),
    ).toThrow(/mix_id is a number/);
    expect(() => expectShape({ mix_id: 1, rewarding_details: undefined }, rewardingDetails)).toThrow();
    expect(() => expectShape({ nodes: [[1]], per_page: 1, start_next_after: null }, pagedUnbonded)).toThrow(
      /2-tuple/,
    );
    expectShape({ mix_id: 1, current_saturation: null, uncapped_saturation: '2' }, saturation);
  });
});
