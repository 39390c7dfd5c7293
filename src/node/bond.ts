/**
 * Self-bonding at start-up: a node checks whether its owner account already bonds it (by
 * identity key) and, if not, bonds it with a signed `bond_mixnode` / `bond_gateway`
 * through CosmJS, proving ownership with its identity key. Shared by mix nodes and
 * gateways; the chain clients are src/chain's.
 */
import type { Logger } from 'pino';
import { connectSigningClients, type SigningClients } from '../chain/index.js';
import { NodeError } from './errors.js';
import type { NodeKeys } from './keys.js';

export const NODE_VERSION = '0.1.0';

export interface ChainConfig {
  rpcUrl: string;
  /** Owner account's BIP39 mnemonic (funded on the chain). */
  mnemonic: string;
  /** Which account of the mnemonic owns the node (default 0). */
  accountIndex?: number;
  contracts: { mixnet: string; bandwidth: string };
  /** Pledge for the bond, in the smallest denom. */
  pledge?: { denom: string; amount: string };
  timeoutMs?: number;
  broadcastPollIntervalMs?: number;
}

export class BondConflictError extends NodeError {
  override readonly code = 'bond_conflict';
  constructor(
    readonly owner: string,
    readonly bondedIdentity: string,
    readonly identity: string,
  ) {
    super(`account ${owner} already bonds ${bondedIdentity}, not this node (${identity})`);
  }
}

export const DEFAULT_PLEDGE = { denom: 'unym', amount: '100000000' };

export async function connectChain(cfg: ChainConfig, signal?: AbortSignal): Promise<SigningClients> {
  return connectSigningClients({
    rpcUrl: cfg.rpcUrl,
    mnemonic: cfg.mnemonic,
    accountIndex: cfg.accountIndex,
    contracts: cfg.contracts,
    broadcastPollIntervalMs: cfg.broadcastPollIntervalMs,
    txTimeoutMs: cfg.timeoutMs,
    signal,
  });
}

export async function ensureMixnodeBonded(args: {
  chain: ChainConfig;
  keys: NodeKeys;
  node: { host: string; mixPort: number; httpApiPort: number; identityKey: string; sphinxKey: string };
  /** Nymph runs no verloc service; the contract wants a port, Nym's default is announced. */
  verlocPort?: number;
  logger: Logger;
  signal?: AbortSignal;
}): Promise<{ mixId: number; newlyBonded: boolean }> {
  const c = await connectChain(args.chain, args.signal);
  try {
    const opts = { signal: args.signal, timeoutMs: args.chain.timeoutMs };
    const owned = await c.mixnet.getOwnedMixnode(c.address, opts);
    if (owned) {
      const bonded = owned.bond_information.mix_node.identity_key;
      if (bonded !== args.node.identityKey)
        throw new BondConflictError(c.address, bonded, args.node.identityKey);
      args.logger.info({ mixId: owned.bond_information.mix_id }, 'mix node already bonded');
      return { mixId: owned.bond_information.mix_id, newlyBonded: false };
    }
    const r = await c.mixnet.bondMixnode(
      {
        mixNode: {
          host: args.node.host,
          mix_port: args.node.mixPort,
          verloc_port: args.verlocPort ?? 1790,
          // without a metrics endpoint Nym's default port is announced (the contract needs one)
          http_api_port: args.node.httpApiPort || 8000,
          sphinx_key: args.node.sphinxKey,
          identity_key: args.node.identityKey,
          version: NODE_VERSION,
        },
        costParams: {
          profit_margin_percent: '0.1',
          interval_operating_cost: { denom: (args.chain.pledge ?? DEFAULT_PLEDGE).denom, amount: '0' },
        },
        pledge: args.chain.pledge ?? DEFAULT_PLEDGE,
        proof: { identitySecretKey: args.keys.identitySecret },
      },
      opts,
    );
    args.logger.info({ mixId: r.mixId, tx: r.txHash }, 'mix node bonded');
    return { mixId: r.mixId, newlyBonded: true };
  } finally {
    c.disconnect();
  }
}

export async function ensureGatewayBonded(args: {
  chain: ChainConfig;
  keys: NodeKeys;
  gateway: { host: string; mixPort: number; clientsPort: number; identityKey: string; sphinxKey: string };
  location?: string;
  logger: Logger;
  signal?: AbortSignal;
}): Promise<{ newlyBonded: boolean }> {
  const c = await connectChain(args.chain, args.signal);
  try {
    const opts = { signal: args.signal, timeoutMs: args.chain.timeoutMs };
    const owned = await c.mixnet.getOwnedGateway(c.address, opts);
    if (owned) {
      const bonded = owned.gateway.identity_key;
      if (bonded !== args.gateway.identityKey)
        throw new BondConflictError(c.address, bonded, args.gateway.identityKey);
      args.logger.info({ identity: bonded }, 'gateway already bonded');
      return { newlyBonded: false };
    }
    const r = await c.mixnet.bondGateway(
      {
        gateway: {
          host: args.gateway.host,
          mix_port: args.gateway.mixPort,
          clients_port: args.gateway.clientsPort,
          location: args.location ?? 'localnet',
          sphinx_key: args.gateway.sphinxKey,
          identity_key: args.gateway.identityKey,
          version: NODE_VERSION,
        },
        pledge: args.chain.pledge ?? DEFAULT_PLEDGE,
        proof: { identitySecretKey: args.keys.identitySecret },
      },
      opts,
    );
    args.logger.info({ tx: r.txHash }, 'gateway bonded');
    return { newlyBonded: true };
  } finally {
    c.disconnect();
  }
}
