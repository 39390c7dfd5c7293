/** The gateway's SQLite store: inbox order and deletion, purge by age, spends, reopen. */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { GatewayStore } from '../../src/gateway/store.js';
import { tempHome } from '../mixnode/helpers.js';
import { random } from './client.js';

describe('gateway store', () => {
  it('keeps the inbox in order, purges by age, records spends, and survives a reopen', () => {
    const dir = tempHome('gwstore');
    const file = path.join(dir, 'g.sqlite');
    let s = new GatewayStore(file);
    const alice = random(32);
    const bob = random(32);
    s.putClient(alice, random(32), 1);
    for (let i = 0; i < 250; i++) s.storeMessage(alice, new Uint8Array([i & 0xff, i >> 8]), 1000 + i);
    s.storeMessage(bob, new Uint8Array([9]), 5000);
    const first = s.messages(alice, 100);
    expect(first.map((m) => m.content[0] | (m.content[1] << 8))).toEqual(
      Array.from({ length: 100 }, (_, i) => i),
    );
    s.deleteMessages(first.map((m) => m.id));
    expect(s.countMessages(alice)).toBe(150);
    expect(s.purgeOlderThan(1200)).toBe(100); // messages 100..199 were received before 1200
    expect(s.countMessages(alice)).toBe(50);
    expect(s.countMessages(bob)).toBe(1);
    s.recordSpend('serial-1', alice, 102400, 102400, 10);
    expect(s.isSpent('serial-1')).toBe(true);
    expect(() => s.recordSpend('serial-1', alice, 1, 1, 11)).toThrow();
    s.close();
    s = new GatewayStore(file);
    expect(s.getClient(alice)?.bandwidth).toBe(102400);
    expect(s.countMessages(alice)).toBe(50);
    expect(s.isSpent('serial-1')).toBe(true);
    expect(s.clientIdentities()).toHaveLength(1);
    s.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
