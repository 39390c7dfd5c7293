/**
 * A gateway's `wss` port reaches the topology, end to end on 127.0.0.1: the localnet chain,
 * a real nym-api, and a gateway configured as `nymph gateway init` writes it (wss on, the
 * self-signed certificate for its announced host `localhost`, `[sphinx] api_urls` set) that
 * bonds itself and announces its keys and client ports (a v2 announcement).
 *
 * - Nym's skimmed entry carries `hostname: "localhost"`, the bonded `ws_port` and the
 *   announced `wss_port`; `/v1/topology` carries the ports beside the gateway's bond.
 * - A client takes the address as Nym's clients do (common/topology `node.rs`
 *   ws_entry_address_tls: `wss://hostname:wss_port`), trusts the gateway's certificate, and
 *   registers with the gateway over it (the gateway's client protocol over TLS).
 * - Announcements with bad ports are answered 400 with their code over HTTP.
 * - A restarted nym-api (same home) serves the port before the gateway announces again.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChain, type RunningChain } from '../../localnet/index.js';
import { createNymApi, defaultConfig, type ApiConfig, type NymApi } from '../../src/api/index.js';
import { signSphinxKeys, SPHINX_KEYS_ROUTE } from '../../src/api-client/sphinx-keys.js';
import {
  createGateway,
  defaultGatewayToml,
  gatewayConfigFromToml,
  initGatewayTls,
  type Gateway,
} from '../../src/gateway/index.js';
import { generateNodeKeys } from '../../src/node/keys.js';
import { quiet, tempHome, until } from '../mixnode/helpers.js';
import { newIdentity, TestClient } from '../gateway/client.js';

interface Entry {
  hostname: string | null;
  ws_port: number;
  wss_port: number | null;
}

/** The gateway's entry in nym-api's skimmed entry-gateway listing, if listed. */
async function skimmedEntry(apiUrl: string, identity: string): Promise<Entry | undefined> {
  const r = await fetch(`${apiUrl}/v2/unstable/nym-nodes/skimmed/entry-gateways?page=0`);
  const body = (await r.json()) as { nodes: { data: { ed25519_identity_pubkey: string; entry: Entry }[] } };
  return body.nodes.data.find((n) => n.ed25519_identity_pubkey === identity)?.entry;
}

describe("a gateway's wss port in nym-api's topology", () => {
  const dir = tempHome('wss-topology');
  const gwKeys = generateNodeKeys();
  let chain: RunningChain;
  let apiConfig: ApiConfig;
  let api: NymApi;
  let gw: Gateway;
  let ca: string;

  beforeAll(async () => {
    chain = await startChain({
      home: path.join(dir, 'chain'),
      rpcHost: '127.0.0.1',
      rpcPort: 0,
      logLevel: 'silent',
      blockIntervalMs: 50,
      accounts: 3,
    });
    apiConfig = defaultConfig(path.join(dir, 'api'));
    fs.mkdirSync(apiConfig.home, { recursive: true });
    apiConfig.http.port = 0;
    apiConfig.chain.rpcUrl = chain.rpcUrl;
    apiConfig.chain.mixnetContract = chain.chainInfo.contracts.mixnet;
    apiConfig.chain.bandwidthContract = chain.chainInfo.contracts.bandwidth;
    apiConfig.topology.refreshIntervalMs = 200;
    apiConfig.coconut.enabled = false;
    api = createNymApi(apiConfig, { logger: quiet, shutdownGraceMs: 200 });
    await api.start();

    const home = path.join(dir, 'gateway');
    const t = defaultGatewayToml({
      host: '127.0.0.1',
      announceHost: 'localhost',
      mixPort: 0,
      clientsPort: 0,
      httpApiPort: -1,
      freeBandwidth: true,
      sphinxApiUrls: [api.url],
      chain: {
        rpcUrl: chain.rpcUrl,
        mnemonic: chain.chainInfo.mnemonic,
        accountIndex: 1,
        mixnetContract: chain.chainInfo.contracts.mixnet,
      },
    });
    // the first announcement can precede nym-api's sight of the bond: retry it quickly
    (t.sphinx as Record<string, unknown>).announce_every_ms = 200;
    const certFile = initGatewayTls(home, t);
    expect(certFile).toBe(path.join(home, 'tls/cert.pem'));
    ca = fs.readFileSync(certFile!, 'utf8');
    gw = createGateway({ ...gatewayConfigFromToml(home, t, gwKeys, quiet), workers: 1 });
    await gw.start();
  }, 120_000);

  afterAll(async () => {
    await gw?.stop();
    await api?.stop();
    await chain?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('lists the announced wss port, and a client connects to wss://hostname:wss_port', async () => {
    expect(gw.clientsWssPort).toBeGreaterThan(0);
    let entry: Entry | undefined;
    await until(
      async () => (entry = await skimmedEntry(api.url, gw.identityKey))?.wss_port != null,
      30_000,
      'the skimmed entry with a wss port',
    );
    expect(entry).toEqual({ hostname: 'localhost', ws_port: gw.clientsPort, wss_port: gw.clientsWssPort });
    const topology = (await (await fetch(`${api.url}/v1/topology`)).json()) as {
      gateways: { gateway: { identity_key: string }; mixnet_websockets?: unknown }[];
    };
    expect(
      topology.gateways.find((g) => g.gateway.identity_key === gw.identityKey)?.mixnet_websockets,
    ).toEqual({
      ws_port: gw.clientsPort,
      wss_port: gw.clientsWssPort,
    });

    // as Nym's ws_entry_address_tls builds it, from the listing alone
    const url = `wss://${entry!.hostname}:${entry!.wss_port}`;
    const client = await TestClient.register(url, newIdentity(), gwKeys.identityPublic, { ca, claim: true });
    expect(client.sharedKey).toHaveLength(32);
    await until(() => gw.connectedClients === 1, 5_000, 'the client registered over wss');
    client.close();
  }, 60_000);

  it('answers announcements with bad ports 400 with their code', async () => {
    const post = async (body: unknown) => {
      const r = await fetch(`${api.url}${SPHINX_KEYS_ROUTE}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: r.status, body: (await r.json()) as { error: { code: string; field?: string } } };
    };
    const signed = (websockets?: { wsPort: number; wssPort: number | null }) =>
      signSphinxKeys({
        identitySecret: gwKeys.identitySecret,
        identityPublic: gwKeys.identityPublic,
        primary: { rotationId: 0, publicKey: gwKeys.sphinxPublic },
        timestampSecs: Math.floor(Date.now() / 1000),
        websockets,
      });
    const ports = { ws_port: gw.clientsPort, wss_port: 443 };
    // a v1 signature with ports added: not covered
    const uncovered = await post({ ...signed(), mixnet_websockets: ports });
    expect([uncovered.status, uncovered.body.error.code]).toEqual([400, 'unsigned_websockets']);
    // signed, but ws_port is not the bonded clients_port
    const mismatch = await post(signed({ wsPort: gw.clientsPort + 1, wssPort: 443 }));
    expect([mismatch.status, mismatch.body.error.code]).toEqual([400, 'ws_port_mismatch']);
    // wss_port out of range
    const range = await post({
      ...signed({ wsPort: gw.clientsPort, wssPort: 443 }),
      mixnet_websockets: { ...ports, wss_port: 70_000 },
    });
    expect([range.status, range.body.error.code, range.body.error.field]).toEqual([
      400,
      'invalid_request',
      'mixnet_websockets.wss_port',
    ]);
    // none of them changed what is listed
    expect((await skimmedEntry(api.url, gw.identityKey))?.wss_port).toBe(gw.clientsWssPort);
  }, 30_000);

  it('serves the port from a restarted nym-api before the gateway announces again', async () => {
    await api.stop();
    expect(JSON.parse(fs.readFileSync(path.join(apiConfig.home, 'sphinx-keys.json'), 'utf8'))).toHaveProperty(
      [gw.identityKey, 'websockets'],
      { ws_port: gw.clientsPort, wss_port: gw.clientsWssPort },
    );
    // on another port: the gateway, which only announces to the old URL, cannot tell it
    api = createNymApi(apiConfig, { logger: quiet, shutdownGraceMs: 200 });
    await api.start();
    let entry: Entry | undefined;
    await until(
      async () => (entry = await skimmedEntry(api.url, gw.identityKey)) !== undefined,
      30_000,
      'listed',
    );
    expect(entry).toEqual({ hostname: 'localhost', ws_port: gw.clientsPort, wss_port: gw.clientsWssPort });
  }, 60_000);
});
