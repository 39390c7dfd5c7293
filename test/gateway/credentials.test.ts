/**
 * Bandwidth credentials end to end: a localnet chain, two gateways that bond themselves
 * through CosmJS at start, a Coconut voucher issued under a validator key, and the
 * bandwidth contract's spend record shared by both gateways.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChain, type RunningChain } from '../../localnet/index.js';
import { connectQueryClients } from '../../src/chain/index.js';
import {
  BandwidthVoucher,
  codecsFor,
  issueVoucherShare,
  keygen,
  loadBackend,
  secureRandom,
  voucherParameters,
  type BandwidthCredential,
  type VerificationKey,
} from '../../src/coconut/index.js';
import { createGateway, type Gateway } from '../../src/gateway/index.js';
import { encodeCredentialPayload, sealCredential } from '../../src/gateway/protocol/index.js';
import { generateNodeKeys, type NodeKeys } from '../../src/mixnode/keys.js';
import { quiet, tempHome } from '../mixnode/helpers.js';
import { TestClient, newIdentity, random } from './client.js';

describe('bandwidth credentials at two gateways sharing one chain', () => {
  const dir = tempHome('cred');
  let chain: RunningChain;
  const gws: Gateway[] = [];
  const gwKeys: NodeKeys[] = [generateNodeKeys(), generateNodeKeys()];
  let vk: VerificationKey;
  let credential: BandwidthCredential;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    chain = await startChain({
      home: path.join(dir, 'chain'),
      rpcHost: '127.0.0.1',
      rpcPort: 0,
      logLevel: 'silent',
      blockIntervalMs: 100,
    });
    const backend = await loadBackend('mcl');
    const params = voucherParameters(backend);
    const kp = keygen(params, secureRandom);
    vk = kp.verificationKey;
    const voucher = BandwidthVoucher.create(params, 100n, 'BandwidthVoucher', secureRandom);
    const share = voucher.unblindShare(
      issueVoucherShare(params, kp.secretKey, voucher.prepareRequest().request, 100n, 'BandwidthVoucher'),
      1,
      vk,
    );
    credential = voucher.aggregate([share], vk, { threshold: 1 });
    const contracts = {
      mixnet: chain.chainInfo.contracts.mixnet,
      bandwidth: chain.chainInfo.contracts.bandwidth,
    };
    const vkB58 = codecsFor(backend).verificationKey.toBase58(vk);
    for (let i = 0; i < 2; i++) {
      const gw = createGateway({
        home: path.join(dir, `gw${i}`),
        host: '127.0.0.1',
        mixPort: 0,
        clientsPort: 0,
        keys: gwKeys[i],
        workers: 1,
        credentials: { backend: 'mcl', verificationKey: vkB58 },
        chain: {
          rpcUrl: chain.rpcUrl,
          mnemonic: chain.chainInfo.mnemonic,
          accountIndex: i + 1,
          contracts,
          broadcastPollIntervalMs: 50,
        },
        logger: quiet,
      });
      gws.push(gw);
    }
    await Promise.all(gws.map((g) => g.start()));
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    for (const g of gws) await g.stop();
    await chain?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const present = (c: TestClient, value = credential.value.toString()) => {
    const shown = credential.proveBase58(vk, secureRandom);
    c.request(
      sealCredential({
        sharedKey: c.sharedKey!,
        credential: encodeCredentialPayload({ ...shown, value }),
        random,
      }),
    );
    return c.next(20_000);
  };

  it('gateways bond themselves on the chain at start', async () => {
    const q = await connectQueryClients({
      rpcUrl: chain.rpcUrl,
      contracts: { mixnet: chain.chainInfo.contracts.mixnet, bandwidth: chain.chainInfo.contracts.bandwidth },
    });
    try {
      for (const g of gws)
        expect((await q.mixnet.getGatewayBond(g.identityKey))?.gateway.identity_key).toBe(g.identityKey);
    } finally {
      q.disconnect();
    }
  });

  it('a client without bandwidth is refused, then a credential is accepted once', async () => {
    const c = await TestClient.register(gws[0].clientsUrl, newIdentity(), gwKeys[0].identityPublic);
    clients.push(c);
    c.sendPacket(gws[1].nodeAddress, random(2413));
    expect(await c.next()).toMatchObject({ type: 'error', code: 'out_of_bandwidth' });

    // a forged showing: right theta, wrong value
    expect(await present(c, '5000')).toMatchObject({ type: 'error', code: 'credential_invalid' });

    expect(await present(c)).toEqual({ type: 'bandwidth', availableTotal: 100 * 1024 });
    c.sendPacket(gws[1].nodeAddress, random(2413));
    // a fresh showing of the same voucher: same blinded serial number, refused locally
    expect(await present(c)).toMatchObject({ type: 'error', code: 'credential_spent' });
    expect(c.responses.filter((r) => r.type === 'error' && r.code === 'out_of_bandwidth')).toHaveLength(1);
  });

  it('the second gateway refuses the same voucher through the chain record', async () => {
    const c = await TestClient.register(gws[1].clientsUrl, newIdentity(), gwKeys[1].identityPublic);
    clients.push(c);
    const r = await present(c);
    expect(r).toMatchObject({ type: 'error', code: 'credential_spent' });
    expect(r.type === 'error' && r.message).toMatch(/chain/);
  });
});
