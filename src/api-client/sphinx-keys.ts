/**
 * How a node tells nym-api what Nym's nym-api reads from a node's self-description:
 * `POST /v1/nym-nodes/sphinx-keys` with the keys of Nym's `HostKeys` (nym-node-requests
 * `api/v1/node/models.rs`: `primary_x25519_sphinx_key`, `pre_announced_x25519_sphinx_key`,
 * each `{rotation_id, public_key}`) and, from a gateway, its client ports (Nym's
 * `mixnet_websockets`, nym-node-requests `api/v1/gateway/models.rs` `WebSockets
 * { ws_port, wss_port: Option }`), signed by the node's bonded Ed25519 identity.
 *
 * Nymph differs from Nym here: Nym's nym-api pulls each node's signed self-description
 * over HTTP; Nymph's Coconut-era bonds carry no HTTP port for gateways, so nodes push the
 * same facts. The signed message is, without `mixnet_websockets` (v1, mix nodes):
 *   "nymph-sphinx-keys-v1\n" ‖ JSON [identity_key, primary rotation id, primary key,
 *                                    pre-announced rotation id | null, key | null, timestamp]
 * and with it (v2, gateways), the same fields and the ports:
 *   "nymph-sphinx-keys-v2\n" ‖ JSON [..the six above.., ws_port, wss_port | null]
 * The body says which by having the field or not; a v1 signature with the field added does
 * not verify as v2, so nothing unsigned is taken. `timestamp` (Unix seconds) orders
 * announcements, so an old one cannot be replayed over a newer one.
 */
import * as v from 'valibot';
import { base58 } from '@scure/base';
import { ed25519 } from '@noble/curves/ed25519.js';
import { call, trimSlash, type RequestOptions } from './http.js';

const U32_MAX = 0xffffffff;
const u32 = () => v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(U32_MAX));
/** A TCP port a client can connect to: 1..65535 (0 is "pick one", never an address). */
const port = () =>
  v.pipe(
    v.number(),
    v.integer(),
    v.minValue(1, 'is not a port (1-65535)'),
    v.maxValue(0xffff, 'is not a port (1-65535)'),
  );
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

/** Nym's `WebSockets`: a gateway's client ports, `ws` (its bonded clients_port) and `wss`. */
export const MixnetWebsocketsSchema = v.object({ ws_port: port(), wss_port: v.nullable(port()) });
export type MixnetWebsockets = v.InferOutput<typeof MixnetWebsocketsSchema>;

export const SphinxKeysAnnouncementSchema = v.object({
  identity_key: key32,
  primary_x25519_sphinx_key: SphinxKeySchema,
  pre_announced_x25519_sphinx_key: v.nullable(SphinxKeySchema),
  timestamp: u32(),
  /** Present: a v2 announcement (gateways). */
  mixnet_websockets: v.optional(MixnetWebsocketsSchema),
  signature: v.pipe(v.string(), v.maxLength(128)),
});
export type SphinxKeysAnnouncement = v.InferOutput<typeof SphinxKeysAnnouncementSchema>;

export const SPHINX_KEYS_ROUTE = '/v1/nym-nodes/sphinx-keys';

/** The signed message's version: 2 when the announcement carries `mixnet_websockets`. */
export function announcementVersion(a: Pick<SphinxKeysAnnouncement, 'mixnet_websockets'>): 1 | 2 {
  return a.mixnet_websockets === undefined ? 1 : 2;
}

export function sphinxKeysSignedMessage(a: Omit<SphinxKeysAnnouncement, 'signature'>): Uint8Array {
  const pre = a.pre_announced_x25519_sphinx_key;
  const fields: (string | number | null)[] = [
    a.identity_key,
    a.primary_x25519_sphinx_key.rotation_id,
    a.primary_x25519_sphinx_key.public_key,
    pre?.rotation_id ?? null,
    pre?.public_key ?? null,
    a.timestamp,
  ];
  const ws = a.mixnet_websockets;
  if (ws) fields.push(ws.ws_port, ws.wss_port);
  return new TextEncoder().encode(`nymph-sphinx-keys-v${announcementVersion(a)}\n${JSON.stringify(fields)}`);
}

/** The announcement as v1 would have it (no websockets): what an unextended signature covers. */
export function withoutWebsockets(a: SphinxKeysAnnouncement): SphinxKeysAnnouncement {
  const { mixnet_websockets: _dropped, ...v1 } = a;
  return v1;
}

export function signSphinxKeys(args: {
  identitySecret: Uint8Array;
  identityPublic: Uint8Array;
  primary: { rotationId: number; publicKey: Uint8Array };
  preAnnounced?: { rotationId: number; publicKey: Uint8Array };
  timestampSecs: number;
  /** A gateway's client ports: signs a v2 announcement. */
  websockets?: { wsPort: number; wssPort: number | null };
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
    ...(args.websockets && {
      mixnet_websockets: { ws_port: args.websockets.wsPort, wss_port: args.websockets.wssPort },
    }),
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
