/**
 * DKG benchmark: the whole DKG of src/dkg through the coconut-dkg contract on a localnet
 * chain in this process (block interval 50 ms), with 3, 5 and 10 dealers (each its own
 * dealer loop and chain account, all in this one process, so the figure is the sum of every
 * dealer's work on the machine's cores): wall time from `initiate_dkg` until every dealer
 * holds its key share. Baseline in the same run: the trusted dealer (`ttpKeygen`, what
 * `nymph api keygen` does) for the same n. Prints one line per size and the JSON line last.
 *
 *   npm run bench:dkg                 (BENCH_DKG_SIZES=3,5 to choose the sizes)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SigningCosmWasmClient } from '@cosmjs/cosmwasm-stargate';
import { GasPrice } from '@cosmjs/stargate';
import { pino } from 'pino';
import { builtinContracts, genesisContracts } from '../contracts-mock/index.js';
import { startChain } from '../localnet/index.js';
import { connectDkgContract, DkgDealer, type DkgContractIo } from '../src/api/index.js';
import { accountAddresses, accountWallet } from '../src/chain/index.js';
import { loadBackend, secureRandom, ttpKeygen, voucherParameters } from '../src/coconut/index.js';
import { dkgThreshold, generateDealerKey } from '../src/dkg/index.js';

const SIZES = (process.env.BENCH_DKG_SIZES ?? '3,5,10').split(',').map(Number);
const TIMES = {
  public_key_submission_time_secs: 600,
  dealing_exchange_time_secs: 600,
  verification_key_submission_time_secs: 600,
  verification_key_validation_time_secs: 600,
  verification_key_finalization_time_secs: 600,
  in_progress_time_secs: 1_000_000,
};

const params = voucherParameters(await loadBackend('mcl'));
const quiet = pino({ level: process.env.BENCH_LOG ?? 'silent' }, pino.destination(2));

async function runDkg(n: number): Promise<{ ms: number; threshold: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'nymph-bench-dkg-'));
  const chain = await startChain({
    home: join(dir, 'chain'),
    rpcHost: '127.0.0.1',
    rpcPort: 0,
    logLevel: 'silent',
    blockIntervalMs: 50,
    accounts: n + 1,
    contracts: {
      codes: builtinContracts,
      genesis: (admin) => genesisContracts(admin, { dkgTimeConfiguration: TIMES }),
      names: new Map([
        [1, 'mixnet'],
        [2, 'bandwidth'],
        [3, 'coconut_dkg'],
      ]),
    },
  });
  const { mnemonic, contracts } = chain.chainInfo;
  const contract = contracts.coconut_dkg;
  const wallet = await accountWallet(mnemonic, 0);
  const [admin] = await wallet.getAccounts();
  const client = await SigningCosmWasmClient.connectWithSigner(chain.rpcUrl, wallet, {
    gasPrice: GasPrice.fromString('0.025unym'),
    broadcastPollIntervalMs: 50,
  });
  const members = (await accountAddresses(mnemonic, n + 1)).slice(1);
  await client.execute(
    admin.address,
    contract,
    { update_members: { add: members.map((addr) => ({ addr, weight: 1 })), remove: [] } },
    'auto',
  );
  const ios: DkgContractIo[] = [];
  for (let i = 1; i <= n; i++)
    ios.push(await connectDkgContract({ rpcUrl: chain.rpcUrl, mnemonic, accountIndex: i, contract }));
  const stop = new AbortController();
  const dealers = ios.map(
    (io, i) =>
      new DkgDealer({
        io,
        params,
        key: generateDealerKey(params.backend, secureRandom),
        announceAddress: `http://dealer-${i + 1}.invalid`,
        identityKey: `dealer-${i + 1}`,
        rng: secureRandom,
        logger: quiet,
        pollIntervalMs: 100,
      }),
  );
  const loops = dealers.map((d) => d.run(stop.signal));
  const t0 = performance.now();
  await client.execute(admin.address, contract, { initiate_dkg: {} }, 'auto');
  const keys = await Promise.all(dealers.map((d) => d.nextKey()));
  const ms = performance.now() - t0;
  stop.abort();
  await Promise.all(loops);
  for (const io of ios) io.close();
  client.disconnect();
  await chain.close();
  rmSync(dir, { recursive: true, force: true });
  return { ms, threshold: keys[0].key.threshold };
}

const out: Record<string, { dkg_ms: number; threshold: number; ttp_keygen_ms: number }> = {};
for (const n of SIZES) {
  const { ms, threshold } = await runDkg(n);
  const t0 = performance.now();
  ttpKeygen(params, dkgThreshold(n), n, secureRandom);
  const ttp = performance.now() - t0;
  out[n] = { dkg_ms: Math.round(ms), threshold, ttp_keygen_ms: Math.round(ttp * 10) / 10 };
  console.log(`dkg n=${n} t=${threshold}: ${Math.round(ms)} ms (trusted dealer ${out[n].ttp_keygen_ms} ms)`);
}
console.log(JSON.stringify({ bench: 'dkg', backend: 'mcl', dealers: out }));
