/**
 * Text (JSON) messages between client and gateway. Every message is an object with a
 * `type` tag (camelCase, as Nym's gateway-requests). Binary values: keys and signatures in
 * base58 (Nym's habit for keys), nonces and ciphertexts in base64.
 *
 * Client -> gateway:
 *   handshakeInit      {protocolVersion, identity, ephemeralKey, salt}
 *   handshakeFinish    {nonce, ciphertext}                         (client signature, sealed)
 *   authenticate       {protocolVersion, identity, timestamp, nonce, ciphertext, signature}
 *   bandwidthCredential{nonce, ciphertext}                         (credential bytes, sealed)
 *   supportedProtocol  {}
 * Gateway -> client:
 *   handshakeResponse  {protocolVersion, ephemeralKey, nonce, ciphertext} (gateway signature, sealed)
 *   register           {status:"ok", protocolVersion, bandwidthRemaining}
 *   authenticate       {status:"ok", protocolVersion, bandwidthRemaining}
 *   bandwidth          {availableTotal}
 *   supportedProtocol  {version}
 *   error              {code, message}
 */
import { base58, base64 } from '@scure/base';
import { MalformedMessageError, UnknownMessageTypeError, type GatewayErrorCode } from './errors.js';

export const PROTOCOL_VERSION = 1;

export interface HandshakeInit {
  type: 'handshakeInit';
  protocolVersion: number;
  identity: string;
  ephemeralKey: string;
  salt: string;
}
export interface HandshakeFinish {
  type: 'handshakeFinish';
  nonce: string;
  ciphertext: string;
}
export interface AuthenticateRequest {
  type: 'authenticate';
  protocolVersion: number;
  identity: string;
  /** Milliseconds since the Unix epoch; must be within 120 s of the gateway's clock. */
  timestamp: number;
  nonce: string;
  ciphertext: string;
  signature: string;
}
export interface BandwidthCredentialRequest {
  type: 'bandwidthCredential';
  nonce: string;
  ciphertext: string;
}
export interface SupportedProtocolRequest {
  type: 'supportedProtocol';
}
export type ClientRequest =
  | HandshakeInit
  | HandshakeFinish
  | AuthenticateRequest
  | BandwidthCredentialRequest
  | SupportedProtocolRequest;

export interface HandshakeResponse {
  type: 'handshakeResponse';
  protocolVersion: number;
  ephemeralKey: string;
  nonce: string;
  ciphertext: string;
}
export interface RegisterResponse {
  type: 'register';
  status: 'ok';
  protocolVersion: number;
  bandwidthRemaining: number;
}
export interface AuthenticateResponse {
  type: 'authenticate';
  status: 'ok';
  protocolVersion: number;
  bandwidthRemaining: number;
}
export interface BandwidthResponse {
  type: 'bandwidth';
  availableTotal: number;
}
export interface SupportedProtocolResponse {
  type: 'supportedProtocol';
  version: number;
}
export interface ErrorResponse {
  type: 'error';
  code: GatewayErrorCode;
  message: string;
}
export type GatewayResponse =
  | HandshakeResponse
  | RegisterResponse
  | AuthenticateResponse
  | BandwidthResponse
  | SupportedProtocolResponse
  | ErrorResponse;

const ERROR_CODES: ReadonlySet<string> = new Set<GatewayErrorCode>([
  'malformed_request',
  'unknown_request',
  'unsupported_protocol',
  'not_authenticated',
  'handshake_failed',
  'bad_signature',
  'stale_request',
  'unknown_client',
  'decryption_failed',
  'message_too_large',
  'bad_packet',
  'out_of_bandwidth',
  'credential_invalid',
  'credential_spent',
  'internal',
]);

// ---- field readers: each throws MalformedMessageError naming the field ----

type Obj = Record<string, unknown>;

function str(o: Obj, k: string, max = 4096): string {
  const v = o[k];
  if (typeof v !== 'string' || v.length > max) throw new MalformedMessageError('expected a string', k);
  return v;
}
function int(o: Obj, k: string): number {
  const v = o[k];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0)
    throw new MalformedMessageError('expected a non-negative integer', k);
  return v;
}

export function decodeB58(s: string, len: number, field: string): Uint8Array {
  let b: Uint8Array;
  try {
    b = base58.decode(s);
  } catch {
    throw new MalformedMessageError('not base58', field);
  }
  if (b.length !== len) throw new MalformedMessageError(`expected ${len} bytes, got ${b.length}`, field);
  return b;
}
export function decodeB64(s: string, field: string, len?: number): Uint8Array {
  let b: Uint8Array;
  try {
    b = base64.decode(s);
  } catch {
    throw new MalformedMessageError('not base64', field);
  }
  if (len !== undefined && b.length !== len)
    throw new MalformedMessageError(`expected ${len} bytes, got ${b.length}`, field);
  return b;
}
export const encodeB58 = (b: Uint8Array): string => base58.encode(b);
export const encodeB64 = (b: Uint8Array): string => base64.encode(b);

function parseObject(text: string, maxLength: number): Obj {
  if (text.length > maxLength) throw new MalformedMessageError(`text message longer than ${maxLength}`);
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new MalformedMessageError('not JSON');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new MalformedMessageError('not a JSON object');
  const o = v as Obj;
  if (typeof o.type !== 'string') throw new MalformedMessageError('missing type', 'type');
  return o;
}

/** Largest text message either side accepts (a credential is the biggest, a few KiB). */
export const MAX_TEXT_MESSAGE = 64 * 1024;

export function parseClientRequest(text: string): ClientRequest {
  const o = parseObject(text, MAX_TEXT_MESSAGE);
  switch (o.type) {
    case 'handshakeInit':
      return {
        type: 'handshakeInit',
        protocolVersion: int(o, 'protocolVersion'),
        identity: str(o, 'identity', 64),
        ephemeralKey: str(o, 'ephemeralKey', 64),
        salt: str(o, 'salt', 64),
      };
    case 'handshakeFinish':
      return { type: 'handshakeFinish', nonce: str(o, 'nonce', 64), ciphertext: str(o, 'ciphertext', 512) };
    case 'authenticate':
      return {
        type: 'authenticate',
        protocolVersion: int(o, 'protocolVersion'),
        identity: str(o, 'identity', 64),
        timestamp: int(o, 'timestamp'),
        nonce: str(o, 'nonce', 64),
        ciphertext: str(o, 'ciphertext', 512),
        signature: str(o, 'signature', 128),
      };
    case 'bandwidthCredential':
      return {
        type: 'bandwidthCredential',
        nonce: str(o, 'nonce', 64),
        ciphertext: str(o, 'ciphertext', MAX_TEXT_MESSAGE),
      };
    case 'supportedProtocol':
      return { type: 'supportedProtocol' };
    default:
      throw new UnknownMessageTypeError(o.type as string);
  }
}

export function parseGatewayResponse(text: string): GatewayResponse {
  const o = parseObject(text, MAX_TEXT_MESSAGE);
  switch (o.type) {
    case 'handshakeResponse':
      return {
        type: 'handshakeResponse',
        protocolVersion: int(o, 'protocolVersion'),
        ephemeralKey: str(o, 'ephemeralKey', 64),
        nonce: str(o, 'nonce', 64),
        ciphertext: str(o, 'ciphertext', 512),
      };
    case 'register':
    case 'authenticate':
      if (o.status !== 'ok') throw new MalformedMessageError('status must be "ok"', 'status');
      return {
        type: o.type,
        status: 'ok',
        protocolVersion: int(o, 'protocolVersion'),
        bandwidthRemaining: int(o, 'bandwidthRemaining'),
      };
    case 'bandwidth':
      return { type: 'bandwidth', availableTotal: int(o, 'availableTotal') };
    case 'supportedProtocol':
      return { type: 'supportedProtocol', version: int(o, 'version') };
    case 'error': {
      const code = str(o, 'code', 64);
      if (!ERROR_CODES.has(code)) throw new MalformedMessageError('unknown error code', 'code');
      return { type: 'error', code: code as GatewayErrorCode, message: str(o, 'message') };
    }
    default:
      throw new UnknownMessageTypeError(o.type as string);
  }
}

export function encodeMessage(m: ClientRequest | GatewayResponse): string {
  return JSON.stringify(m);
}

export function errorResponse(code: GatewayErrorCode, message: string): ErrorResponse {
  return { type: 'error', code, message };
}
