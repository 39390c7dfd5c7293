/**
 * `npm start`: `nymph localnet up` (arguments after `--` are its flags; `npm start -- down`
 * and `-- status` run those subcommands), loading only the localnet command so that the
 * network starts without first loading every role. The Sphinx demonstration that used to
 * run here is `nymph demo sphinx`.
 */
import { Command } from 'commander';
import { register } from './localnet.js';

const program = new Command();
program.name('nymph').showHelpAfterError();
register(program);
const args = process.argv.slice(2);
const sub = ['up', 'down', 'status'].includes(args[0] ?? '') ? [] : ['up'];
await program.parseAsync([process.argv[0], process.argv[1], 'localnet', ...sub, ...args]);
