/**
 * The chain as a role: `nymph chain run` and localnet's chain. It configures itself from
 * its flags (`--rpc host:port`, `--accounts`, …) over `<home>/config.toml`, which it writes
 * with its defaults on first run (localnet/chain/config.ts).
 */
import type { RoleStartOptions, RunningRole } from '../roles.js';

/** The chain's code, loaded when it starts (localnet's planner loads this module too). */
export const preload = () => import('../../localnet/index.js');

type ChainConfigErrorClass = Awaited<ReturnType<typeof preload>>['ChainConfigError'];

function intFlag(ChainConfigError: ChainConfigErrorClass, v: unknown, name: string): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
  if (typeof v !== 'string' || !/^[0-9]+$/.test(v))
    throw new ChainConfigError(`--${name} must be a non-negative integer, got ${String(v)}`, name);
  return Number(v);
}

function hostPort(
  ChainConfigError: ChainConfigErrorClass,
  v: unknown,
): { rpcHost?: string; rpcPort?: number } {
  if (v === undefined) return {};
  const m = /^(.*):([0-9]{1,5})$/.exec(String(v));
  if (!m) throw new ChainConfigError(`--rpc must be host:port, got ${String(v)}`, 'rpc');
  return { rpcHost: m[1].replace(/^\[(.*)\]$/, '$1') || '127.0.0.1', rpcPort: Number(m[2]) };
}

export async function start(o: RoleStartOptions): Promise<RunningRole> {
  const { startChain, ChainConfigError: E } = await preload();
  const f = o.flags ?? {};
  const chain = await startChain({
    home: o.home,
    ...hostPort(E, f.rpc),
    chainId: f.chainId === undefined ? undefined : String(f.chainId),
    blockIntervalMs: intFlag(E, f.blockIntervalMs, 'block-interval-ms'),
    txBatchMs: intFlag(E, f.txBatchMs, 'tx-batch-ms'),
    accounts: intFlag(E, f.accounts, 'accounts'),
    logLevel: o.logLevel,
    logger: o.logger,
    signal: o.signal,
  });
  return { ready: { rpc: chain.rpcUrl, home: o.home }, stop: () => chain.close() };
}
