/** Bad input never escapes as anything but an AbciError (CheckTx, queries) or an RpcError (JSON-RPC). */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { TxRaw, TxBody, AuthInfo } from 'cosmjs-types/cosmos/tx/v1beta1/tx';
import { AbciError } from '../../localnet/index.js';
import { App } from '../../localnet/chain/app.js';
import { WorldState } from '../../localnet/chain/state.js';
import { params, readParams, readRequest, RpcError } from '../../localnet/chain/rpc-params.js';
import { testContracts } from './helpers.js';

function app(): App {
  return new App(new WorldState(), {
    chainId: 'nymph-localnet',
    prefix: 'n',
    denom: 'unym',
    minGasPrice: 0.025,
    codes: testContracts().codes,
  });
}

const block = { height: 1n, timeNanos: 1_700_000_000_000_000_000n };

describe('localnet fuzz', () => {
  it('CheckTx rejects random bytes with an AbciError', () => {
    const a = app();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        expect(() => a.checkTx(bytes)).toThrow(AbciError);
      }),
      { numRuns: 500 },
    );
  });

  it('CheckTx rejects well-framed txs with random bodies and auth infos with an AbciError', () => {
    const a = app();
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 200 }),
        fc.uint8Array({ maxLength: 200 }),
        fc.array(fc.uint8Array({ maxLength: 70 }), { maxLength: 2 }),
        (bodyBytes, authInfoBytes, signatures) => {
          const tx = TxRaw.encode({ bodyBytes, authInfoBytes, signatures }).finish();
          expect(() => a.checkTx(tx)).toThrow(AbciError);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('CheckTx rejects decodable txs with random messages with an AbciError', () => {
    const a = app();
    const typeUrls = [
      '/cosmos.bank.v1beta1.MsgSend',
      '/cosmwasm.wasm.v1.MsgExecuteContract',
      '/cosmwasm.wasm.v1.MsgInstantiateContract',
      '/other.Msg',
    ];
    fc.assert(
      fc.property(fc.constantFrom(...typeUrls), fc.uint8Array({ maxLength: 120 }), (typeUrl, value) => {
        const bodyBytes = TxBody.encode(TxBody.fromPartial({ messages: [{ typeUrl, value }] })).finish();
        const authInfoBytes = AuthInfo.encode(AuthInfo.fromPartial({})).finish();
        const tx = TxRaw.encode({ bodyBytes, authInfoBytes, signatures: [new Uint8Array(64)] }).finish();
        expect(() => a.checkTx(tx)).toThrow(AbciError);
      }),
      { numRuns: 300 },
    );
  });

  it('queries reject random request bytes with an AbciError or answer', () => {
    const a = app();
    const paths = [
      '/cosmos.auth.v1beta1.Query/Account',
      '/cosmos.bank.v1beta1.Query/Balance',
      '/cosmos.bank.v1beta1.Query/AllBalances',
      '/cosmwasm.wasm.v1.Query/SmartContractState',
      '/cosmwasm.wasm.v1.Query/RawContractState',
      '/cosmwasm.wasm.v1.Query/ContractInfo',
      '/cosmos.tx.v1beta1.Service/Simulate',
      '/cosmos.tx.v1beta1.Service/GetTx',
      '/nope',
    ];
    fc.assert(
      fc.property(fc.constantFrom(...paths), fc.uint8Array({ maxLength: 200 }), (path, data) => {
        try {
          expect(a.query(path, data, block)).toBeInstanceOf(Uint8Array);
        } catch (e) {
          expect(e).toBeInstanceOf(AbciError);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('JSON-RPC envelopes: any JSON is a request or an Invalid Request (-32600)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        try {
          const r = readRequest(value);
          expect(typeof r.method).toBe('string');
          expect(typeof r.params).toBe('object');
        } catch (e) {
          expect(e).toBeInstanceOf(RpcError);
          expect((e as RpcError).code).toBe(-32600);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('JSON-RPC params: any object is read or refused as Invalid params (-32602) naming the param', () => {
    const keys = ['path', 'data', 'tx', 'hash', 'query', 'height', 'page', 'per_page', 'order_by', 'seconds'];
    const value = fc.oneof(
      fc.jsonValue(),
      fc.constantFrom('', '0x', '0xzz', '12', '-3', 'asc', 'desc', '=='),
      fc.integer(),
    );
    const obj = fc.dictionary(fc.constantFrom(...keys), value, { maxKeys: 4 });
    const schemas = Object.values(params);
    fc.assert(
      fc.property(fc.constantFrom(...schemas), obj, (schema, p) => {
        try {
          readParams(schema, p);
        } catch (e) {
          expect(e).toBeInstanceOf(RpcError);
          expect((e as RpcError).code).toBe(-32602);
          expect((e as RpcError).data).toMatch(/^\w+ (is required|must be)/);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('JSON-RPC params: the rules and words CometBFT clients saw before', () => {
    const refusal = (schema: (typeof params)[keyof typeof params], p: Record<string, unknown>): string => {
      try {
        readParams(schema, p);
      } catch (e) {
        return `${(e as RpcError).code} ${(e as RpcError).data}`;
      }
      return 'accepted';
    };
    expect(refusal(params.abci_query, {})).toBe('-32602 path is required');
    expect(refusal(params.abci_query, { path: '/x', data: 'abc' })).toBe('-32602 data must be hex');
    expect(refusal(params.height, { height: 'x' })).toBe('-32602 height must be an integer');
    expect(refusal(params.tx_search, { query: 'a=1', order_by: 'up' })).toBe(
      '-32602 order_by must be "asc" or "desc"',
    );
    expect(refusal(params.tx_bytes, { tx: '!!' })).toBe('-32602 tx must be base64 or 0x-hex');
    expect(refusal(params.tx_bytes, { tx: null })).toBe('-32602 tx is required');
    expect(refusal(params.hash, { hash: {} })).toBe('-32602 hash must be a string');
    expect(refusal(params.dev_advance_time, { seconds: 'soon' })).toBe('-32602 seconds must be a number');
    // CometBFT's text forms are read as before: integers as strings, 0x-hex, "" as absent.
    expect(readParams(params.height, { height: '12' })).toEqual({ height: 12 });
    expect(readParams(params.height, { height: '' })).toEqual({ height: undefined });
    expect(readParams(params.abci_query, { path: '/p', data: '0xAB', prove: false })).toEqual({
      path: '/p',
      data: 'AB',
    });
    expect(readParams(params.tx_bytes, { tx: '0x0102' }).tx).toEqual(new Uint8Array([1, 2]));
    expect(readParams(params.tx_bytes, { tx: 'AQI=' }).tx).toEqual(new Uint8Array([1, 2]));
    expect(readRequest({ id: 5, method: 'status', params: [1] })).toEqual({
      id: 5,
      method: 'status',
      params: {},
    });
  });
});
