/**
 * `--placement FILE.toml`: where each role of the network runs. Each role's own config
 * (written by `up` into its home) then carries that address, exactly as it would on a
 * separate host; `wrap` is the command prefix that starts the role there.
 *
 *   [chain]                      host = "10.1.0.10", wrap = ["ip", "netns", "exec", "chain"]
 *   [api]      (one for all)     host = ...
 *   [[mixnode]] (one per node, or fewer: node i takes entry i mod count)
 *   [[gateway]]
 *   [client]
 *
 * Table names are the roles' names in the registry (src/roles.ts).
 *
 * A role without an entry runs here, on `--host`.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'smol-toml';
import { ROLE_NAMES } from '../../src/roles.js';
import { LocalnetConfigError } from './errors.js';
import type { Placement, PlacementFn, RoleKind } from './plan.js';

/** Every role of the registry (src/roles.ts) may have a table. */
const KINDS: readonly RoleKind[] = ROLE_NAMES;

function entry(file: string, kind: string, v: unknown): Placement {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new LocalnetConfigError(file, `${kind}: must be a table`);
  const o = v as Record<string, unknown>;
  if (typeof o.host !== 'string' || !o.host)
    throw new LocalnetConfigError(file, `${kind}.host: must be an address`);
  if (o.wrap !== undefined && (!Array.isArray(o.wrap) || !o.wrap.every((w) => typeof w === 'string')))
    throw new LocalnetConfigError(file, `${kind}.wrap: must be a list of strings`);
  for (const k of Object.keys(o))
    if (k !== 'host' && k !== 'wrap') throw new LocalnetConfigError(file, `${kind}.${k}: unknown key`);
  return { host: o.host, wrap: o.wrap as string[] | undefined };
}

export function parsePlacement(file: string, text: string): PlacementFn {
  let doc: Record<string, unknown>;
  try {
    doc = parse(text) as Record<string, unknown>;
  } catch (e) {
    throw new LocalnetConfigError(file, (e as Error).message);
  }
  const table = new Map<RoleKind, Placement[]>();
  for (const [k, v] of Object.entries(doc)) {
    if (!KINDS.includes(k as RoleKind))
      throw new LocalnetConfigError(file, `unknown role ${k} (one of ${KINDS.join(', ')})`);
    const list = Array.isArray(v) ? v : [v];
    if (list.length === 0) continue;
    table.set(
      k as RoleKind,
      list.map((e) => entry(file, k, e)),
    );
  }
  return (kind, i) => {
    const list = table.get(kind);
    return list ? list[i % list.length] : undefined;
  };
}

export function readPlacement(file: string): PlacementFn {
  return parsePlacement(file, readFileSync(file, 'utf8'));
}
