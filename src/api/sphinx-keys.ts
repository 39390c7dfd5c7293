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
 * The registry is kept in a small JSON file (written on change), so a restarted nym-api
 * serves the current keys before the nodes' next announcement.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Express, NextFunction, Request, Response } from 'express';
import * as v from 'valibot';
import type { GatewayBond, MixNodeDetails } from '../contracts/index.js';
import {
  SPHINX_KEYS_ROUTE,
  SphinxKeysAnnouncementSchema,
  verifySphinxKeys,
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

interface Held {
  primary: SphinxKey;
  preAnnounced: SphinxKey | null;
  timestamp: number;
}

const FileSchema = v.record(
  v.string(),
  v.object({
    primary: v.object({ rotation_id: v.number(), public_key: v.string() }),
    preAnnounced: v.nullable(v.object({ rotation_id: v.number(), public_key: v.string() })),
    timestamp: v.number(),
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
   * Checks and records an announcement. Returns true when it changed the keys held.
   * `isBonded` says whether the identity is a bonded node.
   */
  accept(raw: unknown, isBonded: (identity: string) => boolean, nowSecs: number): boolean {
    const r = v.safeParse(SphinxKeysAnnouncementSchema, raw, { abortEarly: true });
    if (!r.success) {
      const issue = r.issues[0];
      const field = (issue.path ?? []).map((p) => String(p.key)).join('.') || 'body';
      throw new InvalidRequestError(field, issue.message);
    }
    const a: SphinxKeysAnnouncement = r.output;
    if (!isBonded(a.identity_key)) throw new UnknownNodeError(a.identity_key);
    if (!verifySphinxKeys(a)) throw new AnnouncementSignatureError(a.identity_key);
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
    };
    const changed =
      !held ||
      JSON.stringify([held.primary, held.preAnnounced]) !== JSON.stringify([next.primary, next.preAnnounced]);
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

  private save(): void {
    if (!this.file) return;
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.new`;
    fs.writeFileSync(tmp, JSON.stringify(Object.fromEntries(this.keys)));
    fs.renameSync(tmp, this.file);
  }
}

/** The bonds with each node's key for `rotation` in place of the bonded one. Pure. */
export function withRotationKeys(
  mixnodes: readonly MixNodeDetails[],
  gateways: readonly GatewayBond[],
  rotation: number,
  keyFor: (identity: string, rotation: number) => string | undefined,
): { mixnodes: MixNodeDetails[]; gateways: GatewayBond[] } {
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
    gateways: gateways.map((g) => {
      const k = keyFor(g.gateway.identity_key, rotation);
      return !k || k === g.gateway.sphinx_key ? g : { ...g, gateway: { ...g.gateway, sphinx_key: k } };
    }),
  };
}

/** `POST /v1/nym-nodes/sphinx-keys`; `onChange` runs when the keys held changed. */
export function registerSphinxKeyRoutes(
  app: Express,
  deps: {
    registry: SphinxKeyRegistry;
    isBonded: (identity: string) => boolean;
    jsonBody: ((req: Request, res: Response, next: NextFunction) => void)[];
    onChange: () => void;
    now?: () => number;
  },
): void {
  app.post(SPHINX_KEYS_ROUTE, ...deps.jsonBody, (req: Request, res: Response) => {
    const nowSecs = Math.floor((deps.now ?? Date.now)() / 1000);
    const changed = deps.registry.accept(req.body, deps.isBonded, nowSecs);
    if (changed) deps.onChange();
    res.json({ accepted: true, changed });
  });
}
