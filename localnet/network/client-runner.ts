/**
 * The localnet's native websocket client: the client core and Nym's native websocket API
 * (what `nymph client run` runs), plus a bandwidth credential obtained the real way when
 * its gateway reports too little bandwidth: a deposit on the bandwidth contract from the
 * client's own funded account, blind signatures from t nym-api instances, aggregated and
 * shown to the gateway.
 *
 * Config: DIR/config.toml in the format of `nymph client run` ([client], [socket],
 * [debug]) plus a [bandwidth] section:
 *
 *   [bandwidth]  rpc_url, mnemonic, account_index, bandwidth_contract, mixnet_contract,
 *                api_urls (nym-api base URLs), threshold, deposit_amount (unym),
 *                backend ("mcl" | "noble")
 */
import { join } from 'node:path';
import type { Command } from 'commander';
import { pino, type Logger } from 'pino';
import {
  coconutCredentialSource,
  createNodeClient,
  type CoconutCredentialSource,
  nymApiTopologySource,
  recipientToString,
  startWsApi,
  type MixnetClientCore,
  type TrafficMode,
} from '../../src/client/index.js';
import type { CredentialSource } from '../../src/client/client.js';
import { connectSigningClients } from '../../src/chain/index.js';
import { readClientConfig, type LocalnetClientConfig } from './client-config.js';
import { acceptsConnections } from './supervisor.js';

export interface RunningLocalnetClient {
  address: string;
  port: number;
  websocket: string;
  core: MixnetClientCore;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Until every nym-api's topology has this client's gateway (when pinned) and a mix node in
 * every layer, and those nodes accept connections: a client started together with the
 * nodes it will use waits for them here.
 */
async function waitForRoutes(
  urls: string[],
  gateway: string,
  want: { wait_mixnodes: number; wait_gateways: number },
  signal: AbortSignal,
): Promise<void> {
  const hasRoutes = async (url: string): Promise<boolean> => {
    try {
      const r = await fetch(`${url}/v1/topology`, {
        signal: AbortSignal.any([signal, AbortSignal.timeout(2_000)]),
      });
      if (!r.ok) return false;
      const t = (await r.json()) as {
        mixnodes?: { layer?: unknown; mix_node?: { host?: unknown; mix_port?: unknown } }[];
        gateways?: {
          gateway?: { identity_key?: unknown; host?: unknown; mix_port?: unknown; clients_port?: unknown };
        }[];
      };
      const mixes = t.mixnodes ?? [];
      const layers = new Set(mixes.map((m) => Number(m.layer)));
      const gws = (t.gateways ?? []).map((g) => g.gateway ?? {});
      const mine = gateway ? gws.filter((g) => g.identity_key === gateway) : gws.slice(0, 1);
      if (![1, 2, 3].every((l) => layers.has(l)) || mine.length === 0) return false;
      if (mixes.length < want.wait_mixnodes || gws.length < want.wait_gateways) return false;
      // Bonds outlive processes (a resumed network): the nodes must also be listening.
      const endpoints = [
        ...mixes.map((m) => [m.mix_node?.host, m.mix_node?.mix_port]),
        [mine[0].host, mine[0].mix_port],
        [mine[0].host, mine[0].clients_port],
      ];
      const open = await Promise.all(endpoints.map(([h, p]) => acceptsConnections(String(h), Number(p))));
      return open.every(Boolean);
    } catch {
      return false; // not up yet
    }
  };
  // every nym-api: the topology source may ask any of them
  let pending = [...urls];
  while (pending.length) {
    signal.throwIfAborted();
    const ok = await Promise.all(pending.map(hasRoutes));
    pending = pending.filter((_, i) => !ok[i]);
    if (pending.length) await sleep(50);
  }
}

/**
 * Starts the client core (registering with a gateway on first run) and its websocket API.
 * The first bandwidth credential is requested at once, in parallel with the wait for the
 * topology and the gateway handshake, and handed over when the gateway asks for one.
 */
export async function startLocalnetClient(args: {
  home: string;
  config: LocalnetClientConfig;
  logger?: Logger;
  signal?: AbortSignal;
}): Promise<RunningLocalnetClient> {
  const { config: c, home } = args;
  const log = args.logger ?? pino({ level: 'silent' });
  const signal = args.signal ?? AbortSignal.timeout(60_000);
  const b = c.bandwidth;
  // The first credential is requested at once, while the client waits for its routes;
  // the core asks for more whenever the gateway reports too little bandwidth.
  const source: Promise<{ credentials: CoconutCredentialSource; disconnect(): void }> | undefined = b.rpc_url
    ? connectSigningClients({
        rpcUrl: b.rpc_url,
        mnemonic: b.mnemonic,
        accountIndex: b.account_index,
        contracts: { mixnet: b.mixnet_contract, bandwidth: b.bandwidth_contract },
        signal,
      }).then((signer) => {
        const credentials = coconutCredentialSource({
          apiUrls: b.api_urls,
          threshold: b.threshold,
          bandwidth: signer.bandwidth,
          amount: b.deposit_amount,
          storePath: join(home, 'credentials.json'),
          backend: b.backend,
          logger: log,
          // nym-apis started together with this client may not all answer yet
          sharesRetry: { attempts: 200, delayMs: 50 },
        });
        credentials.prefetch(signal);
        return { credentials, disconnect: () => signer.disconnect() };
      })
    : undefined;
  source?.catch(() => undefined); // reported when the core asks for a credential
  const credentials: CredentialSource | undefined = source
    ? { next: async (keys, s) => (await source).credentials.next(keys, s) }
    : undefined;
  await waitForRoutes(c.client.nym_api_urls, c.client.gateway, c.startup, signal);
  const core = createNodeClient({
    home,
    topology: nymApiTopologySource(c.client.nym_api_urls),
    gateway: c.client.gateway || undefined,
    config: {
      mode: c.client.mode as TrafficMode,
      topologyRefreshMs: c.debug.topology_refresh_ms,
      reassemblyTimeoutMs: c.debug.reassembly_timeout_ms,
      retransmit: {
        maxRetransmissions: c.debug.max_retransmissions,
        ackWaitAdditionMs: c.debug.ack_wait_addition_ms,
      },
    },
    credentials,
    logger: log,
  });
  try {
    await core.start(signal);
  } catch (e) {
    await core.stop().catch(() => undefined);
    throw e;
  }
  const api = await startWsApi(core, { host: c.socket.host, port: c.socket.port, logger: log });
  const host = c.socket.host.includes(':') ? `[${c.socket.host}]` : c.socket.host;
  return {
    address: recipientToString(core.address),
    port: api.port,
    websocket: `ws://${host}:${api.port}`,
    core,
    close: async () => {
      await api.close();
      await core.stop();
      (await source?.catch(() => undefined))?.disconnect();
    },
  };
}

/** `localnet-client run --home DIR`: the child-process form, one JSON ready line on stdout. */
export function registerClientRunner(program: Command): void {
  program
    .command('localnet-client')
    .description('the localnet native client (websocket API) with bandwidth credentials')
    .requiredOption('--home <dir>', 'client home directory (config.toml, keys.json)')
    .option('--log-level <level>', 'pino log level', 'info')
    .action(async (f: { home: string; logLevel: string }) => {
      const t0 = performance.now();
      const log = pino({ name: 'client', level: f.logLevel }, pino.destination(2));
      const running = await startLocalnetClient({
        home: f.home,
        config: readClientConfig(f.home),
        logger: log,
      });
      process.stdout.write(
        `${JSON.stringify({
          event: 'client_ready',
          address: running.address,
          port: running.port,
          websocket: running.websocket,
          ready_ms: Math.round(performance.now() - t0),
        })}\n`,
      );
      let stopping = false;
      const stop = (): void => {
        if (stopping) return;
        stopping = true;
        void running.close().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
