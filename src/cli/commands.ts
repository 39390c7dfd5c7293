import type { Command } from 'commander';
import { ROLES } from '../roles.js';

type Registrar = (program: Command) => void;

/**
 * Every role's command comes from its registry entry (../roles.ts); `localnet` and `demo`
 * are the commands that are not roles. Modules load lazily: `nymph mixnode run` loads only
 * the mix node's code, which keeps a role's start-up time its own (help and unknown
 * commands load them all).
 */
const localnet = async (): Promise<Registrar> => (await import('./localnet.js')).register;
const commandModules: Record<string, () => Promise<Registrar>> = {
  ...Object.fromEntries(ROLES.map((r) => [r.command, r.cli])),
  localnet,
  demo: localnet,
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
    const register = await load();
    if (seen.has(register)) continue;
    seen.add(register);
    register(program);
  }
}
