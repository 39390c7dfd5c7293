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
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { pino, type Logger } from 'pino';
import { parse as parseToml, stringify as stringifyToml } from 'smol-toml';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import {
  TRAFFIC_MODES,
  createNodeClient,
  nymApiTopologySource,
  recipientToString,
  startWsApi,
  type MixnetClientCore,
  type TrafficMode,
} from '../../src/client/index.js';
import { connectSigningClients } from '../../src/chain/index.js';
import { obtainBandwidthCredential } from '../../src/api/client.js';
import { encodeCredentialPayload } from '../../src/gateway/protocol/credential.js';
import { secureRandom } from '../../src/coconut/random.js';
import { LocalnetConfigError } from './errors.js';

export interface LocalnetClientConfig {
  client: { nym_api_urls: string[]; gateway: string; mode: string };
  socket: { host: string; port: number };
  debug: {
    max_retransmissions: number;
    ack_wait_addition_ms: number;
    topology_refresh_ms: number;
    reassembly_timeout_ms: number;
  };
  bandwidth: {
    rpc_url: string;
    mnemonic: string;
    account_index: number;
    mixnet_contract: string;
    bandwidth_contract: string;
    api_urls: string[];
    threshold: number;
    deposit_amount: string;
    backend: 'mcl' | 'noble';
  };
}

export function defaultClientConfig(): LocalnetClientConfig {
  return {
    client: { nym_api_urls: [], gateway: '', mode: 'localnet' },
    socket: { host: '127.0.0.1', port: 1977 },
    debug: {
      max_retransmissions: 10,
      ack_wait_addition_ms: 1500,
      topology_refresh_ms: 60_000,
      reassembly_timeout_ms: 300_000,
    },
    bandwidth: {
      rpc_url: '',
      mnemonic: '',
      account_index: 0,
      mixnet_contract: '',
      bandwidth_contract: '',
      api_urls: [],
      threshold: 2,
      // 1 unym buys 1 KiB at the gateway: 1,000,000 unym is about 1 GB of packets.
      deposit_amount: '1000000',
      backend: 'mcl',
    },
  };
}

export const clientConfigPath = (home: string): string => join(home, 'config.toml');

export function writeClientConfig(home: string, c: LocalnetClientConfig): void {
  mkdirSync(home, { recursive: true, mode: 0o700 });
  writeFileSync(clientConfigPath(home), `# nymph localnet native client\n${stringifyToml(c)}\n`, {
    mode: 0o600,
  });
}

export function readClientConfig(home: string): LocalnetClientConfig {
  const file = clientConfigPath(home);
  if (!existsSync(file)) throw new LocalnetConfigError(file, 'not found');
  let t: Partial<LocalnetClientConfig>;
  try {
    t = parseToml(readFileSync(file, 'utf8')) as unknown as Partial<LocalnetClientConfig>;
  } catch (e) {
    throw new LocalnetConfigError(file, (e as Error).message);
  }
  const d = defaultClientConfig();
  const c: LocalnetClientConfig = {
    client: { ...d.client, ...t.client },
    socket: { ...d.socket, ...t.socket },
    debug: { ...d.debug, ...t.debug },
    bandwidth: { ...d.bandwidth, ...t.bandwidth },
  };
  if (!(c.client.mode in TRAFFIC_MODES))
    throw new LocalnetConfigError(
      file,
      `client.mode must be one of ${Object.keys(TRAFFIC_MODES).join(', ')}`,
    );
  if (!c.client.nym_api_urls.length) throw new LocalnetConfigError(file, 'client.nym_api_urls is empty');
  return c;
}

export interface RunningLocalnetClient {
  address: string;
  port: number;
  websocket: string;
  core: MixnetClientCore;
  close(): Promise<void>;
}

/** Starts the client core (registering with a gateway on first run) and its websocket API. */
export async function startLocalnetClient(args: {
  home: string;
  config: LocalnetClientConfig;
  logger?: Logger;
  signal?: AbortSignal;
}): Promise<RunningLocalnetClient> {
  const { config: c, home } = args;
  const log = args.logger ?? pino({ level: 'silent' });
  const b = c.bandwidth;
  const credentialSource = b.rpc_url
    ? async (signal?: AbortSignal): Promise<Uint8Array> => {
        const t0 = performance.now();
        const signer = await connectSigningClients({
          rpcUrl: b.rpc_url,
          mnemonic: b.mnemonic,
          accountIndex: b.account_index,
          contracts: { mixnet: b.mixnet_contract, bandwidth: b.bandwidth_contract },
          signal,
        });
        try {
          const got = await obtainBandwidthCredential({
            bandwidth: signer.bandwidth,
            apiUrls: b.api_urls,
            threshold: b.threshold,
            amount: b.deposit_amount,
            identityKey: ed25519.utils.randomSecretKey(),
            encryptionKey: x25519.utils.randomSecretKey(),
            backend: b.backend,
            signal,
          });
          log.info(
            {
              deposit: got.depositTxHash,
              signers: got.signers,
              ms: Math.round(performance.now() - t0),
            },
            'bandwidth credential issued',
          );
          return encodeCredentialPayload(got.credential.proveBase58(got.verificationKey, secureRandom));
        } finally {
          signer.disconnect();
        }
      }
    : undefined;
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
    bandwidthCredential: credentialSource,
    logger: log,
  });
  try {
    await core.start(args.signal ?? AbortSignal.timeout(30_000));
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
