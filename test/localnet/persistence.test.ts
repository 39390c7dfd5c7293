/**
 * `nymph chain run` as a child process: kill -9 and restart keep every account, tx, block
 * and contract state.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { Comet38Client } from '@cosmjs/tendermint-rpc';
import pino from 'pino';
import { ChainStoreError, startChain, type ChainInfo } from '../../localnet/index.js';
import Database from 'better-sqlite3';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { base58 } from '@scure/base';
import { signOwnerPayload, type Gateway } from '../../src/contracts/index.js';
import { bondMixnodeMsg, signingClient, tempHome, wallet } from './helpers.js';

const home = tempHome();
const children = new Set<ChildProcess>();

afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  home.cleanup();
});

/** Start the chain CLI and resolve with its RPC URL once it prints chain_ready. */
function runChain(dir: string): Promise<{ child: ChildProcess; rpc: string }> {
  const child = spawn(
    process.execPath,
    [
      'bin/nymph.js',
      'chain',
      'run',
      '--home',
      dir,
      '--rpc',
      '127.0.0.1:0',
      '--block-interval-ms',
      '200',
      '--accounts',
      '3',
      '--log-level',
      'warn',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  children.add(child);
  child.on('exit', () => children.delete(child));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('chain did not start in 30 s')), 30_000);
    child.once('exit', (code) => reject(new Error(`chain exited with ${code}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        const ev = JSON.parse(line) as { event?: string; rpc?: string };
        if (ev.event === 'chain_ready' && ev.rpc) {
          clearTimeout(timer);
          resolve({ child, rpc: ev.rpc });
        }
      } catch {
        // not a JSON line
      }
    });
  });
}

function killed(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

describe('localnet chain: persistence', () => {
  it('keeps balances, txs, blocks and contract state across kill -9', async () => {
    const first = await runChain(home.dir);
    const info = JSON.parse(readFileSync(join(home.dir, 'chain.json'), 'utf8')) as ChainInfo;
    expect(info.rpc).toBe(first.rpc);
    expect(info.accounts).toHaveLength(3);
    const w = await wallet(info.mnemonic, 3);
    const [a0, a1, a2] = (await w.getAccounts()).map((a) => a.address);
    let client = await signingClient(first.rpc, w);
    const sent = await client.sendTokens(a0, a1, [{ denom: 'unym', amount: '4242' }], 'auto');
    const bond = await bondMixnodeMsg(client, info.contracts.mixnet, a2, 77);
    const bonded = await client.execute(a2, info.contracts.mixnet, bond.msg, 'auto', '', bond.funds);
    const balances = await Promise.all([a0, a1, a2].map((a) => client.getBalance(a, 'unym')));
    const seq0 = (await client.getAccount(a0))!.sequence;
    const comet = await Comet38Client.connect(first.rpc);
    const blockBefore = await comet.block(bonded.height);
    comet.disconnect();
    const heightBefore = await client.getHeight();
    client.disconnect();

    await killed(first.child);

    const second = await runChain(home.dir);
    client = await signingClient(second.rpc, w);
    expect(await client.getHeight()).toBeGreaterThanOrEqual(heightBefore);
    for (const [i, a] of [a0, a1, a2].entries())
      expect(await client.getBalance(a, 'unym')).toEqual(balances[i]);
    expect((await client.getAccount(a0))!.sequence).toBe(seq0);
    expect((await client.getTx(sent.transactionHash))?.height).toBe(sent.height);
    expect((await client.getTx(bonded.transactionHash))?.code).toBe(0);
    const comet2 = await Comet38Client.connect(second.rpc);
    expect((await comet2.block(bonded.height)).blockId.hash).toEqual(blockBefore.blockId.hash);
    comet2.disconnect();
    const topo = (await client.queryContractSmart(info.contracts.mixnet, { get_mix_node_bonds: {} })) as {
      nodes: { mix_node: { identity_key: string } }[];
    };
    expect(JSON.stringify(topo)).toContain(bond.identity);
    // The chain goes on: a new tx with the next sequence commits.
    const again = await client.sendTokens(a0, a1, [{ denom: 'unym', amount: '1' }], 'auto');
    expect(again.height).toBeGreaterThan(heightBefore);
    client.disconnect();
    await killed(second.child);
  });
});

describe('localnet chain: one process per home', () => {
  it('refuses a second chain on the same home while the first runs', async () => {
    const other = tempHome();
    try {
      const first = await runChain(other.dir);
      await expect(
        startChain({ home: other.dir, rpcPort: 0, logger: pino({ level: 'silent' }) }),
      ).rejects.toThrow(ChainStoreError);
      await killed(first.child);
      // Once the holder is gone (even by kill -9), the home opens again.
      const again = await startChain({ home: other.dir, rpcPort: 0, logger: pino({ level: 'silent' }) });
      expect(again.node.height).toBeGreaterThan(0);
      await again.close();
    } finally {
      other.cleanup();
    }
  });
});

describe('localnet chain: contract state migration', () => {
  it('gives gateways bonded before node ids existed their ids at restart, in bond order, and keeps them', async () => {
    const dir = tempHome();
    const silent = pino({ level: 'silent' });
    try {
      let chain = await startChain({ home: dir.dir, rpcPort: 0, accounts: 3, logger: silent });
      const w = await wallet(chain.chainInfo.mnemonic, 3);
      const [a0, a1, a2] = (await w.getAccounts()).map((a) => a.address);
      const mixnet = chain.chainInfo.contracts.mixnet;
      let client = await signingClient(chain.rpcUrl, w);
      const bond = await bondMixnodeMsg(client, mixnet, a1, 91);
      await client.execute(a1, mixnet, bond.msg, 'auto', '', bond.funds);
      const secret = new Uint8Array(32).fill(92);
      const gateway: Gateway = {
        host: '10.0.0.92',
        mix_port: 1789,
        clients_port: 9000,
        location: 'here',
        sphinx_key: base58.encode(x25519.getPublicKey(new Uint8Array(32).fill(93))),
        identity_key: base58.encode(ed25519.getPublicKey(secret)),
        version: '1.1.20',
      };
      const pledge = { denom: 'unym', amount: '100000000' };
      const owner_signature = signOwnerPayload(secret, {
        kind: 'gateway-bonding',
        sender: a2,
        nonce: 0,
        pledge,
        gateway,
      });
      await client.execute(a2, mixnet, { bond_gateway: { gateway, owner_signature } }, 'auto', '', [pledge]);
      client.disconnect();
      await chain.close();

      // Rewrite the stored state as the chain wrote it before gateway node ids existed.
      const db = new Database(join(dir.dir, 'chain.sqlite'));
      const row = db.prepare('SELECT state FROM contracts WHERE address = ?').get(mixnet) as {
        state: string;
      };
      const old = JSON.parse(row.state) as Record<string, unknown> & {
        config: Record<string, unknown>;
        mixnodes: Record<string, Record<string, unknown>>;
      };
      delete old.gateway_node_ids;
      delete old.unbonded_mixnodes;
      delete old.config.current_nym_node_semver;
      for (const r of Object.values(old.mixnodes)) delete r.last_rewarded_epoch;
      old.mix_id_counter = 1;
      db.prepare('UPDATE contracts SET state = ? WHERE address = ?').run(JSON.stringify(old), mixnet);
      db.close();

      chain = await startChain({ home: dir.dir, rpcPort: 0, logger: silent });
      client = await signingClient(chain.rpcUrl, w);
      const ids = { ids: [{ identity: gateway.identity_key, node_id: 2 }], start_next_after: null };
      expect(await client.queryContractSmart(mixnet, { get_preassigned_gateway_ids: {} })).toEqual(ids);
      // The next block commits the migrated state; a later restart finds it as it was.
      const bond2 = await bondMixnodeMsg(client, mixnet, a0, 94);
      const r = await client.execute(a0, mixnet, bond2.msg, 'auto', '', bond2.funds);
      expect(r.events.find((e) => e.type === 'wasm-mixnode_bonding')?.attributes).toContainEqual({
        key: 'mix_id',
        value: '3',
      });
      client.disconnect();
      await chain.close();
      const db2 = new Database(join(dir.dir, 'chain.sqlite'), { readonly: true });
      const stored = JSON.parse(
        (db2.prepare('SELECT state FROM contracts WHERE address = ?').get(mixnet) as { state: string }).state,
      ) as { gateway_node_ids: Record<string, number> };
      db2.close();
      expect(stored.gateway_node_ids).toEqual({ [gateway.identity_key]: 2 });
    } finally {
      dir.cleanup();
    }
  });
});
