/** A localnet chain with short DKG timeouts, its admin, and dealers (nym-apis or bare dealers). */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SigningCosmWasmClient } from '@cosmjs/cosmwasm-stargate';
import { GasPrice } from '@cosmjs/stargate';
import { pino } from 'pino';
import { builtinContracts, genesisContracts, type TimeConfiguration } from '../../contracts-mock/index.js';
import { startChain, type RunningChain } from '../../localnet/index.js';
import { createNymApi, defaultConfig, type NymApi } from '../../src/api/index.js';
import { connectDkgContract, DkgDealer, type DkgContractIo } from '../../src/api/index.js';
import { accountAddresses, accountWallet } from '../../src/chain/index.js';
import { loadBackend, secureRandom, voucherParameters } from '../../src/coconut/index.js';
import { generateDealerKey } from '../../src/dkg/index.js';

/** DKG_TEST_LOG=debug shows the dealers' logs. */
export const quiet = pino({ level: process.env.DKG_TEST_LOG ?? 'silent' }, pino.destination(2));

export interface DkgNet {
  dir: string;
  chain: RunningChain;
  contract: string;
  address(i: number): Promise<string>;
  /** Admin (account 0) executes on the DKG contract. */
  admin(msg: Record<string, unknown>): Promise<void>;
  io(account: number): Promise<DkgContractIo>;
  /** A nym-api with DKG on, dealing from `account` (not started). */
  api(account: number): NymApi;
  /** A bare dealer loop from `account` (started). */
  dealer(account: number): Promise<DkgDealer>;
  close(): Promise<void>;
}

export async function startDkgNet(times: TimeConfiguration): Promise<DkgNet> {
  const dir = mkdtempSync(join(tmpdir(), 'nymph-dkg-'));
  const chain = await startChain({
    home: join(dir, 'chain'),
    rpcHost: '127.0.0.1',
    rpcPort: 0,
    logLevel: 'silent',
    blockIntervalMs: 50,
    accounts: 16,
    contracts: {
      codes: builtinContracts,
      genesis: (admin) => genesisContracts(admin, { dkgTimeConfiguration: times }),
      names: new Map([
        [1, 'mixnet'],
        [2, 'bandwidth'],
        [3, 'coconut_dkg'],
      ]),
    },
  });
  const info = chain.chainInfo;
  const contract = info.contracts.coconut_dkg;
  const wallet = await accountWallet(info.mnemonic, 0);
  const [adminAccount] = await wallet.getAccounts();
  const adminClient = await SigningCosmWasmClient.connectWithSigner(chain.rpcUrl, wallet, {
    gasPrice: GasPrice.fromString('0.025unym'),
    broadcastPollIntervalMs: 50,
  });
  const addresses = await accountAddresses(info.mnemonic, 16);
  const ios: DkgContractIo[] = [];
  const apis: NymApi[] = [];
  const stops: (() => void)[] = [];
  const params = voucherParameters(await loadBackend('mcl'));
  const net: DkgNet = {
    dir,
    chain,
    contract,
    address: async (i) => addresses[i],
    async admin(msg) {
      await adminClient.execute(adminAccount.address, contract, msg, 'auto');
    },
    async io(account) {
      const io = await connectDkgContract({
        rpcUrl: chain.rpcUrl,
        mnemonic: info.mnemonic,
        accountIndex: account,
        contract,
      });
      ios.push(io);
      return io;
    },
    api(account) {
      const c = defaultConfig(join(dir, `api-${account}`));
      mkdirSync(c.home, { recursive: true });
      c.http.port = 0;
      c.chain.rpcUrl = chain.rpcUrl;
      c.chain.mixnetContract = info.contracts.mixnet;
      c.chain.bandwidthContract = info.contracts.bandwidth;
      c.coconut.backend = 'mcl';
      c.storage.database = ':memory:';
      c.dkg = { ...c.dkg, enabled: true, contract, mnemonic: info.mnemonic, account, pollIntervalMs: 200 };
      const api = createNymApi(c, { logger: quiet, shutdownGraceMs: 200 });
      apis.push(api);
      return api;
    },
    async dealer(account) {
      const io = await net.io(account);
      const d = new DkgDealer({
        io,
        params,
        key: generateDealerKey(params.backend, secureRandom),
        announceAddress: `http://dealer-${account}.invalid`,
        identityKey: `dealer-${account}`,
        rng: secureRandom,
        logger: quiet,
        pollIntervalMs: 200,
      });
      const stop = new AbortController();
      void d.run(stop.signal);
      stops.push(() => stop.abort());
      return d;
    },
    async close() {
      for (const s of stops) s();
      for (const a of apis) await a.stop().catch(() => undefined);
      for (const io of ios) io.close();
      adminClient.disconnect();
      await chain.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return net;
}
