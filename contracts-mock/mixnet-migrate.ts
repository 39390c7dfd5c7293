/**
 * State migration of the mixnet contract: a chain that wrote its state before these fields
 * existed loads it into the current shape (the chain runs this at start-up, as CosmWasm runs
 * `migrate`). Deterministic, so a replay or a second node migrates to the same state:
 *
 * - `gateway_node_ids`: bonded gateways get node ids from the mix id counter, in bond order
 *   (block height, then identity key), as Nym preassigned ids to its legacy gateways
 *   (contracts/mixnet/src/gateways/storage.rs `PREASSIGNED_LEGACY_IDS`);
 * - `unbonded_mixnodes`: empty (what unbonded before was not kept);
 * - each mix node's `last_rewarded_epoch`: 0 (its bond epoch was not kept);
 * - `config.current_nym_node_semver`: the default.
 */
import type { GatewayBond, MixNodeRecord, MixnetState } from '../src/contracts/mixnet.js';
import { DEFAULT_NYM_NODE_SEMVER } from './mixnet-nym.js';

type Stored = Omit<MixnetState, 'unbonded_mixnodes' | 'gateway_node_ids' | 'config' | 'mixnodes'> &
  Partial<Pick<MixnetState, 'unbonded_mixnodes' | 'gateway_node_ids'>> & {
    config: Omit<MixnetState['config'], 'current_nym_node_semver'> & { current_nym_node_semver?: string };
    mixnodes: Record<string, Omit<MixNodeRecord, 'last_rewarded_epoch'> & { last_rewarded_epoch?: number }>;
  };

/** Node ids for gateways that have none, in bond order; returns the ids and the new counter. */
export function assignGatewayNodeIds(
  gateways: Record<string, GatewayBond>,
  existing: Record<string, number>,
  counter: number,
): { ids: Record<string, number>; counter: number } {
  const missing = Object.values(gateways)
    .filter((g) => existing[g.gateway.identity_key] === undefined)
    .sort(
      (a, b) =>
        a.block_height - b.block_height ||
        (a.gateway.identity_key < b.gateway.identity_key
          ? -1
          : a.gateway.identity_key > b.gateway.identity_key
            ? 1
            : 0),
    );
  const ids = { ...existing };
  let next = counter;
  for (const g of missing) ids[g.gateway.identity_key] = ++next;
  return { ids, counter: next };
}

export function migrateMixnetState(raw: unknown): MixnetState | null {
  const s = raw as Stored;
  const recordsCurrent = Object.values(s.mixnodes).every((r) => typeof r.last_rewarded_epoch === 'number');
  if (
    s.gateway_node_ids !== undefined &&
    s.unbonded_mixnodes !== undefined &&
    typeof s.config.current_nym_node_semver === 'string' &&
    recordsCurrent
  ) {
    return null;
  }
  const { ids, counter } = assignGatewayNodeIds(s.gateways, s.gateway_node_ids ?? {}, s.mix_id_counter);
  const mixnodes: Record<string, MixNodeRecord> = {};
  for (const [id, r] of Object.entries(s.mixnodes))
    mixnodes[id] = { ...r, last_rewarded_epoch: r.last_rewarded_epoch ?? 0 };
  return {
    ...s,
    config: {
      ...s.config,
      current_nym_node_semver: s.config.current_nym_node_semver ?? DEFAULT_NYM_NODE_SEMVER,
    },
    mix_id_counter: counter,
    mixnodes,
    unbonded_mixnodes: s.unbonded_mixnodes ?? {},
    gateway_node_ids: ids,
  };
}
