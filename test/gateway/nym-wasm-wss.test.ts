/**
 * Nym's own published wasm client (`@nymproject/nym-client-wasm-node` 1.4.1, unmodified)
 * choosing between `ws` and `wss` from what a real nym-api lists, on 127.0.0.1: the chain,
 * a nym-api, three bonded Nymph mix nodes and two Nymph gateways with `wss` on, each
 * bonding itself and announcing its ports (v2) to nym-api.
 *
 * - Gateway "named" is bonded as `localhost` (its certificate's name): its skimmed entry has
 *   a hostname and a wss port, so Nym's client opens `wss://localhost:<wss_port>`
 *   (common/topology `node.rs` ws_entry_address_tls), registers over TLS and sends to
 *   itself through the Nymph mix nodes.
 * - Gateway "ip" is bonded by its IP address, as localnet bonds every node: its entry lists
 *   the wss port but no hostname, so Nym's client keeps to `ws://127.0.0.1:<ws_port>`,
 *   and with `forceTls` refuses it ("does not support the wss protocol": Nym's
 *   must_use_tls needs a hostname too).
 *
 * In Node the client needs `ws` as the global WebSocket (given the gateways' self-signed
 * certificates as trusted, as an operator's CA-signed ones would be) and `fake-indexeddb`.
 */
import 'fake-indexeddb/auto';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChain, type RunningChain } from '../../localnet/index.js';
import { connectSigningClients, type SigningClients } from '../../src/chain/index.js';
import { createNymApi, defaultConfig, type NymApi } from '../../src/api/index.js';
import {
  createGateway,
  defaultGatewayToml,
  gatewayConfigFromToml,
  initGatewayTls,
  type Gateway,
} from '../../src/gateway/index.js';
import { createMixnode, type Mixnode } from '../../src/mixnode/index.js';
import { generateNodeKeys } from '../../src/node/keys.js';
import { quiet, tempHome, until } from '../mixnode/helpers.js';
import { BrowserLikeWebSocket } from '../client/nym-wasm.js';

/** Certificates the test's "browser" trusts, and every URL Nym's client opened. */
const trusted: string[] = [];
const openedUrls: string[] = [];
/** `ws` as a browser's WebSocket, with the gateways' certificates trusted. */
class TrustingWebSocket extends BrowserLikeWebSocket {
  constructor(url: string | URL, protocols?: string | string[]) {
    super(url, protocols, { ca: trusted });
    openedUrls.push(new URL(String(url)).href);
  }
}
(globalThis as { WebSocket?: unknown }).WebSocket = TrustingWebSocket;
const require = createRequire(import.meta.url);

interface NymWasm {
  NymClient: new (
    onMessage: (m: unknown) => void,
    opts: Record<string, unknown>,
  ) => Promise<{
    selfAddress(): string;
    send_regular_message(message: Uint8Array, recipient: string): Promise<unknown>;
    free(): void;
  }>;
}
const nym = require('@nymproject/nym-client-wasm-node') as NymWasm;

interface Entry {
  hostname: string | null;
  ws_port: number;
  wss_port: number | null;
}

const PLEDGE = { denom: 'unym', amount: '100000000' };

describe("Nym's wasm client picks wss from the announced port and the hostname", () => {
  const dir = tempHome('nym-wasm-wss');
  let chain: RunningChain;
  let api: NymApi;
  const mixnodes: Mixnode[] = [];
  const signers: SigningClients[] = [];
  const gateways: Record<'named' | 'ip', Gateway> = {} as Record<'named' | 'ip', Gateway>;

  async function startGateway(name: 'named' | 'ip', announceHost: string, account: number): Promise<void> {
    const home = path.join(dir, `gw-${name}`);
    const t = defaultGatewayToml({
      host: '127.0.0.1',
      announceHost,
      mixPort: 0,
      clientsPort: 0,
      httpApiPort: -1,
      freeBandwidth: true,
      sphinxApiUrls: [api.url],
      chain: {
        rpcUrl: chain.rpcUrl,
        mnemonic: chain.chainInfo.mnemonic,
        accountIndex: account,
        mixnetContract: chain.chainInfo.contracts.mixnet,
      },
    });
    (t.sphinx as Record<string, unknown>).announce_every_ms = 200;
    trusted.push(fs.readFileSync(initGatewayTls(home, t)!, 'utf8'));
    const gw = createGateway({ ...gatewayConfigFromToml(home, t, generateNodeKeys(), quiet), workers: 1 });
    gateways[name] = gw;
    await gw.start();
  }

  async function entryOf(gw: Gateway): Promise<Entry | undefined> {
    const r = await fetch(`${api.url}/v2/unstable/nym-nodes/skimmed/entry-gateways?page=0`);
    const body = (await r.json()) as { nodes: { data: { ed25519_identity_pubkey: string; entry: Entry }[] } };
    return body.nodes.data.find((n) => n.ed25519_identity_pubkey === gw.identityKey)?.entry;
  }

  beforeAll(async () => {
    chain = await startChain({
      home: path.join(dir, 'chain'),
      rpcHost: '127.0.0.1',
      rpcPort: 0,
      logLevel: 'silent',
      blockIntervalMs: 50,
      accounts: 7,
    });
    const c = defaultConfig(path.join(dir, 'api'));
    fs.mkdirSync(c.home, { recursive: true });
    c.http.port = 0;
    c.chain.rpcUrl = chain.rpcUrl;
    c.chain.mixnetContract = chain.chainInfo.contracts.mixnet;
    c.chain.bandwidthContract = chain.chainInfo.contracts.bandwidth;
    c.topology.refreshIntervalMs = 200;
    c.coconut.enabled = false;
    api = createNymApi(c, { logger: quiet, shutdownGraceMs: 200 });
    await api.start();

    // three mix nodes, bonded from their own accounts (the contract assigns the layers)
    for (let i = 0; i < 3; i++) {
      const keys = generateNodeKeys();
      const home = path.join(dir, `mix-${i}`);
      fs.mkdirSync(home, { recursive: true });
      const m = createMixnode({
        home,
        host: '127.0.0.1',
        port: 0,
        keys,
        workers: 1,
        logger: quiet,
        metrics: null,
      });
      await m.start();
      mixnodes.push(m);
      const s = await connectSigningClients({
        rpcUrl: chain.rpcUrl,
        mnemonic: chain.chainInfo.mnemonic,
        accountIndex: 3 + i,
        contracts: {
          mixnet: chain.chainInfo.contracts.mixnet,
          bandwidth: chain.chainInfo.contracts.bandwidth,
        },
        broadcastPollIntervalMs: 25,
      });
      signers.push(s);
      await s.mixnet.bondMixnode({
        mixNode: {
          host: '127.0.0.1',
          mix_port: m.address.port,
          verloc_port: 1790,
          http_api_port: 8000,
          sphinx_key: m.sphinxKey,
          identity_key: m.identityKey,
          version: '0.1.0',
        },
        costParams: { profit_margin_percent: '0.1', interval_operating_cost: { denom: 'unym', amount: '0' } },
        pledge: PLEDGE,
        proof: { identitySecretKey: keys.identitySecret },
      });
    }
    // each gateway bonds itself at start and then announces its keys and ports
    await startGateway('named', 'localhost', 1);
    await startGateway('ip', '127.0.0.1', 2);
    await until(
      async () =>
        (await entryOf(gateways.named))?.wss_port != null && (await entryOf(gateways.ip))?.wss_port != null,
      30_000,
      'both gateways listed with their wss ports',
    );
  }, 180_000);

  afterAll(async () => {
    for (const gw of Object.values(gateways)) await gw.stop();
    for (const m of mixnodes) await m.stop();
    for (const s of signers) s.disconnect();
    await api?.stop();
    await chain?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const clientOverride = {
    coverTraffic: { disableLoopCoverTrafficStream: true },
    traffic: { disableMainPoissonPacketDistribution: true },
    topology: { minimumMixnodePerformance: 0, minimumGatewayPerformance: 0 },
  };

  it('connects over wss://hostname:wss_port to a gateway bonded by name, and sends to itself', async () => {
    const gw = gateways.named;
    expect(await entryOf(gw)).toEqual({
      hostname: 'localhost',
      ws_port: gw.clientsPort,
      wss_port: gw.clientsWssPort,
    });
    openedUrls.length = 0;
    const received: unknown[] = [];
    const client = await new nym.NymClient((m) => received.push(m), {
      clientId: `nymph-wss-${Date.now()}`,
      nymApiUrl: api.url,
      preferredGateway: gw.identityKey,
      // no forceTls: the entry's hostname and wss port are enough
      clientOverride,
    });
    expect(openedUrls).toContain(`wss://localhost:${gw.clientsWssPort}/`);
    expect(openedUrls.some((u) => u.startsWith('ws://'))).toBe(false);
    const me = client.selfAddress();
    await client.send_regular_message(new TextEncoder().encode('over wss, through nymph'), me);
    await until(() => received.length > 0, 30_000, 'the message back');
    client.free();
  }, 120_000);

  it('keeps to ws for a gateway bonded by IP, and refuses it with forceTls', async () => {
    const gw = gateways.ip;
    expect(await entryOf(gw)).toEqual({
      hostname: null,
      ws_port: gw.clientsPort,
      wss_port: gw.clientsWssPort,
    });
    openedUrls.length = 0;
    const client = await new nym.NymClient(() => undefined, {
      clientId: `nymph-ws-${Date.now()}`,
      nymApiUrl: api.url,
      preferredGateway: gw.identityKey,
      clientOverride,
    });
    expect(openedUrls).toContain(`ws://127.0.0.1:${gw.clientsPort}/`);
    expect(openedUrls.some((u) => u.startsWith('wss://'))).toBe(false);
    client.free();
    await expect(
      new nym.NymClient(() => undefined, {
        clientId: `nymph-ws-tls-${Date.now()}`,
        nymApiUrl: api.url,
        preferredGateway: gw.identityKey,
        forceTls: true,
        clientOverride,
      }),
    ).rejects.toThrow(/does not support the wss protocol/);
  }, 120_000);
});
