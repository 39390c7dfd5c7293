/**
 * A whole local network in this process, on free loopback ports: the localnet chain, a
 * nym-api, `perLayer × 3` mix nodes and one gateway, all bonded through CosmJS. Clients
 * are started with the SDK in the `localnet` traffic mode (no delays, no cover).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startChain, type RunningChain } from '../../localnet/index.js';
import { connectSigningClients, type SigningClients } from '../../src/chain/index.js';
import {
  createNymApi,
  defaultConfig,
  generateKeyShares,
  keyFileName,
  writeKeyShares,
  type NymApi,
} from '../../src/api/index.js';
import { loadBackend, secureRandom as coconutRandom } from '../../src/coconut/index.js';
import { coconutCredentialSource } from '../../src/client/bandwidth.js';
import { createMixnode, type Mixnode } from '../../src/mixnode/index.js';
import { generateNodeKeys, type NodeSphinxOptions } from '../../src/node/index.js';
import { createGateway, type Gateway } from '../../src/gateway/gateway.js';
import { connect, type ConnectOptions } from '../../src/sdk/node.js';
import type { MixnetClient } from '../../src/sdk/client.js';
import { nymApiTopologySource } from '../../src/client/topology-source.js';
import type { ClientConfigInput } from '../../src/client/config.js';

const PLEDGE = { denom: 'unym', amount: '100000000' };

/**
 * Replay filters sized for a test network: 25 packets/s over the 25 h key lifetime (no
 * rotation schedule here) is 16 MiB a node (2^27 bits, k = 8; the size every node had before
 * filters were sized like Nym's), still under a 1e-5 false-positive rate at 2.5 M tags.
 * Nym's default expectation (200 packets/s) makes 128 MiB a node, which the kernel pages in
 * as tags land on untouched pages: a fresh network pays ~32,000 page faults a node within
 * its first few thousand packets. On this in-process network they fall on the one main
 * thread, inside bench:client's throughput run (127,000 faults there, ~12% of its msgs/s),
 * and each test's process holds 512 MiB of bitmaps by the end.
 */
const TEST_REPLAY_SIZING: NonNullable<NodeSphinxOptions['replay']> = {
  packetsPerSecond: 25,
  falsePositiveRate: 1e-5,
};
const quiet = pino({ level: process.env.NYMPH_TEST_LOG ?? 'silent' });

export interface LocalNet {
  readonly dir: string;
  readonly chain: RunningChain;
  readonly api: NymApi;
  readonly apis: NymApi[];
  readonly apiUrl: string;
  readonly mixnodes: Mixnode[];
  readonly gateway: Gateway;
  /** A connected SDK client (localnet mode unless overridden); closed with the network. */
  client(
    opts?: Partial<ConnectOptions> & { config?: ClientConfigInput; credentialAmount?: number },
  ): Promise<MixnetClient>;
  /** A fresh home directory for a client that must survive a restart. */
  home(name: string): string;
  close(): Promise<void>;
}

async function waitFor(what: string, cond: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`harness: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface LocalNetOptions {
  /** Mix nodes per layer (default 1). */
  readonly perLayer?: number;
  /**
   * Real bandwidth: `count` nym-apis issue Coconut credentials with threshold `threshold`,
   * and the gateway asks for them (default: a free-bandwidth gateway, one plain nym-api).
   */
  readonly credentials?: { readonly count: number; readonly threshold: number };
  /** Replay filter sizing of every node (default `TEST_REPLAY_SIZING`: 16 MiB a node). */
  readonly replay?: NodeSphinxOptions['replay'];
}

export async function startLocalNet(opts: LocalNetOptions = {}): Promise<LocalNet> {
  const perLayer = opts.perLayer ?? 1;
  const creds = opts.credentials;
  const sphinx = { replay: opts.replay ?? TEST_REPLAY_SIZING };
  const dir = mkdtempSync(join(tmpdir(), 'nymph-client-it-'));
  const mixnodes: Mixnode[] = [];
  const signers: SigningClients[] = [];
  const clients: MixnetClient[] = [];
  let chain: RunningChain | undefined;
  const apis: NymApi[] = [];
  let gateway: Gateway | undefined;
  const close = async () => {
    for (const c of clients) await c.disconnect().catch(() => undefined);
    for (const a of apis) await a.stop().catch(() => undefined);
    await gateway?.stop().catch(() => undefined);
    for (const m of mixnodes) await m.stop().catch(() => undefined);
    for (const s of signers) s.disconnect();
    await chain?.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const n = 3 * perLayer;
    chain = await startChain({
      home: join(dir, 'chain'),
      rpcHost: '127.0.0.1',
      rpcPort: 0,
      logLevel: 'silent',
      blockIntervalMs: 50,
      accounts: n + 8,
    });
    const running = chain;
    const contracts = {
      mixnet: running.chainInfo.contracts.mixnet,
      bandwidth: running.chainInfo.contracts.bandwidth,
    };
    const signer = async (i: number) => {
      const s = await connectSigningClients({
        rpcUrl: running.rpcUrl,
        mnemonic: running.chainInfo.mnemonic,
        accountIndex: i,
        contracts,
        broadcastPollIntervalMs: 25,
      });
      signers.push(s);
      return s;
    };

    // mix nodes: started, then bonded from their own accounts (the contract assigns layers)
    const keys = Array.from({ length: n }, () => generateNodeKeys());
    for (let i = 0; i < n; i++) {
      const home = join(dir, `mix-${i}`);
      mkdirSync(home, { recursive: true });
      const m = createMixnode({
        home,
        host: '127.0.0.1',
        port: 0,
        keys: keys[i],
        workers: 1,
        sphinx,
        logger: quiet,
        metrics: null,
      });
      await m.start();
      mixnodes.push(m);
    }
    // nym-apis (with Coconut key shares from a trusted dealer when credentials are on)
    let keyFiles: string[] = [];
    if (creds) {
      const backend = await loadBackend('mcl');
      const keyDir = join(dir, 'coconut-keys');
      writeKeyShares(
        backend,
        keyDir,
        generateKeyShares(backend, creds.threshold, creds.count, coconutRandom),
      );
      keyFiles = Array.from({ length: creds.count }, (_, i) => join(keyDir, keyFileName(i + 1)));
    }
    for (let i = 0; i < (creds?.count ?? 1); i++) {
      const c = defaultConfig(join(dir, `api-${i}`));
      mkdirSync(c.home, { recursive: true });
      c.http.port = 0;
      c.chain.rpcUrl = running.rpcUrl;
      c.chain.mixnetContract = contracts.mixnet;
      c.chain.bandwidthContract = contracts.bandwidth;
      c.topology.refreshIntervalMs = 200;
      c.coconut.enabled = !!creds;
      if (creds) {
        c.coconut.keyFile = keyFiles[i];
        c.coconut.backend = 'mcl';
      }
      const a = createNymApi(c, { logger: quiet, shutdownGraceMs: 200 });
      apis.push(a);
    }
    await Promise.all(apis.map((a) => a.start()));
    const api = apis[0];

    const gwKeys = generateNodeKeys();
    const gwHome = join(dir, 'gateway');
    mkdirSync(gwHome, { recursive: true });
    gateway = createGateway({
      home: gwHome,
      host: '127.0.0.1',
      mixPort: 0,
      clientsPort: 0,
      keys: gwKeys,
      workers: 1,
      freeBandwidth: !creds,
      credentials: creds
        ? { apiUrls: apis.map((a) => a.url), threshold: creds.threshold, backend: 'mcl' }
        : undefined,
      chain: creds ? { rpcUrl: running.rpcUrl, mnemonic: running.chainInfo.mnemonic, contracts } : undefined,
      bond: false,
      sphinx,
      metrics: null,
      logger: quiet,
    });
    await gateway.start();
    const gw = gateway;
    const bonders = await Promise.all(Array.from({ length: n + 1 }, (_, i) => signer(i + 1)));
    await Promise.all([
      ...mixnodes.map((m, i) =>
        bonders[i].mixnet.bondMixnode({
          mixNode: {
            host: '127.0.0.1',
            mix_port: m.address.port,
            // unused here, but the contract wants real port numbers
            verloc_port: 1790,
            http_api_port: 8000,
            sphinx_key: m.sphinxKey,
            identity_key: m.identityKey,
            version: '0.1.0',
          },
          costParams: {
            profit_margin_percent: '0.1',
            interval_operating_cost: { denom: 'unym', amount: '0' },
          },
          pledge: PLEDGE,
          proof: { identitySecretKey: keys[i].identitySecret },
        }),
      ),
      bonders[n].mixnet.bondGateway({
        gateway: {
          host: '127.0.0.1',
          mix_port: gw.address.port,
          clients_port: gw.clientsPort,
          location: 'loopback',
          sphinx_key: gw.sphinxKey,
          identity_key: gw.identityKey,
          version: '0.1.0',
        },
        pledge: PLEDGE,
        proof: { identitySecretKey: gwKeys.identitySecret },
      }),
    ]);

    const apiUrl = api.url;
    await waitFor('the topology', async () => {
      const r = await fetch(`${apiUrl}/v1/topology`);
      const t = (await r.json()) as { mixnodes: unknown[]; gateways: unknown[] };
      return t.mixnodes.length === n && t.gateways.length === 1;
    });

    let nextAccount = n + 2;
    const net: LocalNet = {
      dir,
      chain: running,
      api,
      apis,
      apiUrl,
      mixnodes,
      gateway: gw,
      home: (name) => join(dir, 'clients', name),
      async client(o = {}) {
        let credentials = o.credentials;
        if (creds && !credentials) {
          // each client deposits from its own funded account
          const s = await signer(nextAccount++);
          credentials = coconutCredentialSource({
            apiUrls: apis.map((a) => a.url),
            threshold: creds.threshold,
            bandwidth: s.bandwidth,
            amount: o.credentialAmount ?? 1000,
          });
        }
        const client = await connect({
          topology: nymApiTopologySource([apiUrl]),
          ...o,
          credentials,
          config: {
            mode: 'localnet',
            ...o.config,
          },
          signal: o.signal ?? AbortSignal.timeout(20_000),
        });
        clients.push(client);
        return client;
      },
      close,
    };
    return net;
  } catch (e) {
    await close();
    throw e;
  }
}

/** Collect `n` messages from a client, failing after `timeoutMs`. */
export async function receive(client: MixnetClient, n: number, timeoutMs = 20_000) {
  const signal = AbortSignal.timeout(timeoutMs);
  const out = [];
  for (let i = 0; i < n; i++) out.push(await client.nextMessage({ signal }));
  return out;
}
