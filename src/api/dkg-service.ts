/**
 * nym-api's DKG mode: connect the dealer to the coconut-dkg contract, run its loop for the
 * life of the instance, and hand every key share it derives to `onKey` (the service swaps
 * its issuer and writes the key file). `start` resolves once the first share is ready, so
 * an instance reports ready only when it can issue.
 */
import type { Logger } from 'pino';
import type { Parameters, RandomBytes } from '../coconut/index.js';
import { base58 } from '@scure/base';
import type { ApiConfig } from './config.js';
import { resolveHomePath } from './config.js';
import { connectDkgContract, DkgDealer, loadOrCreateDealerKey } from './dkg-dealer.js';
import { ChainUnavailableError } from './errors.js';
import type { KeyShare } from './keys.js';

export interface RunningDkg {
  dealer: DkgDealer;
  /** Stops the loop and closes the chain connection. */
  stop(): Promise<void>;
}

export async function startDkg(o: {
  config: ApiConfig;
  params: Parameters;
  rng: RandomBytes;
  logger: Logger;
  /** This instance's URL, announced on chain unless `dkg.announce_address` is set. */
  url: string;
  onKey: (key: KeyShare, epochId: number) => void;
  signal?: AbortSignal;
}): Promise<RunningDkg> {
  const { config } = o;
  let io;
  try {
    io = await connectDkgContract({
      rpcUrl: config.chain.rpcUrl,
      mnemonic: config.dkg.mnemonic,
      accountIndex: config.dkg.account,
      contract: config.dkg.contract,
    });
  } catch (err) {
    throw new ChainUnavailableError('dkg connect', err instanceof Error ? err.message : String(err));
  }
  const key = loadOrCreateDealerKey(o.params, resolveHomePath(config, config.dkg.keyFile), o.rng);
  const logger = o.logger.child({ dkg: io.address });
  const dealer = new DkgDealer({
    io,
    params: o.params,
    key,
    announceAddress: config.dkg.announceAddress || o.url,
    identityKey: base58.encode(o.params.backend.g1.toBytes(key.publicKey)),
    rng: o.rng,
    logger,
    pollIntervalMs: config.dkg.pollIntervalMs,
    onKey: o.onKey,
  });
  const stop = new AbortController();
  const loop = dealer.run(stop.signal);
  const running: RunningDkg = {
    dealer,
    async stop() {
      stop.abort();
      await loop;
      io.close();
    },
  };
  try {
    const signal = o.signal ? AbortSignal.any([o.signal, stop.signal]) : stop.signal;
    await dealer.nextKey(-1, signal);
  } catch (err) {
    await running.stop();
    throw err;
  }
  return running;
}
