/**
 * The decoders fuzzed (issue 16, "the suite"): each names its entry points, valid seed
 * inputs made by Nymph's own encoders, and the typed error that is its only allowed way to
 * refuse input (a class of the module, with a `code`).
 *
 *   sphinx          unwrapPacket (a node's key), surbFromBytes, decodeNodeAddress
 *   node_frame      FrameDecoder.push: node-to-node TCP framing (src/node/framing.ts)
 *   gateway_frame   decodeForwardFrame (AEAD-sealed), decodeMixPacket v1/v2, decodePushedFrame,
 *                   splitSurbAck, readNymAddress, decodeCredentialPayload
 *   gateway_text    parseClientRequest, parseGatewayResponse: Nym's JSON client protocol
 *   native_api      the native client's websocket API: decodeBinaryRequest, decodeTextRequest
 *   socks           SocksHandshake.feed (an app's SOCKS4/4a/5 bytes, split into two chunks),
 *                   decodeProviderResponse (what the SOCKS client reads from the mixnet)
 *   requester       decodeProviderRequest: what the network requester reads from the mixnet
 *   jsonrpc         the localnet chain's JSON-RPC body: JSON, envelope, each method's params
 *   tx              the localnet chain's tx decoder (App.decodeTx: TxRaw, body, auth info, msgs)
 */
import { AuthInfo, TxBody, TxRaw } from 'cosmjs-types/cosmos/tx/v1beta1/tx';
import { SignMode } from 'cosmjs-types/cosmos/tx/signing/v1beta1/signing';
import { MsgSend } from 'cosmjs-types/cosmos/bank/v1beta1/tx';
import { PubKey } from 'cosmjs-types/cosmos/crypto/secp256k1/keys';
import { MsgExecuteContract } from 'cosmjs-types/cosmwasm/wasm/v1/tx';
import { App, TYPE_MSG_EXECUTE, TYPE_MSG_SEND } from '../../localnet/chain/app.js';
import { defaultContracts } from '../../localnet/chain/chain.js';
import { AbciError } from '../../localnet/chain/errors.js';
import { pubkeyToAddress } from '../../localnet/chain/crypto.js';
import { params as rpcParams, readParams, readRequest, RpcError } from '../../localnet/chain/rpc-params.js';
import { WorldState } from '../../localnet/chain/state.js';
import { ClientError } from '../../src/client/errors.js';
import {
  decodeBinaryRequest,
  decodeTextRequest,
  encodeBinaryRequest,
  encodeTextRequest,
} from '../../src/client/ws-api/codec.js';
import {
  decodeCredentialPayload,
  decodeForwardFrame,
  decodeMixPacket,
  decodePushedFrame,
  encodeClientRequest,
  encodeForwardFrame,
  encodeForwardFrameV1,
  encodeGatewayResponse,
  encodeMixPacket,
  encodePushedFrame,
  GatewayProtocolError,
  parseClientRequest,
  parseGatewayResponse,
  readNymAddress,
  splitSurbAck,
  withSurbAck,
} from '../../src/gateway/protocol/index.js';
import { BadFrameError, NodeError } from '../../src/node/errors.js';
import { encodeFrame, FrameDecoder } from '../../src/node/framing.js';
import {
  createPacket,
  createSurb,
  decodeNodeAddress,
  encodeNodeAddress,
  SphinxError,
  SphinxNodeKey,
  surbFromBytes,
  surbToBytes,
  unwrapPacket,
} from '../../src/sphinx/index.js';
import {
  decodeProviderRequest,
  decodeProviderResponse,
  encodeProviderRequest,
  encodeSocks5ProviderRequest,
  encodeSocks5ProviderResponse,
  Socks5ProtocolError,
  SocksHandshake,
} from '../../src/socks5/protocol/index.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { x25519 } from '@noble/curves/ed25519.js';
import { filler } from './inputs.js';

/** A recipient with real keys (decoders check that the keys are curve points). */
const recipientOf = (n: number) => ({
  identity: ed25519.getPublicKey(filler(n, 32)),
  encryptionKey: x25519.getPublicKey(filler(n + 1, 32)),
  gateway: ed25519.getPublicKey(filler(n + 2, 32)),
});

export interface FuzzTarget {
  /** Key in the report (`<name>_inputs`, `<name>_crashes`). */
  readonly name: string;
  /** Valid inputs: each decodes. */
  readonly seeds: readonly Uint8Array[];
  readonly maxRandomLength: number;
  /** JSON text decoder: JSON-aware inputs too. */
  readonly json?: boolean;
  /** The entry points: each gets every input, and returns or throws. */
  readonly entries: readonly ((input: Uint8Array) => unknown)[];
  /** The module's typed refusal. */
  isTyped(e: unknown): boolean;
}

const utf8 = new TextEncoder();
const text = (b: Uint8Array) => new TextDecoder().decode(b);
const hasCode = (e: unknown) =>
  typeof (e as { code?: unknown }).code === 'string' || typeof (e as { code?: unknown }).code === 'number';
const typedAs =
  (...classes: (abstract new (...a: never[]) => Error)[]) =>
  (e: unknown) =>
    classes.some((c) => e instanceof c) && hasCode(e);
function sphinxTarget(): FuzzTarget {
  const key = SphinxNodeKey.fromSecret(filler(1, 32));
  const next = SphinxNodeKey.fromSecret(filler(2, 32));
  let counter = 7;
  const random = (n: number) => filler(counter++, n);
  const addr = (port: number) => encodeNodeAddress({ host: '127.0.0.1', port });
  const route = [
    { address: addr(1789), publicKey: key.publicKey },
    { address: addr(1790), publicKey: next.publicKey },
  ];
  const destination = { address: filler(3, 32), surbId: filler(4, 16) };
  const packet = (size: 'ack' | 'regular', hops: 1 | 2) =>
    createPacket({
      route: route.slice(0, hops),
      delaysNs: hops === 1 ? [0n] : [1_000_000n, 0n],
      destination,
      payload: utf8.encode('fuzz seed'),
      size,
      random,
    });
  const { surb } = createSurb({ route, delaysNs: [5n, 0n], destination, random });
  return {
    name: 'sphinx',
    seeds: [packet('ack', 1), packet('ack', 2), packet('regular', 2), surbToBytes(surb), addr(1789)],
    maxRandomLength: 600,
    entries: [(b) => unwrapPacket(key, b), (b) => surbFromBytes(b), (b) => decodeNodeAddress(b)],
    isTyped: typedAs(SphinxError),
  };
}

function nodeFrameTarget(): FuzzTarget {
  const ack = filler(5, 386);
  const regular = filler(6, 2413);
  const two = new Uint8Array(4 + 386 + 4 + 386);
  two.set(encodeFrame(ack), 0);
  two.set(encodeFrame(ack, 2), 390);
  return {
    name: 'node_frame',
    seeds: [encodeFrame(ack), encodeFrame(regular, 1), two],
    maxRandomLength: 600,
    entries: [
      (b) => new FrameDecoder(() => undefined).push(b),
      // split in two chunks at a point taken from the input
      (b) => {
        const cut = b.length ? b[0] % (b.length + 1) : 0;
        const d = new FrameDecoder(() => undefined);
        d.push(b.subarray(0, cut));
        d.push(b.subarray(cut));
      },
    ],
    isTyped: typedAs(BadFrameError, NodeError),
  };
}

function gatewayFrameTarget(): FuzzTarget {
  const key = filler(8, 32);
  const nonce = filler(9, 12);
  const sphinx = filler(10, 386);
  const nextHop = encodeNodeAddress({ host: '10.0.0.1', port: 1789 });
  const v2 = encodeMixPacket({ packetType: 0, keyRotation: 1, nextHop, packet: sphinx });
  // v1: packet type, then the address (no key rotation byte)
  const v1Packet = new Uint8Array(v2.length - 1);
  v1Packet.set([0], 0);
  v1Packet.set(v2.subarray(2), 1);
  return {
    name: 'gateway_frame',
    seeds: [
      encodeForwardFrame(key, nonce, v2),
      encodeForwardFrameV1(key, nonce, v1Packet),
      encodePushedFrame(key, nonce, utf8.encode('pushed message')),
      v2,
      v1Packet,
      withSurbAck({ firstHop: nextHop, ackPacket: filler(32, 386) }, utf8.encode('message after its ack')),
    ],
    maxRandomLength: 600,
    entries: [
      (b) => decodeForwardFrame(b, key),
      (b) => decodePushedFrame(b, key),
      (b) => decodeMixPacket(b, 1),
      (b) => decodeMixPacket(b, 2),
      (b) => splitSurbAck(b),
      (b) => readNymAddress(b),
      (b) => decodeCredentialPayload(b),
    ],
    isTyped: typedAs(GatewayProtocolError),
  };
}

function gatewayTextTarget(): FuzzTarget {
  const requests = [
    encodeClientRequest({ type: 'supportedProtocol' }),
    encodeClientRequest({ type: 'claimFreeTestnetBandwidth' }),
    encodeClientRequest({ type: 'handshakePayload', protocolVersion: 5, data: filler(11, 64) }),
    encodeClientRequest({ type: 'handshakeError', message: 'no' }),
    encodeClientRequest({
      type: 'authenticateV2',
      protocolVersion: 5,
      clientIdentity: filler(12, 32),
      addressCiphertext: filler(13, 48),
      nonce: filler(14, 12),
      requestUnixTimestamp: 1_765_000_000,
      requestSignature: filler(15, 64),
    }),
    encodeClientRequest({ type: 'encryptedRequest', ciphertext: filler(16, 40), nonce: filler(17, 12) }),
    encodeClientRequest({ type: 'ecashCredential', encCredential: filler(18, 20), iv: filler(19, 12) }),
  ];
  const responses = [
    encodeGatewayResponse({
      type: 'authenticate',
      protocolVersion: 5,
      status: true,
      bandwidthRemaining: 1000,
    }),
    encodeGatewayResponse({ type: 'bandwidth', availableTotal: 5 }),
    encodeGatewayResponse({ type: 'error', message: 'bad' }),
  ];
  return {
    name: 'gateway_text',
    seeds: [...requests, ...responses].map((s) => utf8.encode(s)),
    maxRandomLength: 300,
    json: true,
    entries: [(b) => parseClientRequest(text(b)), (b) => parseGatewayResponse(text(b))],
    isTyped: typedAs(GatewayProtocolError),
  };
}

function nativeApiTarget(): FuzzTarget {
  const recipient = recipientOf(20);
  const reqs = [
    { type: 'send' as const, recipient, message: utf8.encode('hello'), connectionId: 3n },
    { type: 'sendAnonymous' as const, recipient, message: filler(23, 40), replySurbs: 5, connectionId: 1n },
    { type: 'reply' as const, senderTag: filler(24, 16), message: utf8.encode('re') },
    { type: 'selfAddress' as const },
    // binary only (Nym's text API has no form for these two)
    { type: 'closedConnection' as const, connectionId: 9n },
    { type: 'getLaneQueueLength' as const, connectionId: 2n },
  ];
  return {
    name: 'native_api',
    seeds: [
      ...reqs.map((r) => encodeBinaryRequest(r)),
      ...reqs.slice(0, 4).map((r) => utf8.encode(encodeTextRequest(r))),
    ],
    maxRandomLength: 300,
    json: true,
    entries: [(b) => decodeBinaryRequest(b), (b) => decodeTextRequest(text(b))],
    isTyped: typedAs(ClientError),
  };
}

function socksTarget(): FuzzTarget {
  const connect5 = Uint8Array.of(5, 1, 0, 5, 1, 0, 3, 11, ...utf8.encode('example.org'), 0, 80, 1, 2);
  const connect5v4 = Uint8Array.of(5, 2, 0, 2, 5, 1, 0, 1, 127, 0, 0, 1, 1, 187);
  const connect5v6 = Uint8Array.of(5, 1, 0, 5, 1, 0, 4, ...filler(25, 16), 0, 22);
  const connect4a = Uint8Array.of(
    4,
    1,
    0,
    80,
    0,
    0,
    0,
    1,
    ...utf8.encode('me'),
    0,
    ...utf8.encode('a.example'),
    0,
  );
  const versions = { interface: 3, protocol: 3 };
  const responses = [
    encodeSocks5ProviderResponse(versions, {
      kind: 'networkData',
      data: { connectionId: 5n, seq: 1n, localClosed: false, data: utf8.encode('HTTP/1.1 200 OK') },
    }),
    encodeSocks5ProviderResponse(versions, { kind: 'connectionError', connectionId: 5n, message: 'refused' }),
    encodeSocks5ProviderResponse(versions, { kind: 'query', response: { kind: 'openProxy', open: true } }),
  ];
  return {
    name: 'socks',
    seeds: [connect5, connect5v4, connect5v6, connect4a, ...responses],
    maxRandomLength: 300,
    entries: [
      (b) => {
        const h = new SocksHandshake();
        const cut = b.length ? b[b.length - 1] % (b.length + 1) : 0;
        for (const step of [...h.feed(b.subarray(0, cut)), ...h.feed(b.subarray(cut))])
          if (step.kind === 'refuse') throw step.error; // typed or not: the runner tells
      },
      (b) => decodeProviderResponse(b),
    ],
    isTyped: typedAs(Socks5ProtocolError),
  };
}

function requesterTarget(): FuzzTarget {
  const versions = { interface: 3, protocol: 3 };
  const returnAddress = recipientOf(26);
  return {
    name: 'requester',
    seeds: [
      encodeSocks5ProviderRequest(versions, {
        kind: 'connect',
        connectionId: 77n,
        remoteAddress: 'example.org:443',
        returnAddress,
      }),
      encodeSocks5ProviderRequest(versions, {
        kind: 'send',
        data: { connectionId: 77n, seq: 0n, localClosed: true, data: utf8.encode('GET / HTTP/1.1\r\n\r\n') },
      }),
      encodeSocks5ProviderRequest(versions, { kind: 'query', query: 'exitPolicy' }),
      encodeProviderRequest({ interfaceVersion: 3, content: { kind: 'control', request: 'health' } }),
      // legacy (unversioned) connect
      encodeSocks5ProviderRequest(
        { interface: 'legacy', protocol: 'legacy' },
        {
          kind: 'connect',
          connectionId: 1n,
          remoteAddress: '1.2.3.4:80',
          returnAddress,
        },
      ),
    ],
    maxRandomLength: 300,
    entries: [(b) => decodeProviderRequest(b)],
    isTyped: typedAs(Socks5ProtocolError),
  };
}

/** Method -> params schema, as the chain's RpcServer reads them (localnet/chain/rpc.ts). */
const RPC_METHODS: Record<string, (typeof rpcParams)[keyof typeof rpcParams]> = {
  status: rpcParams.none,
  health: rpcParams.none,
  abci_info: rpcParams.none,
  abci_query: rpcParams.abci_query,
  broadcast_tx_sync: rpcParams.tx_bytes,
  broadcast_tx_async: rpcParams.tx_bytes,
  broadcast_tx_commit: rpcParams.tx_bytes,
  check_tx: rpcParams.tx_bytes,
  tx: rpcParams.hash,
  tx_search: rpcParams.tx_search,
  block: rpcParams.height,
  block_by_hash: rpcParams.hash,
  block_results: rpcParams.height,
  blockchain: rpcParams.blockchain,
  commit: rpcParams.height,
  header: rpcParams.height,
  validators: rpcParams.height,
  dev_advance_time: rpcParams.dev_advance_time,
  subscribe: rpcParams.subscribe,
  unsubscribe: rpcParams.unsubscribe,
};

/** A body that is not JSON is answered -32700 by the server: the same typed refusal here. */
function rpcBody(b: Uint8Array): void {
  let body: unknown;
  try {
    body = JSON.parse(text(b));
  } catch {
    throw new RpcError(-32700, 'Parse error', 'invalid JSON');
  }
  for (const request of Array.isArray(body) ? body : [body]) {
    const r = readRequest(request);
    const schema = Object.prototype.hasOwnProperty.call(RPC_METHODS, r.method)
      ? RPC_METHODS[r.method]
      : undefined;
    if (!schema) throw new RpcError(-32601, 'Method not found', r.method);
    readParams(schema, r.params);
  }
}

function jsonRpcTarget(): FuzzTarget {
  const call = (method: string, params: Record<string, unknown>) =>
    utf8.encode(JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }));
  return {
    name: 'jsonrpc',
    seeds: [
      call('abci_query', { path: '/cosmos.bank.v1beta1.Query/Balance', data: '0a0b', prove: false }),
      call('broadcast_tx_sync', { tx: 'CgIKAA==' }),
      call('tx_search', {
        query: "tx.height=5 AND message.sender='n1abc'",
        page: '1',
        per_page: '30',
        order_by: 'asc',
      }),
      call('block', { height: '12' }),
      call('blockchain', { minHeight: '1', maxHeight: '20' }),
      call('dev_advance_time', { seconds: '60' }),
      call('status', {}),
      utf8.encode(
        JSON.stringify([
          { jsonrpc: '2.0', id: 2, method: 'health' },
          { jsonrpc: '2.0', id: 3, method: 'tx', params: { hash: 'AB' } },
        ]),
      ),
    ],
    maxRandomLength: 300,
    json: true,
    entries: [rpcBody],
    isTyped: typedAs(RpcError),
  };
}

function txTarget(): FuzzTarget {
  const app = new App(new WorldState(), {
    chainId: 'nymph-localnet',
    prefix: 'n',
    denom: 'unym',
    minGasPrice: 0.025,
    codes: defaultContracts().codes,
  });
  const pubkey = Uint8Array.of(2, ...filler(29, 32));
  const sender = pubkeyToAddress('n', pubkey);
  const other = pubkeyToAddress('n', Uint8Array.of(3, ...filler(30, 32)));
  const tx = (typeUrl: string, value: Uint8Array) => {
    const bodyBytes = TxBody.encode(
      TxBody.fromPartial({ messages: [{ typeUrl, value }], memo: 'fuzz' }),
    ).finish();
    const authInfoBytes = AuthInfo.encode(
      AuthInfo.fromPartial({
        signerInfos: [
          {
            publicKey: {
              typeUrl: '/cosmos.crypto.secp256k1.PubKey',
              value: PubKey.encode({ key: pubkey }).finish(),
            },
            modeInfo: { single: { mode: SignMode.SIGN_MODE_DIRECT } },
            sequence: 4n,
          },
        ],
        fee: { amount: [{ denom: 'unym', amount: '5000' }], gasLimit: 200_000n },
      }),
    ).finish();
    return TxRaw.encode({ bodyBytes, authInfoBytes, signatures: [filler(31, 64)] }).finish();
  };
  const send = MsgSend.encode({
    fromAddress: sender,
    toAddress: other,
    amount: [{ denom: 'unym', amount: '10' }],
  }).finish();
  const exec = MsgExecuteContract.encode({
    sender,
    contract: other,
    msg: utf8.encode('{"ping":{}}'),
    funds: [],
  }).finish();
  return {
    name: 'tx',
    seeds: [tx(TYPE_MSG_SEND, send), tx(TYPE_MSG_EXECUTE, exec)],
    maxRandomLength: 400,
    entries: [(b) => app.decodeTx(b, false)],
    isTyped: typedAs(AbciError),
  };
}

/** Every decoder, in report order. */
export function fuzzTargets(): FuzzTarget[] {
  return [
    sphinxTarget(),
    nodeFrameTarget(),
    gatewayFrameTarget(),
    gatewayTextTarget(),
    nativeApiTarget(),
    socksTarget(),
    requesterTarget(),
    jsonRpcTarget(),
    txTarget(),
  ];
}
