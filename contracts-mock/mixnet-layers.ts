/**
 * The rewarded set and its layers. Nymph chooses deterministically (lowest mix ids first, as
 * many nodes as possible kept in place) where Nym samples by stake, so every node computes the
 * same set from the same state.
 */
import type { Layer, MixNodeRecord, MixnetState, RewardedSetNodeStatus } from '../src/contracts/mixnet.js';

export function withStatus(state: MixnetState, status: RewardedSetNodeStatus | undefined): MixNodeRecord[] {
  return Object.values(state.mixnodes).filter((r) => state.rewarded_set[r.bond.mix_id] === status);
}

export function layerCounts(records: readonly MixNodeRecord[]): [number, number, number] {
  const counts: [number, number, number] = [0, 0, 0];
  for (const r of records) counts[r.bond.layer - 1]++;
  return counts;
}

/** The least-populated layer; ties go to the lowest layer. */
export function leastPopulatedLayer(counts: readonly number[]): Layer {
  let best = 0;
  for (let i = 1; i < 3; i++) if (counts[i] < counts[best]) best = i;
  return (best + 1) as Layer;
}

/**
 * Rebalance a group so layer sizes differ by at most one, keeping as many nodes in place
 * as possible: repeatedly move the newest node of the largest layer to the smallest.
 * Returns mix_id -> layer for the whole group.
 */
export function rebalanceLayers(nodes: readonly { mix_id: number; layer: Layer }[]): Map<number, Layer> {
  const byLayer: number[][] = [[], [], []];
  for (const n of [...nodes].sort((a, b) => a.mix_id - b.mix_id)) byLayer[n.layer - 1].push(n.mix_id);
  for (;;) {
    let hi = 0;
    let lo = 0;
    for (let i = 1; i < 3; i++) {
      if (byLayer[i].length > byLayer[hi].length) hi = i;
      if (byLayer[i].length < byLayer[lo].length) lo = i;
    }
    if (byLayer[hi].length - byLayer[lo].length <= 1) break;
    byLayer[lo].push(byLayer[hi].pop() as number);
    byLayer[lo].sort((a, b) => a - b);
  }
  const out = new Map<number, Layer>();
  byLayer.forEach((ids, i) => ids.forEach((id) => out.set(id, (i + 1) as Layer)));
  return out;
}

export interface RewardedSetChoice {
  rewarded: Record<string, RewardedSetNodeStatus>;
  layers: Map<number, Layer>;
}

/**
 * Choose the rewarded set for a new epoch: the lowest mix ids, active first, each group
 * rebalanced over the three layers.
 */
export function autoRewardedSet(state: MixnetState): RewardedSetChoice {
  const { mixnode_active_set_size: active, mixnode_rewarded_set_size: rewardedSize } = state.config.params;
  const all = Object.values(state.mixnodes).map((r) => ({ mix_id: r.bond.mix_id, layer: r.bond.layer }));
  const chosen = all.slice(0, Math.max(rewardedSize, active));
  const act = chosen.slice(0, active);
  const stb = chosen.slice(active);
  const rewarded: Record<string, RewardedSetNodeStatus> = {};
  for (const n of act) rewarded[n.mix_id] = 'active';
  for (const n of stb) rewarded[n.mix_id] = 'standby';
  const layers = new Map([...rebalanceLayers(act), ...rebalanceLayers(stb)]);
  return { rewarded, layers };
}

export function applyLayers(
  mixnodes: Record<string, MixNodeRecord>,
  layers: Map<number, Layer>,
): Record<string, MixNodeRecord> {
  const out: Record<string, MixNodeRecord> = {};
  for (const [id, r] of Object.entries(mixnodes)) {
    const layer = layers.get(r.bond.mix_id);
    out[id] = layer === undefined || layer === r.bond.layer ? r : { ...r, bond: { ...r.bond, layer } };
  }
  return out;
}
