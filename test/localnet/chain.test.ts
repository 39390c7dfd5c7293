/**
 * The localnet chain against unmodified CosmJS: queries, bank sends, contracts, tx search,
 * the websocket, and every way a tx is rejected (with the SDK code and log).
 */
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { base58 } from '@scure/base';
import { CosmWasmClient, SigningCosmWasmClient } from '@cosmjs/cosmwasm-stargate';
import { Secp256k1HdWallet } from '@cosmjs/amino';
import { BroadcastTxError, calculateFee, GasPrice } from '@cosmjs/stargate';
import { Comet38Client, WebsocketClient } from '@cosmjs/tendermint-rpc';
import { fromBase64, toHex } from '@cosmjs/encoding';
import type { EncodeObject } from '@cosmjs/proto-signing';
import { AuthInfo, SignDoc, TxBody, TxRaw } from 'cosmjs-types/cosmos/tx/v1beta1/tx';
import { SignMode } from 'cosmjs-types/cosmos/tx/signing/v1beta1/signing';
import { MsgSend } from 'cosmjs-types/cosmos/bank/v1beta1/tx';
import { GetTxRequest, GetTxResponse } from 'cosmjs-types/cosmos/tx/v1beta1/service';
import { QueryBalanceRequest, QueryBalanceResponse } from 'cosmjs-types/cosmos/bank/v1beta1/query';
import { MsgExecuteContract } from 'cosmjs-types/cosmwasm/wasm/v1/tx';
import type { DirectSecp256k1HdWallet } from '@cosmjs/proto-signing';
import {
  ContractError,
  emptyResponse,
  signOwnerPayload,
  type Contract,
  type Gateway,
  type MixNode,
} from '../../contracts-mock/index.js';
import pino from 'pino';
import {
  ChainConfigError,
  contractAddress,
  defaultContracts,
  loadConfig,
  startChain,
  type RunningChain,
} from '../../localnet/index.js';
import { COUNTER_CODE_ID, signingClient, startTestChain, tempHome, wallet } from './helpers.js';

let chain: RunningChain;
let cleanup: () => Promise<void>;
let w: DirectSecp256k1HdWallet;
let client: SigningCosmWasmClient;
let addrs: string[];
let counter: string;

const fee = calculateFee(300_000, GasPrice.fromString('0.025unym'));

beforeAll(async () => {
  ({ chain, cleanup } = await startTestChain());
  w = await wallet(chain.chainInfo.mnemonic, 5);
  addrs = (await w.getAccounts()).map((a) => a.address);
  client = await signingClient(chain.rpcUrl, w);
  const r = await client.instantiate(addrs[0], COUNTER_CODE_ID, { count: 7 }, 'counter', 'auto');
  counter = r.contractAddress;
});

afterAll(async () => {
  client?.disconnect();
  await cleanup?.();
});

/** Sign offline (explicit account number and sequence) and return TxRaw bytes. */
async function signRaw(
  signer: string,
  msgs: EncodeObject[],
  over: { chainId?: string; sequence?: number; accountNumber?: number; fee?: typeof fee } = {},
): Promise<Uint8Array> {
  const account = await client.getAccount(signer);
  const raw = await client.sign(signer, msgs, over.fee ?? fee, '', {
    accountNumber: over.accountNumber ?? account?.accountNumber ?? 0,
    sequence: over.sequence ?? account?.sequence ?? 0,
    chainId: over.chainId ?? chain.chainInfo.chain_id,
  });
  return TxRaw.encode(raw).finish();
}

const sendMsg = (from: string, to: string, amount: string): EncodeObject => ({
  typeUrl: '/cosmos.bank.v1beta1.MsgSend',
  value: { fromAddress: from, toAddress: to, amount: [{ denom: 'unym', amount }] },
});

async function expectBroadcastError(bytes: Uint8Array, code: number, log: RegExp): Promise<void> {
  const err = await client.broadcastTxSync(bytes).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(BroadcastTxError);
  expect((err as BroadcastTxError).code).toBe(code);
  expect((err as BroadcastTxError).log).toMatch(log);
}

describe('localnet chain: queries', () => {
  it('answers status, chain id, height and genesis balances', async () => {
    expect(await client.getChainId()).toBe('nymph-localnet');
    expect(await client.getHeight()).toBeGreaterThan(0);
    const b = await client.getBalance(addrs[4], 'unym');
    expect(b.amount).toBe('100000000000000');
    const acc = await client.getAccount(addrs[4]);
    expect(acc?.accountNumber).toBe(4);
    expect(await client.getAccount('n1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqnrql8a')).toBeNull();
  });

  it('serves every CometBFT method CosmJS decodes', async () => {
    const comet = await Comet38Client.connect(chain.rpcUrl);
    const status = await comet.status();
    expect(status.nodeInfo.network).toBe('nymph-localnet');
    expect(status.nodeInfo.version).toMatch(/^0\.38\./);
    const h = status.syncInfo.latestBlockHeight;
    const block = await comet.block(h);
    expect(block.block.header.height).toBe(h);
    expect(block.block.header.chainId).toBe('nymph-localnet');
    const first = await comet.block(1);
    expect(first.block.lastCommit).toBeNull();
    const second = await comet.block(2);
    expect(second.block.header.lastBlockId?.hash).toEqual(first.blockId.hash);
    const results = await comet.blockResults(h);
    expect(results.height).toBe(h);
    const chainInfo = await comet.blockchain(1, h);
    expect(chainInfo.blockMetas.length).toBeGreaterThan(0);
    const genesis = await comet.genesis();
    expect(genesis.chainId).toBe('nymph-localnet');
    const vals = await comet.validatorsAll(h);
    expect(vals.validators).toHaveLength(1);
    const info = await comet.abciInfo();
    expect(info.lastBlockHeight).toBeGreaterThan(0);
    await comet.health();
    const commit = await comet.commit(1);
    expect(commit.header.height).toBe(1);
    // An abci_query through the raw client.
    const q = await comet.abciQuery({
      path: '/cosmos.bank.v1beta1.Query/Balance',
      data: QueryBalanceRequest.encode({ address: addrs[3], denom: 'unyx' }).finish(),
    });
    expect(QueryBalanceResponse.decode(q.value).balance?.amount).toBe('100000000000000');
    // Out-of-range heights are JSON-RPC errors, not crashes.
    await expect(comet.block(h + 1000)).rejects.toThrow(/must be less than or equal/);
    comet.disconnect();
  });

  it('answers the GET URI form and JSON-RPC errors with HTTP 200', async () => {
    const status = (await (await fetch(`${chain.rpcUrl}/status`)).json()) as {
      result: { node_info: { network: string } };
    };
    expect(status.result.node_info.network).toBe('nymph-localnet');
    const data = toHex(QueryBalanceRequest.encode({ address: addrs[1], denom: 'unym' }).finish());
    const res = await fetch(
      `${chain.rpcUrl}/abci_query?path="/cosmos.bank.v1beta1.Query/Balance"&data=0x${data}`,
    );
    const body = (await res.json()) as { result: { response: { code: number; value: string } } };
    expect(body.result.response.code).toBe(0);
    const nope = await fetch(chain.rpcUrl, {
      method: 'POST',
      body: '{"jsonrpc":"2.0","id":3,"method":"nope"}',
    });
    expect(nope.status).toBe(200);
    expect(((await nope.json()) as { error: { code: number } }).error.code).toBe(-32601);
    const metrics = await (await fetch(`${chain.rpcUrl}/metrics`)).text();
    expect(metrics).toMatch(/nymph_chain_height \d+/);
    expect(metrics).toMatch(/nymph_chain_rpc_requests_total\{method="status"\} \d+/);
    const junk = await fetch(chain.rpcUrl, { method: 'POST', body: '{not json' });
    expect(((await junk.json()) as { error: { code: number } }).error.code).toBe(-32700);
  });

  it('refuses an RPC port in use with a ChainConfigError', async () => {
    const home = tempHome();
    try {
      const port = Number(new URL(chain.rpcUrl).port);
      await expect(
        startChain({ home: home.dir, rpcPort: port, accounts: 1, logger: pino({ level: 'silent' }) }),
      ).rejects.toThrow(ChainConfigError);
    } finally {
      home.cleanup();
    }
  });

  it('places the genesis contracts at wasmd classic addresses', async () => {
    expect(chain.chainInfo.contracts.mixnet).toBe(contractAddress('n', 1n, 1n));
    expect(chain.chainInfo.contracts.bandwidth).toBe(contractAddress('n', 2n, 2n));
    const info = await client.getContract(chain.chainInfo.contracts.mixnet);
    expect(info.codeId).toBe(1);
    expect(info.creator).toBe(addrs[0]);
  });
});

describe('localnet chain: transactions', () => {
  it('sends tokens, finds the tx by hash and by sender', async () => {
    const before = BigInt((await client.getBalance(addrs[2], 'unym')).amount);
    const r = await client.sendTokens(addrs[1], addrs[2], [{ denom: 'unym', amount: '12345' }], 'auto', 'hi');
    expect(r.code).toBe(0);
    expect(BigInt((await client.getBalance(addrs[2], 'unym')).amount)).toBe(before + 12345n);
    const tx = await client.getTx(r.transactionHash);
    expect(tx?.height).toBe(r.height);
    expect(tx?.events.some((e) => e.type === 'transfer')).toBe(true);
    const found = await client.searchTx(`message.sender='${addrs[1]}' AND tx.height=${r.height}`);
    expect(found.map((t) => t.hash)).toContain(r.transactionHash);
    expect(await client.searchTx(`message.sender='${addrs[1]}' AND tx.height=1`)).toHaveLength(0);
  });

  it('instantiates, executes and queries a contract, with wasm events', async () => {
    expect(await client.queryContractSmart(counter, { count: {} })).toEqual({ count: 7, owner: addrs[0] });
    const r = await client.execute(addrs[0], counter, { increment: {} }, 'auto');
    const wasm = r.events.find((e) => e.type === 'wasm');
    expect(wasm?.attributes).toContainEqual({ key: '_contract_address', value: counter });
    expect(wasm?.attributes).toContainEqual({ key: 'count', value: '8' });
    expect(r.events.find((e) => e.type === 'wasm-counted')?.attributes[0]).toEqual({
      key: '_contract_address',
      value: counter,
    });
    expect(await client.queryContractSmart(counter, { count: {} })).toEqual({ count: 8, owner: addrs[0] });
    const raw = await client.queryContractRaw(counter, new TextEncoder().encode('count'));
    expect(new TextDecoder().decode(raw ?? new Uint8Array())).toBe('8');
    await expect(client.queryContractSmart(counter, { bogus: {} })).rejects.toThrow(/unknown query/);
  });

  it('moves funds into a contract and out through its bank sub-message', async () => {
    await client.execute(addrs[0], counter, { increment: {} }, 'auto', '', [
      { denom: 'unym', amount: '5000' },
    ]);
    expect((await client.getBalance(counter, 'unym')).amount).toBe('5000');
    const before = BigInt((await client.getBalance(addrs[3], 'unym')).amount);
    await client.execute(addrs[0], counter, { pay: { to: addrs[3], amount: '2000' } }, 'auto');
    expect((await client.getBalance(counter, 'unym')).amount).toBe('3000');
    expect(BigInt((await client.getBalance(addrs[3], 'unym')).amount)).toBe(before + 2000n);
    // The contract cannot pay what it does not have.
    await expect(
      client.execute(addrs[0], counter, { pay: { to: addrs[3], amount: '999999' } }, fee),
    ).rejects.toThrow(/insufficient funds/);
  });

  it('a failed tx pays its fee, bumps the sequence and writes nothing (all messages)', async () => {
    const count = ((await client.queryContractSmart(counter, { count: {} })) as { count: number }).count;
    const seq = (await client.getAccount(addrs[0]))!.sequence;
    const bal = BigInt((await client.getBalance(addrs[0], 'unym')).amount);
    const other = BigInt((await client.getBalance(addrs[4], 'unym')).amount);
    const exec = (msg: unknown): EncodeObject => ({
      typeUrl: '/cosmwasm.wasm.v1.MsgExecuteContract',
      value: MsgExecuteContract.fromPartial({
        sender: addrs[0],
        contract: counter,
        msg: new TextEncoder().encode(JSON.stringify(msg)),
      }),
    });
    const r = await client.signAndBroadcast(
      addrs[0],
      [sendMsg(addrs[0], addrs[4], '777'), exec({ increment: {} }), exec({ fail: { reason: 'test' } })],
      fee,
    );
    expect(r.code).toBe(5);
    expect(r.rawLog).toMatch(
      /failed to execute message; message index: 2: asked to fail: test: execute wasm contract failed/,
    );
    expect(((await client.queryContractSmart(counter, { count: {} })) as { count: number }).count).toBe(
      count,
    );
    expect(BigInt((await client.getBalance(addrs[4], 'unym')).amount)).toBe(other);
    expect(BigInt((await client.getBalance(addrs[0], 'unym')).amount)).toBe(
      bal - BigInt(fee.amount[0].amount),
    );
    expect((await client.getAccount(addrs[0]))!.sequence).toBe(seq + 1);
    // CosmJS turns it into an exception on execute().
    await expect(client.execute(addrs[0], counter, { fail: { reason: 'again' } }, fee)).rejects.toThrow(
      /asked to fail: again/,
    );
  });

  it('simulate reports contract errors before broadcasting', async () => {
    await expect(client.execute(addrs[0], counter, { fail: { reason: 'sim' } }, 'auto')).rejects.toThrow(
      /asked to fail: sim/,
    );
  });
});

describe('localnet chain: tx search paging and commit', () => {
  it('pages tx_search exactly, so searchTx collects every match', async () => {
    const sender = addrs[4];
    const seq = (await client.getAccount(sender))!.sequence;
    const n = 35;
    const txs: Uint8Array[] = [];
    for (let i = 0; i < n; i++)
      txs.push(await signRaw(sender, [sendMsg(sender, addrs[0], '1')], { sequence: seq + i }));
    const hashes: string[] = [];
    for (const t of txs) hashes.push(await client.broadcastTxSync(t));
    // broadcast_tx_commit waits for inclusion and returns the delivery result.
    const comet = await Comet38Client.connect(chain.rpcUrl);
    const last = await comet.broadcastTxCommit({
      tx: await signRaw(sender, [sendMsg(sender, addrs[0], '1')], { sequence: seq + n }),
    });
    expect(last.checkTx.code).toBe(0);
    expect(last.txResult?.code).toBe(0);
    expect(last.height).toBeGreaterThan(0);
    const found = await client.searchTx(`message.sender='${sender}' AND transfer.recipient='${addrs[0]}'`);
    expect(found.length).toBeGreaterThanOrEqual(n + 1);
    expect(new Set(found.map((t) => t.hash)).size).toBe(found.length);
    for (const h of hashes) expect(found.map((t) => t.hash)).toContain(h);
    const page2 = await comet.txSearch({ query: `message.sender='${sender}'`, page: 2, per_page: 10 });
    expect(page2.txs).toHaveLength(10);
    expect(page2.totalCount).toBe(found.length);
    const desc = await comet.txSearch({ query: `message.sender='${sender}'`, per_page: 1, order_by: 'desc' });
    expect(toHex(desc.txs[0].hash).toUpperCase()).toBe(toHex(last.hash).toUpperCase());
    // The same tx through the gRPC GetTx service.
    const q = await comet.abciQuery({
      path: '/cosmos.tx.v1beta1.Service/GetTx',
      data: GetTxRequest.encode({ hash: hashes[0] }).finish(),
    });
    expect(GetTxResponse.decode(q.value).txResponse?.txhash).toBe(hashes[0]);
    comet.disconnect();
  });
});

describe('localnet chain: rejected transactions', () => {
  it('rejects a bad signature with code 4', async () => {
    const bytes = await signRaw(addrs[1], [sendMsg(addrs[1], addrs[2], '1')]);
    const raw = TxRaw.decode(bytes);
    raw.signatures[0][5] ^= 0x01;
    await expectBroadcastError(TxRaw.encode(raw).finish(), 4, /signature verification failed.*unauthorized$/);
  });

  it('rejects a wrong chain id with code 4', async () => {
    const bytes = await signRaw(addrs[1], [sendMsg(addrs[1], addrs[2], '1')], { chainId: 'nyx-other' });
    await expectBroadcastError(bytes, 4, /chain-id \(nymph-localnet\)/);
  });

  it('rejects a wrong account number with code 4', async () => {
    const bytes = await signRaw(addrs[1], [sendMsg(addrs[1], addrs[2], '1')], { accountNumber: 3 });
    await expectBroadcastError(bytes, 4, /signature verification failed/);
  });

  it('rejects a reused sequence with code 32', async () => {
    const seq = (await client.getAccount(addrs[2]))!.sequence;
    const first = await signRaw(addrs[2], [sendMsg(addrs[2], addrs[1], '1')], { sequence: seq });
    const again = await signRaw(addrs[2], [sendMsg(addrs[2], addrs[1], '2')], { sequence: seq });
    const r = await client.broadcastTx(first, 5000, 50);
    expect(r.code).toBe(0);
    await expectBroadcastError(
      again,
      32,
      /account sequence mismatch, expected \d+, got \d+: incorrect account sequence/,
    );
    // Replaying the exact committed bytes is caught the same way.
    await expectBroadcastError(first, 32, /incorrect account sequence/);
    // A tx from the future is rejected too.
    const future = await signRaw(addrs[2], [sendMsg(addrs[2], addrs[1], '3')], { sequence: seq + 5 });
    await expectBroadcastError(future, 32, new RegExp(`expected ${seq + 1}, got ${seq + 5}`));
  });

  it('rejects an unfunded account (code 9) and one that cannot pay its fee (code 5)', async () => {
    const w2 = await wallet(chain.chainInfo.mnemonic, 8);
    const stranger = (await w2.getAccounts())[7].address;
    const c2 = await signingClient(chain.rpcUrl, w2);
    await expect(c2.sendTokens(stranger, addrs[0], [{ denom: 'unym', amount: '1' }], fee)).rejects.toThrow(
      /does not exist on chain/,
    );
    const raw = await c2.sign(stranger, [sendMsg(stranger, addrs[0], '1')], fee, '', {
      accountNumber: 0,
      sequence: 0,
      chainId: chain.chainInfo.chain_id,
    });
    const err = await c2.broadcastTxSync(TxRaw.encode(raw).finish()).catch((e: unknown) => e);
    expect((err as BroadcastTxError).code).toBe(9);
    expect((err as BroadcastTxError).log).toBe(`account ${stranger} does not exist: unknown address`);
    // Give it an account holding only unyx: it exists but cannot pay a unym fee.
    await client.sendTokens(addrs[0], stranger, [{ denom: 'unyx', amount: '10' }], 'auto');
    await expect(c2.sendTokens(stranger, addrs[0], [{ denom: 'unyx', amount: '1' }], fee)).rejects.toThrow(
      /spendable balance 0unym is smaller than 7500unym: insufficient funds/,
    );
    c2.disconnect();
  });

  it('accepts LEGACY_AMINO_JSON signatures (amino wallets) and rejects forged ones', async () => {
    const amino = await Secp256k1HdWallet.fromMnemonic(chain.chainInfo.mnemonic, { prefix: 'n' });
    const c = await SigningCosmWasmClient.connectWithSigner(chain.rpcUrl, amino, {
      gasPrice: GasPrice.fromString('0.025unym'),
      broadcastPollIntervalMs: 50,
    });
    const before = BigInt((await c.getBalance(addrs[1], 'unym')).amount);
    const sent = await c.sendTokens(
      addrs[0],
      addrs[1],
      [{ denom: 'unym', amount: '31' }],
      'auto',
      'amino memo',
    );
    expect(sent.code).toBe(0);
    expect(BigInt((await c.getBalance(addrs[1], 'unym')).amount)).toBe(before + 31n);
    const r = await c.execute(addrs[0], counter, { increment: {} }, 'auto', '', [
      { denom: 'unym', amount: '3' },
    ]);
    expect(r.events.some((e) => e.type === 'wasm')).toBe(true);
    // An amino signature over another chain id fails like a direct one.
    const account = (await c.getAccount(addrs[0]))!;
    const forged = await c.sign(addrs[0], [sendMsg(addrs[0], addrs[1], '1')], fee, '', {
      accountNumber: account.accountNumber,
      sequence: account.sequence,
      chainId: 'nyx',
    });
    const err = await c.broadcastTxSync(TxRaw.encode(forged).finish()).catch((e: unknown) => e);
    expect((err as BroadcastTxError).code).toBe(4);
    c.disconnect();
  });

  it('accepts a tx without a public key from an account whose key is on chain (code 8 otherwise)', async () => {
    const w7 = await wallet(chain.chainInfo.mnemonic, 7);
    const all = (await w7.getAccounts()).map((a) => a.address);
    const keyless = async (signer: string, signerWallet: DirectSecp256k1HdWallet): Promise<Uint8Array> => {
      const account = (await client.getAccount(signer))!;
      const bodyBytes = TxBody.encode(
        TxBody.fromPartial({
          messages: [
            {
              typeUrl: '/cosmos.bank.v1beta1.MsgSend',
              value: MsgSend.encode(
                MsgSend.fromPartial({
                  fromAddress: signer,
                  toAddress: addrs[0],
                  amount: [{ denom: 'unym', amount: '5' }],
                }),
              ).finish(),
            },
          ],
        }),
      ).finish();
      const authInfoBytes = AuthInfo.encode(
        AuthInfo.fromPartial({
          signerInfos: [
            { modeInfo: { single: { mode: SignMode.SIGN_MODE_DIRECT } }, sequence: BigInt(account.sequence) },
          ],
          fee: { amount: [...fee.amount], gasLimit: BigInt(fee.gas) },
        }),
      ).finish();
      const { signature } = await signerWallet.signDirect(
        signer,
        SignDoc.fromPartial({
          bodyBytes,
          authInfoBytes,
          chainId: chain.chainInfo.chain_id,
          accountNumber: BigInt(account.accountNumber),
        }),
      );
      return TxRaw.encode({
        bodyBytes,
        authInfoBytes,
        signatures: [fromBase64(signature.signature)],
      }).finish();
    };
    // addrs[1] has signed before: its key is on chain.
    const r = await client.broadcastTx(await keyless(addrs[1], w7), 5000, 50);
    expect(r.code).toBe(0);
    // A funded account that never signed has no key on chain.
    await client.sendTokens(addrs[0], all[6], [{ denom: 'unym', amount: '1000000' }], 'auto');
    await expectBroadcastError(await keyless(all[6], w7), 8, /pubkey on account is not set/);
  });

  it('rejects garbage bytes with code 2', async () => {
    const comet = await Comet38Client.connect(chain.rpcUrl);
    const r = await comet.broadcastTxSync({ tx: new Uint8Array([0xde, 0xad, 0xbe, 0xef, 1, 2, 3]) });
    expect(r.code).toBe(2);
    expect(r.codespace).toBe('sdk');
    expect(r.log).toMatch(/tx parse error$/);
    const empty = await comet.broadcastTxSync({ tx: new Uint8Array([1]) });
    expect(empty.code).toBe(2);
    await expect(comet.broadcastTxSync({ tx: new Uint8Array(1024 * 1024 + 1) })).rejects.toThrow(
      /tx too large/,
    );
    // Async answers before CheckTx on CometBFT: code 0 even for garbage, which is dropped.
    const raw = await fetch(chain.rpcUrl, {
      method: 'POST',
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'broadcast_tx_async', params: { tx: 'CQkJ' } }),
    });
    expect(((await raw.json()) as { result: { code: number } }).result.code).toBe(0);
    const async = await comet.broadcastTxAsync({ tx: new Uint8Array([9, 9, 9]) });
    await expect(comet.tx({ hash: async.hash })).rejects.toThrow(/not found/);
    comet.disconnect();
  });

  it('rejects a fee below the minimum gas price (13) and a gas limit below usage (11)', async () => {
    const low = await signRaw(addrs[1], [sendMsg(addrs[1], addrs[2], '1')], {
      fee: { amount: [{ denom: 'unym', amount: '10' }], gas: '200000' },
    });
    await expectBroadcastError(
      low,
      13,
      /insufficient fees; got: 10unym required: 5000unym: insufficient fee/,
    );
    const tiny = await signRaw(addrs[1], [sendMsg(addrs[1], addrs[2], '1')], {
      fee: { amount: [{ denom: 'unym', amount: '100' }], gas: '1000' },
    });
    await expectBroadcastError(tiny, 11, /out of gas/);
  });
});

describe('localnet chain: websocket', () => {
  it('pushes new blocks and matching txs to subscribers', async () => {
    // CosmJS appends /websocket itself.
    const wsUrl = chain.rpcUrl.replace(/^http/, 'ws');
    const comet = Comet38Client.create(new WebsocketClient(wsUrl));
    const newBlock = new Promise<{ header: { height: number } }>((resolve, reject) => {
      const sub = comet.subscribeNewBlock().subscribe({
        next: (b) => {
          sub.unsubscribe();
          resolve(b);
        },
        error: reject,
      });
    });
    // An idle chain makes no empty blocks: make one once the subscription is in place.
    await new Promise((r) => setTimeout(r, 100));
    const mined = chain.mineBlock();
    const block = await newBlock;
    expect(block.header.height).toBe(mined);
    const txEvent = new Promise<{ height: number; hash: Uint8Array }>((resolve, reject) => {
      const sub = comet.subscribeTx(`message.sender='${addrs[3]}'`).subscribe({
        next: (t) => {
          sub.unsubscribe();
          resolve(t);
        },
        error: reject,
      });
    });
    await new Promise((r) => setTimeout(r, 100));
    const r = await client.sendTokens(addrs[3], addrs[1], [{ denom: 'unym', amount: '1' }], 'auto');
    const t = await txEvent;
    expect(t.height).toBe(r.height);
    expect(toHex(t.hash).toUpperCase()).toBe(r.transactionHash);
    comet.disconnect();
  });
});

describe('localnet chain: beginBlock hooks', () => {
  it('runs every block, reports events, and a failing hook does not stop the chain', async () => {
    const { contractAddress: ticker } = await client.instantiate(
      addrs[0],
      COUNTER_CODE_ID,
      { count: 0 },
      'ticker',
      'auto',
    );
    const r = await client.execute(addrs[0], ticker, { add: { item: 'tick' } }, 'auto');
    const h = chain.mineBlock();
    const count = async (): Promise<number> =>
      ((await client.queryContractSmart(ticker, { count: {} })) as { count: number }).count;
    expect(await count()).toBeGreaterThanOrEqual(h - r.height);
    const comet = await Comet38Client.connect(chain.rpcUrl);
    const events = (await comet.blockResults(h)).finalizeBlockEvents;
    expect(events.find((e) => e.type === 'wasm')?.attributes).toContainEqual({
      key: 'height',
      value: String(h),
    });
    await client.execute(addrs[0], ticker, { add: { item: 'boom' } }, 'auto');
    const frozen = await count();
    const h2 = chain.mineBlock();
    chain.mineBlock();
    expect(await count()).toBe(frozen);
    expect((await comet.status()).syncInfo.latestBlockHeight).toBeGreaterThan(h2);
    comet.disconnect();
  });
});

describe('localnet chain: dev tooling', () => {
  it('advances the clock so beginBlock hooks run scheduled work (epoch advance)', async () => {
    const mixnet = chain.chainInfo.contracts.mixnet;
    type Interval = { interval: { current_epoch_id: number } };
    const before = (await client.queryContractSmart(mixnet, {
      get_current_interval_details: {},
    })) as Interval;
    const h0 = await client.getHeight();
    const r = chain.advanceTime(3601);
    expect(r.height).toBe(h0 + 1);
    const after = (await client.queryContractSmart(mixnet, { get_current_interval_details: {} })) as Interval;
    expect(after.interval.current_epoch_id).toBe(before.interval.current_epoch_id + 1);
    const comet = await Comet38Client.connect(chain.rpcUrl);
    const results = await comet.blockResults(r.height);
    comet.disconnect();
    expect(results.finalizeBlockEvents.some((e) => e.type.startsWith('wasm'))).toBe(true);
    // The same over JSON-RPC.
    const res = await fetch(chain.rpcUrl, {
      method: 'POST',
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'dev_advance_time',
        params: { seconds: '3600' },
      }),
    });
    const body = (await res.json()) as { result: { height: string } };
    expect(Number(body.result.height)).toBe(r.height + 1);
    const bad = await fetch(chain.rpcUrl, {
      method: 'POST',
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'dev_advance_time', params: { seconds: '-1' } }),
    });
    expect(((await bad.json()) as { error: { code: number } }).error.code).toBe(-32602);
  });
});

describe('localnet chain: mixnet contract through CosmJS', () => {
  const ed = (seed: number): Uint8Array => new Uint8Array(32).fill(seed);

  it('bonds a mix node and a gateway with owner signatures', async () => {
    const mixnet = chain.chainInfo.contracts.mixnet;
    const pledge = { denom: 'unym', amount: '100000000' };
    const mixSecret = ed(11);
    const mixNode: MixNode = {
      host: '127.0.0.1',
      mix_port: 1789,
      verloc_port: 1790,
      http_api_port: 8000,
      sphinx_key: base58.encode(x25519.getPublicKey(ed(12))),
      identity_key: base58.encode(ed25519.getPublicKey(mixSecret)),
      version: '1.1.20',
    };
    const costParams = {
      profit_margin_percent: '0.1',
      interval_operating_cost: { denom: 'unym', amount: '40000000' },
    };
    const nonce = (await client.queryContractSmart(mixnet, {
      get_signing_nonce: { address: addrs[1] },
    })) as number;
    const sig = signOwnerPayload(mixSecret, {
      kind: 'mixnode-bonding',
      sender: addrs[1],
      nonce,
      pledge,
      mix_node: mixNode,
      cost_params: costParams,
    });
    const r = await client.execute(
      addrs[1],
      mixnet,
      { bond_mixnode: { mix_node: mixNode, cost_params: costParams, owner_signature: sig } },
      'auto',
      '',
      [pledge],
    );
    expect(r.events.some((e) => e.type === 'wasm-mixnode_bonding')).toBe(true);
    expect((await client.getBalance(mixnet, 'unym')).amount).toBe('100000000');

    const gwSecret = ed(21);
    const gw: Gateway = {
      host: '127.0.0.1',
      mix_port: 1789,
      clients_port: 9000,
      location: 'Localhost',
      sphinx_key: base58.encode(x25519.getPublicKey(ed(22))),
      identity_key: base58.encode(ed25519.getPublicKey(gwSecret)),
      version: '1.1.20',
    };
    const gwNonce = (await client.queryContractSmart(mixnet, {
      get_signing_nonce: { address: addrs[2] },
    })) as number;
    const gwSig = signOwnerPayload(gwSecret, {
      kind: 'gateway-bonding',
      sender: addrs[2],
      nonce: gwNonce,
      pledge,
      gateway: gw,
    });
    await client.execute(
      addrs[2],
      mixnet,
      { bond_gateway: { gateway: gw, owner_signature: gwSig } },
      'auto',
      '',
      [pledge],
    );
    // A replayed owner signature (same nonce) is refused by the contract.
    await expect(
      client.execute(addrs[2], mixnet, { bond_gateway: { gateway: gw, owner_signature: gwSig } }, fee, '', [
        pledge,
      ]),
    ).rejects.toThrow(/execute wasm contract failed/);

    const reader = await CosmWasmClient.connect(chain.rpcUrl);
    const topo = (await reader.queryContractSmart(mixnet, { get_layered_topology: {} })) as {
      mixnodes: { mix_node: MixNode; owner: string }[];
      gateways: { gateway: Gateway; owner: string }[];
    };
    expect(topo.mixnodes.map((m) => m.mix_node.identity_key)).toContain(mixNode.identity_key);
    expect(topo.gateways.map((g) => g.gateway.identity_key)).toContain(gw.identity_key);
    reader.disconnect();
  });
});

describe('localnet chain: empty blocks', () => {
  const files = (home: string): number =>
    ['chain.sqlite', 'chain.sqlite-wal'].reduce((n, f) => {
      try {
        return n + statSync(join(home, f)).size;
      } catch {
        return n;
      }
    }, 0);
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('makes none while idle, so the database does not grow (create_empty_blocks = false)', async () => {
    const home = tempHome();
    const idle = await startChain({
      home: home.dir,
      rpcPort: 0,
      blockIntervalMs: 20,
      accounts: 2,
      logger: pino({ level: 'silent' }),
    });
    try {
      await sleep(200);
      const height = idle.node.height;
      const size = files(home.dir);
      await sleep(1500);
      // At a block every 20 ms this was ~75 blocks and ~200 KB.
      expect(idle.node.height).toBe(height);
      expect(files(home.dir)).toBe(size);
      // A tx still gets its block at once, and CosmJS's broadcast polling finds it.
      const wi = await wallet(idle.chainInfo.mnemonic, 2);
      const [a0, a1] = (await wi.getAccounts()).map((a) => a.address);
      const c = await signingClient(idle.rpcUrl, wi);
      const r = await c.sendTokens(a0, a1, [{ denom: 'unym', amount: '1' }], 'auto');
      expect(r.height).toBe(height + 1);
      c.disconnect();
    } finally {
      await idle.close();
      home.cleanup();
    }
  });

  it('makes an empty block once create_empty_blocks_interval has passed, or every interval when on', async () => {
    const home = tempHome();
    const sparse = await startChain({
      home: home.dir,
      rpcPort: 0,
      blockIntervalMs: 20,
      createEmptyBlocksIntervalMs: 400,
      accounts: 2,
      logger: pino({ level: 'silent' }),
    });
    const t0 = sparse.node.height;
    await sleep(1300);
    const grown = sparse.node.height - t0;
    await sparse.close();
    // ~3 at one per 400 ms; ~65 at one per 20 ms.
    expect(grown).toBeGreaterThanOrEqual(2);
    expect(grown).toBeLessThanOrEqual(5);
    // The config key, on: the old behaviour, a block every block_interval_ms.
    writeFileSync(join(home.dir, 'config.toml'), 'create_empty_blocks = true\nblock_interval_ms = 50\n');
    const dense = await startChain({ home: home.dir, rpcPort: 0, logger: pino({ level: 'silent' }) });
    const t1 = dense.node.height;
    await sleep(1000);
    expect(dense.node.height - t1).toBeGreaterThanOrEqual(8);
    await dense.close();
    home.cleanup();
  });

  it("still makes the block a contract's scheduled work needs (epoch advance on time)", async () => {
    const home = tempHome();
    const c = await startChain({
      home: home.dir,
      rpcPort: 0,
      blockIntervalMs: 20,
      accounts: 2,
      logger: pino({ level: 'silent' }),
    });
    try {
      const wc = await wallet(c.chainInfo.mnemonic, 1);
      const [admin] = (await wc.getAccounts()).map((a) => a.address);
      const sc = await signingClient(c.rpcUrl, wc);
      const mixnet = c.chainInfo.contracts.mixnet;
      await sc.execute(
        admin,
        mixnet,
        { update_interval_config: { epochs_in_interval: 720, epoch_duration_secs: 1 } },
        'auto',
      );
      const h = c.node.height;
      await sleep(2600);
      type Interval = { interval: { total_elapsed_epochs: number } };
      const i = (await sc.queryContractSmart(mixnet, { get_current_interval_details: {} })) as Interval;
      // Two epochs of one second went by: one block each, not one per 20 ms.
      expect(i.interval.total_elapsed_epochs).toBeGreaterThanOrEqual(2);
      expect(c.node.height - h).toBeGreaterThanOrEqual(2);
      expect(c.node.height - h).toBeLessThanOrEqual(4);
      sc.disconnect();
    } finally {
      await c.close();
      home.cleanup();
    }
  });

  it('makes one block, not one per interval, for scheduled work whose hook keeps failing', async () => {
    const home = tempHome();
    const stuck: Contract<Record<string, never>> = {
      name: 'crates.io:stuck',
      version: '0.1.0',
      instantiate: () => ({ state: {}, response: emptyResponse() }),
      execute: (state) => ({ state, response: emptyResponse() }),
      query: () => ({}),
      beginBlock: () => {
        throw new ContractError('always broken');
      },
      nextScheduledNanos: () => 1n,
    };
    const base = defaultContracts();
    const c = await startChain({
      home: home.dir,
      rpcPort: 0,
      blockIntervalMs: 20,
      accounts: 1,
      logger: pino({ level: 'silent' }),
      contracts: {
        codes: new Map([...base.codes, [101, stuck as Contract]]),
        genesis: (admin) => [...base.genesis(admin), { codeId: 101, label: 'stuck', msg: {} }],
      },
    });
    try {
      const h = c.node.height;
      await sleep(1000);
      expect(c.node.height - h).toBeLessThanOrEqual(1);
    } finally {
      await c.close();
      home.cleanup();
    }
  });

  it('refuses a create_empty_blocks that is not a boolean', () => {
    const home = tempHome();
    try {
      writeFileSync(join(home.dir, 'config.toml'), 'create_empty_blocks = "no"\n');
      expect(() => loadConfig(home.dir)).toThrow(ChainConfigError);
    } finally {
      home.cleanup();
    }
  });
});
