/**
 * The typed clients against the real localnet chain, through unmodified CosmJS over
 * CometBFT JSON-RPC on a loopback port.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { base58 } from '@scure/base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChain } from '../../localnet/index.js';
import type { RunningChain } from '../../localnet/index.js';
import type { Gateway, MixNode, MixNodeCostParams } from '../../src/contracts/index.js';
import {
  ChainAbortedError,
  ChainTimeoutError,
  ChainUnavailableError,
  QueryFailedError,
  TxRejectedError,
  connectQueryClients,
  connectSigningClients,
  fetchTopology,
  identityKeyFromSecret,
  mixnodeOwnerSignature,
} from '../../src/chain/index.js';
import type { QueryClients, SigningClients } from '../../src/chain/index.js';

const enc = new TextEncoder();
const secret = (label: string) => sha256(enc.encode(label));
const sphinxKey = (label: string) => base58.encode(x25519.getPublicKey(secret(`sphinx-${label}`)));
const PLEDGE = { denom: 'unym', amount: '100000000' };
const COSTS: MixNodeCostParams = {
  profit_margin_percent: '0.1',
  interval_operating_cost: { denom: 'unym', amount: '40000000' },
};

function mixNode(label: string, port: number): MixNode {
  return {
    host: '127.0.0.1',
    mix_port: port,
    verloc_port: port + 1,
    http_api_port: port + 2,
    sphinx_key: sphinxKey(label),
    identity_key: identityKeyFromSecret(secret(label)),
    version: '0.1.0',
  };
}

let home: string;
let chain: RunningChain;
let q: QueryClients;
const signers: SigningClients[] = [];

async function signer(i: number): Promise<SigningClients> {
  const c = await connectSigningClients({
    rpcUrl: chain.rpcUrl,
    mnemonic: chain.chainInfo.mnemonic,
    accountIndex: i,
    gasPrice: '0.025unym',
    contracts: { mixnet: chain.chainInfo.contracts.mixnet, bandwidth: chain.chainInfo.contracts.bandwidth },
    broadcastPollIntervalMs: 50,
  });
  signers.push(c);
  return c;
}

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'nymph-chain-test-'));
  chain = await startChain({
    home,
    rpcHost: '127.0.0.1',
    rpcPort: 0,
    logLevel: 'silent',
    blockIntervalMs: 200,
  });
  q = await connectQueryClients({
    rpcUrl: chain.rpcUrl,
    contracts: { mixnet: chain.chainInfo.contracts.mixnet, bandwidth: chain.chainInfo.contracts.bandwidth },
  });
});

afterAll(async () => {
  for (const s of signers) s.disconnect();
  q?.disconnect();
  await chain?.close();
  rmSync(home, { recursive: true, force: true });
});

describe('mixnet contract over CosmJS', () => {
  it('bonds three mix nodes and a gateway, which form a routable topology', async () => {
    const mixIds: number[] = [];
    for (let i = 1; i <= 3; i++) {
      const s = await signer(i);
      const res = await s.mixnet.bondMixnode({
        mixNode: mixNode(`mix-${i}`, 1000 + 10 * i),
        costParams: COSTS,
        pledge: PLEDGE,
        proof: { identitySecretKey: secret(`mix-${i}`) },
      });
      expect(res.txHash).toMatch(/^[0-9A-F]{64}$/);
      mixIds.push(res.mixId);
    }
    expect(mixIds).toEqual([1, 2, 3]);
    const gw = await signer(4);
    const gateway: Gateway = {
      host: 'localhost',
      mix_port: 1789,
      clients_port: 9000,
      location: 'Loopback',
      sphinx_key: sphinxKey('gw'),
      identity_key: identityKeyFromSecret(secret('gw')),
      version: '0.1.0',
    };
    await gw.mixnet.bondGateway({ gateway, pledge: PLEDGE, proof: { identitySecretKey: secret('gw') } });

    const owned = await q.mixnet.getOwnedMixnode(signers[0].address);
    expect(owned?.bond_information).toMatchObject({ mix_id: 1, layer: 1, owner: signers[0].address });
    expect(await q.mixnet.getSigningNonce(signers[0].address)).toBe(1);
    expect((await q.mixnet.getGatewayBond(gateway.identity_key))?.owner).toBe(gw.address);
    expect(await q.mixnet.getOwnedGateway(gw.address)).toMatchObject({ gateway });
    expect(await q.mixnet.getLayerDistribution()).toEqual({ layer1: 1, layer2: 1, layer3: 1 });
    const all = await q.mixnet.getAllMixNodeBonds({ pageLimit: 1 });
    expect(all.map((b) => b.mix_id)).toEqual([1, 2, 3]);
    expect((await q.mixnet.getAllMixNodesDetailed({ pageLimit: 2 })).length).toBe(3);
    expect((await q.mixnet.getAllGateways({ pageLimit: 1 })).length).toBe(1);
    expect([...(await q.mixnet.getAllRewardedSet({ pageLimit: 2 })).entries()]).toEqual([
      [1, 'active'],
      [2, 'active'],
      [3, 'active'],
    ]);

    const { topology, skipped, epochId } = await fetchTopology(q.mixnet);
    expect(skipped).toEqual([]);
    expect(epochId).toBe(0);
    expect(topology.isRoutable()).toBe(true);
    expect(topology.layerSizes()).toEqual([1, 1, 1]);
  });

  it('rejects a bond whose owner signature was made for another sender', async () => {
    const s = await signer(5);
    const node = mixNode('mix-5', 1100);
    const wrongSig = mixnodeOwnerSignature({
      identitySecretKey: secret('mix-5'),
      sender: signers[0].address,
      nonce: 0,
      pledge: PLEDGE,
      mixNode: node,
      costParams: COSTS,
    });
    const err = await s.mixnet
      .bondMixnode({ mixNode: node, costParams: COSTS, pledge: PLEDGE, proof: { ownerSignature: wrongSig } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TxRejectedError);
    expect((err as TxRejectedError).code).toBeGreaterThan(0);
    expect((err as TxRejectedError).log).toMatch(/owner signature does not verify/);
    expect(await q.mixnet.getOwnedMixnode(s.address)).toBeNull();
  });

  it('updates config, unbonds and returns the pledge', async () => {
    const s = signers[2];
    await s.mixnet.updateMixnodeConfig({
      host: '127.0.0.2',
      mix_port: 2000,
      verloc_port: 2001,
      http_api_port: 2002,
      version: '0.2.0',
    });
    expect((await q.mixnet.getMixnodeDetails(3))?.bond_information.mix_node.host).toBe('127.0.0.2');
    const before = BigInt((await q.client.getBalance(s.address, 'unym')).amount);
    const res = await s.mixnet.unbondMixnode();
    const after = BigInt((await q.client.getBalance(s.address, 'unym')).amount);
    // Pledge back, minus at most the fee of the unbond tx.
    expect(after - before).toBeGreaterThan(100000000n - 1_000_000n);
    expect(res.height).toBeGreaterThan(0);
    expect(await q.mixnet.getMixnodeDetails(3)).toBeNull();
    const again = await s.mixnet.unbondMixnode().catch((e: unknown) => e);
    expect(again).toBeInstanceOf(TxRejectedError);
    expect((again as Error).message).toMatch(/does not own a bonded mixnode/);
  });

  it('lets only the admin advance the epoch', async () => {
    const admin = await signer(0);
    const before = await q.mixnet.getCurrentIntervalDetails();
    await admin.mixnet.advanceCurrentEpoch();
    const after = await q.mixnet.getCurrentIntervalDetails();
    expect(after.interval.total_elapsed_epochs).toBe(before.interval.total_elapsed_epochs + 1);
    const dist = await q.mixnet.getLayerDistribution();
    expect(dist.layer1 + dist.layer2 + dist.layer3).toBe(2);
    const err = await signers[0].mixnet.advanceCurrentEpoch().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TxRejectedError);
    expect((err as Error).message).toMatch(/not authorised/);
  });
});

describe('scheduled epochs', () => {
  it('the chain advances the epoch in beginBlock once the epoch length has passed', async () => {
    const admin = signers.find((x) => x.address === chain.chainInfo.accounts[0]) as SigningClients;
    const start = (await q.mixnet.getCurrentIntervalDetails()).interval.total_elapsed_epochs;
    await admin.mixnet.updateIntervalConfig(720, 1);
    let now = start;
    for (let i = 0; i < 50 && now <= start; i++) {
      await new Promise((r) => setTimeout(r, 100));
      now = (await q.mixnet.getCurrentIntervalDetails()).interval.total_elapsed_epochs;
    }
    expect(now).toBeGreaterThan(start);
    // Back to long epochs so the rest of the run is not disturbed.
    await admin.mixnet.updateIntervalConfig(720, 3600);
  });
});

describe('bandwidth contract over CosmJS', () => {
  it('deposits, spends once, and rejects a double spend', async () => {
    const client = await signer(6);
    const identity = ed25519.getPublicKey(secret('client'));
    const dep = await client.bandwidth.depositFunds({
      amount: { denom: 'unym', amount: '1000000' },
      identityKey: base58.encode(identity),
      encryptionKey: sphinxKey('client'),
    });
    expect(dep.depositId).toBe(1);
    expect(dep.depositValue).toBe('1000000unym');
    expect(dep.txHash).toMatch(/^[0-9A-F]{64}$/);
    const stored = await q.bandwidth.getDeposit(dep.depositId);
    expect(stored).toMatchObject({ depositor: client.address, identity_key: base58.encode(identity) });
    const tx = await q.client.getTx(dep.txHash);
    expect(tx?.code).toBe(0);

    const gw = signers.find((s) => s.address === chain.chainInfo.accounts[4]) as SigningClients;
    const serial = base58.encode(secret('serial').slice(0, 32));
    await gw.bandwidth.spendCredential({
      funds: { denom: 'unym', amount: '1000000' },
      blindedSerialNumber: serial,
    });
    expect(await q.bandwidth.getSpentCredential(serial)).toMatchObject({
      status: 'spent',
      gateway_cosmos_address: gw.address,
    });
    const twice = await gw.bandwidth
      .spendCredential({ funds: { denom: 'unym', amount: '1000000' }, blindedSerialNumber: serial })
      .catch((e: unknown) => e);
    expect(twice).toBeInstanceOf(TxRejectedError);
    expect((twice as Error).message).toMatch(/already spent/);
    expect((await q.bandwidth.getAllSpentCredentials()).length).toBe(1);
    expect((await q.bandwidth.getAllDeposits()).map((d) => d.id)).toEqual([1]);
  });

  it('signs concurrent transactions of one account one after another (no sequence clash)', async () => {
    // a gateway redeeming several clients' credentials at the same moment
    const gw = signers.find((s) => s.address === chain.chainInfo.accounts[4]) as SigningClients;
    const serials = ['a', 'b', 'c', 'd'].map((t) => base58.encode(secret(`concurrent ${t}`).slice(0, 32)));
    const results = await Promise.allSettled(
      serials.map((blindedSerialNumber) =>
        gw.bandwidth.spendCredential({ funds: { denom: 'unym', amount: '1000' }, blindedSerialNumber }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
    for (const serial of serials) {
      expect(await q.bandwidth.getSpentCredential(serial)).toMatchObject({ status: 'spent' });
    }
  });
});

describe('client errors', () => {
  it('maps a contract query error to QueryFailedError', async () => {
    const err = await q.mixnet.getMixNodeBondsPaged({ limit: -1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QueryFailedError);
    expect((err as QueryFailedError).log).toMatch(/limit/);
  });

  it('honours AbortSignal and timeouts', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(q.mixnet.getLayeredTopology({ signal: ac.signal })).rejects.toBeInstanceOf(
      ChainAbortedError,
    );
    // A server that accepts the connection and never answers.
    const sockets: Socket[] = [];
    const silent = createServer((sock) => sockets.push(sock));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as AddressInfo).port;
    try {
      const t0 = Date.now();
      const err = await connectQueryClients({
        rpcUrl: `http://127.0.0.1:${port}`,
        contracts: { mixnet: 'x', bandwidth: 'y' },
        timeoutMs: 200,
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ChainTimeoutError);
      expect(Date.now() - t0).toBeLessThan(2000);
      const late = new AbortController();
      setTimeout(() => late.abort(), 100);
      const aborted = await connectQueryClients({
        rpcUrl: `http://127.0.0.1:${port}`,
        contracts: { mixnet: 'x', bandwidth: 'y' },
        signal: late.signal,
      }).catch((e: unknown) => e);
      expect(aborted).toBeInstanceOf(ChainAbortedError);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  });

  it('reports an unreachable endpoint', async () => {
    const err = await connectQueryClients({
      rpcUrl: 'http://127.0.0.1:1',
      contracts: { mixnet: 'x', bandwidth: 'y' },
      timeoutMs: 5000,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChainUnavailableError);
  });
});
