/**
 * The localnet chain's built-in contracts: code id 1 is the mixnet contract, code id 2 the
 * bandwidth contract. `genesisContracts` lists the instantiations the chain performs at
 * genesis, in order.
 */
import { bandwidthContract } from './bandwidth.js';
import { mixnetContract } from './mixnet.js';
import type { Contract } from './types.js';

export const MIXNET_CODE_ID = 1;
export const BANDWIDTH_CODE_ID = 2;

export const builtinContracts: ReadonlyMap<number, Contract> = new Map<number, Contract>([
  [MIXNET_CODE_ID, mixnetContract as Contract],
  [BANDWIDTH_CODE_ID, bandwidthContract as Contract],
]);

export interface GenesisOptions {
  /** Epoch length in seconds (default 3600, as on mainnet). */
  epochDurationSecs?: number;
  epochsInInterval?: number;
  /** Minimum pledges in unym (default 100 NYM = 100000000 unym). */
  minimumMixnodePledge?: string;
  minimumGatewayPledge?: string;
  activeSetSize?: number;
  rewardedSetSize?: number;
}

export interface GenesisContract {
  codeId: number;
  label: string;
  msg: unknown;
}

/** Contracts instantiated at genesis, in order; `admin` is the rewarding validator. */
export function genesisContracts(admin: string, opts: GenesisOptions = {}): GenesisContract[] {
  const mixnetMsg: Record<string, unknown> = { rewarding_validator_address: admin, rewarding_denom: 'unym' };
  if (opts.epochDurationSecs !== undefined) mixnetMsg.epoch_duration_secs = opts.epochDurationSecs;
  if (opts.epochsInInterval !== undefined) mixnetMsg.epochs_in_interval = opts.epochsInInterval;
  if (opts.minimumMixnodePledge !== undefined) mixnetMsg.minimum_mixnode_pledge = opts.minimumMixnodePledge;
  if (opts.minimumGatewayPledge !== undefined) mixnetMsg.minimum_gateway_pledge = opts.minimumGatewayPledge;
  if (opts.activeSetSize !== undefined) mixnetMsg.mixnode_active_set_size = opts.activeSetSize;
  if (opts.rewardedSetSize !== undefined) mixnetMsg.mixnode_rewarded_set_size = opts.rewardedSetSize;
  return [
    { codeId: MIXNET_CODE_ID, label: 'nym-mixnet-contract', msg: mixnetMsg },
    { codeId: BANDWIDTH_CODE_ID, label: 'nym-coconut-bandwidth', msg: { mix_denom: 'unym', admin } },
  ];
}

export * from './types.js';
export * from './errors.js';
export {
  mixnetContract,
  MIXNET_CONTRACT_NAME,
  MIXNET_CONTRACT_VERSION,
  MIXNET_DEFAULTS,
  MIXNET_EXECUTE_VARIANTS,
  MIXNET_QUERY_VARIANTS,
  BOND_PAGE_DEFAULT_LIMIT,
  BOND_PAGE_MAX_LIMIT,
  leastPopulatedLayer,
  rebalanceLayers,
  rfc3339FromNanos,
  migrateMixnetState,
  assignGatewayNodeIds,
} from './mixnet.js';
export { bandwidthContract } from './bandwidth.js';
// The messages, responses and signatures live in src/contracts (what clients import).
export * from '../src/contracts/index.js';
