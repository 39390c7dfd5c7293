/**
 * Requests and answers sealed with the session key inside `encryptedRequest` /
 * `encryptedResponse` (Nym's ClientRequest and SensitiveServerResponse,
 * common/gateway-requests/src/types/{text_request/mod.rs,text_response.rs}).
 *
 *   encryptedRequest  {ciphertext: SIV(K, nonce, JSON), nonce (12)}
 *   JSON (serde's default, externally tagged):
 *     {"UpgradeKey":{"hkdf_salt":[..],"derived_key_digest":[..]}}
 *     {"ForgetMe":{"client":bool,"stats":bool}}
 *     {"RememberMe":{"session_type":"Vpn"|"Mixnet"|"Wasm"|"Native"|"Socks5"|"Unknown"}}
 *   answers: {"KeyUpgradeAck":{}} | {"ForgetMeAck":{}} | {"RememberMeAck":{}}
 */
import * as v from 'valibot';
import { AEAD_NONCE_SIZE, nobleAead, type Aead } from './aead.js';
import { EncryptedRequestError } from './errors.js';
import type { RandomBytes } from './handshake.js';
import type { EncryptedRequest, EncryptedResponse } from './messages.js';

export const SESSION_TYPES = ['Vpn', 'Mixnet', 'Wasm', 'Native', 'Socks5', 'Unknown'] as const;
export type SessionType = (typeof SESSION_TYPES)[number];

export type SensitiveRequest =
  | { kind: 'upgradeKey'; hkdfSalt: Uint8Array; derivedKeyDigest: Uint8Array }
  | { kind: 'forgetMe'; client: boolean; stats: boolean }
  | { kind: 'rememberMe'; sessionType: SessionType };

export type SensitiveResponse = 'KeyUpgradeAck' | 'ForgetMeAck' | 'RememberMeAck';

const bytes = v.pipe(
  v.array(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(255))),
  v.maxLength(1024),
  v.transform((a) => Uint8Array.from(a)),
);

const requestSchema = v.union([
  v.pipe(
    v.object({ UpgradeKey: v.object({ hkdf_salt: bytes, derived_key_digest: bytes }) }),
    v.transform((o): SensitiveRequest => ({
      kind: 'upgradeKey',
      hkdfSalt: o.UpgradeKey.hkdf_salt,
      derivedKeyDigest: o.UpgradeKey.derived_key_digest,
    })),
  ),
  v.pipe(
    v.object({ ForgetMe: v.object({ client: v.boolean(), stats: v.boolean() }) }),
    v.transform((o): SensitiveRequest => ({ kind: 'forgetMe', ...o.ForgetMe })),
  ),
  v.pipe(
    v.object({ RememberMe: v.object({ session_type: v.picklist(SESSION_TYPES) }) }),
    v.transform((o): SensitiveRequest => ({ kind: 'rememberMe', sessionType: o.RememberMe.session_type })),
  ),
]);

const responseSchema = v.union([
  v.pipe(
    v.object({ KeyUpgradeAck: v.object({}) }),
    v.transform((): SensitiveResponse => 'KeyUpgradeAck'),
  ),
  v.pipe(
    v.object({ ForgetMeAck: v.object({}) }),
    v.transform((): SensitiveResponse => 'ForgetMeAck'),
  ),
  v.pipe(
    v.object({ RememberMeAck: v.object({}) }),
    v.transform((): SensitiveResponse => 'RememberMeAck'),
  ),
]);

function requestJson(r: SensitiveRequest): unknown {
  switch (r.kind) {
    case 'upgradeKey':
      return {
        UpgradeKey: { hkdf_salt: Array.from(r.hkdfSalt), derived_key_digest: Array.from(r.derivedKeyDigest) },
      };
    case 'forgetMe':
      return { ForgetMe: { client: r.client, stats: r.stats } };
    case 'rememberMe':
      return { RememberMe: { session_type: r.sessionType } };
  }
}

function seal(json: unknown, key: Uint8Array, random: RandomBytes, aead: Aead) {
  const nonce = random(AEAD_NONCE_SIZE);
  return { ciphertext: aead.seal(key, nonce, new TextEncoder().encode(JSON.stringify(json))), nonce };
}

function open<T>(
  m: { ciphertext: Uint8Array; nonce: Uint8Array },
  key: Uint8Array,
  schema: v.GenericSchema<unknown, T>,
  aead: Aead,
): T {
  if (m.nonce.length !== AEAD_NONCE_SIZE) throw new EncryptedRequestError();
  const pt = aead.open(key, m.nonce, m.ciphertext);
  if (!pt) throw new EncryptedRequestError();
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(pt));
  } catch {
    throw new EncryptedRequestError();
  }
  const r = v.safeParse(schema, json);
  if (!r.success) throw new EncryptedRequestError();
  return r.output;
}

export function sealSensitiveRequest(
  r: SensitiveRequest,
  key: Uint8Array,
  random: RandomBytes,
  aead: Aead = nobleAead,
): EncryptedRequest {
  return { type: 'encryptedRequest', ...seal(requestJson(r), key, random, aead) };
}

/** Throws EncryptedRequestError when it does not open or is no known request. */
export function openSensitiveRequest(
  m: EncryptedRequest,
  key: Uint8Array,
  aead: Aead = nobleAead,
): SensitiveRequest {
  return open(m, key, requestSchema, aead);
}

export function sealSensitiveResponse(
  r: SensitiveResponse,
  key: Uint8Array,
  random: RandomBytes,
  aead: Aead = nobleAead,
): EncryptedResponse {
  return { type: 'encryptedResponse', ...seal({ [r]: {} }, key, random, aead) };
}

export function openSensitiveResponse(
  m: EncryptedResponse,
  key: Uint8Array,
  aead: Aead = nobleAead,
): SensitiveResponse {
  return open(m, key, responseSchema, aead);
}
