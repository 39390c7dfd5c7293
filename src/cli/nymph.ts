/**
 * `nymph <role> <command>`: one thin entry point for every role. Each role registers its
 * own subcommand from a module in this folder, so this file stays a list.
 */
import { Command } from 'commander';
import { registerCommands } from './commands.js';

const program = new Command();
program.name('nymph').description('Nymph: a Nym-style mixnet, every role in one binary').showHelpAfterError();
await registerCommands(program);
try {
  await program.parseAsync(process.argv);
} catch (err) {
  // a bad flag, config or start-up failure: one clear line, the stack only when asked for
  process.stderr.write(`nymph: ${err instanceof Error ? err.message : String(err)}\n`);
  if (process.env.NYMPH_DEBUG) process.stderr.write(`${err instanceof Error ? err.stack : ''}\n`);
  process.exitCode = 1;
  // the process ends here even if a role left something open on its way down (a failed
  // start must not leave a process that looks alive); a clean one has ended before this
  setTimeout(() => process.exit(1), 1_000).unref();
}
