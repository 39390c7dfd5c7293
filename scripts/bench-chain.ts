/**
 * Chain benchmark: the chain runs in a child process (`--child`), the load in this one, both
 * through unmodified CosmJS.
 *
 * - exec_tx_per_sec: MsgExecuteContract txs signed offline with CosmJS
 *   (SigningCosmWasmClient.sign with explicit account number/sequence) from several accounts,
 *   broadcast in parallel (in order per account), timed from the first broadcast until
 *   every tx is committed.
 * - smart_query_per_sec: queryContractSmart(mixnet, get_layered_topology) with 100 bonded
 *   mix nodes and 10 gateways, from parallel loops.
 * - Baselines in the same run: bank balance queries per second through the same client
 *   (RPC + protobuf overhead without contract work), and offline CosmJS signatures per second.
 *
 * Usage: npm run bench:chain [-- --txs-per-account N --accounts K --seconds S]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { Comet38Client, HttpBatchClient } from '@cosmjs/tendermint-rpc';
import { SigningCosmWasmClient, CosmWasmClient } from '@cosmjs/cosmwasm-stargate';
import { DirectSecp256k1Wallet, type EncodeObject } from '@cosmjs/proto-signing';
import { Bip39, EnglishMnemonic, Slip10, Slip10Curve, stringToPath } from '@cosmjs/crypto';
import { calculateFee, GasPrice } from '@cosmjs/stargate';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { base58 } from '@scure/base';
import { TxRaw } from 'cosmjs-types/cosmos/tx/v1beta1/tx';
import { MsgExecuteContract } from 'cosmjs-types/cosmwasm/wasm/v1/tx';
import { ContractError, emptyResponse, type Contract } from '../contracts-mock/types.js';
import { signOwnerPayload, type Gateway, type MixNode } from '../contracts-mock/index.js';
import { defaultContracts, startChain } from '../localnet/index.js';

const BENCH_CODE_ID = 100;
const MIXNODES = 100;
const GATEWAYS = 10;

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

/** A minimal contract for the execute load: a counter per sender. */
const benchCounter: Contract<{ counts: Record<string, number> }> = {
  name: 'crates.io:nymph-bench-counter',
  version: '0.1.0',
  instantiate: () => ({ state: { counts: {} }, response: emptyResponse() }),
  execute(state, _env, info, msg) {
    if (!(msg as { increment?: unknown }).increment) throw new ContractError('unknown message');
    const n = (state.counts[info.sender] ?? 0) + 1;
    state.counts[info.sender] = n;
    const response = emptyResponse();
    response.attributes.push({ key: 'action', value: 'increment' }, { key: 'count', value: String(n) });
    return { state, response };
  },
  query: (state, _env, msg) => {
    const who = (msg as { count?: { address?: string } }).count?.address ?? '';
    return { count: state.counts[who] ?? 0 };
  },
};

// ---------------------------------------------------------------- child: the chain

async function child(): Promise<void> {
  const home = process.argv[process.argv.indexOf('--home') + 1];
  const accounts = arg('genesis-accounts', 10);
  const base = defaultContracts();
  const chain = await startChain({
    home,
    rpcPort: 0,
    accounts,
    blockIntervalMs: 1000,
    txBatchMs: 20,
    verifyWorkers: arg('verify-workers', 1),
    logger: pino({ level: 'warn' }, pino.destination(2)),
    contracts: { ...base, codes: new Map([...base.codes, [BENCH_CODE_ID, benchCounter as Contract]]) },
  });
  process.stdout.write(
    `${JSON.stringify({ event: 'chain_ready', rpc: chain.rpcUrl, info: chain.chainInfo })}\n`,
  );
  const stop = (): void => void chain.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

// ---------------------------------------------------------------- query worker

function strArg(name: string): string {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) throw new Error(`bench-chain: --${name} is required`);
  return process.argv[i + 1];
}

/** Run parallel query loops for --seconds and print the count. */
async function queryWorker(): Promise<void> {
  const kind = strArg('query-worker');
  // --batch: CosmJS's HttpBatchClient (JSON-RPC batches, fewer HTTP round trips).
  const reader = process.argv.includes('--batch')
    ? await CosmWasmClient.create(
        await Comet38Client.create(
          new HttpBatchClient(strArg('rpc'), { batchSizeLimit: 16, dispatchInterval: 2 }),
        ),
      )
    : await CosmWasmClient.connect(strArg('rpc'));
  const contract = strArg('contract');
  const address = strArg('address');
  const seconds = arg('seconds', 4);
  const loops = arg('query-concurrency', 16);
  const fn =
    kind === 'smart'
      ? () => reader.queryContractSmart(contract, { get_layered_topology: {} })
      : () => reader.getBalance(address, 'unym');
  // Warm up, then run in the window shared by all workers (start-up CPU stays out of it).
  const startAt = arg('start-at', Date.now());
  while (Date.now() < startAt - 200) await fn();
  await sleep(Math.max(0, startAt - Date.now()));
  const cpu0 = process.cpuUsage();
  let n = 0;
  const end = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: loops }, async () => {
      while (performance.now() < end) {
        await fn();
        n++;
      }
    }),
  );
  reader.disconnect();
  const cpu = process.cpuUsage(cpu0);
  process.stdout.write(
    `${JSON.stringify({ event: 'queries', n, cpu_us_per_query: (cpu.user + cpu.system) / n })}\n`,
  );
}

function runWorker(args: string[]): Promise<{ n: number; cpuUsPerQuery: number }> {
  const self = fileURLToPath(import.meta.url);
  // NYMPH_BENCH_CPU_PROF=DIR writes a V8 CPU profile of each query worker there.
  const prof = process.env.NYMPH_BENCH_CPU_PROF
    ? ['--cpu-prof', '--cpu-prof-dir', process.env.NYMPH_BENCH_CPU_PROF]
    : [];
  const proc = spawn(process.execPath, [...prof, '--import', 'tsx', self, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let n: number | undefined;
    let cpuUsPerQuery = 0;
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      try {
        const ev = JSON.parse(line) as { event?: string; n?: number; cpu_us_per_query?: number };
        if (ev.event === 'queries') {
          n = ev.n;
          cpuUsPerQuery = ev.cpu_us_per_query ?? 0;
        }
      } catch {
        // not ours
      }
    });
    proc.once('exit', (code) =>
      n === undefined
        ? reject(new Error(`bench-chain: worker exited with ${code}`))
        : resolve({ n, cpuUsPerQuery }),
    );
  });
}

// ---------------------------------------------------------------- parent: the load

interface Ready {
  rpc: string;
  info: { chain_id: string; mnemonic: string; accounts: string[]; contracts: Record<string, string> };
}

function spawnChain(home: string, genesisAccounts: number): Promise<{ proc: ChildProcess; ready: Ready }> {
  const self = fileURLToPath(import.meta.url);
  const proc = spawn(
    process.execPath,
    [
      ...cpuProfArgs(),
      '--import',
      'tsx',
      self,
      '--child',
      '--home',
      home,
      '--genesis-accounts',
      String(genesisAccounts),
      '--verify-workers',
      String(arg('verify-workers', 1)),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    proc.once('exit', (code) => reject(new Error(`bench-chain: chain exited with ${code}`)));
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      try {
        const ev = JSON.parse(line) as { event?: string } & Ready;
        if (ev.event === 'chain_ready') resolve({ proc, ready: ev });
      } catch {
        // not ours
      }
    });
  });
}

/** NYMPH_BENCH_CPU_PROF=DIR writes V8 CPU profiles of the chain and the query workers there. */
function cpuProfArgs(): string[] {
  const dir = process.env.NYMPH_BENCH_CPU_PROF;
  return dir ? ['--cpu-prof', '--cpu-prof-dir', dir] : [];
}

/** CPU seconds used so far by a process (Linux /proc), or -1 where unavailable. */
function chainCpuSeconds(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime in clock ticks (100 Hz)
  } catch {
    return -1;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitCommitted(client: CosmWasmClient, hashes: string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const h of hashes) {
    while (!(await client.getTx(h))) {
      if (Date.now() > deadline) throw new Error(`bench-chain: tx ${h} not committed`);
      await sleep(20);
    }
  }
}

async function main(): Promise<void> {
  const loadAccounts = arg('accounts', 16);
  const txsPerAccount = arg('txs-per-account', 200);
  const seconds = arg('seconds', 4);
  const bonders = MIXNODES + GATEWAYS;
  const total = loadAccounts + bonders;
  const home = mkdtempSync(join(tmpdir(), 'nymph-bench-chain-'));
  const { proc, ready } = await spawnChain(home, total);
  try {
    const { rpc, info } = ready;
    // One single-key wallet per account: an HD wallet re-derives every account on each signature.
    const seed = await Bip39.mnemonicToSeed(new EnglishMnemonic(info.mnemonic));
    const signersByAddr = new Map<string, SigningCosmWasmClient>();
    const addrs: string[] = [];
    for (let i = 0; i < total; i++) {
      const { privkey } = Slip10.derivePath(
        Slip10Curve.Secp256k1,
        seed,
        stringToPath(`m/44'/118'/0'/0/${i}`),
      );
      const w = await DirectSecp256k1Wallet.fromKey(privkey, 'n');
      const [{ address }] = await w.getAccounts();
      addrs.push(address);
      signersByAddr.set(address, await SigningCosmWasmClient.offline(w));
    }
    if (addrs[0] !== info.accounts[0])
      throw new Error('bench-chain: derived accounts differ from chain.json');
    const wallet0 = await DirectSecp256k1Wallet.fromKey(
      Slip10.derivePath(Slip10Curve.Secp256k1, seed, stringToPath("m/44'/118'/0'/0/0")).privkey,
      'n',
    );
    const client = await SigningCosmWasmClient.connectWithSigner(rpc, wallet0, {
      gasPrice: GasPrice.fromString('0.025unym'),
      broadcastPollIntervalMs: 50,
    });
    const sign = (sender: string, msgs: EncodeObject[], sequence: number): Promise<Uint8Array> =>
      signersByAddr
        .get(sender)!
        .sign(sender, msgs, fee, '', {
          accountNumber: accountNumbers.get(sender)!,
          sequence,
          chainId: info.chain_id,
        })
        .then((raw) => TxRaw.encode(raw).finish());
    const mixnet = info.contracts.mixnet;
    const fee = calculateFee(250_000, GasPrice.fromString('0.025unym'));
    const accountNumbers = new Map<string, number>();
    for (const a of addrs) accountNumbers.set(a, (await client.getAccount(a))!.accountNumber);

    // Setup: the counter, 100 mix nodes and 10 gateways bonded through signed txs.
    const { contractAddress: counter } = await client.instantiate(
      addrs[0],
      BENCH_CODE_ID,
      {},
      'bench',
      'auto',
    );
    const pledge = { denom: 'unym', amount: '100000000' };
    const bondTxs: Uint8Array[] = [];
    for (let i = 0; i < bonders; i++) {
      const sender = addrs[loadAccounts + i];
      const secret = new Uint8Array(32);
      new DataView(secret.buffer).setUint32(0, i + 1);
      const identity_key = base58.encode(ed25519.getPublicKey(secret));
      const sphinx_key = base58.encode(x25519.getPublicKey(ed25519.utils.randomSecretKey()));
      let msg: unknown;
      if (i < MIXNODES) {
        const mix_node: MixNode = {
          host: `10.1.${i >> 8}.${i & 255}`,
          mix_port: 1789,
          verloc_port: 1790,
          http_api_port: 8000,
          sphinx_key,
          identity_key,
          version: '1.1.20',
        };
        const cost_params = {
          profit_margin_percent: '0.1',
          interval_operating_cost: { denom: 'unym', amount: '40000000' },
        };
        const owner_signature = signOwnerPayload(secret, {
          kind: 'mixnode-bonding',
          sender,
          nonce: 0,
          pledge,
          mix_node,
          cost_params,
        });
        msg = { bond_mixnode: { mix_node, cost_params, owner_signature } };
      } else {
        const gateway: Gateway = {
          host: `10.2.0.${i}`,
          mix_port: 1789,
          clients_port: 9000,
          location: 'Bench',
          sphinx_key,
          identity_key,
          version: '1.1.20',
        };
        const owner_signature = signOwnerPayload(secret, {
          kind: 'gateway-bonding',
          sender,
          nonce: 0,
          pledge,
          gateway,
        });
        msg = { bond_gateway: { gateway, owner_signature } };
      }
      bondTxs.push(await sign(sender, [execMsg(sender, mixnet, msg, [pledge])], 0));
    }
    const bondHashes = await Promise.all(bondTxs.map((t) => client.broadcastTxSync(t)));
    await waitCommitted(client, bondHashes, 30_000);
    const topo = (await client.queryContractSmart(mixnet, { get_layered_topology: {} })) as {
      mixnodes: unknown[];
      gateways: unknown[];
    };
    const topoBytes = JSON.stringify(topo).length;
    console.log(
      `setup: ${topo.mixnodes.length} mix nodes, ${topo.gateways.length} gateways bonded (${topoBytes} B topology)`,
    );
    if (topo.mixnodes.length !== MIXNODES || topo.gateways.length !== GATEWAYS)
      throw new Error('bench-chain: bonding failed');

    // Pre-sign the execute load offline.
    const signers = addrs.slice(0, loadAccounts);
    const startSeq = new Map<string, number>();
    for (const a of signers) startSeq.set(a, (await client.getAccount(a))!.sequence);
    const t0 = performance.now();
    const perAccount: Uint8Array[][] = [];
    for (const a of signers) {
      const txs: Uint8Array[] = [];
      for (let k = 0; k < txsPerAccount; k++) {
        txs.push(await sign(a, [execMsg(a, counter, { increment: {} }, [])], startSeq.get(a)! + k));
      }
      perAccount.push(txs);
    }
    const signSecs = (performance.now() - t0) / 1000;
    const nTxs = loadAccounts * txsPerAccount;
    const signPerSec = nTxs / signSecs;
    console.log(`signed ${nTxs} txs offline in ${signSecs.toFixed(2)} s (${signPerSec.toFixed(0)}/s)`);

    // Broadcast: accounts in parallel, each account's txs in sequence order.
    const t1 = performance.now();
    const chainCpu0 = chainCpuSeconds(proc.pid);
    const lastHashes = await Promise.all(
      perAccount.map(async (txs) => {
        let last = '';
        for (const t of txs) last = await client.broadcastTxSync(t);
        return last;
      }),
    );
    await waitCommitted(client, lastHashes, 60_000);
    const execSecs = (performance.now() - t1) / 1000;
    const chainUsPerTx = chainCpu0 >= 0 ? ((chainCpuSeconds(proc.pid) - chainCpu0) / nTxs) * 1e6 : -1;
    const execPerSec = nTxs / execSecs;
    // Every tx must have executed: each account's count equals its tx count.
    for (const a of signers) {
      const c = (await client.queryContractSmart(counter, { count: { address: a } })) as { count: number };
      if (c.count !== txsPerAccount)
        throw new Error(`bench-chain: ${a} counted ${c.count}, expected ${txsPerAccount}`);
    }
    console.log(
      `executed ${nTxs} txs from ${loadAccounts} accounts in ${execSecs.toFixed(2)} s (chain CPU ${chainUsPerTx.toFixed(0)} us per tx)`,
    );

    // Queries: parallel loops for a fixed time, in worker processes so that the client side
    // (CosmJS decoding a 45 kB topology) is not the bottleneck of what we measure.
    const workers = arg('query-workers', 2);
    const runQueries = async (
      kind: 'balance' | 'smart',
      batch = false,
    ): Promise<{ perSec: number; chainUs: number; clientUs: number }> => {
      const startAt = Date.now() + 4000;
      let cpu0 = -1;
      const sampler = setTimeout(() => (cpu0 = chainCpuSeconds(proc.pid)), startAt - Date.now());
      let cpu1 = -1;
      const sampler2 = setTimeout(
        () => (cpu1 = chainCpuSeconds(proc.pid)),
        startAt - Date.now() + seconds * 1000,
      );
      const counts = await Promise.all(
        Array.from({ length: workers }, () =>
          runWorker([
            '--query-worker',
            kind,
            '--rpc',
            rpc,
            '--contract',
            mixnet,
            '--address',
            addrs[1],
            '--seconds',
            String(seconds),
            '--start-at',
            String(startAt),
            ...(batch ? ['--batch'] : []),
          ]),
        ),
      );
      clearTimeout(sampler);
      clearTimeout(sampler2);
      const n = counts.reduce((a, b) => a + b.n, 0);
      const chainUs = cpu0 >= 0 && cpu1 >= 0 ? ((cpu1 - cpu0) / n) * 1e6 : -1;
      const clientUs = counts.reduce((a, b) => a + b.cpuUsPerQuery * b.n, 0) / n;
      console.log(`  CPU per query: chain ${chainUs.toFixed(0)} us, CosmJS client ${clientUs.toFixed(0)} us`);
      return { perSec: n / seconds, chainUs, clientUs };
    };
    const balance = await runQueries('balance');
    const balancePerSec = balance.perSec;
    console.log(`baseline: ${balancePerSec.toFixed(0)} bank balance queries/s (${workers} client processes)`);
    const smart = await runQueries('smart');
    const smartPerSec = smart.perSec;
    console.log(
      `${smartPerSec.toFixed(0)} get_layered_topology smart queries/s (${workers} client processes)`,
    );
    const batched = await runQueries('smart', true);
    console.log(`${batched.perSec.toFixed(0)} get_layered_topology smart queries/s through HttpBatchClient`);
    client.disconnect();

    console.log(
      JSON.stringify({
        bench: 'chain',
        exec_tx_per_sec: Math.round(execPerSec),
        chain_cpu_us_per_exec_tx: Math.round(chainUsPerTx),
        smart_query_per_sec: Math.round(smartPerSec),
        baseline_balance_query_per_sec: Math.round(balancePerSec),
        smart_query_per_sec_batched: Math.round(batched.perSec),
        chain_cpu_us_per_smart_query: Math.round(smart.chainUs),
        client_cpu_us_per_smart_query: Math.round(smart.clientUs),
        baseline_cosmjs_sign_per_sec: Math.round(signPerSec),
        txs: nTxs,
        accounts: loadAccounts,
        bonded_mixnodes: topo.mixnodes.length,
        bonded_gateways: topo.gateways.length,
        topology_bytes: topoBytes,
      }),
    );
  } finally {
    proc.kill('SIGTERM');
    await new Promise((r) => proc.once('exit', r));
    rmSync(home, { recursive: true, force: true });
  }
}

function execMsg(
  sender: string,
  contract: string,
  msg: unknown,
  funds: { denom: string; amount: string }[],
): EncodeObject {
  return {
    typeUrl: '/cosmwasm.wasm.v1.MsgExecuteContract',
    value: MsgExecuteContract.fromPartial({
      sender,
      contract,
      msg: new TextEncoder().encode(JSON.stringify(msg)),
      funds,
    }),
  };
}

if (process.argv.includes('--child')) await child();
else if (process.argv.includes('--query-worker')) await queryWorker();
else await main();
