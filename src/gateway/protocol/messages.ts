/**
 * Text (JSON) messages of Nym's client <-> gateway protocol, in Nym's exact JSON, read with
 * valibot schemas. Nym's serde shapes (common/gateway-requests/src/types/):
 *   - every message is an object with a `type` tag, variant names in camelCase
 *     (`#[serde(tag = "type", rename_all = "camelCase")]`);
 *   - fields keep their Rust names: snake_case (`protocol_version`, `enc_credential`,
 *     `available_total`), except authenticateV2's, which are camelCase
 *     (`#[serde(rename_all = "camelCase")]` on AuthenticateRequest);
 *   - `Vec<u8>` and Ed25519 keys and signatures are JSON arrays of numbers; authenticateV2's
 *     `addressCiphertext` and `nonce` are standard base64 strings;
 *   - `Option<u8>` is a number or null (absent reads as null); unknown fields are ignored.
 *
 * Client -> gateway (ClientControlRequest; `handshakePayload` is RegistrationHandshake):
 *   supportedProtocol          {}
 *   handshakePayload           {protocol_version, data}     (alias registerHandshakeInitRequest)
 *   handshakeError             {message}                     (a side gives up the handshake)
 *   authenticate               {protocol_version, address, enc_address, iv}   (legacy v1: refused)
 *   authenticateV2             {protocolVersion, clientIdentity, addressCiphertext, nonce,
 *                               requestUnixTimestamp, requestSignature}
 *   bandwidthCredential        {enc_credential, iv}          (Coconut, credential.ts)
 *   bandwidthCredentialV2      {enc_credential, iv}          (refused)
 *   ecashCredential            {enc_credential, iv}          (zk-nym: refused)
 *   claimFreeTestnetBandwidth  {}
 *   encryptedRequest           {ciphertext, nonce}           (sensitive.ts)
 *   deliveryReceipts           {version}                     (Nymph extension, below)
 *   received                   {count}                       (Nymph extension, below)
 * Gateway -> client (ServerResponse, plus RegistrationHandshake during registration):
 *   handshakePayload {protocol_version, data}; handshakeError {message}
 *   authenticate {protocol_version, status, bandwidth_remaining}; register {protocol_version, status}
 *   encryptedResponse {ciphertext, nonce}; bandwidth {available_total}; send {remaining_bandwidth}
 *   supportedProtocol {version}; error {message}
 *   typedError {error: {"out_of_bandwidth": {required, available}} | "ticket_replay"}
 *   deliveryReceipts {version}                                (Nymph extension, below)
 *
 * Delivery receipts (a Nymph extension; Nym's protocol has none). An authenticated client
 * that persists what it receives asks `{"type":"deliveryReceipts","version":1}`; a gateway
 * that speaks them answers `{"type":"deliveryReceipts","version":1}` and from then on keeps
 * every message it pushes (binary frame) until the client confirms it with
 * `{"type":"received","count":n}`: n is how many binary frames the client has made durable
 * since that answer, counted from 1, cumulative (a websocket keeps frames in order, so a
 * count names them without an id on the frame; the binary frames stay Nym's). Unanswered.
 * Nym's gateway answers the request with `error` (an unknown variant): the client then
 * goes on without receipts. Nym's clients never ask, and get Nym's behaviour.
 */
import { base64 } from '@scure/base';
import * as v from 'valibot';
import type { AuthenticateV2Request } from './authenticate.js';
import type { BandwidthCredentialRequest } from './credential.js';
import {
  MalformedMessageError,
  OutOfBandwidthError,
  UnknownMessageTypeError,
  type GatewayProtocolError,
} from './errors.js';

/** Nym's CURRENT_PROTOCOL_VERSION (EMBEDDED_KEY_ROTATION_INFO_VERSION). */
export const PROTOCOL_VERSION = 5;
/** Nym's AES_GCM_SIV_PROTOCOL_VERSION: what handshake messages announce. */
export const AES_GCM_SIV_PROTOCOL_VERSION = 3;
/** Largest text message either side reads (a credential is the biggest, a few KiB). */
export const MAX_TEXT_MESSAGE = 64 * 1024;

// ------------------------------------------------------------------- types

export interface SupportedProtocolRequest {
  type: 'supportedProtocol';
}
/** One registration step (either direction). */
export interface HandshakePayload {
  type: 'handshakePayload';
  protocolVersion: number | undefined;
  data: Uint8Array;
}
export interface HandshakeErrorMessage {
  type: 'handshakeError';
  message: string;
}
export interface LegacyAuthenticateRequest {
  type: 'authenticate';
  protocolVersion: number | undefined;
  address: string;
  encAddress: string;
  iv: string;
}
export interface UnsupportedCredentialRequest {
  type: 'bandwidthCredentialV2' | 'ecashCredential';
  encCredential: Uint8Array;
  iv: Uint8Array;
}
export interface ClaimFreeTestnetBandwidthRequest {
  type: 'claimFreeTestnetBandwidth';
}
export interface EncryptedRequest {
  type: 'encryptedRequest';
  ciphertext: Uint8Array;
  nonce: Uint8Array;
}
/** Nymph extension: the client asks for delivery receipts (see the file comment). */
export interface DeliveryReceiptsRequest {
  type: 'deliveryReceipts';
  version: number;
}
/** Nymph extension: the first `count` binary frames since receipts began are durable. */
export interface ReceivedReceipt {
  type: 'received';
  count: number;
}
/** The delivery receipts version this code speaks. */
export const DELIVERY_RECEIPTS_VERSION = 1;

export type ClientRequest =
  | DeliveryReceiptsRequest
  | ReceivedReceipt
  | SupportedProtocolRequest
  | HandshakePayload
  | HandshakeErrorMessage
  | LegacyAuthenticateRequest
  | AuthenticateV2Request
  | BandwidthCredentialRequest
  | UnsupportedCredentialRequest
  | ClaimFreeTestnetBandwidthRequest
  | EncryptedRequest;

export interface AuthenticateResponse {
  type: 'authenticate';
  protocolVersion: number | undefined;
  status: boolean;
  bandwidthRemaining: number;
}
export interface RegisterResponse {
  type: 'register';
  protocolVersion: number | undefined;
  status: boolean;
}
export interface EncryptedResponse {
  type: 'encryptedResponse';
  ciphertext: Uint8Array;
  nonce: Uint8Array;
}
export interface BandwidthResponse {
  type: 'bandwidth';
  availableTotal: number;
}
export interface SendResponse {
  type: 'send';
  remainingBandwidth: number;
}
export interface SupportedProtocolResponse {
  type: 'supportedProtocol';
  version: number;
}
export interface ErrorResponse {
  type: 'error';
  message: string;
}
/** Nym's SimpleGatewayRequestsError. */
export type TypedGatewayError =
  { kind: 'outOfBandwidth'; required: number; available: number } | { kind: 'ticketReplay' };
export interface TypedErrorResponse {
  type: 'typedError';
  error: TypedGatewayError;
}
/** Nymph extension: receipts are on for this connection from this message on. */
export interface DeliveryReceiptsResponse {
  type: 'deliveryReceipts';
  version: number;
}
export type GatewayResponse =
  | DeliveryReceiptsResponse
  | HandshakePayload
  | HandshakeErrorMessage
  | AuthenticateResponse
  | RegisterResponse
  | EncryptedResponse
  | BandwidthResponse
  | SendResponse
  | SupportedProtocolResponse
  | ErrorResponse
  | TypedErrorResponse;

// ----------------------------------------------------------------- schemas

/** A schema of any input that yields a T (inputs are checked by the schema itself). */
type Schema<T> = v.GenericSchema<unknown, T>;

const u8 = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(255));
const i64 = v.pipe(v.number(), v.safeInteger());
const u64 = v.pipe(v.number(), v.safeInteger(), v.minValue(0));
const byteArray = (max = MAX_TEXT_MESSAGE) =>
  v.pipe(
    v.array(u8),
    v.maxLength(max),
    v.transform((a) => Uint8Array.from(a)),
  );
const fixedBytes = (n: number) =>
  v.pipe(
    v.array(u8),
    v.length(n),
    v.transform((a) => Uint8Array.from(a)),
  );
/** Standard padded base64 (Nym's `general_purpose::STANDARD`). */
const base64Bytes = v.pipe(
  v.string(),
  v.maxLength(4096),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    try {
      return base64.decode(dataset.value);
    } catch {
      addIssue({ message: 'not base64' });
      return NEVER;
    }
  }),
);
const optionU8 = v.pipe(
  v.optional(v.nullable(u8)),
  v.transform((x) => x ?? undefined),
);
const text = v.pipe(v.string(), v.maxLength(4096));

const handshakePayloadFields = {
  protocol_version: optionU8,
  data: byteArray(1024),
};
const toHandshakePayload = (o: {
  protocol_version?: number | undefined;
  data: Uint8Array;
}): HandshakePayload => ({
  type: 'handshakePayload',
  protocolVersion: o.protocol_version,
  data: o.data,
});
const sealedCredentialFields = { enc_credential: byteArray(), iv: byteArray(64) };

const clientRequestSchemas = {
  supportedProtocol: v.pipe(
    v.object({}),
    v.transform((): SupportedProtocolRequest => ({ type: 'supportedProtocol' })),
  ),
  handshakePayload: v.pipe(
    v.object(handshakePayloadFields),
    v.transform((o) => toHandshakePayload(o)),
  ),
  registerHandshakeInitRequest: v.pipe(
    v.object(handshakePayloadFields),
    v.transform((o) => toHandshakePayload(o)),
  ),
  handshakeError: v.pipe(
    v.object({ message: text }),
    v.transform((o): HandshakeErrorMessage => ({ type: 'handshakeError', message: o.message })),
  ),
  authenticate: v.pipe(
    v.object({ protocol_version: optionU8, address: text, enc_address: text, iv: text }),
    v.transform((o): LegacyAuthenticateRequest => ({
      type: 'authenticate',
      protocolVersion: o.protocol_version,
      address: o.address,
      encAddress: o.enc_address,
      iv: o.iv,
    })),
  ),
  authenticateV2: v.pipe(
    v.object({
      protocolVersion: u8,
      clientIdentity: fixedBytes(32),
      addressCiphertext: base64Bytes,
      nonce: base64Bytes,
      requestUnixTimestamp: u64,
      requestSignature: fixedBytes(64),
    }),
    v.transform((o): AuthenticateV2Request => ({ type: 'authenticateV2', ...o })),
  ),
  bandwidthCredential: v.pipe(
    v.object(sealedCredentialFields),
    v.transform((o): BandwidthCredentialRequest => ({
      type: 'bandwidthCredential',
      encCredential: o.enc_credential,
      iv: o.iv,
    })),
  ),
  bandwidthCredentialV2: v.pipe(
    v.object(sealedCredentialFields),
    v.transform((o): UnsupportedCredentialRequest => ({
      type: 'bandwidthCredentialV2',
      encCredential: o.enc_credential,
      iv: o.iv,
    })),
  ),
  ecashCredential: v.pipe(
    v.object(sealedCredentialFields),
    v.transform((o): UnsupportedCredentialRequest => ({
      type: 'ecashCredential',
      encCredential: o.enc_credential,
      iv: o.iv,
    })),
  ),
  claimFreeTestnetBandwidth: v.pipe(
    v.object({}),
    v.transform((): ClaimFreeTestnetBandwidthRequest => ({ type: 'claimFreeTestnetBandwidth' })),
  ),
  encryptedRequest: v.pipe(
    v.object({ ciphertext: byteArray(), nonce: byteArray(64) }),
    v.transform((o): EncryptedRequest => ({ type: 'encryptedRequest', ...o })),
  ),
  deliveryReceipts: v.pipe(
    v.object({ version: u8 }),
    v.transform((o): DeliveryReceiptsRequest => ({ type: 'deliveryReceipts', version: o.version })),
  ),
  received: v.pipe(
    v.object({ count: u64 }),
    v.transform((o): ReceivedReceipt => ({ type: 'received', count: o.count })),
  ),
} satisfies Record<string, Schema<ClientRequest>>;

const typedErrorSchema = v.union([
  v.pipe(
    v.literal('ticket_replay'),
    v.transform((): TypedGatewayError => ({ kind: 'ticketReplay' })),
  ),
  v.pipe(
    v.object({ out_of_bandwidth: v.object({ required: i64, available: i64 }) }),
    v.transform((o): TypedGatewayError => ({
      kind: 'outOfBandwidth',
      required: o.out_of_bandwidth.required,
      available: o.out_of_bandwidth.available,
    })),
  ),
]);

const gatewayResponseSchemas = {
  deliveryReceipts: v.pipe(
    v.object({ version: u8 }),
    v.transform((o): DeliveryReceiptsResponse => ({ type: 'deliveryReceipts', version: o.version })),
  ),
  handshakePayload: clientRequestSchemas.handshakePayload,
  handshakeError: clientRequestSchemas.handshakeError,
  authenticate: v.pipe(
    v.object({ protocol_version: optionU8, status: v.boolean(), bandwidth_remaining: i64 }),
    v.transform((o): AuthenticateResponse => ({
      type: 'authenticate',
      protocolVersion: o.protocol_version,
      status: o.status,
      bandwidthRemaining: o.bandwidth_remaining,
    })),
  ),
  register: v.pipe(
    v.object({ protocol_version: optionU8, status: v.boolean() }),
    v.transform((o): RegisterResponse => ({
      type: 'register',
      protocolVersion: o.protocol_version,
      status: o.status,
    })),
  ),
  encryptedResponse: v.pipe(
    v.object({ ciphertext: byteArray(), nonce: byteArray(64) }),
    v.transform((o): EncryptedResponse => ({ type: 'encryptedResponse', ...o })),
  ),
  bandwidth: v.pipe(
    v.object({ available_total: i64 }),
    v.transform((o): BandwidthResponse => ({ type: 'bandwidth', availableTotal: o.available_total })),
  ),
  send: v.pipe(
    v.object({ remaining_bandwidth: i64 }),
    v.transform((o): SendResponse => ({ type: 'send', remainingBandwidth: o.remaining_bandwidth })),
  ),
  supportedProtocol: v.pipe(
    v.object({ version: u8 }),
    v.transform((o): SupportedProtocolResponse => ({ type: 'supportedProtocol', version: o.version })),
  ),
  error: v.pipe(
    v.object({ message: v.string() }),
    v.transform((o): ErrorResponse => ({ type: 'error', message: o.message })),
  ),
  typedError: v.pipe(
    v.object({ error: typedErrorSchema }),
    v.transform((o): TypedErrorResponse => ({ type: 'typedError', error: o.error })),
  ),
} satisfies Record<string, Schema<GatewayResponse>>;

// ------------------------------------------------------------------ parsing

function parseTagged<T>(textIn: string, schemas: Record<string, Schema<T>>): T {
  if (textIn.length > MAX_TEXT_MESSAGE)
    throw new MalformedMessageError(`text message longer than ${MAX_TEXT_MESSAGE}`);
  let json: unknown;
  try {
    json = JSON.parse(textIn);
  } catch {
    throw new MalformedMessageError('not JSON');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new MalformedMessageError('not a JSON object');
  const tag = (json as { type?: unknown }).type;
  if (typeof tag !== 'string') throw new MalformedMessageError('missing field `type`', 'type');
  if (!Object.hasOwn(schemas, tag)) throw new UnknownMessageTypeError(tag);
  const r = v.safeParse(schemas[tag], json);
  if (r.success) return r.output;
  const issue = r.issues[0];
  throw new MalformedMessageError(issue.message, v.getDotPath(issue) ?? undefined);
}

/** A request from a client; throws MalformedMessageError or UnknownMessageTypeError. */
export function parseClientRequest(text: string): ClientRequest {
  return parseTagged<ClientRequest>(text, clientRequestSchemas);
}

/** A message from a gateway; throws MalformedMessageError or UnknownMessageTypeError. */
export function parseGatewayResponse(text: string): GatewayResponse {
  return parseTagged<GatewayResponse>(text, gatewayResponseSchemas);
}

// ----------------------------------------------------------------- encoding

const arr = (b: Uint8Array): number[] => Array.from(b);

/** Nym's serde JSON of a client request (field order as Nym's structs). */
export function encodeClientRequest(m: ClientRequest): string {
  switch (m.type) {
    case 'supportedProtocol':
    case 'claimFreeTestnetBandwidth':
      return JSON.stringify({ type: m.type });
    case 'handshakePayload':
      return JSON.stringify({ type: m.type, protocol_version: m.protocolVersion ?? null, data: arr(m.data) });
    case 'handshakeError':
      return JSON.stringify({ type: m.type, message: m.message });
    case 'authenticate':
      return JSON.stringify({
        type: m.type,
        protocol_version: m.protocolVersion ?? null,
        address: m.address,
        enc_address: m.encAddress,
        iv: m.iv,
      });
    case 'authenticateV2':
      return JSON.stringify({
        type: m.type,
        protocolVersion: m.protocolVersion,
        clientIdentity: arr(m.clientIdentity),
        addressCiphertext: base64.encode(m.addressCiphertext),
        nonce: base64.encode(m.nonce),
        requestUnixTimestamp: m.requestUnixTimestamp,
        requestSignature: arr(m.requestSignature),
      });
    case 'bandwidthCredential':
    case 'bandwidthCredentialV2':
    case 'ecashCredential':
      return JSON.stringify({ type: m.type, enc_credential: arr(m.encCredential), iv: arr(m.iv) });
    case 'encryptedRequest':
      return JSON.stringify({ type: m.type, ciphertext: arr(m.ciphertext), nonce: arr(m.nonce) });
    case 'deliveryReceipts':
      return JSON.stringify({ type: m.type, version: m.version });
    case 'received':
      return JSON.stringify({ type: m.type, count: m.count });
  }
}

/** Nym's serde JSON of a gateway message (field order as Nym's structs). */
export function encodeGatewayResponse(m: GatewayResponse): string {
  switch (m.type) {
    case 'handshakePayload':
    case 'handshakeError':
    case 'deliveryReceipts':
      return encodeClientRequest(m);
    case 'authenticate':
      return JSON.stringify({
        type: m.type,
        protocol_version: m.protocolVersion ?? null,
        status: m.status,
        bandwidth_remaining: m.bandwidthRemaining,
      });
    case 'register':
      return JSON.stringify({ type: m.type, protocol_version: m.protocolVersion ?? null, status: m.status });
    case 'encryptedResponse':
      return JSON.stringify({ type: m.type, ciphertext: arr(m.ciphertext), nonce: arr(m.nonce) });
    case 'bandwidth':
      return JSON.stringify({ type: m.type, available_total: m.availableTotal });
    case 'send':
      return JSON.stringify({ type: m.type, remaining_bandwidth: m.remainingBandwidth });
    case 'supportedProtocol':
      return JSON.stringify({ type: m.type, version: m.version });
    case 'error':
      return JSON.stringify({ type: m.type, message: m.message });
    case 'typedError':
      return JSON.stringify({
        type: m.type,
        error:
          m.error.kind === 'ticketReplay'
            ? 'ticket_replay'
            : { out_of_bandwidth: { required: m.error.required, available: m.error.available } },
      });
  }
}

/** The response for an error: Nym's typedError for out of bandwidth, else `error {message}`. */
export function errorResponse(e: GatewayProtocolError): ErrorResponse | TypedErrorResponse {
  if (e instanceof OutOfBandwidthError)
    return {
      type: 'typedError',
      error: { kind: 'outOfBandwidth', required: e.required, available: e.available },
    };
  return { type: 'error', message: e.wireMessage };
}
