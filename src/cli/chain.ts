/**
 * `nymph chain run --home DIR [--rpc HOST:PORT]`: the localnet chain as its own process.
 * Genesis on first run; DIR/config.toml holds the settings, flags override them.
 *
 * This module is also the chain's role module in the registry (`start`): the chain lives
 * in localnet/chain, which only entry points import. It configures itself from its flags
 * (`--rpc host:port`, `--accounts`, …), so localnet passes those rather than writing a file.
 */
import type { Command } from 'commander';
import { roleByName, type RoleStartOptions, type RunningRole } from '../roles.js';
import { addRunCommand } from './role-run.js';

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
    // a comma-separated list, checked like the config file's (ChainCorsConfigError)
    rpcCorsAllowedOrigins: f.corsAllowedOrigins === undefined ? undefined : String(f.corsAllowedOrigins),
    logLevel: o.logLevel,
    logger: o.logger,
    signal: o.signal,
  });
  return { ready: { rpc: chain.rpcUrl, home: o.home }, stop: () => chain.close() };
}

export function register(program: Command): void {
  const spec = roleByName('chain');
  const chain = program.command(spec.command).description(spec.description);
  addRunCommand(chain, spec, {
    options: (run) =>
      run
        .option('--rpc <host:port>', 'JSON-RPC listen address (default 127.0.0.1:26657; port 0 = free port)')
        .option('--chain-id <id>', 'chain id at genesis (default nymph-localnet)')
        .option('--block-interval-ms <ms>', 'block interval when idle (default 1000)')
        .option('--tx-batch-ms <ms>', 'delay from the first pending tx to its block (default 10)')
        .option('--accounts <n>', 'funded genesis accounts (default 10)')
        .option(
          '--cors-allowed-origins <list>',
          'browser origins allowed to call the RPC, comma-separated (default none; * for any)',
        )
        .option('--log-level <level>', 'pino log level (default: the config file, info)'),
  }).description('run the chain; creates a genesis and DIR/chain.json on first run');
}
