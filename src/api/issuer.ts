/**
 * Credential issuance at one nym-api instance: check the deposit on chain, check the
 * request, blind-sign with this instance's key share, encrypt the share to the depositor.
 *
 * Order of checks (cheap and local first, chain second, pairing-heavy work last):
 *   1. body schema (schema.ts), public attributes = H(plain), request decodes
 *   2. deposit signed for here before (SQLite)? Then answer as a repeat (below).
 *   3. the tx exists (CosmJS getTx), succeeded, carries a deposit_funds message to the
 *      bandwidth contract with funds, and the contract's `deposited-funds` event
 *   4. the deposit's value and info equal the plain public attributes
 *   5. ed25519 signature by the deposit's identity key over request bytes ‖ tx hash
 *      (as Nym: only the depositor can ask for a credential on its deposit)
 *   6. blind-sign (verifies the request's proof of knowledge first)
 *   7. record the deposit with the request digest and the sealed share, atomically, then
 *      answer; a concurrent duplicate loses at 7 and answers as a repeat.
 *
 * A repeat (idempotence, as Nym's nym-api `signed_before`): the same request for the same
 * deposit, signed by the deposit's identity key, gets the stored sealed share, byte for
 * byte; a different request gets `deposit_used_for_other_request`. Whoever replays a
 * captured request gains nothing (the share is sealed to the depositor's key) and takes
 * nothing from the depositor, who gets the same share when it asks.
 */
import type { IndexedTx } from '@cosmjs/stargate';
import { fromUtf8 } from '@cosmjs/encoding';
import { createHash, createPublicKey, verify as nodeVerify } from 'node:crypto';
import { base58 } from '@scure/base';
import { TxBody, TxRaw } from 'cosmjs-types/cosmos/tx/v1beta1/tx';
import { MsgExecuteContract } from 'cosmjs-types/cosmwasm/wasm/v1/tx';
import {
  codecsFor,
  CoconutError,
  fr,
  blindSign,
  MAX_VOUCHER_VALUE,
  prepareVerificationKey,
  verifyVoucherCredential,
  voucherPublicAttributes,
} from '../coconut/index.js';
import type { RandomBytes, BlindSignRequest, Parameters, PreparedVerificationKey } from '../coconut/index.js';
import { sealShare } from '../api-client/envelope.js';
import { blindSignSignatureMessage } from './schema.js';
import {
  DepositAlreadyUsedError,
  DepositFailedError,
  DepositNotFoundError,
  DepositRequestMismatchError,
  DepositSignatureError,
  DepositValueMismatchError,
  InconsistentPublicAttributesError,
  InvalidBlindSignRequestError,
  InvalidCredentialError,
  InvalidRequestError,
  NotADepositError,
} from './errors.js';
import type { KeyShare } from './keys.js';
import type {
  BlindSignRequestBody,
  BlindedSignatureResponse,
  VerifyCredentialBody,
  VerifyCredentialResponse,
} from './schema.js';
import type { DepositStore, UsedDeposit } from './store.js';

/** The bandwidth contract's deposit event (after Nym's coconut-bandwidth contract). */
export const DEPOSIT_EVENT = 'wasm-deposited-funds';
export const DEPOSIT_VALUE = 'deposit_value';
export const DEPOSIT_INFO = 'deposit_info';
export const DEPOSIT_IDENTITY_KEY = 'deposit_identity_key';
export const DEPOSIT_ENCRYPTION_KEY = 'deposit_encryption_key';

/** What the issuer reads from the chain. */
export interface IssuerChain {
  /** CosmJS `getTx`: null when no tx has this hash. */
  getTx(hash: string, signal: AbortSignal): Promise<IndexedTx | null>;
  /** Whether the bandwidth contract records this blinded serial number (base58) as spent. */
  isSpent(blindedSerialNumber: string, signal: AbortSignal): Promise<boolean>;
}

/** A deposit as read from its transaction. */
export interface DepositRecord {
  txHash: string;
  height: number;
  amount: string;
  denom: string;
  info: string;
  identityKey: string;
  encryptionKey: string;
}

const attr = (
  ev: { attributes: readonly { key: string; value: string }[] },
  key: string,
): string | undefined => ev.attributes.find((a) => a.key === key)?.value;

/**
 * Read the deposit a tx made on `bandwidthContract`. Throws the typed refusal when the tx
 * failed or is not exactly one deposit on that contract.
 */
export function depositFromTx(tx: IndexedTx, bandwidthContract: string, denom: string): DepositRecord {
  const hash = tx.hash.toUpperCase();
  if (tx.code !== 0) throw new DepositFailedError(hash, tx.code);
  // The message: one deposit_funds to the bandwidth contract, paying in the deposit denom.
  let deposits: MsgExecuteContract[];
  try {
    const body = TxBody.decode(TxRaw.decode(tx.tx).bodyBytes);
    deposits = body.messages
      .filter((m) => m.typeUrl === '/cosmwasm.wasm.v1.MsgExecuteContract')
      .map((m) => MsgExecuteContract.decode(m.value))
      .filter((m) => m.contract === bandwidthContract && isDepositMsg(m.msg));
  } catch {
    throw new NotADepositError(hash, 'the transaction cannot be decoded');
  }
  if (deposits.length === 0)
    throw new NotADepositError(hash, 'no deposit_funds message to the bandwidth contract');
  if (deposits.length > 1) throw new NotADepositError(hash, 'more than one deposit in the transaction');
  // The event the contract emitted (wasmd tags it with the emitting contract's address).
  const events = tx.events.filter(
    (e) => e.type === DEPOSIT_EVENT && attr(e, '_contract_address') === bandwidthContract,
  );
  if (events.length !== 1)
    throw new NotADepositError(hash, 'no deposited-funds event from the bandwidth contract');
  const ev = events[0];
  const value = attr(ev, DEPOSIT_VALUE);
  const info = attr(ev, DEPOSIT_INFO);
  const identityKey = attr(ev, DEPOSIT_IDENTITY_KEY);
  const encryptionKey = attr(ev, DEPOSIT_ENCRYPTION_KEY);
  if (value === undefined || info === undefined || identityKey === undefined || encryptionKey === undefined) {
    throw new NotADepositError(hash, 'the deposited-funds event lacks value, info or keys');
  }
  const m = /^(\d{1,39})([a-zA-Z][a-zA-Z0-9/:._-]{2,127})$/.exec(value);
  if (!m) throw new NotADepositError(hash, `deposit value '${value}' is not a coin`);
  const [, amount, coinDenom] = m;
  if (coinDenom !== denom) throw new NotADepositError(hash, `deposit is in ${coinDenom}, not ${denom}`);
  // The funds attached to the message must pay what the event claims.
  const paid = deposits[0].funds.find((c) => c.denom === denom);
  if (!paid || BigInt(paid.amount) !== BigInt(amount)) {
    throw new NotADepositError(hash, 'the message funds do not match the deposit value');
  }
  return { txHash: hash, height: tx.height, amount, denom, info, identityKey, encryptionKey };
}

function isDepositMsg(msg: Uint8Array): boolean {
  try {
    const o = JSON.parse(fromUtf8(msg)) as unknown;
    return typeof o === 'object' && o !== null && 'deposit_funds' in o;
  } catch {
    return false;
  }
}

/** ed25519 verification with node:crypto (~50 µs, against ~1.5 ms in pure JavaScript). */
function verifyEd25519(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  try {
    const key = createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') },
      format: 'jwk',
    });
    return nodeVerify(null, message, key, signature);
  } catch {
    return false;
  }
}

function decodeKey(s: string): Uint8Array | null {
  try {
    const b = base58.decode(s);
    return b.length === 32 ? b : null;
  } catch {
    return null;
  }
}

const DIGEST_DOMAIN = new TextEncoder().encode('nymph/nym-api/blind-sign-request/v1');

/**
 * What makes two blind-sign requests "the same": SHA-256 over the domain tag, then each
 * field as u32 big-endian length ‖ bytes, in this order:
 *   request bytes (decoded blind_sign_request) ‖ tx hash (upper-case hex, ASCII) ‖
 *   total_params (decimal, ASCII) ‖ each public_attributes_plain (UTF-8)
 * The hashed public attributes are left out (they are checked to be H(plain)); so is the
 * signature, which a repeat must carry by the deposit's key but need not repeat bit for bit.
 */
export function blindSignRequestDigest(body: BlindSignRequestBody, requestBytes: Uint8Array): string {
  const h = createHash('sha256').update(DIGEST_DOMAIN);
  const field = (bytes: Uint8Array): void => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(bytes.length);
    h.update(len).update(bytes);
  };
  const utf8 = (t: string): Uint8Array => Buffer.from(t, 'utf8');
  field(requestBytes);
  field(utf8(body.tx_hash.toUpperCase()));
  field(utf8(String(body.total_params)));
  for (const p of body.public_attributes_plain) field(utf8(p));
  return h.digest('hex');
}

export interface IssuerOptions {
  params: Parameters;
  key: KeyShare;
  chain: IssuerChain;
  store: DepositStore;
  bandwidthContract: string;
  denom: string;
  rng: RandomBytes;
  now?: () => Date;
}

export class CredentialIssuer {
  private readonly codecs;
  private readonly vkBase58: string;
  /** The aggregated key with its public-attribute parts cached across verifications. */
  private readonly aggregatedKey: PreparedVerificationKey;

  constructor(private readonly o: IssuerOptions) {
    this.codecs = codecsFor(o.params.backend);
    this.vkBase58 = this.codecs.verificationKey.toBase58(o.key.verificationKey);
    this.aggregatedKey = prepareVerificationKey(o.key.aggregatedVerificationKey);
  }

  /** `GET /v1/coconut/verification-key`. */
  verificationKey(): {
    key: string;
    index: number;
    threshold: number;
    authorities: number;
    attributes: number;
  } {
    const k = this.o.key;
    return {
      key: this.vkBase58,
      index: k.index,
      threshold: k.threshold,
      authorities: k.authorities,
      attributes: k.attributes,
    };
  }

  get keyIndex(): number {
    return this.o.key.index;
  }

  /** Decode the request and check the public attributes are the hashes of the plain ones. */
  private checkRequest(body: BlindSignRequestBody): {
    request: BlindSignRequest;
    requestBytes: Uint8Array;
    publicAttributes: bigint[];
  } {
    const { key, params } = this.o;
    if (body.total_params !== key.attributes) {
      throw new InvalidRequestError(
        'total_params',
        `this issuer signs credentials of ${key.attributes} attributes`,
      );
    }
    if (body.public_attributes.length !== 2) {
      throw new InvalidRequestError('public_attributes', 'a bandwidth voucher has 2 public attributes');
    }
    const [value, info] = body.public_attributes_plain;
    if (!/^(0|[1-9]\d{0,19})$/.test(value) || BigInt(value) > MAX_VOUCHER_VALUE) {
      throw new InvalidRequestError('public_attributes_plain[0]', 'the voucher value must be a decimal u64');
    }
    const expected = voucherPublicAttributes(BigInt(value), info);
    expected.forEach((s, i) => {
      if (base58.encode(fr.toBytes(s)) !== body.public_attributes[i])
        throw new InconsistentPublicAttributesError(i);
    });
    let requestBytes: Uint8Array;
    let request: BlindSignRequest;
    try {
      requestBytes = base58.decode(body.blind_sign_request);
      request = this.codecs.blindSignRequest.decode(params.backend, requestBytes);
    } catch (err) {
      throw new InvalidBlindSignRequestError(err instanceof CoconutError ? err.message : 'not decodable');
    }
    if (request.privateAttributeCommitments.length + 2 !== key.attributes) {
      throw new InvalidBlindSignRequestError(`expected ${key.attributes - 2} private attribute commitments`);
    }
    return { request, requestBytes, publicAttributes: expected };
  }

  /** `POST /v1/coconut/bandwidth/blind-sign`. */
  async blindSign(body: BlindSignRequestBody, signal: AbortSignal): Promise<BlindedSignatureResponse> {
    const { store, chain, params, key } = this.o;
    const { request, requestBytes, publicAttributes } = this.checkRequest(body);
    const txHash = body.tx_hash.toUpperCase();
    const digest = blindSignRequestDigest(body, requestBytes);
    const used = store.get(txHash);
    if (used) return this.answerRepeat(used, body, requestBytes, digest);

    const tx = await chain.getTx(txHash, signal);
    if (!tx) throw new DepositNotFoundError(txHash);
    const deposit = depositFromTx(tx, this.o.bandwidthContract, this.o.denom);
    const [value, info] = body.public_attributes_plain;
    if (BigInt(value) !== BigInt(deposit.amount)) {
      throw new DepositValueMismatchError('deposit_value', deposit.amount, value);
    }
    if (info !== deposit.info) throw new DepositValueMismatchError('deposit_info', deposit.info, info);

    const identity = decodeKey(deposit.identityKey);
    const encryption = decodeKey(deposit.encryptionKey);
    if (!identity || !encryption)
      throw new NotADepositError(txHash, 'the deposit keys are not 32-byte base58');
    const sigOk = verifyEd25519(
      base58.decode(body.signature),
      blindSignSignatureMessage(requestBytes, txHash),
      identity,
    );
    if (!sigOk) throw new DepositSignatureError(txHash, deposit.identityKey);

    let blinded;
    try {
      blinded = blindSign(params, key.secretKey, request, publicAttributes);
    } catch (err) {
      if (err instanceof CoconutError) throw new InvalidBlindSignRequestError(err.message);
      throw err;
    }
    const share = this.codecs.blindedSignature.encode(blinded);

    let sealed: BlindedSignatureResponse;
    try {
      sealed = sealShare(share, encryption, txHash, this.o.rng(32));
    } catch {
      // x25519 refuses low-order keys; such a deposit can never be served.
      throw new NotADepositError(txHash, 'the deposit encryption key is not a usable x25519 key');
    }
    const prev = store.claim({
      txHash,
      usedAt: (this.o.now?.() ?? new Date()).toISOString(),
      identityKey: deposit.identityKey,
      value: `${deposit.amount}${deposit.denom}`,
      requestDigest: digest,
      share: sealed,
    });
    // A concurrent request for the deposit recorded first: answer what it recorded.
    if (prev) return this.answerRepeat(prev, body, requestBytes, digest);
    return sealed;
  }

  /**
   * A request for a deposit already signed for here: the stored sealed share if it is the
   * same request, signed by the deposit's identity key (kept in the record, so no chain
   * lookup); refused otherwise.
   */
  private answerRepeat(
    used: UsedDeposit,
    body: BlindSignRequestBody,
    requestBytes: Uint8Array,
    digest: string,
  ): BlindedSignatureResponse {
    const identity = decodeKey(used.identityKey);
    const message = blindSignSignatureMessage(requestBytes, used.txHash);
    if (!identity || !verifyEd25519(base58.decode(body.signature), message, identity)) {
      throw new DepositSignatureError(used.txHash, used.identityKey);
    }
    if (!used.share || !used.requestDigest) throw new DepositAlreadyUsedError(used.txHash, used.usedAt);
    if (used.requestDigest !== digest) throw new DepositRequestMismatchError(used.txHash, used.usedAt);
    return { ...used.share };
  }

  /** `POST /v1/coconut/bandwidth/verify-bandwidth-credential`. */
  async verifyCredential(body: VerifyCredentialBody, signal: AbortSignal): Promise<VerifyCredentialResponse> {
    const { params, key, chain } = this.o;
    const c = body.credential;
    if (c.n_params !== key.attributes) {
      throw new InvalidCredentialError(`this issuer's credentials have ${key.attributes} attributes`);
    }
    let theta;
    try {
      theta = this.codecs.theta.fromBase58(params.backend, c.theta);
    } catch (err) {
      throw new InvalidCredentialError(err instanceof CoconutError ? err.message : 'theta is not decodable');
    }
    const zeta = this.codecs.g2Point.toBase58(theta.blindedSerialNumber);
    let ok = true;
    try {
      verifyVoucherCredential(params, this.aggregatedKey, theta, BigInt(c.voucher_value), c.voucher_info);
    } catch (err) {
      if (!(err instanceof CoconutError)) throw err;
      ok = false;
    }
    const spent = await chain.isSpent(zeta, signal);
    return { verification_result: ok, blinded_serial_number: zeta, spent };
  }
}
