/**
 * The DKG on a real localnet chain: three nym-apis deal through the coconut-dkg contract
 * and start issuing with the t-of-n key it gives them; a credential they issue is accepted
 * by a gateway that fetches their verification keys; Nym's generated CoconutDkgQueryClient
 * reads the contract; then the group changes (one member out, one in), `trigger_resharing`
 * runs a new epoch, and the master key stays: a credential issued before is still accepted.
 */
import { CosmWasmClient } from '@cosmjs/cosmwasm-stargate';
import { contracts } from '@nymproject/contract-clients';
import type * as D from '@nymproject/contract-clients/CoconutDkg.types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  fetchAggregatedVerificationKey,
  obtainBandwidthCredential,
  type ObtainedCredential,
} from '../../src/api-client/index.js';
import type { NymApi } from '../../src/api/index.js';
import { connectSigningClients } from '../../src/chain/index.js';
import { codecsFor, loadBackend, secureRandom, type VerificationKey } from '../../src/coconut/index.js';
import { createGateway, type Gateway } from '../../src/gateway/index.js';
import { encodeCredentialPayload, sealCredential } from '../../src/gateway/protocol/index.js';
import { generateNodeKeys } from '../../src/node/keys.js';
import { expectShape, type Shape } from '../chain/nym-shape.js';
import { TestClient, newIdentity, random } from '../gateway/client.js';
import { quiet, startDkgNet, type DkgNet } from './helpers.js';

const TIMES = {
  public_key_submission_time_secs: 60,
  dealing_exchange_time_secs: 30,
  verification_key_submission_time_secs: 30,
  verification_key_validation_time_secs: 30,
  verification_key_finalization_time_secs: 30,
  in_progress_time_secs: 1_000_000,
};

const progress: Shape<D.StateProgress> = {
  registered_dealers: 'number',
  registered_resharing_dealers: 'number',
  submitted_dealings: 'number',
  submitted_key_shares: 'number',
  verified_keys: 'number',
};
const times: Shape<D.TimeConfiguration> = {
  dealing_exchange_time_secs: 'number',
  in_progress_time_secs: 'number',
  public_key_submission_time_secs: 'number',
  verification_key_finalization_time_secs: 'number',
  verification_key_submission_time_secs: 'number',
  verification_key_validation_time_secs: 'number',
};
const epochShape: Shape<D.Epoch> = {
  deadline: { nullable: 'number' },
  epoch_id: 'number',
  state: 'string',
  state_progress: progress,
  time_configuration: times,
};
const vkShare: Shape<D.ContractVKShare> = {
  announce_address: 'string',
  epoch_id: 'number',
  node_index: 'number',
  owner: 'string',
  share: 'string',
  verified: 'boolean',
};
const dealer: Shape<D.DealerDetails> = {
  address: 'string',
  announce_address: 'string',
  assigned_index: 'number',
  bte_public_key_with_proof: 'string',
  ed25519_identity: 'string',
};

describe('DKG through the coconut-dkg contract, 3 nym-apis', () => {
  let net: DkgNet;
  let apis: NymApi[];
  let dkgMs = 0;
  let master: VerificationKey;
  const credentials: ObtainedCredential[] = [];
  const gateways: Gateway[] = [];
  const clients: TestClient[] = [];
  const enc = async (vk: VerificationKey) => codecsFor(await loadBackend('mcl')).verificationKey.toBase58(vk);

  beforeAll(async () => {
    net = await startDkgNet(TIMES);
    const members = await Promise.all([1, 2, 3].map((i) => net.address(i)));
    await net.admin({ update_members: { add: members.map((addr) => ({ addr, weight: 1 })), remove: [] } });
    await net.admin({ initiate_dkg: {} });
    apis = [1, 2, 3].map((i) => net.api(i));
    const t0 = performance.now();
    await Promise.all(apis.map((a) => a.start()));
    dkgMs = performance.now() - t0;
  }, 120_000);

  afterAll(async () => {
    for (const c of clients) c.close();
    for (const g of gateways) await g.stop().catch(() => undefined);
    await net?.close();
  });

  async function gateway(urls: string[], account: number): Promise<{ gw: Gateway; identity: Uint8Array }> {
    const keys = generateNodeKeys();
    const info = net.chain.chainInfo;
    const gw = createGateway({
      home: `${net.dir}/gw-${account}`,
      host: '127.0.0.1',
      mixPort: 0,
      clientsPort: 0,
      keys,
      workers: 1,
      credentials: { backend: 'mcl', apiUrls: urls, threshold: 2 },
      chain: {
        rpcUrl: net.chain.rpcUrl,
        mnemonic: info.mnemonic,
        accountIndex: account,
        contracts: { mixnet: info.contracts.mixnet, bandwidth: info.contracts.bandwidth },
        broadcastPollIntervalMs: 50,
      },
      logger: quiet,
    });
    await gw.start();
    gateways.push(gw);
    return { gw, identity: keys.identityPublic };
  }

  async function present(gw: { gw: Gateway; identity: Uint8Array }, c: ObtainedCredential) {
    const client = await TestClient.register(gw.gw.clientsUrl, newIdentity(), gw.identity);
    clients.push(client);
    const shown = c.credential.proveBase58(c.verificationKey, secureRandom);
    client.request(
      sealCredential({ sharedKey: client.sharedKey!, credential: encodeCredentialPayload(shown), random }),
    );
    return client.next(20_000);
  }

  async function obtain(urls: string[], account: number): Promise<ObtainedCredential> {
    const info = net.chain.chainInfo;
    const depositor = await connectSigningClients({
      rpcUrl: net.chain.rpcUrl,
      mnemonic: info.mnemonic,
      accountIndex: account,
      contracts: { mixnet: info.contracts.mixnet, bandwidth: info.contracts.bandwidth },
      broadcastPollIntervalMs: 50,
    });
    try {
      return await obtainBandwidthCredential({
        bandwidth: depositor.bandwidth,
        apiUrls: urls,
        threshold: 2,
        amount: 100n,
        identityKey: random(32),
        encryptionKey: random(32),
        backend: 'mcl',
      });
    } finally {
      depositor.disconnect();
    }
  }

  it('gives each nym-api a 2-of-3 share; credentials they issue are accepted by a gateway', async () => {
    console.log(JSON.stringify({ dkg_3_nym_apis_ms: Math.round(dkgMs) }));
    const keys = apis.map((a) => a.dkg!.current!.key);
    expect(keys.map((k) => [k.index, k.threshold])).toEqual([
      [1, 2],
      [2, 2],
      [3, 2],
    ]);
    const aggregated = await Promise.all(keys.map((k) => enc(k.aggregatedVerificationKey)));
    expect(new Set(aggregated).size).toBe(1);
    // any 2 of the 3 give the same key; the gateways' way of getting it
    const backend = await loadBackend('mcl');
    master = await fetchAggregatedVerificationKey({ apiUrls: apis.map((a) => a.url), threshold: 2, backend });
    expect(await enc(master)).toBe(aggregated[0]);
    const pair = await fetchAggregatedVerificationKey({
      apiUrls: [apis[2].url, apis[0].url],
      threshold: 2,
      backend,
    });
    expect(await enc(pair)).toBe(aggregated[0]);
    // one instance alone cannot issue: below the threshold
    await expect(obtain([apis[0].url], 5)).rejects.toThrow();
    credentials.push(
      await obtain(
        apis.map((a) => a.url),
        4,
      ),
      await obtain([apis[1].url, apis[2].url], 6),
    );
    expect(await enc(credentials[0].verificationKey)).toBe(aggregated[0]);
    const gw = await gateway(
      apis.map((a) => a.url),
      7,
    );
    expect(await present(gw, credentials[0])).toEqual({ type: 'bandwidth', availableTotal: 100 * 1024 });
  }, 120_000);

  it("Nym's CoconutDkgQueryClient reads the epoch, dealers and verification keys", async () => {
    const reader = await CosmWasmClient.connect(net.chain.rpcUrl);
    try {
      const q = new contracts.CoconutDkg.CoconutDkgQueryClient(reader, net.contract);
      const epoch = await q.getCurrentEpochState();
      expectShape(epoch, epochShape);
      expect(epoch.state).toBe('in_progress');
      expect(await q.getCurrentEpochThreshold()).toBe(2);
      const state = await q.getState();
      expect(state.key_size).toBe(5);
      const dealers = await q.getCurrentDealers({});
      expect(dealers.dealers).toHaveLength(3);
      dealers.dealers.forEach((d: unknown) => expectShape(d, dealer));
      const vks = await q.getVerificationKeys({ epochId: 0 });
      expect(vks.shares.map((s: D.ContractVKShare) => s.verified)).toEqual([true, true, true]);
      vks.shares.forEach((s: unknown) => expectShape(s, vkShare));
      const can = await q.canAdvanceState();
      expect(can.is_complete).toBe(false);
      const status = await q.getDealerDealingsStatus({ dealer: apis[0].dkg!.address, epochId: 0 });
      expect(status.all_dealings_fully_submitted).toBe(true);
      const version = await q.getCw2ContractVersion();
      expect(version.contract).toBe('crates.io:nym-coconut-dkg');
    } finally {
      reader.disconnect();
    }
  });

  it('resharing to a changed group keeps the master key: a credential issued before is accepted', async () => {
    // member 3 leaves, account 8 joins as a bare dealer
    const newcomer = await net.dealer(8);
    await net.admin({
      update_members: { add: [{ addr: await net.address(8), weight: 1 }], remove: [await net.address(3)] },
    });
    await net.admin({ trigger_resharing: {} });
    const [k1, k2, k8] = await Promise.all([
      apis[0].dkg!.nextKey(0),
      apis[1].dkg!.nextKey(0),
      newcomer.nextKey(0),
    ]);
    expect([k1.epochId, k2.epochId, k8.epochId]).toEqual([1, 1, 1]);
    expect(k8.key.index).toBe(4);
    const before = await enc(master);
    for (const k of [k1, k2, k8]) expect(await enc(k.key.aggregatedVerificationKey)).toBe(before);
    // the issuers moved to their new shares, and still aggregate to the same key
    const backend = await loadBackend('mcl');
    const after = await fetchAggregatedVerificationKey({
      apiUrls: [apis[0].url, apis[1].url],
      threshold: 2,
      backend,
    });
    expect(await enc(after)).toBe(before);
    // a gateway started now accepts the credential issued in epoch 0
    const gw = await gateway([apis[0].url, apis[1].url], 9);
    expect(await present(gw, credentials[1])).toEqual({ type: 'bandwidth', availableTotal: 100 * 1024 });
  }, 120_000);
});
