/**
 * The bandwidth contract's messages, state and responses (Nym's coconut-bandwidth contract,
 * `common/cosmwasm-smart-contracts/coconut-bandwidth-contract`), apart from its logic in
 * contracts-mock/bandwidth.ts. Clients, gateways and nym-api import these types.
 */
import type { Coin } from './coin.js';

export const BANDWIDTH_CONTRACT_NAME = 'crates.io:nym-coconut-bandwidth';
export const BANDWIDTH_CONTRACT_VERSION = '1.1.20';
export const DEPOSIT_PAGE_DEFAULT_LIMIT = 50;
export const DEPOSIT_PAGE_MAX_LIMIT = 100;
/** A blinded serial number is a compressed BLS12-381 G1 point (48 bytes), base58. */
export const MAX_BLINDED_SERIAL_BYTES = 96;

export interface Deposit {
  id: number;
  amount: Coin;
  info: string;
  identity_key: string;
  encryption_key: string;
  depositor: string;
  height: number;
}

export type SpendCredentialStatus = 'in_progress' | 'spent' | 'rejected';

export interface SpendCredential {
  funds: Coin;
  blinded_serial_number: string;
  gateway_cosmos_address: string;
  status: SpendCredentialStatus;
  height: number;
}

export interface BandwidthState {
  /**
   * `admin` may release funds (Nym: the multisig contract); `pool` receives them (Nym's
   * `pool_addr`). A state written before `pool` existed releases to the admin.
   */
  config: { denom: string; admin: string | null; pool?: string };
  deposit_counter: number;
  /** deposit id -> deposit; integer-like keys iterate in ascending order. */
  deposits: Record<string, Deposit>;
  /** blinded serial number -> spend record. */
  spent_credentials: Record<string, SpendCredential>;
}

export interface DepositResponse {
  deposit_id: number;
  deposit: Deposit | null;
}
export interface PagedDepositsResponse {
  deposits: Deposit[];
  per_page: number;
  start_next_after: number | null;
}
export interface SpendCredentialResponse {
  spend_credential: SpendCredential | null;
}
export interface PagedSpendCredentialResponse {
  spend_credentials: SpendCredential[];
  per_page: number;
  start_next_after: string | null;
}
export interface BandwidthInstantiateMsg {
  mix_denom?: string;
  admin?: string;
  /** Where `release_funds` sends coins (Nym's `pool_addr`); defaults to the admin. */
  pool_addr?: string;
}

/** `release_funds { funds }` (Nym's coconut-bandwidth ExecuteMsg::ReleaseFunds). */
export interface ReleaseFundsMsg {
  release_funds: { funds: Coin };
}

export const BANDWIDTH_EXECUTE_VARIANTS = ['deposit_funds', 'spend_credential', 'release_funds'] as const;
export const BANDWIDTH_QUERY_VARIANTS = [
  'get_deposit',
  'get_deposits',
  'get_spent_credential',
  'get_all_spent_credentials',
] as const;
