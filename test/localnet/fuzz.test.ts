/** Bad input never escapes as anything but an AbciError (CheckTx, queries) or an RPC error. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { TxRaw, TxBody, AuthInfo } from 'cosmjs-types/cosmos/tx/v1beta1/tx';
import { AbciError } from '../../localnet/index.js';
import { App } from '../../localnet/chain/app.js';
import { WorldState } from '../../localnet/chain/state.js';
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
});
