/**
 * The localnet chain's built-in contracts: code id 1 is the mixnet contract, code id 2 the
 * bandwidth contract, code id 3 the coconut-dkg contract. `genesisContracts` lists the instantiations the chain performs at
 * genesis, in order.
 */
import { bandwidthContract } from './bandwidth.js';
import { coconutDkgContract, DEFAULT_KEY_SIZE, type TimeConfiguration } from './coconut-dkg.js';
import { mixnetContract } from './mixnet.js';
import type { Contract } from './types.js';

export const MIXNET_CODE_ID = 1;
export const BANDWIDTH_CODE_ID = 2;
export const COCONUT_DKG_CODE_ID = 3;

/**
 * The localnet's DKG timeouts: Nym's defaults (minutes per state) would make a silent dealer
 * stall a local network for long; a healthy DKG completes its states early anyway.
 */
export const LOCALNET_DKG_TIME_CONFIGURATION: TimeConfiguration = {
  public_key_submission_time_secs: 120,
  dealing_exchange_time_secs: 60,
  verification_key_submission_time_secs: 60,
  verification_key_validation_time_secs: 30,
  verification_key_finalization_time_secs: 30,
  in_progress_time_secs: 60 * 60 * 24 * 14,
};

export const builtinContracts: ReadonlyMap<number, Contract> = new Map<number, Contract>([
  [MIXNET_CODE_ID, mixnetContract as Contract],
  [BANDWIDTH_CODE_ID, bandwidthContract as Contract],
  [COCONUT_DKG_CODE_ID, coconutDkgContract as Contract],
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
  /** The coconut-dkg contract's state timeouts (default LOCALNET_DKG_TIME_CONFIGURATION). */
  dkgTimeConfiguration?: TimeConfiguration;
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
    {
      codeId: COCONUT_DKG_CODE_ID,
      label: 'nym-coconut-dkg',
      // the signer group lives in the contract (admin-set); the admin stands in for the multisig
      msg: {
        group_addr: admin,
        multisig_addr: admin,
        mix_denom: 'unym',
        key_size: DEFAULT_KEY_SIZE,
        time_configuration: opts.dkgTimeConfiguration ?? LOCALNET_DKG_TIME_CONFIGURATION,
      },
    },
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
export { coconutDkgContract } from './coconut-dkg.js';
export * from './coconut-dkg-errors.js';
// The messages, responses and signatures live in src/contracts (what clients import).
export * from '../src/contracts/index.js';
