/**
 * The nodes' rotating Sphinx keys as nym-api knows them: what each bonded node announced
 * (src/api-client/sphinx-keys.ts), and the key clients must use in a rotation, Nym's
 * `NymNodeDescription::current_sphinx_key` (nym-api-requests `models/described.rs`):
 * the primary key if it is of that rotation, else the pre-announced one if it is, else the
 * bonded key (a node that never announced, Nym's "legacy" key).
 *
 * The topology routes (Coconut-era bonds and Nym's skimmed nodes) show that key in the
 * `sphinx_key` / `x25519_sphinx_pubkey` fields, so clients of either kind follow the
 * rotation without change. A node announces its next key an epoch ahead; nym-api shows it
 * once the contract's epoch reaches the new rotation.
 *
 * A gateway's announcement (v2) also carries its client ports, Nym's `mixnet_websockets`
 * (nym-api-requests `models/described.rs` `entry_information`): its `ws_port` must be the
 * bonded `clients_port`, and its `wss_port` is what the bonds cannot say. The topology
 * routes show it: the gateway's bond gets a `mixnet_websockets` field (`/v1/topology`,
 * `/v1/gateways`) and Nym's skimmed node its `entry.wss_port`. A later v1 announcement
 * (no ports) clears it, and it is not shown once the bond's clients_port differs from it.
 *
 * The registry is kept in a small JSON file (written on change), so a restarted nym-api
 * serves the current keys and ports before the nodes' next announcement.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Express, NextFunction, Request, Response } from 'express';
import * as v from 'valibot';
import type { GatewayBond, MixNodeDetails } from '../contracts/index.js';
import {
  MixnetWebsocketsSchema,
  SPHINX_KEYS_ROUTE,
  SphinxKeysAnnouncementSchema,
  verifySphinxKeys,
  withoutWebsockets,
  type MixnetWebsockets,
  type SphinxKey,
  type SphinxKeysAnnouncement,
} from '../api-client/sphinx-keys.js';
import { InvalidRequestError, NymApiError } from './errors.js';

/** Announcements more than this far from nym-api's clock are refused (seconds). */
export const MAX_ANNOUNCEMENT_SKEW_SECS = 300;

/** The identity is not bonded (as a mix node or gateway) in the cached contract. */
export class UnknownNodeError extends NymApiError {
  override readonly code = 'unknown_node';
  override readonly status = 404;
  constructor(readonly identity: string) {
    super(`no bonded node has identity ${identity}`);
  }
}

/** The announcement's signature does not verify under its identity key. */
export class AnnouncementSignatureError extends NymApiError {
  override readonly code = 'bad_signature';
  override readonly status = 401;
  constructor(readonly identity: string) {
    super(`the sphinx keys of ${identity} are not signed by its identity key`);
  }
}

/** `mixnet_websockets` is in the body but the signature is over the v1 message without it. */
export class UnsignedWebsocketsError extends NymApiError {
  override readonly code = 'unsigned_websockets';
  override readonly status = 400;
  constructor(readonly identity: string) {
    super(`the mixnet_websockets of ${identity} are not covered by its signature (a v1 signature; sign v2)`);
  }
}

/** A mix node announced client ports: only gateways have them. */
export class NotAGatewayError extends NymApiError {
  override readonly code = 'not_a_gateway';
  override readonly status = 400;
  constructor(readonly identity: string) {
    super(`${identity} is bonded as a mix node, which has no mixnet_websockets`);
  }
}

/** The announced `ws_port` is not the gateway's bonded `clients_port`. */
export class WsPortMismatchError extends NymApiError {
  override readonly code = 'ws_port_mismatch';
  override readonly status = 400;
  constructor(
    readonly identity: string,
    readonly wsPort: number,
    readonly clientsPort: number,
  ) {
    super(`gateway ${identity} announced ws_port ${wsPort}, but its bonded clients_port is ${clientsPort}`);
  }
  override details(): Record<string, unknown> {
    return { ws_port: this.wsPort, clients_port: this.clientsPort };
  }
}

/** The announced `wss_port` is one of the gateway's other bonded ports (one socket, one port). */
export class WssPortClashError extends NymApiError {
  override readonly code = 'wss_port_clash';
  override readonly status = 400;
  constructor(
    readonly identity: string,
    readonly wssPort: number,
    readonly port: 'clients_port' | 'mix_port',
  ) {
    super(`gateway ${identity} announced wss_port ${wssPort}, which is its bonded ${port}`);
  }
  override details(): Record<string, unknown> {
    return { wss_port: this.wssPort, clashes_with: this.port };
  }
}

/** An announcement older than the one held, or with a clock too far off. */
export class StaleAnnouncementError extends NymApiError {
  override readonly code = 'stale_announcement';
  override readonly status = 409;
  constructor(
    readonly identity: string,
    readonly reason: string,
  ) {
    super(`sphinx keys of ${identity} refused: ${reason}`);
  }
  override details(): Record<string, unknown> {
    return { reason: this.reason };
  }
}

/** What an announcement is checked against: the node's bond in the contract cache. */
export type BondedNode = { kind: 'mixnode' } | { kind: 'gateway'; clientsPort: number; mixPort: number };

/** The bond of `identity` in the cache's current data, if any. */
export function bondedNode(
  bonds: { mixnodes: readonly MixNodeDetails[]; gateways: readonly GatewayBond[] } | null,
  identity: string,
): BondedNode | undefined {
  if (!bonds) return undefined;
  const g = bonds.gateways.find((b) => b.gateway.identity_key === identity)?.gateway;
  if (g) return { kind: 'gateway', clientsPort: g.clients_port, mixPort: g.mix_port };
  return bonds.mixnodes.some((d) => d.bond_information.mix_node.identity_key === identity)
    ? { kind: 'mixnode' }
    : undefined;
}

interface Held {
  primary: SphinxKey;
  preAnnounced: SphinxKey | null;
  timestamp: number;
  /** From a v2 announcement; null after a v1 one. */
  websockets: MixnetWebsockets | null;
}

const FileSchema = v.record(
  v.string(),
  v.object({
    primary: v.object({ rotation_id: v.number(), public_key: v.string() }),
    preAnnounced: v.nullable(v.object({ rotation_id: v.number(), public_key: v.string() })),
    timestamp: v.number(),
    // absent in files written before v2 announcements
    websockets: v.optional(v.nullable(MixnetWebsocketsSchema), null),
  }),
);

export class SphinxKeyRegistry {
  private readonly keys = new Map<string, Held>();
  private versionValue = 0;

  constructor(private readonly file?: string) {
    if (!file || !fs.existsSync(file)) return;
    const r = v.safeParse(FileSchema, JSON.parse(fs.readFileSync(file, 'utf8')) as unknown);
    // an unreadable file only costs the keys until the nodes announce again
    if (r.success) for (const [id, h] of Object.entries(r.output)) this.keys.set(id, h);
  }

  /** Changes whenever a held key changes (part of the topology snapshot's fingerprint). */
  get version(): number {
    return this.versionValue;
  }

  get size(): number {
    return this.keys.size;
  }

  /**
   * Checks and records an announcement. Returns true when it changed the keys or ports held.
   * `bondOf` gives the identity's bond, if it is a bonded node.
   */
  accept(raw: unknown, bondOf: (identity: string) => BondedNode | undefined, nowSecs: number): boolean {
    const r = v.safeParse(SphinxKeysAnnouncementSchema, raw, { abortEarly: true });
    if (!r.success) {
      const issue = r.issues[0];
      const field = (issue.path ?? []).map((p) => String(p.key)).join('.') || 'body';
      throw new InvalidRequestError(field, issue.message);
    }
    const a: SphinxKeysAnnouncement = r.output;
    const bond = bondOf(a.identity_key);
    if (!bond) throw new UnknownNodeError(a.identity_key);
    if (!verifySphinxKeys(a)) {
      // a v1 signature with the ports added after signing: say so, rather than "bad signature"
      if (a.mixnet_websockets && verifySphinxKeys(withoutWebsockets(a)))
        throw new UnsignedWebsocketsError(a.identity_key);
      throw new AnnouncementSignatureError(a.identity_key);
    }
    const ws = a.mixnet_websockets ?? null;
    if (ws) checkWebsockets(a.identity_key, ws, bond);
    if (Math.abs(a.timestamp - nowSecs) > MAX_ANNOUNCEMENT_SKEW_SECS)
      throw new StaleAnnouncementError(a.identity_key, 'timestamp too far from now');
    const held = this.keys.get(a.identity_key);
    if (held && a.timestamp < held.timestamp)
      throw new StaleAnnouncementError(a.identity_key, 'older than the announcement held');
    if (held && a.primary_x25519_sphinx_key.rotation_id < held.primary.rotation_id)
      throw new StaleAnnouncementError(a.identity_key, 'primary key of an earlier rotation');
    const next: Held = {
      primary: a.primary_x25519_sphinx_key,
      preAnnounced: a.pre_announced_x25519_sphinx_key,
      timestamp: a.timestamp,
      websockets: ws && { ws_port: ws.ws_port, wss_port: ws.wss_port },
    };
    const facts = (h: Held) => JSON.stringify([h.primary, h.preAnnounced, h.websockets]);
    const changed = !held || facts(held) !== facts(next);
    this.keys.set(a.identity_key, next);
    if (changed) {
      this.versionValue++;
      this.save();
    }
    return changed;
  }

  /** The key clients use for `identity` in `rotation` (Nym's current_sphinx_key), if announced. */
  keyFor(identity: string, rotation: number): string | undefined {
    const h = this.keys.get(identity);
    if (!h) return undefined;
    if (h.primary.rotation_id === rotation) return h.primary.public_key;
    if (h.preAnnounced?.rotation_id === rotation) return h.preAnnounced.public_key;
    // announced, but for neither rotation (the node is behind): its primary is what it holds
    return h.primary.public_key;
  }

  /** The client ports `identity` announced last (v2), if any. */
  websocketsOf(identity: string): MixnetWebsockets | undefined {
    return this.keys.get(identity)?.websockets ?? undefined;
  }

  private save(): void {
    if (!this.file) return;
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.new`;
    fs.writeFileSync(tmp, JSON.stringify(Object.fromEntries(this.keys)));
    fs.renameSync(tmp, this.file);
  }
}

function checkWebsockets(identity: string, ws: MixnetWebsockets, bond: BondedNode): void {
  if (bond.kind !== 'gateway') throw new NotAGatewayError(identity);
  if (ws.ws_port !== bond.clientsPort) throw new WsPortMismatchError(identity, ws.ws_port, bond.clientsPort);
  if (ws.wss_port === bond.clientsPort) throw new WssPortClashError(identity, ws.wss_port, 'clients_port');
  if (ws.wss_port === bond.mixPort) throw new WssPortClashError(identity, ws.wss_port, 'mix_port');
}

/** A gateway bond as nym-api serves it: with the client ports it announced (Nym's `mixnet_websockets`). */
export type DescribedGatewayBond = GatewayBond & { mixnet_websockets?: MixnetWebsockets };

/**
 * The bonds with each node's key for `rotation` in place of the bonded one, and each
 * gateway's announced client ports beside its bond (only while they agree with the bond's
 * clients_port: a re-bonded gateway's old ports are not shown). Pure.
 */
export function withRotationKeys(
  mixnodes: readonly MixNodeDetails[],
  gateways: readonly GatewayBond[],
  rotation: number,
  keyFor: (identity: string, rotation: number) => string | undefined,
  websocketsOf: (identity: string) => MixnetWebsockets | undefined = () => undefined,
): { mixnodes: MixNodeDetails[]; gateways: DescribedGatewayBond[] } {
  return {
    mixnodes: mixnodes.map((d) => {
      const k = keyFor(d.bond_information.mix_node.identity_key, rotation);
      if (!k || k === d.bond_information.mix_node.sphinx_key) return d;
      return {
        ...d,
        bond_information: {
          ...d.bond_information,
          mix_node: { ...d.bond_information.mix_node, sphinx_key: k },
        },
      };
    }),
    gateways: gateways.map((input): DescribedGatewayBond => {
      // only ports the gateway signed are shown: a field of that name from elsewhere is dropped
      const { mixnet_websockets: _unsigned, ...g } = input as DescribedGatewayBond;
      const k = keyFor(g.gateway.identity_key, rotation);
      const keyed = !k || k === g.gateway.sphinx_key ? g : { ...g, gateway: { ...g.gateway, sphinx_key: k } };
      const ws = websocketsOf(g.gateway.identity_key);
      return ws && ws.ws_port === g.gateway.clients_port ? { ...keyed, mixnet_websockets: { ...ws } } : keyed;
    }),
  };
}

/** `POST /v1/nym-nodes/sphinx-keys`; `onChange` runs when the keys held changed. */
export function registerSphinxKeyRoutes(
  app: Express,
  deps: {
    registry: SphinxKeyRegistry;
    bondOf: (identity: string) => BondedNode | undefined;
    jsonBody: ((req: Request, res: Response, next: NextFunction) => void)[];
    onChange: () => void;
    now?: () => number;
  },
): void {
  app.post(SPHINX_KEYS_ROUTE, ...deps.jsonBody, (req: Request, res: Response) => {
    const nowSecs = Math.floor((deps.now ?? Date.now)() / 1000);
    const changed = deps.registry.accept(req.body, deps.bondOf, nowSecs);
    if (changed) deps.onChange();
    res.json({ accepted: true, changed });
  });
}
