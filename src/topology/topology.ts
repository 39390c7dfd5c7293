/**
 * The network topology as clients, gateways, nodes and nym-api see it: mix nodes by layer
 * 1..3 and gateways, built from the mixnet contract's bonds.
 *
 * Input is untrusted network data. Each node is validated on its own; a malformed one is
 * skipped with a reason and the rest of the topology stands (one bad bond must never take
 * a client down). JSON uses nym-api's field names, i.e. the contract's bond structs.
 */
import { base58 } from '@scure/base';
import { isValidHost } from '../contracts/index.js';
import type { Coin, GatewayBond, MixNodeBond } from '../contracts/index.js';
import { GatewayNotFoundError, NoGatewayError, NoRouteError, TopologyFormatError } from './errors.js';

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

class Skip extends Error {}

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function req(o: Record<string, unknown>, k: string): unknown {
  if (!(k in o)) throw new Skip(`missing ${k}`);
  return o[k];
}
function str(v: unknown, name: string, max = 256): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > max)
    throw new Skip(`${name} is not a string of 1..${max} chars`);
  return v;
}
function port(v: unknown, name: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 65535)
    throw new Skip(`${name} is not a port`);
  return v;
}
function key(v: unknown, name: string): [string, Uint8Array] {
  const s = str(v, name, 64);
  let bytes: Uint8Array;
  try {
    bytes = base58.decode(s);
  } catch {
    throw new Skip(`${name} is not base58`);
  }
  if (bytes.length !== 32) throw new Skip(`${name} is ${bytes.length} bytes, expected 32`);
  return [s, bytes];
}
function hostOf(v: unknown): string {
  const s = str(v, 'host', 253);
  if (!isValidHost(s)) throw new Skip('host is not an IP address or host name');
  return s;
}
function coin(v: unknown, name: string): Coin {
  if (
    !isObj(v) ||
    typeof v.denom !== 'string' ||
    typeof v.amount !== 'string' ||
    !/^\d{1,39}$/.test(v.amount)
  ) {
    throw new Skip(`${name} is not a coin`);
  }
  return { denom: v.denom, amount: v.amount };
}
function optStr(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}
function uintOr0(v: unknown): number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : 0;
}

function parseMixBond(input: unknown): MixNodeEntry {
  // nym-api's detailed endpoints wrap the bond: accept `{bond_information, ...}` too.
  const raw = isObj(input) && isObj(input.bond_information) ? input.bond_information : input;
  if (!isObj(raw)) throw new Skip('not an object');
  const mixId = req(raw, 'mix_id');
  if (typeof mixId !== 'number' || !Number.isInteger(mixId) || mixId < 0 || mixId > 0xffff_ffff) {
    throw new Skip('mix_id is not a u32');
  }
  const layer = req(raw, 'layer');
  if (layer !== 1 && layer !== 2 && layer !== 3) throw new Skip('layer is not 1, 2 or 3');
  const owner = str(req(raw, 'owner'), 'owner', 128);
  const m = req(raw, 'mix_node');
  if (!isObj(m)) throw new Skip('mix_node is not an object');
  const host = hostOf(req(m, 'host'));
  const mixPort = port(req(m, 'mix_port'), 'mix_port');
  const verlocPort = port(req(m, 'verloc_port'), 'verloc_port');
  const httpApiPort = port(req(m, 'http_api_port'), 'http_api_port');
  const [sphinxKey, sphinxKeyBytes] = key(req(m, 'sphinx_key'), 'sphinx_key');
  const [identityKey, identityKeyBytes] = key(req(m, 'identity_key'), 'identity_key');
  const version = str(req(m, 'version'), 'version', 64);
  const bond: MixNodeBond = {
    mix_id: mixId,
    owner,
    original_pledge:
      raw.original_pledge === undefined
        ? { denom: 'unym', amount: '0' }
        : coin(raw.original_pledge, 'original_pledge'),
    layer,
    mix_node: {
      host,
      mix_port: mixPort,
      verloc_port: verlocPort,
      http_api_port: httpApiPort,
      sphinx_key: sphinxKey,
      identity_key: identityKey,
      version,
    },
    proxy: optStr(raw.proxy),
    bonding_height: uintOr0(raw.bonding_height),
    is_unbonding: raw.is_unbonding === true,
  };
  return {
    mixId,
    owner,
    layer,
    host,
    mixPort,
    verlocPort,
    httpApiPort,
    identityKey,
    sphinxKey,
    identityKeyBytes,
    sphinxKeyBytes,
    version,
    bond,
  };
}

function parseGatewayBond(raw: unknown): GatewayEntry {
  if (!isObj(raw)) throw new Skip('not an object');
  const owner = str(req(raw, 'owner'), 'owner', 128);
  const g = req(raw, 'gateway');
  if (!isObj(g)) throw new Skip('gateway is not an object');
  const host = hostOf(req(g, 'host'));
  const mixPort = port(req(g, 'mix_port'), 'mix_port');
  const clientsPort = port(req(g, 'clients_port'), 'clients_port');
  const location = str(req(g, 'location'), 'location', 128);
  const [sphinxKey, sphinxKeyBytes] = key(req(g, 'sphinx_key'), 'sphinx_key');
  const [identityKey, identityKeyBytes] = key(req(g, 'identity_key'), 'identity_key');
  const version = str(req(g, 'version'), 'version', 64);
  const bond: GatewayBond = {
    pledge_amount:
      raw.pledge_amount === undefined
        ? { denom: 'unym', amount: '0' }
        : coin(raw.pledge_amount, 'pledge_amount'),
    owner,
    block_height: uintOr0(raw.block_height),
    gateway: {
      host,
      mix_port: mixPort,
      clients_port: clientsPort,
      location,
      sphinx_key: sphinxKey,
      identity_key: identityKey,
      version,
    },
    proxy: optStr(raw.proxy),
  };
  return {
    owner,
    host,
    mixPort,
    clientsPort,
    location,
    identityKey,
    sphinxKey,
    identityKeyBytes,
    sphinxKeyBytes,
    version,
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
        if (e.bond.is_unbonding) throw new Skip('is unbonding');
        if (mixIds.has(e.mixId)) throw new Skip('duplicate mix_id');
        if (identities.has(e.identityKey)) throw new Skip('duplicate identity_key');
        mixIds.add(e.mixId);
        identities.add(e.identityKey);
        mixnodes.push(e);
      } catch (err) {
        if (!(err instanceof Skip)) throw err;
        skipped.push({ kind: 'mixnode', index, id: peekId(raw, 'mixnode'), reason: err.message });
      }
    });
    const gateways: GatewayEntry[] = [];
    gatewayBonds.forEach((raw, index) => {
      try {
        const e = parseGatewayBond(raw);
        if (identities.has(e.identityKey)) throw new Skip('duplicate identity_key');
        identities.add(e.identityKey);
        gateways.push(e);
      } catch (err) {
        if (!(err instanceof Skip)) throw err;
        skipped.push({ kind: 'gateway', index, id: peekId(raw, 'gateway'), reason: err.message });
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
    const { mixnodes, gateways } = doc;
    if (!Array.isArray(mixnodes)) throw new TopologyFormatError('mixnodes is not an array');
    if (!Array.isArray(gateways)) throw new TopologyFormatError('gateways is not an array');
    return Topology.fromBonds(mixnodes, gateways);
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
