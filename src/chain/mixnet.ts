/** Typed clients for the mixnet contract: read-only and signing, CosmJS style. */
import type { SigningCosmWasmClient } from '@cosmjs/cosmwasm-stargate';
import type {
  Coin,
  ContractStateParams,
  CurrentIntervalResponse,
  Gateway,
  GatewayBond,
  GatewayBondResponse,
  GatewayOwnershipResponse,
  Layer,
  LayerDistribution,
  LayeredTopologyResponse,
  MixNode,
  MixNodeBond,
  MixNodeCostParams,
  MixNodeDetails,
  MixOwnershipResponse,
  MixnodeDetailsResponse,
  PagedGatewayResponse,
  PagedMixnodeBondsResponse,
  PagedMixnodesDetailsResponse,
  PagedRewardedSetResponse,
  RewardedSetNodeStatus,
  PreassignedGatewayIdsResponse,
} from '../contracts/index.js';
import { ContractExecutor, ContractQueryBase, findWasmAttribute } from './base.js';
import type { SigningClientOptions, TxResult } from './base.js';
import type { CallOptions } from './call.js';
import { InvalidArgumentError, UnexpectedResponseError } from './errors.js';
import { gatewayOwnerSignature, mixnodeOwnerSignature } from './owner-signature.js';

export interface PageArgs<K> {
  startAfter?: K;
  limit?: number;
}

function pageMsg<K>(p: PageArgs<K>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (p.startAfter !== undefined) out.start_after = p.startAfter;
  if (p.limit !== undefined) out.limit = p.limit;
  return out;
}

export class MixnetQueryClient extends ContractQueryBase {
  getStateParams(opts?: CallOptions): Promise<ContractStateParams> {
    return this.smart({ get_state_params: {} }, opts);
  }

  getMixNodeBondsPaged(page: PageArgs<number> = {}, opts?: CallOptions): Promise<PagedMixnodeBondsResponse> {
    return this.smart({ get_mix_node_bonds: pageMsg(page) }, opts);
  }

  getAllMixNodeBonds(opts?: CallOptions & { pageLimit?: number }): Promise<MixNodeBond[]> {
    return this.allPages('get_mix_node_bonds', async (startAfter: number | undefined) => {
      const r = await this.getMixNodeBondsPaged({ startAfter, limit: opts?.pageLimit }, opts);
      return { items: r.nodes, next: r.start_next_after };
    });
  }

  getMixNodesDetailedPaged(
    page: PageArgs<number> = {},
    opts?: CallOptions,
  ): Promise<PagedMixnodesDetailsResponse> {
    return this.smart({ get_mix_nodes_detailed: pageMsg(page) }, opts);
  }

  getAllMixNodesDetailed(opts?: CallOptions & { pageLimit?: number }): Promise<MixNodeDetails[]> {
    return this.allPages('get_mix_nodes_detailed', async (startAfter: number | undefined) => {
      const r = await this.getMixNodesDetailedPaged({ startAfter, limit: opts?.pageLimit }, opts);
      return { items: r.nodes, next: r.start_next_after };
    });
  }

  async getMixnodeDetails(mixId: number, opts?: CallOptions): Promise<MixNodeDetails | null> {
    const r = await this.smart<MixnodeDetailsResponse>({ get_mixnode_details: { mix_id: mixId } }, opts);
    return r.mixnode_details;
  }

  async getOwnedMixnode(address: string, opts?: CallOptions): Promise<MixNodeDetails | null> {
    const r = await this.smart<MixOwnershipResponse>({ get_owned_mixnode: { address } }, opts);
    return r.mixnode_details;
  }

  getGatewaysPaged(page: PageArgs<string> = {}, opts?: CallOptions): Promise<PagedGatewayResponse> {
    return this.smart({ get_gateways: pageMsg(page) }, opts);
  }

  getAllGateways(opts?: CallOptions & { pageLimit?: number }): Promise<GatewayBond[]> {
    return this.allPages('get_gateways', async (startAfter: string | undefined) => {
      const r = await this.getGatewaysPaged({ startAfter, limit: opts?.pageLimit }, opts);
      return { items: r.nodes, next: r.start_next_after };
    });
  }

  async getGatewayBond(identity: string, opts?: CallOptions): Promise<GatewayBond | null> {
    const r = await this.smart<GatewayBondResponse>({ get_gateway_bond: { identity } }, opts);
    return r.gateway;
  }

  async getOwnedGateway(address: string, opts?: CallOptions): Promise<GatewayBond | null> {
    const r = await this.smart<GatewayOwnershipResponse>({ get_owned_gateway: { address } }, opts);
    return r.gateway;
  }

  /** One page of gateway node ids (the caller validates the answer: it is contract JSON). */
  getPreassignedGatewayIds(
    page: PageArgs<string> = {},
    opts?: CallOptions,
  ): Promise<PreassignedGatewayIdsResponse> {
    return this.smart({ get_preassigned_gateway_ids: pageMsg(page) }, opts);
  }

  getRewardedSetPaged(page: PageArgs<number> = {}, opts?: CallOptions): Promise<PagedRewardedSetResponse> {
    return this.smart({ get_rewarded_set: pageMsg(page) }, opts);
  }

  async getAllRewardedSet(
    opts?: CallOptions & { pageLimit?: number },
  ): Promise<Map<number, RewardedSetNodeStatus>> {
    const all = await this.allPages('get_rewarded_set', async (startAfter: number | undefined) => {
      const r = await this.getRewardedSetPaged({ startAfter, limit: opts?.pageLimit }, opts);
      return { items: r.nodes, next: r.start_next_after };
    });
    return new Map(all);
  }

  getLayerDistribution(opts?: CallOptions): Promise<LayerDistribution> {
    return this.smart({ get_layer_distribution: {} }, opts);
  }

  getCurrentIntervalDetails(opts?: CallOptions): Promise<CurrentIntervalResponse> {
    return this.smart({ get_current_interval_details: {} }, opts);
  }

  async getSigningNonce(address: string, opts?: CallOptions): Promise<number> {
    const n = await this.smart<unknown>({ get_signing_nonce: { address } }, opts);
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) {
      throw new UnexpectedResponseError('get_signing_nonce', 'nonce is not a non-negative integer');
    }
    return n;
  }

  /** Active mix nodes with layers and all gateways, in one query. */
  async getLayeredTopology(opts?: CallOptions): Promise<LayeredTopologyResponse> {
    const r = await this.smart<LayeredTopologyResponse>({ get_layered_topology: {} }, opts);
    if (!r || !Array.isArray(r.mixnodes) || !Array.isArray(r.gateways)) {
      throw new UnexpectedResponseError('get_layered_topology', 'mixnodes or gateways missing');
    }
    return r;
  }
}

/** How a bond is authorised: an owner signature made elsewhere, or the identity secret key to make one. */
export type OwnerProof = { ownerSignature: string } | { identitySecretKey: Uint8Array };

export interface BondMixnodeArgs {
  mixNode: MixNode;
  costParams: MixNodeCostParams;
  pledge: Coin;
  proof: OwnerProof;
}

export interface BondGatewayArgs {
  gateway: Gateway;
  pledge: Coin;
  proof: OwnerProof;
}

export interface MixNodeConfigUpdate {
  host: string;
  mix_port: number;
  verloc_port: number;
  http_api_port: number;
  version: string;
}

export interface GatewayConfigUpdate {
  host: string;
  mix_port: number;
  clients_port: number;
  location: string;
  version: string;
}

export class MixnetSigningClient extends MixnetQueryClient {
  private readonly executor: ContractExecutor;

  constructor(
    readonly signingClient: SigningCosmWasmClient,
    readonly sender: string,
    contractAddress: string,
    options: SigningClientOptions = {},
  ) {
    super(signingClient, contractAddress, options);
    this.executor = new ContractExecutor(signingClient, sender, contractAddress, this.rpcUrl, options);
  }

  async bondMixnode(args: BondMixnodeArgs, opts?: CallOptions): Promise<TxResult & { mixId: number }> {
    const ownerSignature =
      'ownerSignature' in args.proof
        ? args.proof.ownerSignature
        : mixnodeOwnerSignature({
            identitySecretKey: args.proof.identitySecretKey,
            sender: this.sender,
            nonce: await this.getSigningNonce(this.sender, opts),
            pledge: args.pledge,
            mixNode: args.mixNode,
            costParams: args.costParams,
          });
    const res = await this.executor.execute(
      {
        bond_mixnode: {
          mix_node: args.mixNode,
          cost_params: args.costParams,
          owner_signature: ownerSignature,
        },
      },
      [args.pledge],
      opts,
    );
    const mixId = Number(findWasmAttribute(res.events, 'mix_id', 'mixnode_bonding'));
    if (!Number.isInteger(mixId) || mixId < 1)
      throw new UnexpectedResponseError('bond_mixnode', 'no mix_id in events');
    return { ...res, mixId };
  }

  async bondGateway(args: BondGatewayArgs, opts?: CallOptions): Promise<TxResult> {
    const ownerSignature =
      'ownerSignature' in args.proof
        ? args.proof.ownerSignature
        : gatewayOwnerSignature({
            identitySecretKey: args.proof.identitySecretKey,
            sender: this.sender,
            nonce: await this.getSigningNonce(this.sender, opts),
            pledge: args.pledge,
            gateway: args.gateway,
          });
    return this.executor.execute(
      { bond_gateway: { gateway: args.gateway, owner_signature: ownerSignature } },
      [args.pledge],
      opts,
    );
  }

  unbondMixnode(opts?: CallOptions): Promise<TxResult> {
    return this.executor.execute({ unbond_mixnode: {} }, [], opts);
  }

  unbondGateway(opts?: CallOptions): Promise<TxResult> {
    return this.executor.execute({ unbond_gateway: {} }, [], opts);
  }

  updateMixnodeConfig(newConfig: MixNodeConfigUpdate, opts?: CallOptions): Promise<TxResult> {
    return this.executor.execute({ update_mixnode_config: { new_config: newConfig } }, [], opts);
  }

  /** Nym's `update_cost_params`: the owned mix node's profit margin and operating cost. */
  updateCostParams(newCosts: MixNodeCostParams, opts?: CallOptions): Promise<TxResult> {
    return this.executor.execute({ update_cost_params: { new_costs: newCosts } }, [], opts);
  }

  updateGatewayConfig(newConfig: GatewayConfigUpdate, opts?: CallOptions): Promise<TxResult> {
    return this.executor.execute({ update_gateway_config: { new_config: newConfig } }, [], opts);
  }

  /** Admin only. */
  assignNodeLayer(mixId: number, layer: Layer, opts?: CallOptions): Promise<TxResult> {
    return this.executor.execute({ assign_node_layer: { mix_id: mixId, layer } }, [], opts);
  }

  /**
   * Admin only. With no set, the contract chooses the rewarded set and rebalances layers;
   * otherwise the first `expectedActiveSetSize` entries are active, the rest standby.
   */
  advanceCurrentEpoch(
    newRewardedSet: readonly { mix_id: number; layer: Layer }[] = [],
    expectedActiveSetSize?: number,
    opts?: CallOptions,
  ): Promise<TxResult> {
    const body: Record<string, unknown> = { new_rewarded_set: newRewardedSet };
    if (expectedActiveSetSize !== undefined) body.expected_active_set_size = expectedActiveSetSize;
    return this.executor.execute({ advance_current_epoch: body }, [], opts);
  }

  /** Admin only. */
  updateIntervalConfig(
    epochsInInterval: number,
    epochDurationSecs: number,
    opts?: CallOptions,
  ): Promise<TxResult> {
    if (!Number.isInteger(epochDurationSecs) || epochDurationSecs < 1) {
      throw new InvalidArgumentError('epochDurationSecs', 'must be a positive integer');
    }
    return this.executor.execute(
      {
        update_interval_config: {
          epochs_in_interval: epochsInInterval,
          epoch_duration_secs: epochDurationSecs,
        },
      },
      [],
      opts,
    );
  }
}
