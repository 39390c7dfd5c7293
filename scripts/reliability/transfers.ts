/**
 * Messages through processes that die: a mix node killed with SIGKILL mid-transfer; a
 * gateway killed with messages stored for an offline client, and again mid-drain with the
 * client killed too; the native client restarted with messages waiting (and a running
 * client with no app attached); the chain killed with SIGKILL (its state must survive).
 * Every message carries a unique id; the receiver's counter spans its restarts.
 */
import { connectSigningClients } from '../../src/chain/index.js';
import { sleep, until } from './net.js';
import { tallyFailures, tallyNumbers, type Ctx, type Scenario, type ScenarioResult } from './scenario.js';

const GW_STORED = 'nymph_gateway_messages_stored_total';
const GW_DELIVERED = 'nymph_gateway_messages_delivered_total';
const GW_ACKS = 'nymph_gateway_surb_acks_sent_total';

/** The gateway the receiver is registered with (the part of its address after '@'). */
function receiverGateway(ctx: Ctx): string {
  const id = ctx.receiverAddress.split('@')[1];
  const gw = ctx.net.info.gateways.find((g) => g.identity_key === id);
  if (!gw) throw new Error(`reliability: the receiver's gateway ${id} is not in localnet.json`);
  return gw.name;
}

/** The receiver's app goes away (its client stays). */
export function dropReceiver(ctx: Ctx): void {
  ctx.receiver?.close();
  ctx.receiver = undefined;
}

/** Stops the receiver's app and its native client (kill -9), so that its gateway stores what comes. */
async function receiverOffline(ctx: Ctx): Promise<void> {
  dropReceiver(ctx);
  await ctx.net.kill9(ctx.receiverName);
}

async function receiverBack(ctx: Ctx): Promise<void> {
  await ctx.net.restart(ctx.receiverName);
  await ctx.reconnectReceiver();
}

/**
 * Sends `n` messages of `tag` to the offline receiver and waits (`awaitMs` at most) until its
 * gateway stored them all; returns how many it stored (a shortfall shows at the receiver).
 * A metrics read that fails (a loaded gateway, a 3 s timeout) is polled again, not taken
 * for the end of the wait.
 */
async function storeAtGateway(ctx: Ctx, gateway: string, tag: string, n: number): Promise<number> {
  const before = await ctx.net.gatewayCounter(gateway, GW_STORED);
  await ctx.sender.sendRange(ctx.receiverAddress, tag, 0, n);
  let stored = 0;
  let readError = '';
  await until(
    async () => {
      try {
        stored = (await ctx.net.gatewayCounter(gateway, GW_STORED)) - before;
      } catch (e) {
        readError = ` (last metrics read failed: ${(e as Error).message})`;
        return false;
      }
      return stored >= n;
    },
    ctx.sizes.awaitMs,
    `${n} messages stored at ${gateway}`,
    200,
  ).catch(() =>
    ctx.log(`${gateway} stored ${stored} of ${n} within ${ctx.sizes.awaitMs} ms${readError}; going on`),
  );
  return stored;
}

export const mixnodeKill: Scenario = {
  name: 'mix node kill -9 mid-transfer',
  async run(ctx) {
    const n = ctx.sizes.mixKill;
    const tag = `${ctx.run}-mixkill`;
    const victim = ctx.net.names('mixnode')[2];
    const sending = ctx.sender.sendRange(ctx.receiverAddress, tag, 0, n, Math.max(50, n / 10));
    // mid-transfer: some delivered, most still to come
    await until(
      () => ctx.receiverCounter.distinct(tag) >= n / 5,
      30_000,
      `${n / 5} delivered before the kill`,
      20,
    );
    await ctx.net.kill9(victim);
    ctx.log(`killed ${victim} after ${ctx.receiverCounter.distinct(tag)} of ${n} delivered`);
    await sending;
    const t = await ctx.receiverCounter.await(tag, n, ctx.sizes.awaitMs);
    // the node comes back (same keys, same port): the next messages must all arrive too
    await ctx.net.restart(victim);
    const after = `${tag}-after`;
    await ctx.sender.sendRange(ctx.receiverAddress, after, 0, n, Math.max(50, n / 10));
    const t2 = await ctx.receiverCounter.await(after, n, ctx.sizes.awaitMs);
    return {
      numbers: { ...tallyNumbers('mixnode_kill', t), ...tallyNumbers('mixnode_restarted', t2) },
      failures: [
        ...tallyFailures('mix node kill -9', t),
        ...tallyFailures('after the killed mix node restarted', t2),
      ],
    };
  },
};

/** The receiver's gateway's delivery counters: what it stored, pushed to sockets, acked. */
async function gatewayTally(
  ctx: Ctx,
  gateway: string,
): Promise<{ stored: number; pushed: number; acked: number }> {
  const [stored, pushed, acked] = await Promise.all(
    [GW_STORED, GW_DELIVERED, GW_ACKS].map((c) => ctx.net.gatewayCounter(gateway, c)),
  );
  return { stored, pushed, acked };
}

export const gatewayKillStored: Scenario = {
  name: 'gateway kill -9 with messages stored',
  async run(ctx) {
    const n = ctx.sizes.gatewayStored;
    const tag = `${ctx.run}-gwstored`;
    const gw = receiverGateway(ctx);
    await receiverOffline(ctx);
    // where a message that never reaches the store went: pushed to a socket of the offline
    // client (SURB-acked, so never sent again), or given up by the sender (an error frame)
    const g0 = await gatewayTally(ctx, gw);
    const errors0 = ctx.sender.errors.length;
    const stored = await storeAtGateway(ctx, gw, tag, n);
    const g1 = await gatewayTally(ctx, gw);
    const pushedLive = g1.pushed - g0.pushed;
    const ackedNotStored = Math.max(0, g1.acked - g0.acked - (g1.stored - g0.stored));
    const senderErrors = ctx.sender.errors.slice(errors0);
    await ctx.net.kill9(gw);
    ctx.log(
      `${stored} of ${n} stored at ${gw}; killed it (pushed to the offline client's socket: ${pushedLive}, ` +
        `acked but not stored: ${ackedNotStored}, sender errors: ${senderErrors.length})`,
    );
    await ctx.net.restart(gw);
    await receiverBack(ctx);
    const t = await ctx.receiverCounter.await(tag, n, ctx.sizes.awaitMs);
    const failures = tallyFailures('gateway kill -9 stored', t);
    if (stored < n)
      failures.push(`gateway kill -9 stored: ${n - stored} of ${n} never reached ${gw}'s store`);
    if (pushedLive)
      failures.push(
        `gateway kill -9 stored: ${gw} pushed ${pushedLive} to the socket of a client that was offline`,
      );
    if (senderErrors.length)
      failures.push(
        `gateway kill -9 stored: the sender reported ${senderErrors.length} errors, first: ${senderErrors[0]}`,
      );
    return {
      numbers: {
        ...tallyNumbers('gateway_kill_stored', t),
        gateway_kill_stored_at_gateway: stored,
        gateway_kill_stored_pushed_live: pushedLive,
        gateway_kill_stored_acked_not_stored: ackedNotStored,
        gateway_kill_stored_sender_errors: senderErrors.length,
      },
      failures,
    };
  },
};

export const gatewayKillMidDrain: Scenario = {
  name: 'gateway kill -9 mid-drain, the client killed too',
  async run(ctx) {
    const n = ctx.sizes.gatewayDrain;
    const tag = `${ctx.run}-gwdrain`;
    const gw = receiverGateway(ctx);
    await receiverOffline(ctx);
    await storeAtGateway(ctx, gw, tag, n);
    const delivered0 = await ctx.net.gatewayCounter(gw, GW_DELIVERED);
    // the client comes back and the gateway starts pushing; both die at the first delivery
    // counted (the native client takes delivery receipts: the gateway counts a message
    // delivered once the client confirmed it kept it, and drains at most two batches ahead)
    const back = receiverBack(ctx).catch((e: unknown) => e);
    let pushed = 0;
    await until(
      async () => (pushed = (await ctx.net.gatewayCounter(gw, GW_DELIVERED)) - delivered0) > 0,
      60_000,
      `${gw} pushing stored messages`,
      1,
    );
    await Promise.all([ctx.net.kill9(gw), ctx.net.kill9(ctx.receiverName)]);
    await back;
    dropReceiver(ctx);
    ctx.log(`killed ${gw} and ${ctx.receiverName} after ${pushed} of ${n} pushed`);
    await ctx.net.restart(gw);
    await receiverBack(ctx);
    const t = await ctx.receiverCounter.await(tag, n, ctx.sizes.awaitMs);
    return {
      numbers: { ...tallyNumbers('gateway_kill_drain', t), gateway_kill_drain_pushed_before_kill: pushed },
      failures: tallyFailures('gateway kill -9 mid-drain', t),
      notes:
        pushed >= n
          ? [
              `gateway-drain: all ${n} were pushed before the kill landed (the gateway pushes into the ` +
                'socket buffers in one burst, its metrics unread meanwhile): the kill came right after the drain',
            ]
          : [],
    };
  },
};

export const clientRestart: Scenario = {
  name: 'native client restarted with messages waiting; a client with no app attached',
  async run(ctx) {
    const n = ctx.sizes.clientWaiting;
    const tag = `${ctx.run}-clientwait`;
    const gw = receiverGateway(ctx);
    // an operator's restart: SIGTERM, then the same command again
    dropReceiver(ctx);
    ctx.net.signal(ctx.receiverName, 'SIGTERM');
    const pid = ctx.net.pid(ctx.receiverName);
    await until(() => !isRunning(pid), 15_000, `${ctx.receiverName} stopped`, 50);
    await storeAtGateway(ctx, gw, tag, n);
    await receiverBack(ctx);
    const waiting = await ctx.receiverCounter.await(tag, n, ctx.sizes.awaitMs);

    // messages to a running client while no app is attached: the next app gets them
    const tagNoApp = `${ctx.run}-noapp`;
    const m = 5;
    dropReceiver(ctx);
    await sleep(300);
    await ctx.sender.sendRange(ctx.receiverAddress, tagNoApp, 0, m);
    await sleep(3_000);
    await ctx.reconnectReceiver();
    const noApp = await ctx.receiverCounter.await(tagNoApp, m, ctx.sizes.awaitMs / 2);
    return {
      numbers: { ...tallyNumbers('client_restart', waiting), ...tallyNumbers('client_no_app', noApp) },
      failures: [
        ...tallyFailures('native client restarted with messages waiting', waiting),
        ...tallyFailures('native client with no app attached', noApp),
      ],
    };
  },
};

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** JSON-RPC `status` of the chain: its latest height. */
async function chainHeight(rpc: string): Promise<number> {
  const r = await fetch(rpc, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'status', params: {} }),
    signal: AbortSignal.timeout(5_000),
  });
  const j = (await r.json()) as { result: { sync_info: { latest_block_height: string } } };
  return Number(j.result.sync_info.latest_block_height);
}

async function topologyCounts(apiUrl: string): Promise<{ mixnodes: number; gateways: number }> {
  const t = (await (await fetch(`${apiUrl}/v1/topology`, { signal: AbortSignal.timeout(5_000) })).json()) as {
    mixnodes?: unknown[];
    gateways?: unknown[];
  };
  return { mixnodes: t.mixnodes?.length ?? 0, gateways: t.gateways?.length ?? 0 };
}

/** A spare funded account of the test mnemonic (after every node's), `k` = 1, 2, … */
export function spareAccount(ctx: Ctx, k: number): number {
  return ctx.net.info.chain.accounts.length - k;
}

export const chainKill: Scenario = {
  name: 'chain kill -9 (state kept, the mixnet goes on)',
  async run(ctx): Promise<ScenarioResult> {
    const { chain } = ctx.net.info;
    const connect = () =>
      connectSigningClients({
        rpcUrl: chain.rpc,
        mnemonic: chain.mnemonic,
        accountIndex: spareAccount(ctx, 1),
        contracts: { mixnet: chain.contracts.mixnet, bandwidth: chain.contracts.bandwidth },
        broadcastPollIntervalMs: 100,
      });
    let s = await connect();
    const balance0 = await s.client.getBalance(s.address, 'unym');
    const admin0 = await s.client.getBalance(chain.accounts[0], 'unym');
    s.disconnect();
    const height0 = await chainHeight(chain.rpc);
    const topo0 = await topologyCounts(ctx.net.info.nym_apis[0]);

    await ctx.net.kill9('chain');
    // the mixnet does not need the chain to carry messages
    const n = ctx.sizes.chainOutage;
    const tag = `${ctx.run}-chain`;
    await ctx.sender.sendRange(ctx.receiverAddress, tag, 0, n);
    const outage = await ctx.receiverCounter.await(tag, n, ctx.sizes.awaitMs);
    await ctx.net.restart('chain');

    const lostFacts: string[] = [];
    const height1 = await chainHeight(chain.rpc);
    if (height1 < height0) lostFacts.push(`height went back from ${height0} to ${height1}`);
    s = await connect();
    try {
      const balance1 = await s.client.getBalance(s.address, 'unym');
      if (balance1.amount !== balance0.amount)
        lostFacts.push(`balance ${balance0.amount} became ${balance1.amount}`);
      const admin1 = await s.client.getBalance(chain.accounts[0], 'unym');
      if (admin1.amount !== admin0.amount)
        lostFacts.push(`admin balance ${admin0.amount} became ${admin1.amount}`);
      // the chain goes on: a new tx with the next sequence commits
      const tx = await s.client.sendTokens(
        s.address,
        chain.accounts[0],
        [{ denom: 'unym', amount: '1' }],
        'auto',
      );
      if (tx.code !== 0) lostFacts.push(`a tx after the restart failed with code ${tx.code}`);
    } catch (err) {
      lostFacts.push(`after the restart: ${(err as Error).message}`);
    } finally {
      s.disconnect();
    }
    // every nym-api still shows every bonded node (read from the restarted chain)
    for (const url of ctx.net.info.nym_apis) {
      const t = await topologyCounts(url).catch(() => ({ mixnodes: -1, gateways: -1 }));
      if (t.mixnodes !== topo0.mixnodes || t.gateways !== topo0.gateways)
        lostFacts.push(`${url} shows ${t.mixnodes} mix nodes and ${t.gateways} gateways`);
    }
    return {
      numbers: {
        ...tallyNumbers('chain_kill', outage),
        chain_kill_state_lost: lostFacts.length,
        chain_kill_height_before: height0,
        chain_kill_height_after: height1,
      },
      failures: [
        ...tallyFailures('messages while the chain was down', outage),
        ...lostFacts.map((f) => `chain kill -9: ${f}`),
      ],
    };
  },
};
