import type { Command } from 'commander';

type Registrar = (program: Command) => void;

/**
 * Every role's CLI module exports `register(program)`; add one entry per top-level command.
 * Modules load lazily: `nymph mixnode run` loads only the mix node's code, which keeps a
 * role's start-up time its own (help and unknown commands load them all).
 */
const commandModules: Record<string, () => Promise<{ register: Registrar }>> = {
  api: () => import('./api.js'),
  chain: () => import('./chain.js'),
  mixnode: () => import('./mixnode.js'),
  gateway: () => import('./gateway.js'),
  client: () => import('./client.js'),
  localnet: () => import('./localnet.js'),
  demo: () => import('./localnet.js'),
};

/** Registers the command named by `argv[2]`, or every command when it names none of them. */
export async function registerCommands(
  program: Command,
  argv: readonly string[] = process.argv,
): Promise<void> {
  const wanted = argv[2];
  const loaders =
    wanted !== undefined && Object.hasOwn(commandModules, wanted)
      ? [commandModules[wanted]]
      : [...new Set(Object.values(commandModules))];
  const seen = new Set<Registrar>();
  for (const load of loaders) {
    const { register } = await load();
    if (seen.has(register)) continue;
    seen.add(register);
    register(program);
  }
}
