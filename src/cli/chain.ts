/**
 * `nymph chain run --home DIR [--rpc HOST:PORT]`: the localnet chain as its own process.
 * Genesis on first run; DIR/config.toml holds the settings, flags override them.
 */
import type { Command } from 'commander';
import { roleByName } from '../roles.js';
import { addRunCommand } from './role-run.js';

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
        .option('--log-level <level>', 'pino log level (default: the config file, info)'),
  }).description('run the chain; creates a genesis and DIR/chain.json on first run');
}
