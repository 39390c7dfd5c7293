/**
 * The network topology as clients, gateways, nodes and nym-api see it: mix nodes by layer
 * 1..3 and gateways, built from the mixnet contract's bonds.
 *
 * Input is untrusted network data. Each node is validated on its own; a malformed one is
 * skipped with a reason and the rest of the topology stands (one bad bond must never take
 * a client down). JSON uses nym-api's field names, i.e. the contract's bond structs.
 */
import * as v from 'valibot';
import type { GatewayBond, MixNodeBond } from '../contracts/index.js';
import { GatewayNotFoundError, NoGatewayError, NoRouteError, TopologyFormatError } from './errors.js';
import { decodeBase58, GatewayBondSchema, MixNodeBondSchema, TopologyDocumentSchema } from './schema.js';

export type Layer = 1 | 2 | 3;
export const LAYERS: readonly Layer[] = [1, 2, 3];

/** Randomness source: returns `n` uniformly random bytes. */
export type RandomBytes = (n: number) => Uint8Array;

export interface MixNodeEntry {
  readonly mixId: number;
  readonly owner: string;
  readonly layer: Layer;
  readonly host: string;
  readonly mixPort: number;
  readonly verlocPort: number;
  readonly httpApiPort: number;
  /** base58, as in the contract */
  readonly identityKey: string;
  readonly sphinxKey: string;
  /** decoded keys, 32 bytes each */
  readonly identityKeyBytes: Uint8Array;
  readonly sphinxKeyBytes: Uint8Array;
  readonly version: string;
  /** The bond it came from, kept for lossless JSON round trips. */
  readonly bond: MixNodeBond;
}

export interface GatewayEntry {
  readonly owner: string;
  readonly host: string;
  readonly mixPort: number;
  readonly clientsPort: number;
  readonly location: string;
  readonly identityKey: string;
  readonly sphinxKey: string;
  readonly identityKeyBytes: Uint8Array;
  readonly sphinxKeyBytes: Uint8Array;
  readonly version: string;
  readonly bond: GatewayBond;
}

export interface SkippedNode {
  kind: 'mixnode' | 'gateway';
  /** Position in the input list. */
  index: number;
  /** mix id or identity key when they could be read. */
  id: number | string | null;
  /** Bounded: branch and label metrics on this. */
  code: SkipCode;
  /** For people: which field failed and how. */
  reason: string;
}

/** nym-api's topology JSON: the contract's bond structs, active mix nodes with layers. */
export interface TopologyJson {
  mixnodes: MixNodeBond[];
  gateways: GatewayBond[];
}

export interface BuildResult {
  topology: Topology;
  skipped: SkippedNode[];
}

// ------------------------------------------------------------ validation of untrusted nodes

/** Why a node was left out, as a bounded code (metric labels, branching) beside the prose. */
export type SkipCode =
  | 'duplicate'
  | 'unbonding'
  | 'bad_sphinx_key'
  | 'bad_identity_key'
  | 'bad_host'
  | 'bad_port'
  | 'bad_layer'
  | 'malformed';

/** The code of a schema failure, by the field that failed. */
const FIELD_CODES: Readonly<Record<string, SkipCode>> = {
  sphinx_key: 'bad_sphinx_key',
  identity_key: 'bad_identity_key',
  host: 'bad_host',
  mix_port: 'bad_port',
  verloc_port: 'bad_port',
  http_api_port: 'bad_port',
  clients_port: 'bad_port',
  layer: 'bad_layer',
};

class Skip extends Error {
  constructor(
    readonly code: SkipCode,
    reason: string,
  ) {
    super(reason);
  }
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The first issue of a failed parse as `path message` (e.g. `mix_node.host is not ...`). */
export function describeIssue(issue: v.BaseIssue<unknown>): { path: string; field: string; message: string } {
  const keys = (issue.path ?? []).map((p) => String(p.key));
  const path = keys.join('.');
  // A missing key fails with the parent's message; say what is missing instead.
  const message = issue.received === 'undefined' && keys.length > 0 ? 'is missing' : issue.message;
  return { path, field: keys[keys.length - 1] ?? '', message };
}

function parseNode<S extends v.GenericSchema>(schema: S, raw: unknown): v.InferOutput<S> {
  // An array passes valibot's object check but is never a bond.
  if (!isObj(raw)) throw new Skip('malformed', 'not an object');
  const r = v.safeParse(schema, raw, { abortEarly: true });
  if (r.success) return r.output;
  const { path, field, message } = describeIssue(r.issues[0]);
  throw new Skip(FIELD_CODES[field] ?? 'malformed', path ? `${path} ${message}` : message);
}

function keyBytes(key: string): Uint8Array {
  // The schema checked that it decodes to 32 bytes.
  return decodeBase58(key)!;
}

function parseMixBond(input: unknown): MixNodeEntry {
  // nym-api's detailed endpoints wrap the bond: accept `{bond_information, ...}` too.
  const raw = isObj(input) && isObj(input.bond_information) ? input.bond_information : input;
  const bond = parseNode(MixNodeBondSchema, raw);
  const m = bond.mix_node;
  return {
    mixId: bond.mix_id,
    owner: bond.owner,
    layer: bond.layer,
    host: m.host,
    mixPort: m.mix_port,
    verlocPort: m.verloc_port,
    httpApiPort: m.http_api_port,
    identityKey: m.identity_key,
    sphinxKey: m.sphinx_key,
    identityKeyBytes: keyBytes(m.identity_key),
    sphinxKeyBytes: keyBytes(m.sphinx_key),
    version: m.version,
    bond,
  };
}

function parseGatewayBond(raw: unknown): GatewayEntry {
  const bond = parseNode(GatewayBondSchema, raw);
  const g = bond.gateway;
  return {
    owner: bond.owner,
    host: g.host,
    mixPort: g.mix_port,
    clientsPort: g.clients_port,
    location: g.location,
    identityKey: g.identity_key,
    sphinxKey: g.sphinx_key,
    identityKeyBytes: keyBytes(g.identity_key),
    sphinxKeyBytes: keyBytes(g.sphinx_key),
    version: g.version,
    bond,
  };
}

function peekId(raw: unknown, kind: 'mixnode' | 'gateway'): number | string | null {
  if (!isObj(raw)) return null;
  if (kind === 'mixnode') {
    const b = isObj(raw.bond_information) ? raw.bond_information : raw;
    return typeof b.mix_id === 'number' ? b.mix_id : null;
  }
  const g = raw.gateway;
  return isObj(g) && typeof g.identity_key === 'string' ? g.identity_key.slice(0, 64) : null;
}

// ------------------------------------------------------------ randomness

/** Uniform integer in [0, n) from a byte source, by rejection sampling (no modulo bias). */
export function randomIndex(n: number, rng: RandomBytes): number {
  if (!Number.isInteger(n) || n < 1 || n > 0xffff_ffff)
    throw new RangeError('topology: randomIndex bound out of range');
  const limit = Math.floor(0x1_0000_0000 / n) * n;
  for (;;) {
    const b = rng(4);
    if (!(b instanceof Uint8Array) || b.length < 4)
      throw new RangeError('topology: rng returned fewer than 4 bytes');
    const x = ((b[0] << 24) >>> 0) + (b[1] << 16) + (b[2] << 8) + b[3];
    if (x < limit) return x % n;
  }
}

// ------------------------------------------------------------ the model

export class Topology {
  private readonly byLayer: readonly [
    readonly MixNodeEntry[],
    readonly MixNodeEntry[],
    readonly MixNodeEntry[],
  ];
  private readonly gatewayIndex: ReadonlyMap<string, GatewayEntry>;

  private constructor(
    mixnodes: readonly MixNodeEntry[],
    readonly gateways: readonly GatewayEntry[],
  ) {
    const sorted = [...mixnodes].sort((a, b) => a.mixId - b.mixId);
    this.byLayer = [
      sorted.filter((n) => n.layer === 1),
      sorted.filter((n) => n.layer === 2),
      sorted.filter((n) => n.layer === 3),
    ];
    this.gatewayIndex = new Map(gateways.map((g) => [g.identityKey, g]));
  }

  static empty(): Topology {
    return new Topology([], []);
  }

  /**
   * Build from contract bonds (`get_layered_topology`, `get_mix_node_bonds` pages, or
   * nym-api JSON). Never throws on malformed nodes: they are skipped and listed.
   * Nodes marked `is_unbonding` and duplicate identity keys are skipped too.
   */
  static fromBonds(mixBonds: readonly unknown[], gatewayBonds: readonly unknown[]): BuildResult {
    const skipped: SkippedNode[] = [];
    const identities = new Set<string>();
    const mixIds = new Set<number>();
    const mixnodes: MixNodeEntry[] = [];
    mixBonds.forEach((raw, index) => {
      try {
        const e = parseMixBond(raw);
        if (e.bond.is_unbonding) throw new Skip('unbonding', 'is unbonding');
        if (mixIds.has(e.mixId)) throw new Skip('duplicate', 'duplicate mix_id');
        if (identities.has(e.identityKey)) throw new Skip('duplicate', 'duplicate identity_key');
        mixIds.add(e.mixId);
        identities.add(e.identityKey);
        mixnodes.push(e);
      } catch (err) {
        if (!(err instanceof Skip)) throw err;
        skipped.push({
          kind: 'mixnode',
          index,
          id: peekId(raw, 'mixnode'),
          code: err.code,
          reason: err.message,
        });
      }
    });
    const gateways: GatewayEntry[] = [];
    gatewayBonds.forEach((raw, index) => {
      try {
        const e = parseGatewayBond(raw);
        if (identities.has(e.identityKey)) throw new Skip('duplicate', 'duplicate identity_key');
        identities.add(e.identityKey);
        gateways.push(e);
      } catch (err) {
        if (!(err instanceof Skip)) throw err;
        skipped.push({
          kind: 'gateway',
          index,
          id: peekId(raw, 'gateway'),
          code: err.code,
          reason: err.message,
        });
      }
    });
    gateways.sort((a, b) => (a.identityKey < b.identityKey ? -1 : a.identityKey > b.identityKey ? 1 : 0));
    return { topology: new Topology(mixnodes, gateways), skipped };
  }

  /** Parse nym-api JSON (`{mixnodes, gateways}`); only a wrong document shape throws. */
  static fromJson(json: unknown): BuildResult {
    let doc = json;
    if (typeof doc === 'string') {
      try {
        doc = JSON.parse(doc);
      } catch {
        throw new TopologyFormatError('not valid JSON');
      }
    }
    if (!isObj(doc)) throw new TopologyFormatError('expected an object');
    const r = v.safeParse(TopologyDocumentSchema, doc, { abortEarly: true });
    if (!r.success) {
      const { path, message } = describeIssue(r.issues[0]);
      throw new TopologyFormatError(path ? `${path} ${message}` : message);
    }
    return Topology.fromBonds(r.output.mixnodes, r.output.gateways);
  }

  toJson(): TopologyJson {
    return {
      mixnodes: [...this.byLayer[0], ...this.byLayer[1], ...this.byLayer[2]]
        .sort((a, b) => a.mixId - b.mixId)
        .map((n) => structuredClone(n.bond)),
      gateways: this.gateways.map((g) => structuredClone(g.bond)),
    };
  }

  /** Mix nodes of one layer, ordered by mix id. */
  layer(layer: Layer): readonly MixNodeEntry[] {
    return this.byLayer[layer - 1];
  }

  get mixnodes(): readonly MixNodeEntry[] {
    return [...this.byLayer[0], ...this.byLayer[1], ...this.byLayer[2]];
  }

  layerSizes(): [number, number, number] {
    return [this.byLayer[0].length, this.byLayer[1].length, this.byLayer[2].length];
  }

  /** True when every layer has a node and there is a gateway. */
  isRoutable(): boolean {
    return this.byLayer.every((l) => l.length > 0) && this.gateways.length > 0;
  }

  mixnodeById(mixId: number): MixNodeEntry | undefined {
    return this.mixnodes.find((n) => n.mixId === mixId);
  }

  mixnodeByIdentity(identity: string): MixNodeEntry | undefined {
    return this.mixnodes.find((n) => n.identityKey === identity);
  }

  gatewayByIdentity(identity: string): GatewayEntry {
    const g = this.gatewayIndex.get(identity);
    if (!g) throw new GatewayNotFoundError(identity);
    return g;
  }

  hasGateway(identity: string): boolean {
    return this.gatewayIndex.has(identity);
  }

  /** One node per layer, each chosen uniformly; throws NoRouteError if a layer is empty. */
  chooseMixRoute(rng: RandomBytes): [MixNodeEntry, MixNodeEntry, MixNodeEntry] {
    const sizes = this.layerSizes();
    for (const l of LAYERS) if (sizes[l - 1] === 0) throw new NoRouteError(l, sizes);
    return [
      this.byLayer[0][randomIndex(sizes[0], rng)],
      this.byLayer[1][randomIndex(sizes[1], rng)],
      this.byLayer[2][randomIndex(sizes[2], rng)],
    ];
  }

  /** A full Sphinx route: layers 1, 2, 3, then the recipient's gateway as the last hop. */
  routeTo(
    gatewayIdentity: string,
    rng: RandomBytes,
  ): { mixnodes: [MixNodeEntry, MixNodeEntry, MixNodeEntry]; gateway: GatewayEntry } {
    const gateway = this.gatewayByIdentity(gatewayIdentity);
    return { mixnodes: this.chooseMixRoute(rng), gateway };
  }

  /** A uniformly chosen gateway (e.g. for a new client's registration). */
  randomGateway(rng: RandomBytes): GatewayEntry {
    if (this.gateways.length === 0) throw new NoGatewayError();
    return this.gateways[randomIndex(this.gateways.length, rng)];
  }
}
