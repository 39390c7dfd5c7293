/**
 * The bandwidth contract, after Nym's coconut-bandwidth contract.
 *
 * `deposit_funds` locks a client's unym with the keys its credential will be bound to; the
 * validators (nym-api) read the deposit (by tx hash and deposit id) before they blind-sign.
 * `spend_credential` is sent by a gateway with the credential's blinded serial number;
 * a serial can be spent once. `release_funds` (admin only; Nym: the multisig) sends coins the
 * contract holds to the pool address. Nymph differences: a spend is final at once (Nym
 * routes it through a multisig proposal that calls `release_funds`), and the deposit is not
 * paid out to the gateway.
 *
 * Message bodies are parsed with valibot schemas (validate.ts): the first broken rule is an
 * InvalidFieldError with the field's JSON path.
 */
import * as vb from 'valibot';
import {
  CredentialAlreadySpentError,
  InvalidFieldError,
  InvalidFundsError,
  MissingFundsError,
  NotEnoughFundsError,
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
import {
  NYM_BANDWIDTH_EXECUTE_MESSAGES,
  NYM_BANDWIDTH_QUERY_MESSAGES,
} from '../src/contracts/nym-messages.js';
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

/** Nym's coconut-bandwidth messages (coconut-bandwidth-contract/src/msg.rs, deposit.rs, spend_credential.rs). */
const schema = {
  instantiate: v.record({
    mix_denom: vb.optional(v.text(128)),
    admin: vb.nullish(v.address),
    pool_addr: vb.nullish(v.address),
  }),
  execute: {
    deposit_funds: v.record({
      data: v.record({ deposit_info: v.text(256), identity_key: v.key32, encryption_key: v.key32 }),
    }),
    spend_credential: v.record({
      data: v.record({
        funds: v.coin,
        blinded_serial_number: v.base58Bytes(MAX_BLINDED_SERIAL_BYTES),
        gateway_cosmos_address: v.address,
      }),
    }),
    release_funds: v.record({ funds: v.coin }),
  },
  query: {
    get_deposit: v.record({ deposit_id: v.uint() }),
    get_deposits: v.page(v.uint()),
    get_spent_credential: v.record({ blinded_serial_number: v.text(256) }),
    get_all_spent_credentials: v.page(v.text(256)),
  },
} as const;

type ExecuteName = keyof typeof schema.execute;
type QueryName = keyof typeof schema.query;
type ExecuteBody<K extends ExecuteName> = vb.InferOutput<(typeof schema.execute)[K]>;
type QueryBody<K extends QueryName> = vb.InferOutput<(typeof schema.query)[K]>;

function instantiate(_env: Env, _info: MessageInfo, msg: unknown): ExecuteResult<BandwidthState> {
  const o = v.parse(C, schema.instantiate, msg, '');
  const admin = o.admin ?? null;
  const config: BandwidthState['config'] = { denom: o.mix_denom ?? 'unym', admin };
  if (o.pool_addr) config.pool = o.pool_addr;
  return {
    state: { config, deposit_counter: 0, deposits: {}, spent_credentials: {} },
    response: { attributes: [{ key: 'action', value: 'instantiate' }], events: [], messages: [] },
  };
}

function depositFunds(
  state: BandwidthState,
  env: Env,
  info: MessageInfo,
  body: ExecuteBody<'deposit_funds'>,
): ExecuteResult<BandwidthState> {
  const { deposit_info: depositInfo, identity_key: identityKey, encryption_key: encryptionKey } = body.data;
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
  body: ExecuteBody<'spend_credential'>,
): ExecuteResult<BandwidthState> {
  const f = 'spend_credential.data';
  const { funds, blinded_serial_number: serial, gateway_cosmos_address: gateway } = body.data;
  if (funds.denom !== state.config.denom)
    throw new InvalidFieldError(C, `${f}.funds.denom`, `must be ${state.config.denom}`);
  if (BigInt(funds.amount) === 0n) throw new InvalidFieldError(C, `${f}.funds.amount`, 'must be positive');
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

/**
 * Nym's `release_funds`: the admin sends coins the contract holds to the pool (Nym: the
 * multisig, once a spend proposal passed, releases the credential's value).
 */
function releaseFunds(
  state: BandwidthState,
  env: Env,
  info: MessageInfo,
  body: ExecuteBody<'release_funds'>,
): ExecuteResult<BandwidthState> {
  const { funds } = body;
  const denom = state.config.denom;
  if (funds.denom !== denom) throw new InvalidFieldError(C, 'release_funds.funds.denom', `must be ${denom}`);
  if (BigInt(funds.amount) === 0n)
    throw new InvalidFieldError(C, 'release_funds.funds.amount', 'must be positive');
  if (info.funds.some((c) => BigInt(c.amount) > 0n))
    throw new InvalidFundsError(C, 'this message does not accept funds');
  // Nym checks the balance before the admin; so does this contract. Without a querier (in
  // process), the bank send itself refuses to overdraw.
  const held = env.querier?.balance(env.contract.address, denom);
  if (held !== undefined && BigInt(funds.amount) > BigInt(held))
    throw new NotEnoughFundsError(C, funds.amount, held, denom);
  if (state.config.admin === null || info.sender !== state.config.admin)
    throw new UnauthorisedError(C, info.sender, 'release funds');
  const to = state.config.pool ?? state.config.admin;
  return {
    state,
    response: {
      attributes: [
        { key: 'action', value: 'release_funds' },
        { key: 'funds', value: `${funds.amount}${funds.denom}` },
      ],
      events: [],
      messages: [
        { bank: { send: { to_address: to, amount: [{ denom: funds.denom, amount: funds.amount }] } } },
      ],
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
  const [name, raw] = v.variant(
    C,
    msg,
    BANDWIDTH_EXECUTE_VARIANTS,
    NYM_BANDWIDTH_EXECUTE_MESSAGES,
    'execute',
  );
  const body = <K extends ExecuteName>(k: K): ExecuteBody<K> => v.parse(C, schema.execute[k], raw, k);
  switch (name) {
    case 'deposit_funds':
      return depositFunds(state, env, info, body(name));
    case 'spend_credential':
      return spendCredential(state, env, info, body(name));
    case 'release_funds':
      return releaseFunds(state, env, info, body(name));
  }
  throw new InvalidFieldError(C, name, 'unhandled message');
}

function query(state: BandwidthState, _env: Env, msg: unknown): unknown {
  const [name, raw] = v.variant(C, msg, BANDWIDTH_QUERY_VARIANTS, NYM_BANDWIDTH_QUERY_MESSAGES, 'query');
  const body = <K extends QueryName>(k: K): QueryBody<K> => v.parse(C, schema.query[k], raw, k);
  switch (name) {
    case 'get_deposit': {
      const { deposit_id: id } = body(name);
      return { deposit_id: id, deposit: state.deposits[id] ?? null } satisfies DepositResponse;
    }
    case 'get_deposits': {
      const b = body(name);
      const limit = v.pageLimit(b.limit, DEPOSIT_PAGE_DEFAULT_LIMIT, DEPOSIT_PAGE_MAX_LIMIT);
      const after = b.start_after ?? 0;
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
      const { blinded_serial_number: serial } = body(name);
      return { spend_credential: state.spent_credentials[serial] ?? null } satisfies SpendCredentialResponse;
    }
    case 'get_all_spent_credentials': {
      const b = body(name);
      const limit = v.pageLimit(b.limit, DEPOSIT_PAGE_DEFAULT_LIMIT, DEPOSIT_PAGE_MAX_LIMIT);
      const after = b.start_after ?? null;
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
