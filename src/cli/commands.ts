import type { Command } from 'commander';
import { register as registerApi } from './api.js';
import { register as registerChain } from './chain.js';
import { register as registerMixnode } from './mixnode.js';
import { register as registerGateway } from './gateway.js';
import { register as registerClient } from './client.js';
import { register as registerLocalnet } from './localnet.js';

/**
 * Every role's CLI module exports `register(program)`. Add one line per role here.
 */
type Registrar = (program: Command) => void;

const registrars: Registrar[] = [
  registerApi,
  registerChain,
  registerMixnode,
  registerGateway,
  registerClient,
  registerLocalnet,
];

export function registerCommands(program: Command): void {
  for (const register of registrars) register(program);
}
