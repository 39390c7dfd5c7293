/** Typed clients for the bandwidth contract: deposits and spent credentials. */
import type { SigningCosmWasmClient } from '@cosmjs/cosmwasm-stargate';
import type {
  Coin,
  Deposit,
  DepositResponse,
  PagedDepositsResponse,
  PagedSpendCredentialResponse,
  SpendCredential,
  SpendCredentialResponse,
} from '../contracts/index.js';
import { ContractExecutor, ContractQueryBase, findWasmAttribute } from './base.js';
import type { SigningClientOptions, TxResult } from './base.js';
import type { CallOptions } from './call.js';
import { UnexpectedResponseError } from './errors.js';
import type { PageArgs } from './mixnet.js';

/** Nym's deposit_info for bandwidth vouchers. */
export const BANDWIDTH_VOUCHER_INFO = 'BandwidthVoucher';

export class BandwidthQueryClient extends ContractQueryBase {
  async getDeposit(depositId: number, opts?: CallOptions): Promise<Deposit | null> {
    const r = await this.smart<DepositResponse>({ get_deposit: { deposit_id: depositId } }, opts);
    return r.deposit;
  }

  getDepositsPaged(page: PageArgs<number> = {}, opts?: CallOptions): Promise<PagedDepositsResponse> {
    const body: Record<string, unknown> = {};
    if (page.startAfter !== undefined) body.start_after = page.startAfter;
    if (page.limit !== undefined) body.limit = page.limit;
    return this.smart({ get_deposits: body }, opts);
  }

  getAllDeposits(opts?: CallOptions & { pageLimit?: number }): Promise<Deposit[]> {
    return this.allPages('get_deposits', async (startAfter: number | undefined) => {
      const r = await this.getDepositsPaged({ startAfter, limit: opts?.pageLimit }, opts);
      return { items: r.deposits, next: r.start_next_after };
    });
  }

  async getSpentCredential(blindedSerialNumber: string, opts?: CallOptions): Promise<SpendCredential | null> {
    const r = await this.smart<SpendCredentialResponse>(
      { get_spent_credential: { blinded_serial_number: blindedSerialNumber } },
      opts,
    );
    return r.spend_credential;
  }

  getSpentCredentialsPaged(
    page: PageArgs<string> = {},
    opts?: CallOptions,
  ): Promise<PagedSpendCredentialResponse> {
    const body: Record<string, unknown> = {};
    if (page.startAfter !== undefined) body.start_after = page.startAfter;
    if (page.limit !== undefined) body.limit = page.limit;
    return this.smart({ get_all_spent_credentials: body }, opts);
  }

  getAllSpentCredentials(opts?: CallOptions & { pageLimit?: number }): Promise<SpendCredential[]> {
    return this.allPages('get_all_spent_credentials', async (startAfter: string | undefined) => {
      const r = await this.getSpentCredentialsPaged({ startAfter, limit: opts?.pageLimit }, opts);
      return { items: r.spend_credentials, next: r.start_next_after };
    });
  }
}

export interface DepositArgs {
  amount: Coin;
  /** base58 ed25519 key the credential is bound to */
  identityKey: string;
  /** base58 x25519 key validators encrypt their signature shares to */
  encryptionKey: string;
  info?: string;
}

export interface SpendArgs {
  funds: Coin;
  blindedSerialNumber: string;
  /** Defaults to the sender (a gateway claims on its own account). */
  gatewayCosmosAddress?: string;
}

export class BandwidthSigningClient extends BandwidthQueryClient {
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

  async depositFunds(
    args: DepositArgs,
    opts?: CallOptions,
  ): Promise<TxResult & { depositId: number; depositValue: string }> {
    const res = await this.executor.execute(
      {
        deposit_funds: {
          data: {
            deposit_info: args.info ?? BANDWIDTH_VOUCHER_INFO,
            identity_key: args.identityKey,
            encryption_key: args.encryptionKey,
          },
        },
      },
      [args.amount],
      opts,
    );
    const depositId = Number(findWasmAttribute(res.events, 'deposit_id', 'deposited-funds'));
    const depositValue = findWasmAttribute(res.events, 'deposit_value', 'deposited-funds');
    if (!Number.isInteger(depositId) || depositId < 1 || depositValue === undefined) {
      throw new UnexpectedResponseError('deposit_funds', 'no deposit_id / deposit_value in events');
    }
    return { ...res, depositId, depositValue };
  }

  spendCredential(args: SpendArgs, opts?: CallOptions): Promise<TxResult> {
    return this.executor.execute(
      {
        spend_credential: {
          data: {
            funds: args.funds,
            blinded_serial_number: args.blindedSerialNumber,
            gateway_cosmos_address: args.gatewayCosmosAddress ?? this.sender,
          },
        },
      },
      [],
      opts,
    );
  }
}
