/**
 * Child-process entry for the roles of a local network: `role-main.ts <role> <args...>`.
 * It registers only that role's CLI (the same code as `nymph <role> ...`), because loading
 * every role's modules through tsx costs about a second per process on a small machine.
 * `localnet-client` runs the localnet's native client (./client-runner.ts).
 *
 * With NYMPH_LOCALNET_GO=<file> it loads its modules, then waits for that file before
 * reading its config: `localnet up` starts every role while the chain is still starting
 * and releases them once their configs (which need the chain's addresses) are written.
 */
import { existsSync } from 'node:fs';
import { Command, CommanderError } from 'commander';

type Registrar = (program: Command) => void;

const loaders: Record<string, () => Promise<Registrar>> = {
  chain: async () => (await import('../../src/cli/chain.js')).register,
  api: async () => (await import('../../src/cli/api.js')).register,
  mixnode: async () => (await import('../../src/cli/mixnode.js')).register,
  gateway: async () => (await import('../../src/cli/gateway.js')).register,
  client: async () => (await import('../../src/cli/client.js')).register,
  'localnet-client': async () => (await import('./client-runner.js')).registerClientRunner,
  'mixnode-group': async () => (await import('./group.js')).registerGroups,
  'gateway-group': async () => (await import('./group.js')).registerGroups,
  'api-group': async () => (await import('./group.js')).registerGroups,
};

const role = process.argv[2];
const load = role === undefined ? undefined : loaders[role];
if (!load) {
  process.stderr.write(
    `localnet: role-main: unknown role ${role ?? '(none)'}; one of ${Object.keys(loaders).join(', ')}\n`,
  );
  process.exit(2);
}
const program = new Command();
program.name('nymph').exitOverride();
(await load())(program);
const go = process.env.NYMPH_LOCALNET_GO;
if (go) {
  const deadline = Date.now() + 120_000;
  while (!existsSync(go)) {
    if (Date.now() > deadline) {
      process.stderr.write(`localnet: ${role}: ${go} did not appear within 120 s\n`);
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
  process.stderr.write(`localnet: ${role} failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
}
