/**
 * The bandwidth contract, after Nym's coconut-bandwidth contract.
 *
 * `deposit_funds` locks a client's unym with the keys its credential will be bound to; the
 * validators (nym-api) read the deposit (by tx hash and deposit id) before they blind-sign.
 * `spend_credential` is sent by a gateway with the credential's blinded serial number;
 * a serial can be spent once. Nymph differences: a spend is final at once (Nym routes it
 * through a multisig proposal), and the deposit is not paid out to the gateway.
 */
import {
  CredentialAlreadySpentError,
  InvalidFieldError,
  InvalidFundsError,
  MissingFundsError,
  UnauthorisedError,
} from './errors.js';
import type { Contract, Env, ExecuteResult, MessageInfo } from './types.js';
import * as v from './validate.js';
import {
  BANDWIDTH_CONTRACT_NAME,
  BANDWIDTH_CONTRACT_VERSION,
  DEPOSIT_PAGE_DEFAULT_LIMIT,
  DEPOSIT_PAGE_MAX_LIMIT,
  MAX_BLINDED_SERIAL_BYTES,
  BANDWIDTH_EXECUTE_VARIANTS,
  BANDWIDTH_QUERY_VARIANTS,
} from '../src/contracts/bandwidth.js';
import type {
  Deposit,
  SpendCredential,
  BandwidthState,
  DepositResponse,
  PagedDepositsResponse,
  SpendCredentialResponse,
  PagedSpendCredentialResponse,
} from '../src/contracts/bandwidth.js';

export * from '../src/contracts/bandwidth.js';

const C = 'bandwidth';
function instantiate(_env: Env, _info: MessageInfo, msg: unknown): ExecuteResult<BandwidthState> {
  const o = v.object(C, msg, 'instantiate', ['mix_denom', 'admin']);
  const denom = o.mix_denom === undefined ? 'unym' : v.string(C, o.mix_denom, 'mix_denom', 128);
  const admin = o.admin === undefined || o.admin === null ? null : v.address(C, o.admin, 'admin');
  return {
    state: { config: { denom, admin }, deposit_counter: 0, deposits: {}, spent_credentials: {} },
    response: { attributes: [{ key: 'action', value: 'instantiate' }], events: [], messages: [] },
  };
}

function depositFunds(
  state: BandwidthState,
  env: Env,
  info: MessageInfo,
  body: v.Obj,
): ExecuteResult<BandwidthState> {
  v.object(C, body, 'deposit_funds', ['data']);
  const d = v.object(C, body.data, 'deposit_funds.data', ['deposit_info', 'identity_key', 'encryption_key']);
  const depositInfo = v.string(C, d.deposit_info, 'deposit_funds.data.deposit_info', 256);
  const identityKey = v.key32(C, d.identity_key, 'deposit_funds.data.identity_key');
  const encryptionKey = v.key32(C, d.encryption_key, 'deposit_funds.data.encryption_key');
  const denom = state.config.denom;
  if (info.funds.length === 0) throw new MissingFundsError(C, denom);
  if (info.funds.length > 1) throw new InvalidFundsError(C, `expected a single ${denom} coin`);
  const coin = info.funds[0];
  if (coin.denom !== denom) throw new InvalidFundsError(C, `expected ${denom}, got ${coin.denom}`);
  if (BigInt(coin.amount) === 0n) throw new MissingFundsError(C, denom);

  const id = state.deposit_counter + 1;
  const deposit: Deposit = {
    id,
    amount: { denom: coin.denom, amount: coin.amount },
    info: depositInfo,
    identity_key: identityKey,
    encryption_key: encryptionKey,
    depositor: info.sender,
    height: env.block.height,
  };
  const value = `${coin.amount}${coin.denom}`;
  return {
    state: { ...state, deposit_counter: id, deposits: { ...state.deposits, [id]: deposit } },
    response: {
      attributes: [
        { key: 'action', value: 'deposit_funds' },
        { key: 'deposit_id', value: String(id) },
        { key: 'deposit_value', value },
      ],
      events: [
        {
          type: 'deposited-funds',
          attributes: [
            { key: 'deposit_id', value: String(id) },
            { key: 'deposit_value', value },
            { key: 'deposit_info', value: depositInfo },
            { key: 'deposit_identity_key', value: identityKey },
            { key: 'deposit_encryption_key', value: encryptionKey },
          ],
        },
      ],
      messages: [],
      data: new TextEncoder().encode(JSON.stringify({ deposit_id: id })),
    },
  };
}

function spendCredential(
  state: BandwidthState,
  env: Env,
  info: MessageInfo,
  body: v.Obj,
): ExecuteResult<BandwidthState> {
  v.object(C, body, 'spend_credential', ['data']);
  const f = 'spend_credential.data';
  const d = v.object(C, body.data, f, ['funds', 'blinded_serial_number', 'gateway_cosmos_address']);
  const funds = v.coin(C, d.funds, `${f}.funds`);
  if (funds.denom !== state.config.denom)
    throw new InvalidFieldError(C, `${f}.funds.denom`, `must be ${state.config.denom}`);
  if (BigInt(funds.amount) === 0n) throw new InvalidFieldError(C, `${f}.funds.amount`, 'must be positive');
  const serial = v.base58Bytes(
    C,
    d.blinded_serial_number,
    `${f}.blinded_serial_number`,
    MAX_BLINDED_SERIAL_BYTES,
  );
  const gateway = v.address(C, d.gateway_cosmos_address, `${f}.gateway_cosmos_address`);
  if (info.funds.some((c) => BigInt(c.amount) > 0n))
    throw new InvalidFundsError(C, 'this message does not accept funds');
  // The gateway that accepted the credential claims it on its own account.
  if (info.sender !== gateway)
    throw new UnauthorisedError(C, info.sender, `spend credentials for ${gateway}`);
  if (state.spent_credentials[serial]) throw new CredentialAlreadySpentError(C, serial);
  const record: SpendCredential = {
    funds,
    blinded_serial_number: serial,
    gateway_cosmos_address: gateway,
    status: 'spent',
    height: env.block.height,
  };
  return {
    state: { ...state, spent_credentials: { ...state.spent_credentials, [serial]: record } },
    response: {
      attributes: [
        { key: 'action', value: 'spend_credential' },
        { key: 'blinded_serial_number', value: serial },
      ],
      events: [
        {
          type: 'spend-credential',
          attributes: [
            { key: 'blinded_serial_number', value: serial },
            { key: 'funds', value: `${funds.amount}${funds.denom}` },
            { key: 'gateway_cosmos_address', value: gateway },
          ],
        },
      ],
      messages: [],
    },
  };
}

function execute(
  state: BandwidthState,
  env: Env,
  info: MessageInfo,
  msg: unknown,
): ExecuteResult<BandwidthState> {
  v.checkFunds(C, info.funds);
  const [name, body] = v.variant(C, msg, BANDWIDTH_EXECUTE_VARIANTS);
  return name === 'deposit_funds'
    ? depositFunds(state, env, info, body)
    : spendCredential(state, env, info, body);
}

function query(state: BandwidthState, _env: Env, msg: unknown): unknown {
  const [name, body] = v.variant(C, msg, BANDWIDTH_QUERY_VARIANTS);
  switch (name) {
    case 'get_deposit': {
      v.object(C, body, name, ['deposit_id']);
      const id = v.uint(C, body.deposit_id, `${name}.deposit_id`);
      return { deposit_id: id, deposit: state.deposits[id] ?? null } satisfies DepositResponse;
    }
    case 'get_deposits': {
      v.object(C, body, name, ['start_after', 'limit']);
      const limit = v.pageLimit(C, body.limit, DEPOSIT_PAGE_DEFAULT_LIMIT, DEPOSIT_PAGE_MAX_LIMIT);
      const after = v.optionalUint(C, body.start_after, `${name}.start_after`) ?? 0;
      const deposits: Deposit[] = [];
      for (const dep of Object.values(state.deposits)) {
        if (dep.id <= after) continue;
        deposits.push(dep);
        if (deposits.length === limit) break;
      }
      return {
        deposits,
        per_page: limit,
        start_next_after: deposits.length === limit ? deposits[deposits.length - 1].id : null,
      } satisfies PagedDepositsResponse;
    }
    case 'get_spent_credential': {
      v.object(C, body, name, ['blinded_serial_number']);
      const serial = v.string(C, body.blinded_serial_number, `${name}.blinded_serial_number`, 256);
      return { spend_credential: state.spent_credentials[serial] ?? null } satisfies SpendCredentialResponse;
    }
    case 'get_all_spent_credentials': {
      v.object(C, body, name, ['start_after', 'limit']);
      const limit = v.pageLimit(C, body.limit, DEPOSIT_PAGE_DEFAULT_LIMIT, DEPOSIT_PAGE_MAX_LIMIT);
      const after =
        body.start_after === undefined || body.start_after === null
          ? null
          : v.string(C, body.start_after, `${name}.start_after`, 256);
      const keys = Object.keys(state.spent_credentials)
        .filter((k) => after === null || k > after)
        .sort()
        .slice(0, limit);
      return {
        spend_credentials: keys.map((k) => state.spent_credentials[k]),
        per_page: limit,
        start_next_after: keys.length === limit ? keys[keys.length - 1] : null,
      } satisfies PagedSpendCredentialResponse;
    }
  }
  throw new InvalidFieldError(C, name, 'unhandled query');
}

export const bandwidthContract: Contract<BandwidthState> = {
  name: BANDWIDTH_CONTRACT_NAME,
  version: BANDWIDTH_CONTRACT_VERSION,
  instantiate,
  execute,
  query,
};
