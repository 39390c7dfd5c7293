/** Names, version, defaults and paging limits of the mixnet contract. */
export const MIXNET_CONTRACT_NAME = 'crates.io:nym-mixnet-contract';
export const MIXNET_CONTRACT_VERSION = '1.1.20';

/** Defaults of a fresh contract. Nym's mainnet minimum pledge is 100 NYM; an epoch is one hour. */
export const MIXNET_DEFAULTS = {
  rewarding_denom: 'unym',
  epochs_in_interval: 720,
  epoch_duration_secs: 3600,
  minimum_mixnode_pledge: '100000000',
  minimum_gateway_pledge: '100000000',
  mixnode_rewarded_set_size: 240,
  mixnode_active_set_size: 240,
} as const;

/** Paging limits (Nym: default 50, max 75-100 depending on the query). */
export const BOND_PAGE_DEFAULT_LIMIT = 50;
export const BOND_PAGE_MAX_LIMIT = 100;

/** Nym's unbonded mix node paging (contracts/mixnet/src/constants.rs): default 100, max 200. */
export const UNBONDED_PAGE_DEFAULT_LIMIT = 100;
export const UNBONDED_PAGE_MAX_LIMIT = 200;

/** Nym's `query_preassigned_ids_paged`: default 50, max 100. */
export const PREASSIGNED_PAGE_DEFAULT_LIMIT = 50;
export const PREASSIGNED_PAGE_MAX_LIMIT = 100;
