/**
 * Where the client gets its topology: nym-api's `/v1/topology` first, the mixnet contract
 * (through a CosmJS query client) as a fallback. Malformed nodes are skipped by the
 * topology room's validation; only an unreadable document fails a source.
 */
import { Topology, type SkippedNode } from '../topology/index.js';
import { ClientError } from './errors.js';
import { deadline } from '../api-client/deadline.js';

export type TopologySource = (
  signal?: AbortSignal,
) => Promise<{ topology: Topology; skipped: SkippedNode[] }>;

/** Every topology source failed. */
export class TopologyUnavailableError extends ClientError {
  override readonly code = 'topology_unavailable';
  constructor(readonly causes: string[]) {
    super(`no topology source answered: ${causes.join('; ')}`);
  }
}

export function nymApiTopologySource(
  urls: readonly string[],
  opts: { timeoutMs?: number; fetch?: typeof fetch } = {},
): TopologySource {
  const f = opts.fetch ?? fetch;
  const timeoutMs = opts.timeoutMs ?? 5_000;
  return async (signal) => {
    const causes: string[] = [];
    for (const base of urls) {
      const url = `${base.replace(/\/+$/, '')}/v1/topology`;
      // deadline(), not AbortSignal.any + AbortSignal.timeout: Node 20's composite holds the
      // timeout weakly, and a GC during a stalled fetch would let it wait forever.
      const d = deadline(timeoutMs, signal);
      try {
        const res = await f(url, { signal: d.signal });
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        return Topology.fromJson(await res.json());
      } catch (e) {
        if (signal?.aborted) throw e;
        causes.push(`${url}: ${(e as Error).message}`);
      } finally {
        d.clear();
      }
    }
    throw new TopologyUnavailableError(causes);
  };
}

/** The `get_layered_topology` query of the mixnet contract (src/chain's MixnetQueryClient). */
export interface LayeredTopologyQuery {
  getLayeredTopology(opts?: { signal?: AbortSignal }): Promise<{ mixnodes: unknown[]; gateways: unknown[] }>;
}

export function chainTopologySource(query: LayeredTopologyQuery): TopologySource {
  return async (signal) => {
    const r = await query.getLayeredTopology({ signal });
    return Topology.fromBonds(r.mixnodes, r.gateways);
  };
}

/** Try sources in order; the first that answers wins. */
export function fallbackTopologySource(...sources: TopologySource[]): TopologySource {
  return async (signal) => {
    const causes: string[] = [];
    for (const s of sources) {
      try {
        return await s(signal);
      } catch (e) {
        if (signal?.aborted) throw e;
        causes.push((e as Error).message);
      }
    }
    throw new TopologyUnavailableError(causes);
  };
}

/** A fixed topology (tests, offline tools). */
export function staticTopologySource(topology: Topology): TopologySource {
  return async () => ({ topology, skipped: [] });
}
