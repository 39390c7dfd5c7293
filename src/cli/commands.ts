import type { Command } from 'commander';

/**
 * Every role's CLI module exports `register(program)`. Add one line per role here.
 */
type Registrar = (program: Command) => void;

const registrars: Registrar[] = [];

export function registerCommands(program: Command): void {
  for (const register of registrars) register(program);
}
