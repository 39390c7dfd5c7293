/**
 * The application: Cosmos SDK-style ante handler (decode, signature, sequence, fee), the
 * bank and wasm message handlers over the built-in TypeScript contracts, and the gRPC
 * query services CosmJS calls through `abci_query`. No I/O here: the node feeds it txs and
 * persists the `WorldState` it mutates.
 */
import { TxRaw, TxBody, AuthInfo, SignDoc, Tx } from 'cosmjs-types/cosmos/tx/v1beta1/tx';
import { SignMode } from 'cosmjs-types/cosmos/tx/signing/v1beta1/signing';
import { MsgSend, MsgSendResponse } from 'cosmjs-types/cosmos/bank/v1beta1/tx';
import {
  QueryBalanceRequest,
  QueryBalanceResponse,
  QueryAllBalancesRequest,
  QueryAllBalancesResponse,
} from 'cosmjs-types/cosmos/bank/v1beta1/query';
import { QueryAccountRequest, QueryAccountResponse } from 'cosmjs-types/cosmos/auth/v1beta1/query';
import { BaseAccount } from 'cosmjs-types/cosmos/auth/v1beta1/auth';
import { PubKey } from 'cosmjs-types/cosmos/crypto/secp256k1/keys';
import {
  MsgExecuteContract,
  MsgExecuteContractResponse,
  MsgInstantiateContract,
  MsgInstantiateContractResponse,
} from 'cosmjs-types/cosmwasm/wasm/v1/tx';
import {
  QuerySmartContractStateRequest,
  QuerySmartContractStateResponse,
  QueryContractInfoRequest,
  QueryContractInfoResponse,
  QueryRawContractStateRequest,
  QueryRawContractStateResponse,
} from 'cosmjs-types/cosmwasm/wasm/v1/query';
import {
  SimulateRequest,
  SimulateResponse,
  GetTxRequest,
  GetTxResponse,
} from 'cosmjs-types/cosmos/tx/v1beta1/service';
import { TxMsgData, TxResponse } from 'cosmjs-types/cosmos/base/abci/v1beta1/abci';
import { Any } from 'cosmjs-types/google/protobuf/any';
import { makeSignDoc, serializeSignDoc, type StdFee } from '@cosmjs/amino';
import { AminoTypes, createBankAminoConverters } from '@cosmjs/stargate';
import { createWasmAminoConverters } from '@cosmjs/cosmwasm-stargate';
import type { Contract, Coin, Env, Event as ContractEvent } from '../../contracts-mock/types.js';
import {
  AbciError,
  InsufficientFeeError,
  InsufficientFundsError,
  InvalidAddressError,
  InvalidCoinsError,
  InvalidPubKeyError,
  InvalidRequestError,
  InvalidSequenceError,
  MessageFailedError,
  NoSuchCodeError,
  NoSuchContractError,
  NotFoundError,
  OutOfGasError,
  TxDecodeError,
  UnauthorizedError,
  UnknownAddressError,
  UnknownRequestError,
  WasmExecuteError,
  WasmInstantiateError,
  WasmInvalidError,
  WasmQueryError,
} from './errors.js';
import { CacheState, WorldState, type Ledger } from './state.js';
import {
  contractAddress,
  decodeAddress,
  moduleAddress,
  pubkeyToAddress,
  sha256,
  toBase64,
  toHexUpper,
  verifySecp256k1,
} from './crypto.js';

export const TYPE_MSG_SEND = '/cosmos.bank.v1beta1.MsgSend';
export const TYPE_MSG_EXECUTE = '/cosmwasm.wasm.v1.MsgExecuteContract';
export const TYPE_MSG_INSTANTIATE = '/cosmwasm.wasm.v1.MsgInstantiateContract';
const TYPE_SECP256K1_PUBKEY = '/cosmos.crypto.secp256k1.PubKey';
const TYPE_BASE_ACCOUNT = '/cosmos.auth.v1beta1.BaseAccount';

/**
 * Deterministic gas schedule: a pure function of the tx, so that `Simulate` and delivery
 * agree (CosmJS "auto" fees multiply the simulated figure by 1.4). Roughly the SDK's
 * magnitudes: 10 gas per tx byte, 1000 per signature, a flat ante cost, per-message costs.
 */
export const GAS = {
  anteFlat: 30_000n,
  perTxByte: 10n,
  perSignature: 1_000n,
  /** Every signer is charged for a 64-byte signature, present or not (simulation). */
  signatureBytes: 64n,
  send: 20_000n,
  perCoin: 1_000n,
  execute: 50_000n,
  instantiate: 80_000n,
  perMsgByte: 10n,
} as const;

export interface AbciEvent {
  type: string;
  attributes: { key: string; value: string; index?: boolean }[];
}

export interface TxResultData {
  code: number;
  codespace: string;
  log: string;
  /** TxMsgData protobuf. */
  data: Uint8Array;
  gasWanted: bigint;
  gasUsed: bigint;
  events: AbciEvent[];
}

type DecodedMsg =
  | { typeUrl: typeof TYPE_MSG_SEND; value: MsgSend }
  | { typeUrl: typeof TYPE_MSG_EXECUTE; value: MsgExecuteContract }
  | { typeUrl: typeof TYPE_MSG_INSTANTIATE; value: MsgInstantiateContract };

export interface CheckedTx {
  bytes: Uint8Array;
  bodyBytes: Uint8Array;
  authInfoBytes: Uint8Array;
  signMode: SignMode;
  memo: string;
  timeoutHeight: bigint;
  feeGranter: string;
  feePayer: string;
  hash: Uint8Array;
  hashHex: string;
  signer: string;
  pubkey: Uint8Array;
  sequence: bigint;
  signature: Uint8Array;
  fee: Coin[];
  feeUnym: bigint;
  gasLimit: bigint;
  gasUsed: bigint;
  msgs: DecodedMsg[];
}

export interface BlockContext {
  height: bigint;
  timeNanos: bigint;
}

export interface AppOptions {
  chainId: string;
  prefix: string;
  denom: string;
  /** Minimum gas price in `denom` per gas unit, enforced at CheckTx (e.g. 0.025). */
  minGasPrice: number;
  codes: ReadonlyMap<number, Contract>;
}

/** What a stored tx looks like to the GetTx query. */
export interface StoredTx {
  hashHex: string;
  height: bigint;
  index: number;
  tx: Uint8Array;
  result: TxResultData;
  time: string;
}

/** Amino JSON forms of the supported messages, for SIGN_MODE_LEGACY_AMINO_JSON (Ledger, Keplr amino). */
const AMINO_TYPES = new AminoTypes({ ...createBankAminoConverters(), ...createWasmAminoConverters() });

function coinsToString(coins: readonly Coin[]): string {
  return coins.map((c) => `${c.amount}${c.denom}`).join(',');
}

function attr(key: string, value: string): { key: string; value: string; index: boolean } {
  return { key, value, index: true };
}

const utf8 = new TextEncoder();
const utf8d = new TextDecoder('utf-8', { fatal: true });

/** JSON.stringify that keeps bigints as decimal strings (CosmWasm Uint128 style). */
export function toJsonBytes(value: unknown): Uint8Array {
  return utf8.encode(
    JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? 'null',
  );
}

function errorText(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

export class App {
  readonly feeCollector: string;
  private readonly minGasPrice: number;
  /** CheckTx view: next expected sequence and fees promised by txs waiting in the mempool. */
  private readonly checkSequences = new Map<string, bigint>();
  private readonly checkFees = new Map<string, bigint>();

  constructor(
    readonly world: WorldState,
    readonly opts: AppOptions,
    private readonly lookupTx: (hashHex: string) => StoredTx | undefined = () => undefined,
  ) {
    this.feeCollector = moduleAddress(opts.prefix, 'fee_collector');
    this.minGasPrice = opts.minGasPrice;
  }

  // ---------------------------------------------------------------- decoding and ante

  /** Decode a TxRaw (or Tx: same field numbers) and its body and auth info. */
  decodeTx(bytes: Uint8Array, simulate: boolean): CheckedTx {
    let raw: TxRaw, body: TxBody, authInfo: AuthInfo;
    try {
      raw = TxRaw.decode(bytes);
      body = TxBody.decode(raw.bodyBytes);
      authInfo = AuthInfo.decode(raw.authInfoBytes);
    } catch (e) {
      throw new TxDecodeError(errorText(e));
    }
    if (body.messages.length === 0) throw new InvalidRequestError('must contain at least one message');
    if (authInfo.signerInfos.length !== 1) {
      throw new UnauthorizedError(`wrong number of signers; expected 1, got ${authInfo.signerInfos.length}`);
    }
    if (!simulate && raw.signatures.length !== 1) {
      throw new UnauthorizedError(`wrong number of signatures; expected 1, got ${raw.signatures.length}`);
    }
    const signerInfo = authInfo.signerInfos[0];
    const mode = signerInfo.modeInfo?.single?.mode;
    if (!simulate && mode !== SignMode.SIGN_MODE_DIRECT && mode !== SignMode.SIGN_MODE_LEGACY_AMINO_JSON) {
      throw new UnauthorizedError(`unsupported sign mode ${String(mode)}`);
    }
    let pubkey: Uint8Array | undefined;
    let signer: string | undefined;
    if (signerInfo.publicKey) {
      if (signerInfo.publicKey.typeUrl !== TYPE_SECP256K1_PUBKEY) {
        throw new InvalidPubKeyError(`unsupported key type ${signerInfo.publicKey.typeUrl}`);
      }
      try {
        pubkey = PubKey.decode(signerInfo.publicKey.value).key;
      } catch (e) {
        throw new TxDecodeError(errorText(e));
      }
      if (pubkey.length !== 33)
        throw new InvalidPubKeyError(`secp256k1 key must be 33 bytes, got ${pubkey.length}`);
      signer = pubkeyToAddress(this.opts.prefix, pubkey);
    }

    const msgs: DecodedMsg[] = [];
    let msgGas = 0n;
    for (const any of body.messages) {
      let sender: string;
      try {
        switch (any.typeUrl) {
          case TYPE_MSG_SEND: {
            const m = MsgSend.decode(any.value);
            msgs.push({ typeUrl: TYPE_MSG_SEND, value: m });
            sender = m.fromAddress;
            this.checkAddress(m.toAddress, 'recipient');
            this.checkCoins(m.amount, false);
            msgGas += GAS.send + GAS.perCoin * BigInt(m.amount.length);
            break;
          }
          case TYPE_MSG_EXECUTE: {
            const m = MsgExecuteContract.decode(any.value);
            msgs.push({ typeUrl: TYPE_MSG_EXECUTE, value: m });
            sender = m.sender;
            this.checkAddress(m.contract, 'contract');
            this.checkCoins(m.funds, true);
            this.checkJson(m.msg);
            msgGas +=
              GAS.execute + GAS.perMsgByte * BigInt(m.msg.length) + GAS.perCoin * BigInt(m.funds.length);
            break;
          }
          case TYPE_MSG_INSTANTIATE: {
            const m = MsgInstantiateContract.decode(any.value);
            msgs.push({ typeUrl: TYPE_MSG_INSTANTIATE, value: m });
            sender = m.sender;
            if (m.admin) this.checkAddress(m.admin, 'admin');
            if (!m.label) throw new WasmInvalidError('label is required');
            this.checkCoins(m.funds, true);
            this.checkJson(m.msg);
            msgGas +=
              GAS.instantiate + GAS.perMsgByte * BigInt(m.msg.length) + GAS.perCoin * BigInt(m.funds.length);
            break;
          }
          default:
            throw new TxDecodeError(`unable to resolve type URL ${any.typeUrl}`);
        }
      } catch (e) {
        if (e instanceof AbciError) throw e;
        throw new TxDecodeError(errorText(e));
      }
      // Without a key in the tx, the signer is the first message's sender, whose key the
      // chain learnt from an earlier tx (as the SDK allows).
      if (signer === undefined) {
        signer = sender;
        pubkey = this.world.getAccount(sender)?.pubkey ?? undefined;
        if (!pubkey) throw new InvalidPubKeyError(`pubkey on account is not set: ${sender}`);
      }
      if (sender !== signer) {
        throw new UnauthorizedError(`pubKey does not match signer address ${sender} with signer index: 0`);
      }
    }
    if (!signer || !pubkey) throw new InvalidPubKeyError('no public key');

    const fee = authInfo.fee?.amount ?? [];
    const gasLimit = authInfo.fee?.gasLimit ?? 0n;
    let feeUnym = 0n;
    for (const c of fee) {
      if (c.denom === this.opts.denom) feeUnym += this.parseAmount(c.amount);
    }
    const txSize = BigInt(raw.bodyBytes.length + raw.authInfoBytes.length) + GAS.signatureBytes;
    const gasUsed = GAS.anteFlat + GAS.perTxByte * txSize + GAS.perSignature + msgGas;
    const hash = sha256(bytes);
    return {
      bytes,
      hash,
      hashHex: toHexUpper(hash),
      signer,
      pubkey,
      sequence: signerInfo.sequence,
      signature: raw.signatures[0] ?? new Uint8Array(),
      fee,
      feeUnym,
      gasLimit,
      gasUsed,
      msgs,
      bodyBytes: raw.bodyBytes,
      authInfoBytes: raw.authInfoBytes,
      signMode: mode ?? SignMode.SIGN_MODE_UNSPECIFIED,
      memo: body.memo,
      timeoutHeight: body.timeoutHeight,
      feeGranter: authInfo.fee?.granter ?? '',
      feePayer: authInfo.fee?.payer ?? '',
    };
  }

  private checkAddress(address: string, what: string): void {
    if (!decodeAddress(this.opts.prefix, address))
      throw new InvalidAddressError(`invalid ${what} address ${address}`);
  }

  private parseAmount(amount: string): bigint {
    if (!/^[0-9]{1,78}$/.test(amount)) throw new InvalidCoinsError(`invalid amount ${amount}`);
    return BigInt(amount);
  }

  private checkCoins(coins: readonly Coin[], allowEmpty: boolean): void {
    if (!allowEmpty && coins.length === 0) throw new InvalidCoinsError('empty amount');
    const seen = new Set<string>();
    for (const c of coins) {
      if (!/^[a-zA-Z][a-zA-Z0-9/:._-]{2,127}$/.test(c.denom))
        throw new InvalidCoinsError(`invalid denom ${c.denom}`);
      if (seen.has(c.denom)) throw new InvalidCoinsError(`duplicate denom ${c.denom}`);
      seen.add(c.denom);
      if (this.parseAmount(c.amount) === 0n) throw new InvalidCoinsError(`zero amount of ${c.denom}`);
    }
  }

  private checkJson(msg: Uint8Array): void {
    try {
      JSON.parse(utf8d.decode(msg));
    } catch {
      throw new WasmInvalidError('msg json');
    }
  }

  /**
   * CheckTx: everything a tx must pass to enter the mempool. On success the signer's
   * check-state sequence is bumped, so that a second tx with the same sequence collides.
   */
  checkTx(bytes: Uint8Array): CheckedTx {
    const { tx, signBytes, accountNumber } = this.precheckTx(bytes);
    if (!verifySecp256k1(tx.pubkey, signBytes, tx.signature)) throw this.signatureError(tx, accountNumber);
    this.admitTx(tx);
    return tx;
  }

  /**
   * The part of CheckTx before the signature: decoding, the account, fee and gas, a replayed
   * sequence, and the bytes to verify. Lets the node verify signatures off the main thread.
   */
  precheckTx(bytes: Uint8Array): { tx: CheckedTx; signBytes: Uint8Array; accountNumber: bigint } {
    const tx = this.decodeTx(bytes, false);
    const account = this.world.getAccount(tx.signer);
    if (!account) throw new UnknownAddressError(`account ${tx.signer} does not exist`);
    // A sequence below the expected one can never become valid (a replay): refuse it before
    // spending a signature check. Higher ones are settled by admitTx, in arrival order.
    const expected = this.checkSequences.get(tx.signer) ?? account.sequence;
    if (tx.sequence < expected) throw new InvalidSequenceError(expected, tx.sequence);
    this.checkFee(tx);
    if (tx.gasLimit < tx.gasUsed) throw new OutOfGasError(tx.gasLimit, tx.gasUsed);
    return { tx, signBytes: this.signBytes(tx, account.number), accountNumber: account.number };
  }

  signatureError(tx: CheckedTx, accountNumber: bigint): UnauthorizedError {
    return new UnauthorizedError(
      `signature verification failed; please verify account number (${accountNumber}), sequence (${tx.sequence}) and chain-id (${this.opts.chainId})`,
    );
  }

  /** The rest of CheckTx once the signature holds: sequence and spendable balance. */
  admitTx(tx: CheckedTx): void {
    const account = this.world.getAccount(tx.signer);
    if (!account) throw new UnknownAddressError(`account ${tx.signer} does not exist`);
    const expected = this.checkSequences.get(tx.signer) ?? account.sequence;
    if (tx.sequence !== expected) throw new InvalidSequenceError(expected, tx.sequence);
    const pending = this.checkFees.get(tx.signer) ?? 0n;
    const balance = this.world.getBalance(tx.signer, this.opts.denom) - pending;
    if (balance < tx.feeUnym) {
      throw new InsufficientFundsError(
        `spendable balance ${balance}${this.opts.denom} is smaller than ${tx.feeUnym}${this.opts.denom}`,
      );
    }
    this.checkSequences.set(tx.signer, expected + 1n);
    this.checkFees.set(tx.signer, pending + tx.feeUnym);
  }

  /** The bytes the signer signed: the protobuf SignDoc, or the sorted amino JSON StdSignDoc. */
  private signBytes(tx: CheckedTx, accountNumber: bigint): Uint8Array {
    if (tx.signMode === SignMode.SIGN_MODE_LEGACY_AMINO_JSON) {
      const fee: StdFee = {
        amount: tx.fee,
        gas: tx.gasLimit.toString(),
        ...(tx.feeGranter ? { granter: tx.feeGranter } : {}),
        ...(tx.feePayer ? { payer: tx.feePayer } : {}),
      };
      let msgs;
      try {
        msgs = tx.msgs.map((m) => AMINO_TYPES.toAmino(m));
      } catch (e) {
        throw new TxDecodeError(`cannot express the messages in amino JSON: ${errorText(e)}`);
      }
      const doc = makeSignDoc(
        msgs,
        fee,
        this.opts.chainId,
        tx.memo,
        accountNumber.toString(),
        tx.sequence.toString(),
        tx.timeoutHeight > 0n ? tx.timeoutHeight : undefined,
      );
      return serializeSignDoc(doc);
    }
    return SignDoc.encode({
      bodyBytes: tx.bodyBytes,
      authInfoBytes: tx.authInfoBytes,
      chainId: this.opts.chainId,
      accountNumber,
    }).finish();
  }

  private checkFee(tx: CheckedTx): void {
    for (const c of tx.fee) {
      if (c.denom !== this.opts.denom) throw new InsufficientFeeError(`fee denom ${c.denom} is not accepted`);
    }
    const required = BigInt(Math.ceil(Number(tx.gasLimit) * this.minGasPrice));
    if (tx.feeUnym < required) {
      throw new InsufficientFeeError(
        `insufficient fees; got: ${coinsToString(tx.fee) || '0' + this.opts.denom} required: ${required}${this.opts.denom}`,
      );
    }
  }

  /** After a block commits, the mempool is empty: the check state is the committed state. */
  resetCheckState(): void {
    this.checkSequences.clear();
    this.checkFees.clear();
  }

  // ---------------------------------------------------------------- delivery

  /**
   * DeliverTx. The ante part (fee, sequence, pubkey) always persists; the messages run in a
   * cache written back only if all succeed. Signatures were verified at CheckTx.
   */
  deliverTx(tx: CheckedTx, block: BlockContext, txIndex: number): TxResultData {
    const world = this.world;
    const account = world.getAccount(tx.signer);
    const base = { data: new Uint8Array(), gasWanted: tx.gasLimit, gasUsed: tx.gasUsed };
    if (!account) {
      const e = new UnknownAddressError(`account ${tx.signer} does not exist`);
      return { ...base, code: e.code, codespace: e.codespace, log: e.log, events: [] };
    }
    if (account.sequence !== tx.sequence) {
      const e = new InvalidSequenceError(account.sequence, tx.sequence);
      return { ...base, code: e.code, codespace: e.codespace, log: e.log, events: [] };
    }
    const balance = world.getBalance(tx.signer, this.opts.denom);
    if (balance < tx.feeUnym) {
      const e = new InsufficientFundsError(
        `spendable balance ${balance}${this.opts.denom} is smaller than ${tx.feeUnym}${this.opts.denom}`,
      );
      return { ...base, code: e.code, codespace: e.codespace, log: e.log, events: [] };
    }
    // Ante effects, kept even when a message fails.
    const events: AbciEvent[] = [];
    if (tx.feeUnym > 0n) {
      const feeStr = `${tx.feeUnym}${this.opts.denom}`;
      world.setBalance(tx.signer, this.opts.denom, balance - tx.feeUnym);
      world.setBalance(
        this.feeCollector,
        this.opts.denom,
        world.getBalance(this.feeCollector, this.opts.denom) + tx.feeUnym,
      );
      events.push(
        { type: 'coin_spent', attributes: [attr('spender', tx.signer), attr('amount', feeStr)] },
        { type: 'coin_received', attributes: [attr('receiver', this.feeCollector), attr('amount', feeStr)] },
        {
          type: 'transfer',
          attributes: [
            attr('recipient', this.feeCollector),
            attr('sender', tx.signer),
            attr('amount', feeStr),
          ],
        },
        { type: 'message', attributes: [attr('sender', tx.signer)] },
      );
    }
    events.push(
      { type: 'tx', attributes: [attr('fee', coinsToString(tx.fee)), attr('fee_payer', tx.signer)] },
      { type: 'tx', attributes: [attr('acc_seq', `${tx.signer}/${tx.sequence}`)] },
      { type: 'tx', attributes: [attr('signature', toBase64(tx.signature))] },
    );
    world.setAccount({ ...account, sequence: account.sequence + 1n, pubkey: account.pubkey ?? tx.pubkey });

    const cache = new CacheState(world, world);
    try {
      const { msgEvents, responses } = this.runMsgs(cache, tx, block, txIndex);
      cache.write();
      return {
        ...base,
        code: 0,
        codespace: '',
        log: '',
        data: TxMsgData.encode({ data: [], msgResponses: responses }).finish(),
        events: [...events, ...msgEvents],
      };
    } catch (e) {
      const err = this.asAbciError(e);
      return { ...base, code: err.code, codespace: err.codespace, log: err.log, events };
    }
  }

  private asAbciError(e: unknown): AbciError {
    if (e instanceof AbciError) return e;
    return new WasmExecuteError(errorText(e));
  }

  private runMsgs(
    ledger: Ledger,
    tx: CheckedTx,
    block: BlockContext,
    txIndex: number,
  ): { msgEvents: AbciEvent[]; responses: Any[] } {
    const msgEvents: AbciEvent[] = [];
    const responses: Any[] = [];
    tx.msgs.forEach((msg, i) => {
      const idx = attr('msg_index', String(i));
      const withIndex = (evs: AbciEvent[]): AbciEvent[] =>
        evs.map((e) => ({ type: e.type, attributes: [...e.attributes, idx] }));
      const message = (action: string, sender: string, module: string): AbciEvent => ({
        type: 'message',
        attributes: [attr('action', action), attr('sender', sender), attr('module', module), idx],
      });
      try {
        switch (msg.typeUrl) {
          case TYPE_MSG_SEND: {
            const m = msg.value;
            msgEvents.push(message(TYPE_MSG_SEND, m.fromAddress, 'bank'));
            msgEvents.push(...withIndex(this.transfer(ledger, m.fromAddress, m.toAddress, m.amount)));
            responses.push({
              typeUrl: '/cosmos.bank.v1beta1.MsgSendResponse',
              value: MsgSendResponse.encode({}).finish(),
            });
            break;
          }
          case TYPE_MSG_EXECUTE: {
            const m = msg.value;
            msgEvents.push(message(TYPE_MSG_EXECUTE, m.sender, 'wasm'));
            const { events, data } = this.execute(ledger, m, block);
            msgEvents.push(...withIndex(events));
            responses.push({
              typeUrl: '/cosmwasm.wasm.v1.MsgExecuteContractResponse',
              value: MsgExecuteContractResponse.encode({ data }).finish(),
            });
            break;
          }
          case TYPE_MSG_INSTANTIATE: {
            const m = msg.value;
            msgEvents.push(message(TYPE_MSG_INSTANTIATE, m.sender, 'wasm'));
            const { events, data, address } = this.instantiate(ledger, m, block, txIndex);
            msgEvents.push(...withIndex(events));
            responses.push({
              typeUrl: '/cosmwasm.wasm.v1.MsgInstantiateContractResponse',
              value: MsgInstantiateContractResponse.encode({ address, data }).finish(),
            });
            break;
          }
        }
      } catch (e) {
        const err = this.asAbciError(e);
        // wasmd/SDK prefix: "failed to execute message; message index: N: <log>"
        throw new MessageFailedError(i, err);
      }
    });
    return { msgEvents, responses };
  }

  /** Bank transfer; creates the recipient's account as x/bank does. */
  transfer(ledger: Ledger, from: string, to: string, coins: readonly Coin[]): AbciEvent[] {
    if (coins.length === 0) return [];
    for (const c of coins) {
      const amount = BigInt(c.amount);
      const have = ledger.getBalance(from, c.denom);
      if (have < amount) {
        throw new InsufficientFundsError(
          `spendable balance ${have}${c.denom} is smaller than ${amount}${c.denom}`,
        );
      }
      ledger.setBalance(from, c.denom, have - amount);
      ledger.setBalance(to, c.denom, ledger.getBalance(to, c.denom) + amount);
    }
    if (!ledger.getAccount(to)) {
      ledger.setAccount({ address: to, number: ledger.takeAccountNumber(), sequence: 0n, pubkey: null });
    }
    const amount = coinsToString(coins);
    return [
      { type: 'coin_spent', attributes: [attr('spender', from), attr('amount', amount)] },
      { type: 'coin_received', attributes: [attr('receiver', to), attr('amount', amount)] },
      { type: 'transfer', attributes: [attr('recipient', to), attr('sender', from), attr('amount', amount)] },
    ];
  }

  /** The contract's Env; its querier reads balances from `ledger` (the tx cache, when in a tx). */
  private env(block: BlockContext, address: string, ledger: Ledger = this.world): Env {
    return {
      block: { height: Number(block.height), timeNanos: block.timeNanos, chainId: this.opts.chainId },
      contract: { address },
      querier: { balance: (addr, denom) => ledger.getBalance(addr, denom).toString() },
    };
  }

  private codeOf(codeId: bigint): Contract {
    const c = this.opts.codes.get(Number(codeId));
    if (!c) throw new NoSuchCodeError(codeId);
    return c;
  }

  /** Turn a contract Response into wasm events plus dispatched bank sends. */
  private applyResponse(
    ledger: Ledger,
    address: string,
    response: { attributes: { key: string; value: string }[]; events: ContractEvent[]; messages: unknown[] },
    ErrorClass: new (d: string) => AbciError,
  ): AbciEvent[] {
    const events: AbciEvent[] = [];
    const checkKeys = (attrs: { key: string; value: string }[]): void => {
      for (const a of attrs) {
        if (typeof a.key !== 'string' || a.key.trim() === '' || a.key.startsWith('_')) {
          throw new ErrorClass(`invalid attribute key ${JSON.stringify(a.key)}`);
        }
        if (typeof a.value !== 'string') throw new ErrorClass(`invalid attribute value for ${a.key}`);
      }
    };
    checkKeys(response.attributes);
    if (response.attributes.length > 0) {
      events.push({
        type: 'wasm',
        attributes: [
          attr('_contract_address', address),
          ...response.attributes.map((a) => attr(a.key, a.value)),
        ],
      });
    }
    for (const ev of response.events) {
      if (!ev.type || ev.type.length < 2)
        throw new ErrorClass(`invalid event type ${JSON.stringify(ev.type)}`);
      checkKeys(ev.attributes);
      events.push({
        type: `wasm-${ev.type}`,
        attributes: [attr('_contract_address', address), ...ev.attributes.map((a) => attr(a.key, a.value))],
      });
    }
    for (const sub of response.messages) {
      const send = (sub as { bank?: { send?: { to_address: string; amount: Coin[] } } }).bank?.send;
      if (!send || typeof send.to_address !== 'string' || !Array.isArray(send.amount)) {
        throw new ErrorClass('unsupported sub-message');
      }
      if (!decodeAddress(this.opts.prefix, send.to_address)) {
        throw new InvalidAddressError(`invalid recipient address ${send.to_address}`);
      }
      this.checkCoins(send.amount, true);
      events.push(...this.transfer(ledger, address, send.to_address, send.amount));
    }
    return events;
  }

  private execute(
    ledger: Ledger,
    m: MsgExecuteContract,
    block: BlockContext,
  ): { events: AbciEvent[]; data: Uint8Array } {
    const record = ledger.getContract(m.contract);
    if (!record) throw new NoSuchContractError(m.contract);
    const code = this.codeOf(record.codeId);
    const events = this.transfer(ledger, m.sender, m.contract, m.funds);
    const msg: unknown = JSON.parse(utf8d.decode(m.msg));
    // The contract gets a private copy: a failing execute must leave no trace.
    const state = structuredClone(ledger.getContractState(m.contract));
    let result;
    try {
      result = code.execute(
        state,
        this.env(block, m.contract, ledger),
        { sender: m.sender, funds: m.funds },
        msg,
      );
    } catch (e) {
      throw new WasmExecuteError(errorText(e));
    }
    ledger.setContractState(m.contract, result.state);
    events.push({ type: 'execute', attributes: [attr('_contract_address', m.contract)] });
    events.push(...this.applyResponse(ledger, m.contract, result.response, WasmExecuteError));
    return { events, data: result.response.data ?? new Uint8Array() };
  }

  private instantiate(
    ledger: Ledger,
    m: MsgInstantiateContract,
    block: BlockContext,
    txIndex: number,
  ): { events: AbciEvent[]; data: Uint8Array; address: string } {
    const code = this.codeOf(m.codeId);
    const instanceId = ledger.takeInstanceId();
    const address = contractAddress(this.opts.prefix, m.codeId, instanceId);
    ledger.setContract({
      address,
      codeId: m.codeId,
      instanceId,
      label: m.label,
      creator: m.sender,
      admin: m.admin,
      createdHeight: block.height,
      createdIndex: BigInt(txIndex),
    });
    if (!ledger.getAccount(address)) {
      ledger.setAccount({ address, number: ledger.takeAccountNumber(), sequence: 0n, pubkey: null });
    }
    const events = this.transfer(ledger, m.sender, address, m.funds);
    const msg: unknown = JSON.parse(utf8d.decode(m.msg));
    let result;
    try {
      result = code.instantiate(this.env(block, address, ledger), { sender: m.sender, funds: m.funds }, msg);
    } catch (e) {
      throw new WasmInstantiateError(errorText(e));
    }
    ledger.setContractState(address, result.state);
    events.push({
      type: 'instantiate',
      attributes: [attr('_contract_address', address), attr('code_id', m.codeId.toString())],
    });
    events.push(...this.applyResponse(ledger, address, result.response, WasmInstantiateError));
    return { events, data: result.response.data ?? new Uint8Array(), address };
  }

  /** Instantiate at genesis (no fee, no signature), as a genesis `instantiate` entry. */
  genesisInstantiate(
    sender: string,
    codeId: number,
    label: string,
    msg: unknown,
    block: BlockContext,
  ): { address: string; events: AbciEvent[] } {
    const cache = new CacheState(this.world, this.world);
    const r = this.instantiate(
      cache,
      MsgInstantiateContract.fromPartial({
        sender,
        admin: sender,
        codeId: BigInt(codeId),
        label,
        msg: toJsonBytes(msg),
        funds: [],
      }),
      block,
      0,
    );
    cache.write();
    return { address: r.address, events: r.events };
  }

  /** BeginBlock: each contract's optional hook; a failing hook is skipped and reported. */
  beginBlock(block: BlockContext, onError: (address: string, e: unknown) => void): AbciEvent[] {
    const events: AbciEvent[] = [];
    for (const record of this.world.contracts.values()) {
      const code = this.opts.codes.get(Number(record.codeId));
      if (!code?.beginBlock) continue;
      const cache = new CacheState(this.world, this.world);
      try {
        const state = structuredClone(this.world.getContractState(record.address));
        const r = code.beginBlock(state, this.env(block, record.address, cache));
        if (!r) continue;
        cache.setContractState(record.address, r.state);
        const evs = this.applyResponse(cache, record.address, r.response, WasmExecuteError);
        cache.write();
        events.push(...evs.map((e) => ({ ...e, attributes: [...e.attributes, attr('mode', 'BeginBlock')] })));
      } catch (e) {
        onError(record.address, e);
      }
    }
    return events;
  }

  /**
   * The earliest block time at which a contract's beginBlock has work (the next epoch), so a
   * chain that skips empty blocks still makes one then. Null when no contract has a schedule.
   */
  nextScheduledNanos(): bigint | null {
    let next: bigint | null = null;
    for (const record of this.world.contracts.values()) {
      const code = this.opts.codes.get(Number(record.codeId));
      if (!code?.nextScheduledNanos) continue;
      try {
        const due = code.nextScheduledNanos(this.world.getContractState(record.address));
        if (due !== null && (next === null || due < next)) next = due;
      } catch {
        // A contract whose state it cannot read has no schedule; its beginBlock reports why.
      }
    }
    return next;
  }

  /**
   * Run each contract's `migrate` over its loaded state (as CosmWasm's migrate entry point),
   * keeping the result as dirty state for the next commit. Returns the migrated addresses.
   */
  migrateContracts(): string[] {
    const migrated: string[] = [];
    for (const record of this.world.contracts.values()) {
      const code = this.opts.codes.get(Number(record.codeId));
      if (!code?.migrate) continue;
      const next = code.migrate(structuredClone(this.world.getContractState(record.address)));
      if (next === null) continue;
      this.world.setContractState(record.address, next);
      migrated.push(record.address);
    }
    return migrated;
  }

  // ---------------------------------------------------------------- queries

  /** ABCI query by gRPC path; returns the protobuf response bytes or throws an AbciError. */
  query(path: string, data: Uint8Array, block: BlockContext): Uint8Array {
    try {
      return this.queryInner(path, data, block);
    } catch (e) {
      if (e instanceof AbciError) throw e;
      throw new TxDecodeError(errorText(e));
    }
  }

  private queryInner(path: string, data: Uint8Array, block: BlockContext): Uint8Array {
    const w = this.world;
    switch (path) {
      case '/cosmos.auth.v1beta1.Query/Account': {
        const req = QueryAccountRequest.decode(data);
        const a = w.getAccount(req.address);
        if (!a) throw new NotFoundError(`rpc error: code = NotFound desc = account ${req.address} not found`);
        const account = BaseAccount.encode({
          address: a.address,
          pubKey: a.pubkey
            ? { typeUrl: TYPE_SECP256K1_PUBKEY, value: PubKey.encode({ key: a.pubkey }).finish() }
            : undefined,
          accountNumber: a.number,
          sequence: a.sequence,
        }).finish();
        return QueryAccountResponse.encode({
          account: { typeUrl: TYPE_BASE_ACCOUNT, value: account },
        }).finish();
      }
      case '/cosmos.bank.v1beta1.Query/Balance': {
        const req = QueryBalanceRequest.decode(data);
        if (!decodeAddress(this.opts.prefix, req.address))
          throw new InvalidAddressError(`invalid address ${req.address}`);
        return QueryBalanceResponse.encode({
          balance: { denom: req.denom, amount: w.getBalance(req.address, req.denom).toString() },
        }).finish();
      }
      case '/cosmos.bank.v1beta1.Query/AllBalances': {
        const req = QueryAllBalancesRequest.decode(data);
        if (!decodeAddress(this.opts.prefix, req.address))
          throw new InvalidAddressError(`invalid address ${req.address}`);
        const balances = w
          .allBalances(req.address)
          .map((b) => ({ denom: b.denom, amount: b.amount.toString() }));
        return QueryAllBalancesResponse.encode({
          balances,
          pagination: { nextKey: new Uint8Array(), total: BigInt(balances.length) },
        }).finish();
      }
      case '/cosmwasm.wasm.v1.Query/SmartContractState': {
        const req = QuerySmartContractStateRequest.decode(data);
        const record = w.getContract(req.address);
        if (!record) throw new NoSuchContractError(req.address);
        const code = this.codeOf(record.codeId);
        let msg: unknown;
        try {
          msg = JSON.parse(utf8d.decode(req.queryData));
        } catch {
          throw new WasmInvalidError('query data must be json');
        }
        let result: unknown;
        try {
          // Queries get the committed object itself: contracts must not mutate in `query`.
          result = code.query(w.getContractState(req.address), this.env(block, req.address), msg);
        } catch (e) {
          throw new WasmQueryError(`Generic error: ${errorText(e)}`);
        }
        return QuerySmartContractStateResponse.encode({ data: toJsonBytes(result) }).finish();
      }
      case '/cosmwasm.wasm.v1.Query/RawContractState': {
        const req = QueryRawContractStateRequest.decode(data);
        if (!w.getContract(req.address)) throw new NoSuchContractError(req.address);
        const state = w.getContractState(req.address);
        const key = utf8d.decode(req.queryData);
        const value =
          state && typeof state === 'object' && Object.prototype.hasOwnProperty.call(state, key)
            ? toJsonBytes((state as Record<string, unknown>)[key])
            : new Uint8Array();
        return QueryRawContractStateResponse.encode({ data: value }).finish();
      }
      case '/cosmwasm.wasm.v1.Query/ContractInfo': {
        const req = QueryContractInfoRequest.decode(data);
        const r = w.getContract(req.address);
        if (!r) throw new NoSuchContractError(req.address);
        return QueryContractInfoResponse.encode({
          address: r.address,
          contractInfo: {
            codeId: r.codeId,
            creator: r.creator,
            admin: r.admin,
            label: r.label,
            created: { blockHeight: r.createdHeight, txIndex: r.createdIndex },
            ibcPortId: '',
            ibc2PortId: '',
          },
        }).finish();
      }
      case '/cosmos.tx.v1beta1.Service/Simulate': {
        const req = SimulateRequest.decode(data);
        const txBytes =
          req.txBytes.length > 0 ? req.txBytes : req.tx ? Tx.encode(req.tx).finish() : new Uint8Array();
        return this.simulate(txBytes, block);
      }
      case '/cosmos.tx.v1beta1.Service/GetTx': {
        const req = GetTxRequest.decode(data);
        const stored = this.lookupTx(req.hash.toUpperCase());
        if (!stored) throw new NotFoundError(`rpc error: code = NotFound desc = tx not found: ${req.hash}`);
        const tx = Tx.decode(stored.tx);
        const r = stored.result;
        return GetTxResponse.encode({
          tx,
          txResponse: TxResponse.fromPartial({
            height: stored.height,
            txhash: stored.hashHex,
            codespace: r.codespace,
            code: r.code,
            data: toHexUpper(r.data),
            rawLog: r.log,
            logs: [],
            info: '',
            gasWanted: r.gasWanted,
            gasUsed: r.gasUsed,
            tx: { typeUrl: '/cosmos.tx.v1beta1.Tx', value: stored.tx },
            timestamp: stored.time,
            events: r.events.map((e) => ({
              type: e.type,
              attributes: e.attributes.map((a) => ({ key: a.key, value: a.value, index: true })),
            })),
          }),
        }).finish();
      }
      default:
        throw new UnknownRequestError(`unknown query path ${path}`);
    }
  }

  /** Simulate: ante checks but no signature, then the messages in a throwaway cache. */
  private simulate(txBytes: Uint8Array, block: BlockContext): Uint8Array {
    const tx = this.decodeTx(txBytes, true);
    const account = this.world.getAccount(tx.signer);
    if (!account) throw new UnknownAddressError(`account ${tx.signer} does not exist`);
    if (tx.sequence !== account.sequence) throw new InvalidSequenceError(account.sequence, tx.sequence);
    const cache = new CacheState(this.world, this.world);
    const { msgEvents, responses } = this.runMsgs(cache, tx, block, 0);
    return SimulateResponse.encode({
      gasInfo: { gasWanted: tx.gasLimit, gasUsed: tx.gasUsed },
      result: {
        data: new Uint8Array(),
        log: '',
        events: msgEvents.map((e) => ({
          type: e.type,
          attributes: e.attributes.map((a) => ({ key: a.key, value: a.value, index: true })),
        })),
        msgResponses: responses,
      },
    }).finish();
  }
}
