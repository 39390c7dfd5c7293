/**
 * Child-process entry for the roles of a local network: `role-main.ts <command> <args...>`,
 * with `<command>` a role's command from the registry (src/roles.ts), e.g.
 * `role-main.ts mixnode run --home DIR`, or `group <command> --home A --home B` (./group.ts).
 * It registers only that role's CLI (the same code as `nymph <role> ...`), because loading
 * every role's modules costs about a second per process on a small machine.
 *
 * With NYMPH_LOCALNET_GO=<file> it loads its modules, then waits for that file before
 * reading its config: `localnet up` starts every role while the chain is still starting
 * and releases them once their configs (which need the chain's addresses) are written.
 */
import { existsSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { ROLES } from '../../src/roles.js';

type Registrar = (program: Command) => void;

const loaders: Record<string, () => Promise<Registrar>> = {
  ...Object.fromEntries(ROLES.map((r) => [r.command, r.cli])),
  group: async () => (await import('./group.js')).registerGroup,
};

const command = process.argv[2];
const load = command === undefined || !Object.hasOwn(loaders, command) ? undefined : loaders[command];
if (!load) {
  process.stderr.write(
    `localnet: role-main: unknown role ${command ?? '(none)'}; one of ${Object.keys(loaders).join(', ')}\n`,
  );
  process.exit(2);
}
const program = new Command();
program.name('nymph').exitOverride();
(await load())(program);
// the role's own code loads now too, while the chain starts
const role = ROLES.find((r) => r.command === (command === 'group' ? process.argv[3] : command));
await (await role?.load())?.preload?.();
const go = process.env.NYMPH_LOCALNET_GO;
if (go) {
  const deadline = Date.now() + 120_000;
  while (!existsSync(go)) {
    if (Date.now() > deadline) {
      process.stderr.write(`localnet: ${command}: ${go} did not appear within 120 s\n`);
      process.exit(1);
    }
    await new Promise((r) => setTimeout(r, 15));
  }
}
try {
  await program.parseAsync(process.argv);
} catch (err) {
  // help and usage errors: commander has printed them already
  if (err instanceof CommanderError) process.exit(err.exitCode);
  process.stderr.write(`localnet: ${command} failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
}
