/**
 * `nymph chain run --home DIR [--rpc HOST:PORT]`: the localnet chain as its own process.
 * Genesis on first run; DIR/config.toml holds the settings, flags override them.
 */
import type { Command } from 'commander';
import { ChainConfigError, ChainStoreError, startChain } from '../../localnet/index.js';

interface RunFlags {
  home: string;
  rpc?: string;
  chainId?: string;
  blockIntervalMs?: string;
  txBatchMs?: string;
  accounts?: string;
  logLevel?: string;
}

function intFlag(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  if (!/^[0-9]+$/.test(v))
    throw new ChainConfigError(`--${name} must be a non-negative integer, got ${v}`, name);
  return Number(v);
}

export function register(program: Command): void {
  const chain = program
    .command('chain')
    .description('the localnet chain (CometBFT JSON-RPC, Cosmos SDK txs, built-in contracts)');
  chain
    .command('run')
    .description('run the chain; creates a genesis and DIR/chain.json on first run')
    .requiredOption('--home <dir>', 'chain home directory (config.toml, chain.sqlite, chain.json)')
    .option('--rpc <host:port>', 'JSON-RPC listen address (default 127.0.0.1:26657; port 0 = free port)')
    .option('--chain-id <id>', 'chain id at genesis (default nymph-localnet)')
    .option('--block-interval-ms <ms>', 'block interval when idle (default 1000)')
    .option('--tx-batch-ms <ms>', 'delay from the first pending tx to its block (default 10)')
    .option('--accounts <n>', 'funded genesis accounts (default 10)')
    .option('--log-level <level>', 'pino log level (default info)')
    .action(async (flags: RunFlags) => {
      let running;
      try {
        let rpcHost: string | undefined;
        let rpcPort: number | undefined;
        if (flags.rpc !== undefined) {
          const m = /^(.*):([0-9]{1,5})$/.exec(flags.rpc);
          if (!m) throw new ChainConfigError(`--rpc must be host:port, got ${flags.rpc}`, 'rpc');
          rpcHost = m[1] || '127.0.0.1';
          rpcPort = Number(m[2]);
        }
        running = await startChain({
          home: flags.home,
          rpcHost,
          rpcPort,
          chainId: flags.chainId,
          blockIntervalMs: intFlag(flags.blockIntervalMs, 'block-interval-ms'),
          txBatchMs: intFlag(flags.txBatchMs, 'tx-batch-ms'),
          accounts: intFlag(flags.accounts, 'accounts'),
          logLevel: flags.logLevel,
        });
      } catch (e) {
        // Configuration and store problems are the user's to fix: one line, no stack.
        if (e instanceof ChainConfigError || e instanceof ChainStoreError) {
          process.stderr.write(`${e.message}\n`);
          process.exitCode = 1;
          return;
        }
        throw e;
      }
      // One line on stdout for scripts and parent processes: where the chain answers.
      process.stdout.write(
        `${JSON.stringify({ event: 'chain_ready', rpc: running.rpcUrl, home: flags.home })}\n`,
      );
      const stop = (): void => {
        void running.close().then(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
