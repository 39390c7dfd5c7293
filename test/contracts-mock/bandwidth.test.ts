import { describe, expect, it } from 'vitest';
import { base58 } from '@scure/base';
import {
  CredentialAlreadySpentError,
  InvalidFieldError,
  InvalidFundsError,
  MissingFundsError,
  NotEnoughFundsError,
  UnauthorisedError,
  UnknownMessageError,
} from '../../contracts-mock/index.js';
import type {
  BandwidthState,
  DepositResponse,
  PagedDepositsResponse,
  PagedSpendCredentialResponse,
  SpendCredentialResponse,
} from '../../contracts-mock/index.js';
import { ADMIN, address, bandwidth, deepFreeze, env, freshBandwidth, nodeKeys } from './helpers.js';

const CLIENT = address(10);
const GATEWAY = address(20);
const keys = nodeKeys(10);
const depositMsg = (info = 'BandwidthVoucher') => ({
  deposit_funds: { data: { deposit_info: info, identity_key: keys.identity, encryption_key: keys.sphinx } },
});
const serial = (i: number) => base58.encode(new Uint8Array(48).fill(i + 1));
const spendMsg = (i: number, gw = GATEWAY) => ({
  spend_credential: {
    data: {
      funds: { denom: 'unym', amount: '1000000' },
      blinded_serial_number: serial(i),
      gateway_cosmos_address: gw,
    },
  },
});
const unym = (amount: string) => [{ denom: 'unym', amount }];

function exec(
  state: BandwidthState,
  sender: string,
  msg: unknown,
  funds = [] as { denom: string; amount: string }[],
) {
  return bandwidth.execute(deepFreeze(state), env(7), { sender, funds }, msg);
}

describe('deposit_funds', () => {
  it('records the deposit and emits its id and value', () => {
    const r = exec(freshBandwidth(), CLIENT, depositMsg(), unym('1000000'));
    expect(r.response.attributes).toEqual([
      { key: 'action', value: 'deposit_funds' },
      { key: 'deposit_id', value: '1' },
      { key: 'deposit_value', value: '1000000unym' },
    ]);
    expect(r.response.events[0].type).toBe('deposited-funds');
    expect(r.response.events[0].attributes).toContainEqual({
      key: 'deposit_identity_key',
      value: keys.identity,
    });
    expect(JSON.parse(new TextDecoder().decode(r.response.data))).toEqual({ deposit_id: 1 });
    expect(r.state.deposits[1]).toEqual({
      id: 1,
      amount: { denom: 'unym', amount: '1000000' },
      info: 'BandwidthVoucher',
      identity_key: keys.identity,
      encryption_key: keys.sphinx,
      depositor: CLIENT,
      height: 7,
    });
    const r2 = exec(r.state, CLIENT, depositMsg(), unym('5'));
    expect(r2.state.deposit_counter).toBe(2);
  });

  it('rejects missing and wrong funds', () => {
    const s = freshBandwidth();
    expect(() => exec(s, CLIENT, depositMsg(), [])).toThrow(MissingFundsError);
    expect(() => exec(s, CLIENT, depositMsg(), unym('0'))).toThrow(MissingFundsError);
    expect(() => exec(s, CLIENT, depositMsg(), [{ denom: 'unyx', amount: '5' }])).toThrow(InvalidFundsError);
    expect(() => exec(s, CLIENT, depositMsg(), [{ denom: 'unym', amount: '1e6' }])).toThrow(/malformed coin/);
    expect(() => exec(s, CLIENT, depositMsg(), [...unym('5'), { denom: 'unyx', amount: '5' }])).toThrow(
      InvalidFundsError,
    );
  });

  it('rejects bad keys and fields', () => {
    const s = freshBandwidth();
    const bad = (data: Record<string, unknown>) => ({
      deposit_funds: { data: { ...depositMsg().deposit_funds.data, ...data } },
    });
    expect(() => exec(s, CLIENT, bad({ identity_key: 'abc' }), unym('5'))).toThrow(/identity_key/);
    expect(() => exec(s, CLIENT, bad({ encryption_key: '0' }), unym('5'))).toThrow(/encryption_key.*base58/);
    expect(() => exec(s, CLIENT, bad({ deposit_info: '' }), unym('5'))).toThrow(/deposit_info/);
    expect(() => exec(s, CLIENT, bad({ deposit_info: 'x'.repeat(257) }), unym('5'))).toThrow(/deposit_info/);
    expect(() => exec(s, CLIENT, bad({ extra: true }), unym('5'))).toThrow(/unknown field/);
    expect(() => exec(s, CLIENT, { deposit_funds: {} }, unym('5'))).toThrow(InvalidFieldError);
    expect(() => exec(s, CLIENT, { withdraw: {} }, unym('5'))).toThrow(UnknownMessageError);
  });
});

describe('spend_credential', () => {
  it('records a spend once and rejects a double spend', () => {
    const s = exec(freshBandwidth(), GATEWAY, spendMsg(1)).state;
    expect(s.spent_credentials[serial(1)]).toMatchObject({
      status: 'spent',
      gateway_cosmos_address: GATEWAY,
      height: 7,
    });
    let err: unknown;
    try {
      exec(s, GATEWAY, spendMsg(1));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CredentialAlreadySpentError);
    expect(err).toMatchObject({ blindedSerialNumber: serial(1) });
    expect(() => exec(s, GATEWAY, spendMsg(2))).not.toThrow();
  });

  it('rejects other senders, attached funds and bad fields', () => {
    const s = freshBandwidth();
    expect(() => exec(s, CLIENT, spendMsg(1))).toThrow(UnauthorisedError);
    expect(() => exec(s, GATEWAY, spendMsg(1), unym('1'))).toThrow(InvalidFundsError);
    expect(() => exec(s, GATEWAY, spendMsg(1, 'n1invalid'))).toThrow(/gateway_cosmos_address/);
    const m = spendMsg(1);
    const withData = (d: Record<string, unknown>) => ({
      spend_credential: { data: { ...m.spend_credential.data, ...d } },
    });
    expect(() => exec(s, GATEWAY, withData({ blinded_serial_number: '' }))).toThrow(/blinded_serial_number/);
    expect(() => exec(s, GATEWAY, withData({ blinded_serial_number: 'l0l' }))).toThrow(/base58/);
    expect(() => exec(s, GATEWAY, withData({ funds: { denom: 'unyx', amount: '1' } }))).toThrow(
      /funds.denom/,
    );
    expect(() => exec(s, GATEWAY, withData({ funds: { denom: 'unym', amount: '0' } }))).toThrow(/positive/);
    expect(() => exec(s, GATEWAY, withData({ funds: { denom: 'unym', amount: '1.5' } }))).toThrow(/amount/);
  });
});

describe('bandwidth queries', () => {
  it('deposits and spent credentials, paged', () => {
    let s = freshBandwidth();
    for (let i = 0; i < 5; i++) s = exec(s, CLIENT, depositMsg(), unym(String(i + 1))).state;
    for (let i = 0; i < 5; i++) s = exec(s, GATEWAY, spendMsg(i)).state;
    const d = bandwidth.query(s, env(), { get_deposit: { deposit_id: 3 } }) as DepositResponse;
    expect(d.deposit?.amount.amount).toBe('3');
    expect(bandwidth.query(s, env(), { get_deposit: { deposit_id: 9 } })).toEqual({
      deposit_id: 9,
      deposit: null,
    });
    const p1 = bandwidth.query(s, env(), { get_deposits: { limit: 3 } }) as PagedDepositsResponse;
    expect(p1.deposits.map((x) => x.id)).toEqual([1, 2, 3]);
    const p2 = bandwidth.query(s, env(), { get_deposits: { start_after: 3 } }) as PagedDepositsResponse;
    expect(p2.deposits.map((x) => x.id)).toEqual([4, 5]);
    expect(p2.start_next_after).toBeNull();
    const sc = bandwidth.query(s, env(), {
      get_spent_credential: { blinded_serial_number: serial(2) },
    }) as SpendCredentialResponse;
    expect(sc.spend_credential?.status).toBe('spent');
    expect(bandwidth.query(s, env(), { get_spent_credential: { blinded_serial_number: 'zz' } })).toEqual({
      spend_credential: null,
    });
    const all: string[] = [];
    let after: string | null | undefined;
    do {
      const page = bandwidth.query(s, env(), {
        get_all_spent_credentials: after ? { start_after: after, limit: 2 } : { limit: 2 },
      }) as PagedSpendCredentialResponse;
      all.push(...page.spend_credentials.map((c) => c.blinded_serial_number));
      after = page.start_next_after;
    } while (after);
    expect(all.sort()).toEqual([0, 1, 2, 3, 4].map(serial).sort());
    expect(() => bandwidth.query(s, env(), { get_balance: {} })).toThrow(UnknownMessageError);
    expect(() => bandwidth.query(s, env(), { get_deposit: { deposit_id: 'x' } })).toThrow(InvalidFieldError);
  });
});

describe('release_funds', () => {
  const release = (amount: string, denom = 'unym') => ({ release_funds: { funds: { denom, amount } } });
  /** An env whose bank holds `held` unym for the contract, as the chain's querier would say. */
  const withBalance = (held: string) => ({
    ...env(7),
    querier: {
      balance: (addr: string, denom: string) =>
        addr === env().contract.address && denom === 'unym' ? held : '0',
    },
  });

  it('sends the coins to the pool (the admin when none was named), admin only', () => {
    const s = freshBandwidth();
    const r = bandwidth.execute(s, withBalance('500'), { sender: ADMIN, funds: [] }, release('200'));
    expect(r.response.messages).toEqual([{ bank: { send: { to_address: ADMIN, amount: unym('200') } } }]);
    expect(r.state).toEqual(s);
    const pool = address(77);
    const withPool = bandwidth.instantiate(
      env(),
      { sender: ADMIN, funds: [] },
      {
        mix_denom: 'unym',
        admin: ADMIN,
        pool_addr: pool,
      },
    ).state;
    const r2 = bandwidth.execute(withPool, withBalance('500'), { sender: ADMIN, funds: [] }, release('500'));
    expect(r2.response.messages).toEqual([{ bank: { send: { to_address: pool, amount: unym('500') } } }]);
  });

  it('refuses others, other denoms, more than the contract holds, and attached funds', () => {
    const s = freshBandwidth();
    const run = (
      sender: string,
      msg: unknown,
      held = '500',
      funds = [] as { denom: string; amount: string }[],
    ) => bandwidth.execute(s, withBalance(held), { sender, funds }, msg);
    expect(() => run(CLIENT, release('1'))).toThrow(UnauthorisedError);
    expect(() => run(ADMIN, release('1', 'unyx'))).toThrow(
      "invalid field 'release_funds.funds.denom': must be unym",
    );
    expect(() => run(ADMIN, release('501'))).toThrow(NotEnoughFundsError);
    expect(() => run(ADMIN, release('0'))).toThrow(/release_funds\.funds\.amount/);
    expect(() => run(ADMIN, release('1'), '500', unym('1'))).toThrow(InvalidFundsError);
    expect(() => run(ADMIN, { release_funds: {} })).toThrow(
      "invalid field 'release_funds.funds': is required",
    );
    expect(() => run(ADMIN, { release_funds: { funds: { denom: 'unym', amount: '1', x: 1 } } })).toThrow(
      /release_funds\.funds\.x': unknown field/,
    );
  });
});
