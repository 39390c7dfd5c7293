/**
 * The plaintext of a `bandwidthCredential` request (sealed with the session key):
 * UTF-8 JSON `{"theta": base58, "value": "<decimal units>", "info": "BandwidthVoucher"}`,
 * exactly what src/coconut's `BandwidthCredential.proveBase58(vk, rng)` returns.
 * The gateway credits `value × 1024` bytes once the credential verifies and its blinded
 * serial number has not been spent.
 */
import { MalformedMessageError } from './errors.js';

export interface CredentialPayload {
  theta: string;
  value: string;
  info: string;
}

const MAX_THETA = 16 * 1024;

export function encodeCredentialPayload(p: CredentialPayload): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ theta: p.theta, value: p.value, info: p.info }));
}

export function decodeCredentialPayload(bytes: Uint8Array): CredentialPayload {
  let v: unknown;
  try {
    v = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new MalformedMessageError('credential is not UTF-8 JSON');
  }
  if (typeof v !== 'object' || v === null) throw new MalformedMessageError('credential is not an object');
  const o = v as Record<string, unknown>;
  if (typeof o.theta !== 'string' || o.theta.length === 0 || o.theta.length > MAX_THETA)
    throw new MalformedMessageError('bad theta', 'theta');
  if (typeof o.value !== 'string' || !/^[1-9][0-9]{0,15}$/.test(o.value))
    throw new MalformedMessageError('value must be a positive decimal string', 'value');
  if (typeof o.info !== 'string' || o.info.length > 256) throw new MalformedMessageError('bad info', 'info');
  return { theta: o.theta, value: o.value, info: o.info };
}
