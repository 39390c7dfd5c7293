/**
 * The client's Prometheus registry reports the reassembler's memory: incomplete sets, set
 * ids remembered against late duplicates, those the cap evicted early, and fresh messages
 * that drew a remembered id (delivered, not taken for duplicates).
 */
import { describe, expect, it } from 'vitest';
import { clientRegistry } from '../../src/client/metrics.js';
import { createNodeClient } from '../../src/client/node.js';

describe('client metrics: reassembly', () => {
  it('exposes the remembered-set gauges, zero before the client starts', async () => {
    const core = createNodeClient({
      topology: async () => {
        throw new Error('no topology in this test');
      },
    });
    expect(core.reassembly).toEqual({ incomplete: 0, remembered: 0, evicted: 0, idCollisions: 0 });
    const text = await clientRegistry(core).metrics();
    for (const name of [
      'nymph_client_reassembly_incomplete_sets',
      'nymph_client_remembered_sets',
      'nymph_client_remembered_evicted_total',
      'nymph_client_set_id_collisions_total',
    ])
      expect(text).toMatch(new RegExp(`^${name} 0$`, 'm'));
    await core.stop();
  });
});
