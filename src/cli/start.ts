/**
 * `npm start`: `nymph localnet up` (arguments after `--` are its flags), loading only the
 * localnet command so that the network starts without first loading every role.
 * The Sphinx demonstration that used to run here is `nymph demo sphinx`.
 */
import { Command } from 'commander';
import { register } from './localnet.js';

const program = new Command();
program.name('nymph').showHelpAfterError();
register(program);
await program.parseAsync([process.argv[0], process.argv[1], 'localnet', 'up', ...process.argv.slice(2)]);
