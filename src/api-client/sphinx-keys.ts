/**
 * How a node tells nym-api its rotating Sphinx keys: `POST /v1/nym-nodes/sphinx-keys`
 * with the keys of Nym's self-described `HostKeys` (nym-node-requests
 * `api/v1/node/models.rs`: `primary_x25519_sphinx_key`, `pre_announced_x25519_sphinx_key`,
 * each `{rotation_id, public_key}`), signed by the node's bonded Ed25519 identity.
 *
 * Nymph differs from Nym here: Nym's nym-api pulls each node's signed self-description
 * over HTTP; Nymph's Coconut-era bonds carry no HTTP port for gateways, so nodes push the
 * same facts. The signed message is
 *   "nymph-sphinx-keys-v1\n" ‖ JSON [identity_key, primary rotation id, primary key,
 *                                    pre-announced rotation id | null, key | null, timestamp]
 * and `timestamp` (Unix seconds) orders announcements, so an old one cannot be replayed
 * over a newer one.
 */
import * as v from 'valibot';
import { base58 } from '@scure/base';
import { ed25519 } from '@noble/curves/ed25519.js';
import { call, trimSlash, type RequestOptions } from './http.js';

const U32_MAX = 0xffffffff;
const u32 = () => v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(U32_MAX));
const key32 = v.pipe(
  v.string(),
  v.maxLength(64),
  v.check((s) => {
    try {
      return base58.decode(s).length === 32;
    } catch {
      return false;
    }
  }, 'is not a base58 32-byte key'),
);

/** Nym's `SphinxKey`. */
export const SphinxKeySchema = v.object({ rotation_id: u32(), public_key: key32 });
export type SphinxKey = v.InferOutput<typeof SphinxKeySchema>;

export const SphinxKeysAnnouncementSchema = v.object({
  identity_key: key32,
  primary_x25519_sphinx_key: SphinxKeySchema,
  pre_announced_x25519_sphinx_key: v.nullable(SphinxKeySchema),
  timestamp: u32(),
  signature: v.pipe(v.string(), v.maxLength(128)),
});
export type SphinxKeysAnnouncement = v.InferOutput<typeof SphinxKeysAnnouncementSchema>;

export const SPHINX_KEYS_ROUTE = '/v1/nym-nodes/sphinx-keys';

export function sphinxKeysSignedMessage(a: Omit<SphinxKeysAnnouncement, 'signature'>): Uint8Array {
  const pre = a.pre_announced_x25519_sphinx_key;
  const fields = [
    a.identity_key,
    a.primary_x25519_sphinx_key.rotation_id,
    a.primary_x25519_sphinx_key.public_key,
    pre?.rotation_id ?? null,
    pre?.public_key ?? null,
    a.timestamp,
  ];
  return new TextEncoder().encode(`nymph-sphinx-keys-v1\n${JSON.stringify(fields)}`);
}

export function signSphinxKeys(args: {
  identitySecret: Uint8Array;
  identityPublic: Uint8Array;
  primary: { rotationId: number; publicKey: Uint8Array };
  preAnnounced?: { rotationId: number; publicKey: Uint8Array };
  timestampSecs: number;
}): SphinxKeysAnnouncement {
  const unsigned = {
    identity_key: base58.encode(args.identityPublic),
    primary_x25519_sphinx_key: {
      rotation_id: args.primary.rotationId,
      public_key: base58.encode(args.primary.publicKey),
    },
    pre_announced_x25519_sphinx_key: args.preAnnounced
      ? { rotation_id: args.preAnnounced.rotationId, public_key: base58.encode(args.preAnnounced.publicKey) }
      : null,
    timestamp: args.timestampSecs,
  };
  const sig = ed25519.sign(sphinxKeysSignedMessage(unsigned), args.identitySecret);
  return { ...unsigned, signature: base58.encode(sig) };
}

export function verifySphinxKeys(a: SphinxKeysAnnouncement): boolean {
  try {
    const { signature, ...unsigned } = a;
    return ed25519.verify(
      base58.decode(signature),
      sphinxKeysSignedMessage(unsigned),
      base58.decode(a.identity_key),
    );
  } catch {
    return false;
  }
}

/** Posts an announcement to one nym-api. */
export async function announceSphinxKeys(
  apiUrl: string,
  body: SphinxKeysAnnouncement,
  opts: RequestOptions = {},
): Promise<void> {
  await call<unknown>(
    `${trimSlash(apiUrl)}${SPHINX_KEYS_ROUTE}`,
    { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
    opts,
  );
}
