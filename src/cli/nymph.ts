/**
 * `nymph <role> <command>`: one thin entry point for every role. Each role registers its
 * own subcommand from a module in this folder, so this file stays a list.
 */
import { Command } from 'commander';
import { registerCommands } from './commands.js';

const program = new Command();
program.name('nymph').description('Nymph: a Nym-style mixnet, every role in one binary').showHelpAfterError();
await registerCommands(program);
await program.parseAsync(process.argv);
