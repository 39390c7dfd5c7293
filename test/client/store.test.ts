import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryReplyStore, type ReplyStore } from '../../src/client/store.js';
import { SqliteReplyStore } from '../../src/client/store-sqlite.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function sqlite(): { make: () => ReplyStore } {
  const dir = mkdtempSync(join(tmpdir(), 'nymph-client-store-'));
  dirs.push(dir);
  return { make: () => new SqliteReplyStore(join(dir, 'reply.sqlite')) };
}

const tag = new Uint8Array(16).fill(1);
const tag2 = new Uint8Array(16).fill(2);

describe.each([
  ['memory', () => ({ make: () => new MemoryReplyStore() as ReplyStore })],
  ['sqlite', sqlite],
])('%s reply store', (_name, factory) => {
  it('hands out SURBs oldest first, each once', () => {
    const s = factory().make();
    s.addSurbs(tag, [Uint8Array.of(1), Uint8Array.of(2), Uint8Array.of(3)], 0);
    s.addSurbs(tag2, [Uint8Array.of(9)], 0);
    expect(s.surbCount(tag)).toBe(3);
    expect(s.takeSurbs(tag, 2)).toEqual([Uint8Array.of(1), Uint8Array.of(2)]);
    expect(s.takeSurbs(tag, 5)).toEqual([Uint8Array.of(3)]);
    expect(s.takeSurbs(tag, 1)).toEqual([]);
    expect(s.surbCount(tag2)).toBe(1);
    s.close();
  });

  it('stores sender tags and one-use reply keys', () => {
    const s = factory().make();
    expect(s.getSenderTag('addr')).toBeUndefined();
    s.setSenderTag('addr', tag);
    expect(s.getSenderTag('addr')).toEqual(tag);
    const d = new Uint8Array(32).fill(5);
    s.putReplyKeys([{ digest: d, key: new Uint8Array(16).fill(6), tag }], 10);
    expect(s.replyKeyCount(tag)).toBe(1);
    expect(s.takeReplyKey(d)).toEqual({ key: new Uint8Array(16).fill(6), tag });
    expect(s.takeReplyKey(d)).toBeUndefined();
    expect(s.replyKeyCount(tag)).toBe(0);
    s.close();
  });

  it('prunes old entries', () => {
    const s = factory().make();
    s.addSurbs(tag, [Uint8Array.of(1)], 5);
    s.addSurbs(tag, [Uint8Array.of(2)], 50);
    s.putReplyKeys([{ digest: new Uint8Array(32), key: new Uint8Array(16), tag }], 5);
    s.prune(10);
    expect(s.takeSurbs(tag, 9)).toEqual([Uint8Array.of(2)]);
    expect(s.replyKeyCount(tag)).toBe(0);
    s.close();
  });
});

describe('sqlite reply store', () => {
  it('persists across restarts', () => {
    const f = sqlite();
    const a = f.make();
    a.addSurbs(tag, [Uint8Array.of(7, 7)], 1);
    a.setSenderTag('x', tag2);
    a.putReplyKeys([{ digest: new Uint8Array(32).fill(3), key: new Uint8Array(16).fill(4), tag: tag2 }], 1);
    a.close();
    const b = f.make();
    expect(b.takeSurbs(tag, 1)).toEqual([Uint8Array.of(7, 7)]);
    expect(b.getSenderTag('x')).toEqual(tag2);
    expect(b.takeReplyKey(new Uint8Array(32).fill(3))?.key).toEqual(new Uint8Array(16).fill(4));
    b.close();
  });

  it('writes a turn of changes behind in one transaction, in order (a second reader sees them after the turn)', async () => {
    const f = sqlite();
    const a = f.make() as SqliteReplyStore;
    a.addSurbs(tag, [Uint8Array.of(1), Uint8Array.of(2), Uint8Array.of(3)], 1);
    expect(a.takeSurbs(tag, 1)).toEqual([Uint8Array.of(1)]);
    a.putReplyKeys([{ digest: new Uint8Array(32).fill(8), key: new Uint8Array(16).fill(9), tag }], 1);
    expect(a.takeReplyKey(new Uint8Array(32).fill(8))).toBeDefined();
    a.setSenderTag('y', tag);
    await new Promise((r) => setImmediate(r));
    // `a` is still open (as if its process were killed now): the file holds the turn's result
    const b = f.make();
    expect(b.surbCount(tag)).toBe(2);
    expect(b.takeSurbs(tag, 5)).toEqual([Uint8Array.of(2), Uint8Array.of(3)]);
    expect(b.takeReplyKey(new Uint8Array(32).fill(8))).toBeUndefined();
    expect(b.getSenderTag('y')).toEqual(tag);
    b.close();
    a.close();
  });

  it('writes reply keys, received SURBs and sender tags at once (a crash right after leaves them in the file)', () => {
    const f = sqlite();
    const a = f.make() as SqliteReplyStore;
    a.addSurbs(tag, [Uint8Array.of(5)], 1);
    a.putReplyKeys([{ digest: new Uint8Array(32).fill(6), key: new Uint8Array(16).fill(7), tag }], 1);
    a.setSenderTag('z', tag2);
    // no turn has ended: `a` is still open, as if its process were killed now
    const b = f.make();
    expect(b.surbCount(tag)).toBe(1);
    expect(b.takeReplyKey(new Uint8Array(32).fill(6))?.key).toEqual(new Uint8Array(16).fill(7));
    expect(b.getSenderTag('z')).toEqual(tag2);
    b.close();
    a.close();
  });

  it('reports a deferred write that fails to onError, and memory stays as it was', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nymph-client-store-'));
    dirs.push(dir);
    const errors: Error[] = [];
    const s = new SqliteReplyStore(join(dir, 'reply.sqlite'), (e) => errors.push(e));
    s.addSurbs(tag, [Uint8Array.of(1)], 1);
    // a SURB that is no blob: SQLite's NOT NULL refuses it when the queue runs
    (s as unknown as { write(st: unknown, ...a: unknown[]): void }).write(
      (s as unknown as { st: Record<string, unknown> }).st.addSurb,
      Buffer.from(tag),
      null,
      1,
    );
    await new Promise((r) => setImmediate(r));
    expect(errors).toHaveLength(1);
    expect((errors[0] as { code?: string }).code).toBe('SQLITE_CONSTRAINT_NOTNULL');
    expect(s.surbCount(tag)).toBe(1);
    s.close();
  });
});
