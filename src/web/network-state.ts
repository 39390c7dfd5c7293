/**
 * What the explorer shows beside nym-api's own answers, gathered on the server side (node
 * metrics listeners and the chain's RPC send no CORS headers, and a page should not scrape
 * a hundred endpoints itself): each node's packet rate from its Prometheus counters, the
 * credentials issued (nym-api blind signatures) and spent (gateways), the chain's height.
 * Scraped at most once per `minIntervalMs`, however many pages ask.
 */
import { parseSamples, ratePerSecond, sumOf } from './prometheus.js';

export interface WebNode {
  readonly name: string;
  readonly identityKey: string;
  readonly kind: 'mixnode' | 'gateway';
  /** Prometheus endpoint, or null when the node serves none. */
  readonly metrics: string | null;
}

/** The network a web server shows (a subset of localnet.json). */
export interface WebNetwork {
  readonly nymApis: readonly string[];
  readonly chainRpc: string;
  readonly threshold: number;
  readonly mode: string;
  readonly nodes: readonly WebNode[];
  /** Native clients' websockets and addresses (the chat page can talk to them). */
  readonly clients: readonly { name: string; websocket: string; address: string }[];
}

export interface NodeState {
  readonly name: string;
  readonly kind: 'mixnode' | 'gateway';
  /** Its metrics endpoint answered the last scrape. */
  readonly up: boolean;
  /** Sphinx packets received per second over the last scrape interval. */
  readonly packetsPerSecond: number;
  readonly packetsReceived: number;
  readonly packetsDropped: number;
}

export interface NetworkState {
  readonly atMs: number;
  readonly chain: { readonly height: number | null; readonly time: string | null };
  readonly credentials: {
    /** Blind signatures nym-apis gave (each credential needs `threshold` of them). */
    readonly blindSignatures: number;
    /** Credentials issued: blind signatures / threshold. */
    readonly issued: number;
    /** Credentials gateways accepted (spent). */
    readonly spent: number;
  };
  readonly nodes: Readonly<Record<string, NodeState>>;
}

const SCRAPE_TIMEOUT_MS = 1500;

async function text(url: string): Promise<string | undefined> {
  try {
    const r = await fetch(url, { signal: AbortSignal.timeout(SCRAPE_TIMEOUT_MS) });
    return r.ok ? await r.text() : undefined;
  } catch {
    return undefined;
  }
}

/** A node's packet counters (src/node/metrics.ts, prefixed `nymph_mixnode` / `nymph_gateway`). */
const received = (kind: WebNode['kind']) => `nymph_${kind}_packets_received_total`;
const dropped = (kind: WebNode['kind']) => `nymph_${kind}_packets_dropped_total`;

export class NetworkStateSource {
  private last: NetworkState | undefined;
  private inFlight: Promise<NetworkState> | undefined;
  private readonly previous = new Map<string, { value: number; atMs: number }>();

  constructor(
    private readonly network: () => WebNetwork | undefined,
    private readonly minIntervalMs = 1000,
  ) {}

  /** The latest state, scraping again when the last one is older than the interval. */
  current(): Promise<NetworkState | undefined> {
    const net = this.network();
    if (!net) return Promise.resolve(undefined);
    if (this.last && Date.now() - this.last.atMs < this.minIntervalMs) return Promise.resolve(this.last);
    this.inFlight ??= this.scrape(net).finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private async scrape(net: WebNetwork): Promise<NetworkState> {
    const atMs = Date.now();
    const nodes: Record<string, NodeState> = {};
    let spent = 0;
    await Promise.all(
      net.nodes.map(async (n) => {
        const body = n.metrics ? await text(n.metrics) : undefined;
        const samples = body ? parseSamples(body) : [];
        const total = sumOf(samples, received(n.kind));
        const reading = { value: total, atMs };
        const rate = body ? ratePerSecond(this.previous.get(n.identityKey), reading) : 0;
        if (body) this.previous.set(n.identityKey, reading);
        if (n.kind === 'gateway')
          spent += sumOf(samples, 'nymph_gateway_credentials_total', { result: 'accepted' });
        nodes[n.identityKey] = {
          name: n.name,
          kind: n.kind,
          up: body !== undefined,
          packetsPerSecond: Math.round(rate * 10) / 10,
          packetsReceived: total,
          packetsDropped: sumOf(samples, dropped(n.kind)),
        };
      }),
    );
    let blindSignatures = 0;
    await Promise.all(
      net.nymApis.map(async (api) => {
        const body = await text(`${api}/metrics`);
        if (body)
          blindSignatures += sumOf(parseSamples(body), 'nym_api_blind_sign_requests_total', {
            outcome: 'ok',
          });
      }),
    );
    const chain = await chainStatus(net.chainRpc);
    this.last = {
      atMs,
      chain,
      credentials: {
        blindSignatures,
        issued: Math.floor(blindSignatures / Math.max(1, net.threshold)),
        spent,
      },
      nodes,
    };
    return this.last;
  }
}

async function chainStatus(rpc: string): Promise<NetworkState['chain']> {
  const body = await text(`${rpc}/status`);
  if (!body) return { height: null, time: null };
  try {
    const s = JSON.parse(body) as {
      result?: { sync_info?: { latest_block_height?: string; latest_block_time?: string } };
    };
    const info = s.result?.sync_info;
    const height = Number(info?.latest_block_height);
    return { height: Number.isFinite(height) ? height : null, time: info?.latest_block_time ?? null };
  } catch {
    return { height: null, time: null };
  }
}
