/**
 * Bandwidth credentials end to end: a localnet chain and two nym-api validators (2-of-2
 * Coconut key), a credential obtained the real way (deposit on chain, blind signatures,
 * aggregation), two gateways that bond themselves at start and fetch and aggregate the
 * validators' verification keys, and the bandwidth contract's spend record they share.
 * A mix node bonds itself on the same chain.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base58 } from '@scure/base';
import { obtainBandwidthCredential } from '../../src/api-client/index.js';
import { connectQueryClients } from '../../src/chain/index.js';
import { secureRandom, type BandwidthCredential, type VerificationKey } from '../../src/coconut/index.js';
import { createGateway, type Gateway } from '../../src/gateway/index.js';
import {
  encodeCredentialPayload,
  errorCodeOfMessage,
  sealCredential,
  type GatewayResponse,
} from '../../src/gateway/protocol/index.js';
import { ensureMixnodeBonded } from '../../src/node/bond.js';
import { generateNodeKeys, type NodeKeys } from '../../src/node/keys.js';
import { createMixnode } from '../../src/mixnode/node.js';
import { startNet, type Net } from '../api/helpers.js';
import { quiet, tempHome } from '../mixnode/helpers.js';
import { TestClient, newIdentity, random } from './client.js';

describe('bandwidth credentials at two gateways sharing one chain', () => {
  const dir = tempHome('cred');
  let net: Net;
  let contracts: { mixnet: string; bandwidth: string };
  const gws: Gateway[] = [];
  const gwKeys: NodeKeys[] = [generateNodeKeys(), generateNodeKeys()];
  let vk: VerificationKey;
  let credential: BandwidthCredential;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    net = await startNet({ count: 2, threshold: 2 });
    const info = net.chain.chainInfo;
    contracts = { mixnet: info.contracts.mixnet, bandwidth: info.contracts.bandwidth };
    const depositor = await net.signer(3);
    const obtained = await obtainBandwidthCredential({
      bandwidth: depositor.bandwidth,
      apiUrls: net.apis.map((a) => a.url),
      threshold: 2,
      amount: 100n,
      identityKey: random(32),
      encryptionKey: random(32),
      backend: 'mcl',
    });
    credential = obtained.credential;
    vk = obtained.verificationKey;
    for (let i = 0; i < 2; i++) {
      const gw = createGateway({
        home: `${dir}/gw${i}`,
        host: '127.0.0.1',
        mixPort: 0,
        clientsPort: 0,
        keys: gwKeys[i],
        workers: 1,
        credentials: { backend: 'mcl', apiUrls: net.apis.map((a) => a.url), threshold: 2 },
        chain: {
          rpcUrl: net.chain.rpcUrl,
          mnemonic: info.mnemonic,
          accountIndex: i + 1,
          contracts,
          broadcastPollIntervalMs: 50,
        },
        logger: quiet,
      });
      gws.push(gw);
    }
    await Promise.all(gws.map((g) => g.start()));
  }, 180_000);
  afterAll(async () => {
    for (const c of clients) c.close();
    for (const g of gws) await g.stop();
    await net?.close();
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

  it('a mix node bonds itself at start, once', async () => {
    const keys = generateNodeKeys();
    const chain = {
      rpcUrl: net.chain.rpcUrl,
      mnemonic: net.chain.chainInfo.mnemonic,
      accountIndex: 4,
      contracts,
      broadcastPollIntervalMs: 50,
    };
    let bonded: { mixId: number; newlyBonded: boolean } | undefined;
    const home = `${dir}/mix`;
    const start = async () => {
      const m = createMixnode({
        home,
        host: '127.0.0.1',
        port: 0,
        keys,
        workers: 1,
        logger: quiet,
        bond: async (node, signal) => {
          bonded = await ensureMixnodeBonded({ chain, keys, node, logger: quiet, signal });
        },
      });
      await m.start();
      await m.stop();
    };
    await start();
    expect(bonded?.newlyBonded).toBe(true);
    await start();
    expect(bonded?.newlyBonded).toBe(false);
    const q = await connectQueryClients({ rpcUrl: net.chain.rpcUrl, contracts });
    try {
      const d = await q.mixnet.getMixnodeDetails(bonded!.mixId);
      expect(d?.bond_information.mix_node.identity_key).toBe(base58.encode(keys.identityPublic));
      expect(d?.bond_information.mix_node.sphinx_key).toBe(base58.encode(keys.sphinxPublic));
    } finally {
      q.disconnect();
    }
  });

  it('gateways bond themselves on the chain at start', async () => {
    const q = await connectQueryClients({ rpcUrl: net.chain.rpcUrl, contracts });
    try {
      for (const g of gws)
        expect((await q.mixnet.getGatewayBond(g.identityKey))?.gateway.identity_key).toBe(g.identityKey);
    } finally {
      q.disconnect();
    }
  });

  /** The code of an error answer (Nym's protocol carries only its text). */
  const codeOf = (r: GatewayResponse) =>
    r.type === 'error' ? errorCodeOfMessage(r.message) : r.type === 'typedError' ? 'typed' : r.type;

  it('a client without bandwidth is refused, cannot claim it free, then a credential is accepted once', async () => {
    const c = await TestClient.register(gws[0].clientsUrl, newIdentity(), gwKeys[0].identityPublic);
    clients.push(c);
    c.sendPacket(gws[1].nodeAddress, random(2413));
    expect(await c.next()).toEqual({
      type: 'typedError',
      error: { kind: 'outOfBandwidth', required: 2413, available: 0 },
    });
    // free bandwidth is off (the default): Nym's refusal, and the connection stays
    c.request({ type: 'claimFreeTestnetBandwidth' });
    expect(await c.next()).toEqual({
      type: 'error',
      message: 'This gateway is only accepting coconut credentials for bandwidth',
    });

    // a forged showing: right theta, wrong value
    expect(codeOf(await present(c, '5000'))).toBe('credential_invalid');

    expect(await present(c)).toEqual({ type: 'bandwidth', availableTotal: 100 * 1024 });
    c.sendPacket(gws[1].nodeAddress, random(2413));
    expect(await c.next(10_000, { sends: true })).toEqual({
      type: 'send',
      remainingBandwidth: 100 * 1024 - 2413,
    });
    // a fresh showing of the same voucher: same blinded serial number, refused locally
    const again = await present(c);
    expect(again).toEqual({
      type: 'error',
      message: 'the provided bandwidth credential has already been spent before at this gateway',
    });
    expect(c.responses.filter((r) => r.type === 'typedError')).toHaveLength(1);
    expect(c.closeCode).toBeNull();
  });

  it('the second gateway refuses the same voucher through the chain record', async () => {
    const c = await TestClient.register(gws[1].clientsUrl, newIdentity(), gwKeys[1].identityPublic);
    clients.push(c);
    const r = await present(c);
    expect(codeOf(r)).toBe('credential_spent');
    expect(r.type === 'error' && r.message).toMatch(/bandwidth contract/);
  });
});
